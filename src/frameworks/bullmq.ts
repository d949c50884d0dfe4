// BullMQ: `new Worker(queueName, processor, opts)`; the processor is arg1, or a path to a
// sandboxed processor module (its default export). `new Worker(name, null)` is manual mode
// (getNextJob loops) and registers nothing here. Worker lifecycle listeners
// (`worker.on('completed' | 'failed' | ...)`) are not handlers.
import { ts, unwrapExpression, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { attemptsForQueue, isProcessorPath, JOB_ID_FIELDS, sandboxedProcessor } from './job-queue-common.js';
import { literalOf } from './trace.js';

const MODULES = /^(bullmq|@taskforcesh\/bullmq-pro)$/;

export const bullmq: FrameworkAdapter = {
  name: 'bullmq',
  mayRegister: (text) => text.includes('bullmq') && text.includes('Worker'),
  discover(ctx) {
    const classes = new Set([...ctx.localNames(MODULES, 'Worker'), ...ctx.localNames(MODULES, 'WorkerPro')]);
    const namespaces = new Set([...ctx.localNames(MODULES, '*'), ...ctx.localNames(MODULES, 'default')]);
    if (!classes.size && !namespaces.size) return [];
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isNewExpression(n) || !isWorkerClass(ctx, n.expression, classes, namespaces)) return;
      const arg = n.arguments?.[1];
      if (!arg) return;
      const a = unwrapExpression(arg);
      if (a.kind === ts.SyntaxKind.NullKeyword || a.kind === ts.SyntaxKind.UndefinedKeyword) return;
      const handler = isProcessorPath(a) ? sandboxedProcessor(ctx, a) : arg;
      if (!handler) return;
      const queue = literalOf(ctx.project, n.arguments?.[0]);
      // Retries are job options, usually set by the producer; seen in this file for this queue, a throw retries the job.
      const retries = attemptsForQueue(ctx, typeof queue === 'string' ? queue : undefined, a);
      out.push({
        handler,
        node: n,
        framework: 'bullmq',
        kind: 'Worker',
        name: typeof queue === 'string' ? queue : 'Worker',
        delivery: delivery({
          params: [0],
          idFields: [...JOB_ID_FIELDS, 'deduplicationId', ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
          ackMethods: ['moveToCompleted'],
          nackMethods: ['moveToFailed', 'moveToDelayed'],
          // Resolving completes the job, an early return too.
          acksOnReturn: true,
          // A throw fails the job; it is retried only when `attempts` > 1 (the default, 1, means no retry).
          // Stalled jobs (a worker that died or lost its lock) run again regardless.
          redeliversOnThrow: retries,
          ordered: false,
          batched: false,
          // BullMQ never retries past the job's `attempts`.
          retryBound: { reason: 'BullMQ retries a failed job at most `attempts` times (default 1: no retry)' },
        }),
      });
    });
    return out;
  },
};

/** `Worker`, `bullmq.Worker`, or a local alias such as `const WorkerClass = pro ? WorkerPro : Worker`. */
function isWorkerClass(ctx: AdapterContext, expr: ts.Expression, classes: Set<string>, namespaces: Set<string>, depth = 0): boolean {
  if (depth > 4) return false;
  const e = unwrapExpression(expr);
  if (ts.isIdentifier(e)) {
    if (classes.has(e.text)) return true;
    const b = ctx.project.lookup(e);
    return b?.kind === 'var' && !b.path.length && !!b.decl.initializer && isWorkerClass(ctx, b.decl.initializer, classes, namespaces, depth + 1);
  }
  if (ts.isConditionalExpression(e)) return isWorkerClass(ctx, e.whenTrue, classes, namespaces, depth + 1) || isWorkerClass(ctx, e.whenFalse, classes, namespaces, depth + 1);
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.BarBarToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    return isWorkerClass(ctx, e.left, classes, namespaces, depth + 1) || isWorkerClass(ctx, e.right, classes, namespaces, depth + 1);
  }
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && namespaces.has(e.expression.text) && /^Worker(Pro)?$/.test(e.name.text);
}
