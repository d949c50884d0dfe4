// bee-queue: `queue.process([concurrency], handler)`; the handler is the last argument, either
// `async (job) => result` or `(job, done) => void` (callback mode). The queue must trace to
// `new Queue(...)` of `bee-queue`.
import { ts } from '../analysis/ast.js';
import type { FrameworkAdapter, Registration } from './types.js';
import { callbackMode, jobDelivery, queueCalls, retriesConfigured } from './job-queue-common.js';
import { hasLocalImport } from './trace.js';

export const beeQueue: FrameworkAdapter = {
  name: 'bee-queue',
  mayRegister: (text) => /\.process\s*\(/.test(text) && (text.includes('bee-queue') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    // Retries are set per job by the producer (`createJob(data).retries(n)`), default 0.
    const retries = retriesConfigured(ctx, 'retries', 0);
    for (const n of queueCalls(ctx, 'process', 'bee-queue')) {
      const handler = n.arguments[n.arguments.length - 1]!;
      if (ts.isNumericLiteral(handler)) continue;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'bee-queue',
        kind: 'process',
        name: 'process',
        delivery: jobDelivery(callback, {
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: { reason: 'bee-queue retries a failed job at most `.retries(n)` times (default 0)' },
        }),
      });
    }
    return out;
  },
};
