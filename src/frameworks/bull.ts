// bull: `queue.process([name], [concurrency], processor)`; the processor is the last argument, or
// a path to a sandboxed processor module. A processor declaring two parameters runs in callback
// mode: `done(err?)` settles the job and the returned promise is ignored. The queue must trace to
// `new Queue(...)` / `Queue(...)` of `bull` (or a `Queue` type of it): `.process(` is a common name.
import { ts, calleeName, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { callbackMode, isProcessorPath, JOB_ID_FIELDS, retriesConfigured, sandboxedProcessor } from './job-queue-common.js';
import { fromModule, hasLocalImport, receiverOf, traceValue } from './trace.js';

export const bull: FrameworkAdapter = {
  name: 'bull',
  mayRegister: (text) => /\.process\s*\(/.test(text) && (text.includes('bull') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    const retries = retriesConfigured(ctx, 'attempts');
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'process' || !n.arguments.length) return;
      const recv = receiverOf(n);
      if (!recv || !traceValue(ctx.project, recv).some((t) => fromModule(t, 'bull'))) return;
      const last = n.arguments[n.arguments.length - 1]!;
      const handler = isProcessorPath(last) ? sandboxedProcessor(ctx, last) : last;
      if (!handler || ts.isNumericLiteral(handler)) return;
      const callback = callbackMode(ctx, handler);
      out.push({
        handler,
        node: n,
        framework: 'bull',
        kind: 'process',
        name: 'process',
        delivery: delivery({
          params: [0],
          callbackParam: callback ? 1 : undefined,
          idFields: [...JOB_ID_FIELDS, ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
          ackMethods: ['moveToCompleted'],
          nackMethods: ['moveToFailed', 'discard'],
          // Promise mode: resolving completes the job. Callback mode: only `done()` does.
          acksOnReturn: !callback,
          // `attempts` defaults to 1 (no retry); seen configured in this file, a failure retries the job.
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          retryBound: { reason: 'bull retries a failed job at most `attempts` times (default 1: no retry)' },
        }),
      });
    });
    return out;
  },
};
