// pg-boss: `boss.work(name, [options], handler)`; the handler is the last argument and, since
// v10, receives an array of jobs (resolving completes the whole batch, a throw fails it).
import { ts, calleeName, walk } from '../analysis/ast.js';
import type { FunctionNode } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { fromModule, functionsOf, hasLocalImport, receiverOf, traceValue } from './trace.js';

export const pgBoss: FrameworkAdapter = {
  name: 'pg-boss',
  mayRegister: (text) => /\.work\s*\(/.test(text) && (text.includes('pg-boss') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'work' || n.arguments.length < 2) return;
      const recv = receiverOf(n);
      if (!recv || !traceValue(ctx.project, recv).some((t) => fromModule(t, 'pg-boss'))) return;
      const handler = n.arguments[n.arguments.length - 1]!;
      const fns = functionsOf(ctx.project, handler);
      if (!fns.length) return;
      out.push({
        handler,
        node: n,
        framework: 'pg-boss',
        kind: 'work',
        name: 'work',
        delivery: delivery({
          params: [0],
          idFields: ['id', 'singletonKey', ...COMMON_EVENT_IDS],
          correlationFields: COMMON_CORRELATION,
          timeFields: ['createdOn', ...COMMON_EVENT_TIMES],
          ackMethods: ['complete'],
          nackMethods: ['fail'],
          acksOnReturn: true,
          redeliversOnThrow: true,
          // `key_strict_fifo` queues keep order per singletonKey; that policy is rarely visible here.
          ordered: false,
          batched: fns.every(takesJobArray),
          retryBound: { reason: 'pg-boss retries a failed job at most retryLimit times (default 2), then fails it (to its deadLetter queue when set)' },
        }),
      });
    });
    return out;
  },
};

/**
 * Since v10 the handler receives `Job[]`. Code written for v9 and earlier takes one job and reads
 * `job.data` directly; anything else (destructuring `[job]`, a `Job[]` type, iterating) is a batch.
 */
function takesJobArray(fn: FunctionNode): boolean {
  const p = fn.parameters[0];
  if (!p) return true;
  if (ts.isArrayBindingPattern(p.name)) return true;
  if (p.type && (ts.isArrayTypeNode(p.type) || (ts.isTypeReferenceNode(p.type) && ts.isIdentifier(p.type.typeName) && p.type.typeName.text === 'Array'))) return true;
  if (p.type && ts.isTypeReferenceNode(p.type) && ts.isIdentifier(p.type.typeName) && p.type.typeName.text === 'Job') return false;
  if (!ts.isIdentifier(p.name)) return !ts.isObjectBindingPattern(p.name) || !p.name.elements.some((e) => ts.isIdentifier(e.name) && e.name.text === 'data');
  const name = p.name.text;
  let single = false;
  walk(fn, (x) => {
    if (ts.isPropertyAccessExpression(x) && ts.isIdentifier(x.expression) && x.expression.text === name && (x.name.text === 'data' || x.name.text === 'id')) single = true;
  });
  return !single;
}
