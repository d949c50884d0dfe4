// A rule for pipeline tests: reports every call to a function named `effect` (including in
// callees), so reporting, suppression and baselines can be tested apart from the real rules.
import { ts, walk } from '../../src/analysis/ast.js';
import { walkOwn } from '../../src/analysis/reach.js';
import type { Rule } from '../../src/rule.js';

export const effectCallRule: Rule = {
  id: 'no-dedup',
  defaultLevel: 'error',
  description: 'Test rule: reports calls to effect().',
  tags: ['test'],
  precision: 'high',
  check(ctx) {
    void walk;
    for (const r of ctx.reach.functions) {
      walkOwn(r.fn, (n) => {
        if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'effect') {
          ctx.report(n, 'effect() runs twice when the message is redelivered.');
        }
      });
    }
  },
};
