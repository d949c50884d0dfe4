// wall-clock-dependence: a business decision or business value taken from the wall clock or
// randomness instead of the event's own time, so a replay or late delivery decides differently.
import type { ts } from '../src/analysis/ast.js';
import { clockDecisionsIn } from '../src/analysis/clock.js';
import { walkOwn } from '../src/analysis/reach.js';
import type { Rule } from '../src/rule.js';

export const wallClockDependence: Rule = {
  id: 'wall-clock-dependence',
  defaultLevel: 'note',
  description: "The handler decides from the wall clock or randomness instead of the event's own time.",
  tags: ['reliability', 'determinism'],
  precision: 'medium',
  check(ctx) {
    const times = ctx.handler.delivery.timeFields.slice(0, 3).map((f) => `\`${f}\``).join(', ');
    const seen = new Set<ts.Node>();
    for (const r of ctx.reach.functions) {
      for (const d of clockDecisionsIn(r.fn, ctx.project, walkOwn)) {
        if (seen.has(d.source)) continue;
        seen.add(d.source);
        const src = d.source.getText().replace(/\s+/g, ' ');
        const what = d.kind === 'random' ? 'randomness' : 'the wall clock';
        ctx.report(
          d.source,
          `\`${src}\` is ${d.how}: the outcome depends on ${what} at processing time, not on the event${times ? ` (use its time, e.g. ${times})` : "'s own time"}, so a replayed or late delivery decides differently.`,
          { related: [{ node: d.use, message: 'the decision' }] },
        );
      }
    }
  },
};
