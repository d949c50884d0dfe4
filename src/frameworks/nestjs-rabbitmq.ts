// @golevelup/nestjs-rabbitmq delivery semantics (frameworks.md §8.4): the library acks when the
// handler resolves, nacks for `return new Nack(requeue)`, and on a throw runs the subscription's
// errorHandler, else its errorBehavior, else the module's defaultSubscribeErrorBehavior (REQUEUE).
import { ts, objectProperty, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { DeliveryModel } from '../model.js';
import { enumName, optionsObject } from './nest-decorators.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery } from './types.js';

type Behavior = 'ACK' | 'NACK' | 'REQUEUE' | 'CUSTOM';

const BUILT_IN_HANDLERS: Record<string, Behavior> = {
  ackErrorHandler: 'ACK',
  defaultNackErrorHandler: 'NACK',
  requeueErrorHandler: 'REQUEUE',
};

export function golevelupDelivery(project: Project, opts: ts.ObjectLiteralExpression | undefined, params: number[]): DeliveryModel {
  const behavior = errorBehavior(project, opts);
  const model = delivery({
    params,
    idFields: ['messageId', ...COMMON_EVENT_IDS],
    correlationFields: [...COMMON_CORRELATION, 'correlation_id'],
    timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
    // The library settles the message; the handler's own lever is `return new Nack(requeue)`.
    nackMethods: ['Nack'],
    acksOnReturn: true,
    redeliversOnThrow: behavior === 'REQUEUE',
  });
  const dlx = deadLetterSetting(project, opts);
  if (dlx) model.retryBound = { reason: dlx };
  return model;
}

function errorBehavior(project: Project, opts: ts.ObjectLiteralExpression | undefined): Behavior {
  const handler = opts && enumName(objectProperty(opts, 'errorHandler'));
  if (handler) return BUILT_IN_HANDLERS[handler] ?? 'CUSTOM';
  const own = opts && behaviorName(objectProperty(opts, 'errorBehavior'));
  if (own) return own;
  const defaults = new Set(moduleDefaults(project));
  return defaults.size === 1 ? [...defaults][0]! : 'REQUEUE';
}

function behaviorName(node: ts.Node | undefined): Behavior | undefined {
  const n = enumName(node)?.toUpperCase();
  return n === 'ACK' || n === 'NACK' || n === 'REQUEUE' ? n : undefined;
}

/** A dead-letter exchange or a delivery limit in the subscription's queueOptions. */
function deadLetterSetting(project: Project, opts: ts.ObjectLiteralExpression | undefined): string | undefined {
  const q = opts && optionsObject(project, objectProperty(opts, 'queueOptions'));
  if (!q) return undefined;
  if (objectProperty(q, 'deadLetterExchange')) return 'queueOptions.deadLetterExchange: a message nacked without requeue is dead-lettered';
  const args = optionsObject(project, objectProperty(q, 'arguments'));
  if (args && objectProperty(args, 'x-dead-letter-exchange')) return "queueOptions.arguments['x-dead-letter-exchange']: a message nacked without requeue is dead-lettered";
  if (args && objectProperty(args, 'x-delivery-limit')) return "queueOptions.arguments['x-delivery-limit'] bounds redeliveries";
  return undefined;
}

const defaultsCache = new WeakMap<Project, Behavior[]>();

/** `defaultSubscribeErrorBehavior` values set in RabbitMQModule.forRoot configs anywhere in the project. */
function moduleDefaults(project: Project): Behavior[] {
  const hit = defaultsCache.get(project);
  if (hit) return hit;
  const out: Behavior[] = [];
  for (const file of project.files) {
    const text = project.sources.text(file);
    if (!text?.includes('defaultSubscribeErrorBehavior')) continue;
    const sf = project.parsed(file)?.sf;
    if (!sf) continue;
    walk(sf, (n) => {
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'defaultSubscribeErrorBehavior') {
        out.push(behaviorName(n.initializer) ?? 'CUSTOM');
      }
    });
  }
  defaultsCache.set(project, out);
  return out;
}

