// unordered-batch: deliveries of an ordered source (Kafka partition, Kinesis shard, DynamoDB
// stream, FIFO group, Redis stream) processed concurrently, so per-key order is lost.
import { ts, isFunctionNode } from '../src/analysis/ast.js';
import { concurrentBatchesIn, deliveryBatchMatcher } from '../src/analysis/concurrency.js';
import { walkOwn } from '../src/analysis/reach.js';
import type { Rule } from '../src/rule.js';

export const unorderedBatch: Rule = {
  id: 'unordered-batch',
  defaultLevel: 'warning',
  description: 'A batch from an ordered source is processed concurrently, breaking per-key order.',
  tags: ['reliability', 'consistency'],
  precision: 'high',
  check(ctx) {
    const { handler, reach, project } = ctx;
    const params: { fn: ts.Node; index: number }[] = [];
    for (const fn of [handler.body, ...handler.extraBodies]) {
      if (isFunctionNode(fn)) for (const index of handler.delivery.params) params.push({ fn, index });
    }
    const loop = isFunctionNode(handler.body) ? undefined : handler.body;
    const isDeliveryBatch = deliveryBatchMatcher(project, params, loop);
    for (const r of reach.functions) {
      for (const b of concurrentBatchesIn(r.fn, { project, isDeliveryBatch }, walkOwn)) {
        const source = handler.delivery.ordered ? (handler.delivery.orderReason ?? 'an ordered source') : b.orderedBy;
        if (!source) continue;
        ctx.report(
          b.node,
          `${b.how} processes the deliveries of ${source} concurrently, with no grouping by key: two events for the same key race, and the older one can be applied last.`,
        );
      }
    }
  },
};
