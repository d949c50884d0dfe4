// Every rule of the catalog (../shared/design/rules.md). The ids are a public contract.
import type { Rule } from '../src/rule.js';
import { noDedup } from './no-dedup.js';
import { ackBeforeProcess } from './ack-before-process.js';
import { swallowedError } from './swallowed-error.js';
import { floatingPromise } from './floating-promise.js';
import { unboundedRetry } from './unbounded-retry.js';
import { orderDependent } from './order-dependent.js';
import { assumesPriorEvent } from './assumes-prior-event.js';
import { unorderedBatch } from './unordered-batch.js';
import { dualWrite } from './dual-write.js';
import { missingCorrelationId } from './missing-correlation-id.js';
import { wallClockDependence } from './wall-clock-dependence.js';

export const RULES: readonly Rule[] = [
  noDedup,
  ackBeforeProcess,
  swallowedError,
  floatingPromise,
  unboundedRetry,
  orderDependent,
  assumesPriorEvent,
  unorderedBatch,
  dualWrite,
  missingCorrelationId,
  wallClockDependence,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
