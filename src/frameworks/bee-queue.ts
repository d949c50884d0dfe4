// bee-queue: `queue.process([concurrency], handler)`; the handler is the last argument, either
// `async (job) => result` or `(job, done) => void` (callback mode). The queue must trace to
// `new Queue(...)` of `bee-queue`.
import { ts, calleeName, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { callbackMode, JOB_ID_FIELDS, retriesConfigured } from './job-queue-common.js';
import { fromModule, hasLocalImport, receiverOf, traceValue } from './trace.js';

export const beeQueue: FrameworkAdapter = {
  name: 'bee-queue',
  mayRegister: (text) => /\.process\s*\(/.test(text) && (text.includes('bee-queue') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    // Retries are set per job by the producer (`createJob(data).retries(n)`), default 0.
    const retries = retriesConfigured(ctx, 'retries', 0);
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'process' || !n.arguments.length) return;
      const recv = receiverOf(n);
      if (!recv || !traceValue(ctx.project, recv).some((t) => fromModule(t, 'bee-queue'))) return;
      const handler = n.arguments[n.arguments.length - 1]!;
      if (ts.isNumericLiteral(handler)) return;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'bee-queue',
        kind: 'process',
        name: 'process',
        delivery: delivery({
          params: [0],
          callbackParam: callback ? 1 : undefined,
          idFields: [...JOB_ID_FIELDS, ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: COMMON_EVENT_TIMES,
          acksOnReturn: !callback,
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: { reason: 'bee-queue retries a failed job at most `.retries(n)` times (default 0)' },
        }),
      });
    });
    return out;
  },
};
