// unbounded-retry: A failure path requeues the same delivery with no bound, so a poison message loops for ever.
import { requeueSites, retryBoundInSight } from '../src/analysis/retry-bounds.js';
import type { FlowContext } from '../src/analysis/flow.js';
import type { Rule } from '../src/rule.js';

export const unboundedRetry: Rule = {
  id: 'unbounded-retry',
  defaultLevel: 'warning',
  description: 'A failure path requeues the same delivery with no bound, so a poison message loops for ever.',
  tags: ['reliability', 'availability'],
  precision: 'high',
  check(ctx) {
    const flow: FlowContext = { handler: ctx.handler, reach: ctx.reach, project: ctx.project };
    const sites = requeueSites(flow);
    if (!sites.length || retryBoundInSight(flow)) return;
    for (const site of sites) {
      ctx.report(
        site.node,
        `\`${site.label}\` ${site.why} with no bound in sight: a message that always fails (a poison message) is redelivered for ever, ` +
          'burning the consumer and blocking the messages behind it. Looked for an attempt count (x-death, deliveryAttempt, deliveryCount, ' +
          'redeliveryCount, ApproximateReceiveCount), a max-deliveries setting or a dead-letter route and found none.',
      );
    }
  },
};
