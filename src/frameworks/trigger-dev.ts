// Trigger.dev tasks: `task({ id, run })`, `schemaTask({ id, schema, run })` and
// `schedules.task({ id, cron, run })` from `@trigger.dev/sdk` (also its `/v3` entry). The handler
// is arg0.run: `async (payload, { ctx, signal }) => ...`.
import { ts, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import { eventDelivery, type FrameworkAdapter, type Registration } from './types.js';
import { literalOf, objectLiteralOf, optionOf } from './trace.js';

const MODULE = '@trigger.dev/sdk';

export const triggerDev: FrameworkAdapter = {
  name: 'trigger.dev',
  mayRegister: (text) => text.includes(MODULE),
  discover(ctx) {
    const tasks = new Set([...ctx.localNames(MODULE, 'task'), ...ctx.localNames(MODULE, 'schemaTask')]);
    const schedules = new Set(ctx.localNames(MODULE, 'schedules'));
    const namespaces = new Set([...ctx.localNames(MODULE, '*')]);
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || !isTaskCall(n.expression, tasks, schedules, namespaces)) return;
      const opts = objectLiteralOf(ctx.project, n.arguments[0]);
      const run = opts && objectProperty(opts, 'run');
      if (!opts || !run) return;
      const maxAttempts = literalOf(ctx.project, optionOf(ctx.project, objectProperty(opts, 'retry'), 'maxAttempts'));
      out.push({
        handler: run,
        node: n,
        framework: 'trigger.dev',
        kind: 'task',
        name: 'run',
        delivery: eventDelivery({
          params: [0],
          // Ids are the payload's: ctx.run.id identifies the run; a trigger's idempotencyKey dedups on the producer side.
          acksOnReturn: true,
          redeliversOnThrow: maxAttempts !== 1 && maxAttempts !== 0,
          ordered: false,
          batched: false,
          retryBound: { reason: 'Trigger.dev retries a task at most retry.maxAttempts times (default 3); AbortTaskRunError stops it' },
        }),
      });
    });
    return out;
  },
};

function isTaskCall(expr: ts.Expression, tasks: Set<string>, schedules: Set<string>, namespaces: Set<string>): boolean {
  const e = unwrapExpression(expr);
  if (ts.isIdentifier(e)) return tasks.has(e.text);
  if (!ts.isPropertyAccessExpression(e)) return false;
  const left = unwrapExpression(e.expression);
  // schedules.task(...) / sdk.task(...) / sdk.schedules.task(...)
  if (ts.isIdentifier(left)) return (schedules.has(left.text) && e.name.text === 'task') || (namespaces.has(left.text) && (e.name.text === 'task' || e.name.text === 'schemaTask'));
  return ts.isPropertyAccessExpression(left) && left.name.text === 'schedules' && ts.isIdentifier(left.expression) && namespaces.has(left.expression.text) && e.name.text === 'task';
}
