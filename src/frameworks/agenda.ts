// Agenda: `agenda.define(name, processor, options?)` (since v4 the processor is arg1; in v3 it was
// arg2: `define(name, options, processor)`). `(job, done)` processors run in callback mode.
import { COMMON_EVENT_IDS, type FrameworkAdapter, type Registration } from './types.js';
import { callbackMode, jobDelivery, queueCalls, retriesConfigured } from './job-queue-common.js';
import { functionsOf, hasLocalImport } from './trace.js';

const MODULES = /^(agenda|@hokify\/agenda)$/;

export const agenda: FrameworkAdapter = {
  name: 'agenda',
  mayRegister: (text) => /\.define\s*\(/.test(text) && (text.includes('agenda') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    // Recent Agenda versions take a `backoff` define option; older ones never retry by themselves.
    const retries = retriesConfigured(ctx, 'backoff', -Infinity);
    for (const n of queueCalls(ctx, 'define', MODULES, 2)) {
      const handler = functionsOf(ctx.project, n.arguments[1]).length ? n.arguments[1]! : n.arguments[2];
      if (!handler || !functionsOf(ctx.project, handler).length) continue;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'agenda',
        kind: 'define',
        name: 'define',
        delivery: jobDelivery(callback, {
          // job.attrs._id
          idFields: ['_id', ...COMMON_EVENT_IDS],
          // A failure records failCount/failReason; there is no automatic retry unless a backoff is defined.
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: retries ? { reason: 'the job is defined with a backoff (bounded retries)' } : undefined,
        }),
      });
    }
    return out;
  },
};
