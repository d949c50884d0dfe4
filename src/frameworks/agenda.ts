// Agenda: `agenda.define(name, processor, options?)` (since v4 the processor is arg1; in v3 it was
// arg2: `define(name, options, processor)`). `(job, done)` processors run in callback mode.
import { ts, calleeName, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { callbackMode, retriesConfigured } from './job-queue-common.js';
import { fromModule, functionsOf, hasLocalImport, receiverOf, traceValue } from './trace.js';

const MODULES = /^(agenda|@hokify\/agenda)$/;

export const agenda: FrameworkAdapter = {
  name: 'agenda',
  mayRegister: (text) => /\.define\s*\(/.test(text) && (text.includes('agenda') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    // Recent Agenda versions take a `backoff` define option; older ones never retry by themselves.
    const retries = retriesConfigured(ctx, 'backoff', -Infinity);
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'define' || n.arguments.length < 2) return;
      const recv = receiverOf(n);
      if (!recv || !traceValue(ctx.project, recv).some((t) => fromModule(t, MODULES))) return;
      const handler = functionsOf(ctx.project, n.arguments[1]).length ? n.arguments[1]! : n.arguments[2];
      if (!handler || !functionsOf(ctx.project, handler).length) return;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'agenda',
        kind: 'define',
        name: 'define',
        delivery: delivery({
          params: [0],
          callbackParam: callback ? 1 : undefined,
          // job.attrs._id
          idFields: ['_id', ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: COMMON_EVENT_TIMES,
          acksOnReturn: !callback,
          // A failure records failCount/failReason; there is no automatic retry unless a backoff is defined.
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: retries ? { reason: 'the job is defined with a backoff (bounded retries)' } : undefined,
        }),
      });
    });
    return out;
  },
};
