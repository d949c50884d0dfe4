// Redis streams with consumer groups (ioredis `xreadgroup(...)`, node-redis `xReadGroup(...)`,
// or a raw `call('XREADGROUP', ...)`): the handler is the consume loop. It is the innermost
// `for…of` over the entries the read returns when there is one (the per-entry body), else the
// loop around the read (entries handled as a batch, e.g. `Promise.all(entries.map(...))`).
// One loop = one handler, however many reads it makes. XREADGROUP is a Redis command name, so
// the call shape alone identifies the library.
import { ts, calleeName, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { consumeLoop, objectLiteralOf } from './trace.js';

const READS = new Set(['xreadgroup', 'xReadGroup', 'xreadgroupBuffer', 'XREADGROUP']);
const RAW_COMMANDS = new Set(['call', 'callBuffer', 'sendCommand', 'send_command']);

export const redisStreams: FrameworkAdapter = {
  name: 'redis-streams',
  mayRegister: (text) => /xreadgroup/i.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    const seen = new Set<ts.Node>();
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || !isReadGroup(n)) return;
      // ioredis returns [[stream, [[id, fields], ...]], ...] and node-redis [{ name, messages }]: grouped by stream.
      const loop = consumeLoop(n, true);
      if (!loop || seen.has(loop.body)) return;
      seen.add(loop.body);
      const noAck = noAckOption(ctx.project, n);
      out.push({
        handler: loop.body,
        node: n,
        framework: 'redis-streams',
        kind: 'xreadgroup',
        name: 'xreadgroup',
        delivery: delivery({
          params: [0],
          // The entry id ("<ms>-<seq>") is unique and stable, and embeds the append time.
          idFields: ['id', ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: COMMON_EVENT_TIMES,
          ackMethods: ['xack', 'xAck', 'XACK'],
          nackMethods: [],
          acksOnReturn: false,
          // Unacked entries stay in the pending list; they come back only when code reclaims them
          // (XAUTOCLAIM / XCLAIM) or re-reads from id 0, never by themselves.
          redeliversOnThrow: false,
          ordered: true,
          orderReason: 'a Redis stream (append order)',
          batched: !loop.perItem,
          autoAck: noAck ? { reason: 'XREADGROUP is called with NOACK: Redis acknowledges each entry as it is read', node: noAck } : undefined,
        }),
      });
    });
    return out;
  },
};

function isReadGroup(call: ts.CallExpression): boolean {
  const name = calleeName(call);
  if (!name) return false;
  if (READS.has(name)) return true;
  if (!RAW_COMMANDS.has(name) || !call.arguments[0]) return false;
  const a = unwrapExpression(call.arguments[0]);
  const first = ts.isArrayLiteralExpression(a) ? a.elements[0] : a;
  const v = first && literalValue(first);
  return typeof v === 'string' && v.toUpperCase() === 'XREADGROUP';
}

/** ioredis: a 'NOACK' argument; node-redis: `{ NOACK: true }` in the options. */
function noAckOption(project: Parameters<typeof objectLiteralOf>[0], call: ts.CallExpression): ts.Node | undefined {
  const args = call.arguments.flatMap((a) => {
    const e = unwrapExpression(a);
    return ts.isArrayLiteralExpression(e) ? [...e.elements] : [a];
  });
  for (const a of args) {
    const v = literalValue(a);
    if (typeof v === 'string' && v.toUpperCase() === 'NOACK') return a;
    const obj = objectLiteralOf(project, a);
    const p = obj && objectProperty(obj, 'NOACK');
    if (p && literalValue(p) !== false) return p;
  }
  return undefined;
}
