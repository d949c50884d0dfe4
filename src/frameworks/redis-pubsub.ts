// Redis pub/sub subscribers: ioredis `sub.subscribe(ch)` then `sub.on('message', (channel, message) => …)`
// (`pmessage` after psubscribe: (pattern, channel, message)); node-redis v4+
// `sub.subscribe(ch, (message, channel) => …)` (also pSubscribe / sSubscribe). Delivery is at most
// once: no ack, no id, no persistence, no retry. Listed only when the receiver is a Redis client
// (traced to ioredis / redis, or the file imports one) and its subscribe call is in sight:
// `.on('message')` is also every EventEmitter and websocket.
import { ts, calleeName, walk } from '../analysis/ast.js';
import type { DeliveryModel } from '../model.js';
import { atMostOnceDelivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { callsOnSameReceiver, fromModule, functionsOf, hasLocalImport, listenerEvent, receiverOf, traceValue } from './trace.js';

const IOREDIS = 'ioredis';
const NODE_REDIS = /^(redis|@redis\/client)$/;
const ANY_REDIS = /^(ioredis|redis|@redis\/client)$/;
const LISTENER_EVENTS: Record<string, { subscribe: string[]; param: number }> = {
  message: { subscribe: ['subscribe', 'SUBSCRIBE'], param: 1 },
  messageBuffer: { subscribe: ['subscribe', 'SUBSCRIBE'], param: 1 },
  pmessage: { subscribe: ['psubscribe', 'PSUBSCRIBE'], param: 2 },
  pmessageBuffer: { subscribe: ['psubscribe', 'PSUBSCRIBE'], param: 2 },
  smessage: { subscribe: ['ssubscribe', 'SSUBSCRIBE'], param: 1 },
};
const NODE_REDIS_SUBSCRIBE = new Set(['subscribe', 'pSubscribe', 'sSubscribe', 'SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE']);

export const redisPubsub: FrameworkAdapter = {
  name: 'redis-pubsub',
  mayRegister: (text) => /subscribe/i.test(text) && (/redis/i.test(text) || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n)) return;
      const recv = receiverOf(n);
      if (!recv) return;
      const event = listenerEvent(n);
      const spec = event !== undefined ? LISTENER_EVENTS[event] : undefined;
      if (spec && n.arguments[1]) {
        // ioredis (and node-redis v3): a listener on a client that subscribes in this file.
        const client = redisClient(ctx, recv, ANY_REDIS);
        if (!client) return;
        if (!callsOnSameReceiver(ctx.sf, recv, new Set(spec.subscribe)).length) return;
        out.push(reg(n.arguments[1], n, 'on-message', model([spec.param])));
        return;
      }
      const name = calleeName(n);
      if (name && NODE_REDIS_SUBSCRIBE.has(name) && n.arguments[1]) {
        // node-redis v4+: the listener is arg1. ioredis's arg1 is a completion callback (err, count).
        const client = redisClient(ctx, recv, NODE_REDIS);
        if (!client || client === IOREDIS) return;
        const fns = functionsOf(ctx.project, n.arguments[1]);
        if (!fns.length || fns.some((f) => /^err/i.test(f.parameters[0]?.name.getText() ?? ''))) return;
        out.push(reg(n.arguments[1], n, name, model([0])));
      }
    });
    return out;
  },
};

/** The Redis module the receiver comes from, or, when it cannot be traced, the one the file imports. */
function redisClient(ctx: AdapterContext, recv: ts.Expression, accept: RegExp): string | undefined {
  const traces = traceValue(ctx.project, recv);
  const hit = traces.find((t) => fromModule(t, ANY_REDIS));
  if (hit) return accept.test(hit.module) ? hit.module : undefined;
  if (traces.length) return undefined; // another library's object
  if (accept.test(IOREDIS) && ctx.importsModule(IOREDIS)) return IOREDIS;
  if (ctx.importsModule(NODE_REDIS) && !ctx.importsModule(IOREDIS)) return 'redis';
  return undefined;
}

function reg(handler: ts.Node, node: ts.Node, kind: string, delivery: DeliveryModel): Registration {
  return { handler, node, framework: 'redis-pubsub', kind, name: kind, delivery };
}

function model(params: number[]): DeliveryModel {
  // At most once: a message is pushed once to whoever is subscribed; nothing acks, retries or persists it.
  return atMostOnceDelivery(params);
}
