// bull: `queue.process([name], [concurrency], processor)`; the processor is the last argument, or
// a path to a sandboxed processor module. A processor declaring two parameters runs in callback
// mode: `done(err?)` settles the job and the returned promise is ignored. The queue must trace to
// `new Queue(...)` / `Queue(...)` of `bull` (or a `Queue` type of it): `.process(` is a common name.
import { ts } from '../analysis/ast.js';
import { COMMON_EVENT_TIMES, type FrameworkAdapter, type Registration } from './types.js';
import { callbackMode, isProcessorPath, jobDelivery, queueCalls, retriesConfigured, sandboxedProcessor } from './job-queue-common.js';
import { hasLocalImport } from './trace.js';

export const bull: FrameworkAdapter = {
  name: 'bull',
  mayRegister: (text) => /\.process\s*\(/.test(text) && (text.includes('bull') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    const retries = retriesConfigured(ctx, 'attempts');
    for (const n of queueCalls(ctx, 'process', 'bull')) {
      const last = n.arguments[n.arguments.length - 1]!;
      const handler = isProcessorPath(last) ? sandboxedProcessor(ctx, last) : last;
      if (!handler || ts.isNumericLiteral(handler)) continue;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'bull',
        kind: 'process',
        name: 'process',
        delivery: jobDelivery(callback, {
          timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
          ackMethods: ['moveToCompleted'],
          nackMethods: ['moveToFailed', 'discard'],
          // `attempts` defaults to 1 (no retry); seen configured in this file, a failure retries the job.
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: { reason: 'bull retries a failed job at most `attempts` times (default 1: no retry)' },
        }),
      });
    }
    return out;
  },
};
