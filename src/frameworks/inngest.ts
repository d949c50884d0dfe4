// Inngest functions: `inngest.createFunction(options, handler)` (v4: the handler is arg1) and
// `createFunction(options, trigger, handler)` (v3: arg2); the handler is the last argument. The
// client must trace to `new Inngest(...)`, or the call must carry Inngest's own option shape
// (an `id`/`name` with `triggers`, or a `{ event }` / `{ cron }` trigger).
// Execution model: the function body re-runs from the top for every step; only `step.run`
// results are memoized, so code outside a step runs again on every step and retry.
import { ts, calleeName, objectProperty, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { fromModule, functionsOf, literalOf, objectLiteralOf, receiverOf, traceValue } from './trace.js';

export const inngest: FrameworkAdapter = {
  name: 'inngest',
  mayRegister: (text) => text.includes('createFunction'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'createFunction' || n.arguments.length < 2) return;
      const handler = n.arguments[n.arguments.length - 1]!;
      if (!functionsOf(ctx.project, handler).length || !isInngestCall(ctx, n)) return;
      const opts = objectLiteralOf(ctx.project, n.arguments[0]);
      const retries = literalOf(ctx.project, opts && objectProperty(opts, 'retries'));
      out.push({
        handler,
        node: n,
        framework: 'inngest',
        kind: 'createFunction',
        name: 'createFunction',
        delivery: delivery({
          // async ({ event, events, step, runId, attempt }) => ...
          params: [0],
          idFields: ['id', 'runId', ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: ['ts', ...COMMON_EVENT_TIMES],
          ackMethods: [],
          nackMethods: [],
          acksOnReturn: true,
          redeliversOnThrow: retries !== 0,
          ordered: false,
          // batchEvents hands the function several events at once (`events`).
          batched: !!(opts && objectProperty(opts, 'batchEvents')),
          retryBound: { reason: 'Inngest retries a failed step at most `retries` times (default 3); NonRetriableError stops it' },
        }),
      });
    });
    return out;
  },
};

function isInngestCall(ctx: AdapterContext, call: ts.CallExpression): boolean {
  const recv = receiverOf(call);
  const traces = recv ? traceValue(ctx.project, recv) : [];
  if (traces.some((t) => fromModule(t, 'inngest'))) return true;
  if (traces.length) return false;
  const opts = objectLiteralOf(ctx.project, call.arguments[0]);
  if (!opts || !(objectProperty(opts, 'id') || objectProperty(opts, 'name'))) return false;
  if (objectProperty(opts, 'triggers') && call.arguments.length === 2) return true;
  const trigger = call.arguments.length === 3 ? objectLiteralOf(ctx.project, call.arguments[1]) : undefined;
  return !!trigger && !!(objectProperty(trigger, 'event') || objectProperty(trigger, 'cron'));
}
