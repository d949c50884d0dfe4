// missing-correlation-id: An outgoing publish or internal call does not carry the incoming delivery's correlation or trace id.
// In scope: broker publishes and HTTP requests to services of the same system (env/config or
// cluster-internal URLs). Third-party SaaS calls (payment, email, SMS SDKs or raw HTTP) are not.
import type { Rule } from '../src/rule.js';
import { handlerEffects } from '../src/analysis/handler-effects.js';
import { carriesIncomingId, httpScope, propagatesContext } from '../src/analysis/outgoing.js';
import { inFailurePath } from '../src/analysis/guards.js';
import { describeEffect } from '../src/analysis/effect-text.js';
import type { LocatedEffect } from '../src/analysis/effects.js';

export const missingCorrelationId: Rule = {
  id: 'missing-correlation-id',
  defaultLevel: 'note',
  description: "An outgoing publish or internal call does not carry the incoming delivery's correlation or trace id.",
  tags: ['observability'],
  precision: 'medium',
  check(ctx) {
    if (ctx.handler.delivery.inProcess) return;
    const he = handlerEffects(ctx);
    const c = { project: ctx.project, reach: ctx.reach, values: he.values };
    const candidates = he.effects.filter((l) => {
      const e = l.effect;
      if (inFailurePath(e.node, l.reached.fn) || e.thirdParty) return false;
      if (e.kind === 'publish') return true;
      if ((e.library === 'http' || e.library === 'nest-http') && e.kind !== 'read') return httpScope(e, c) === 'internal';
      return false;
    });
    if (!candidates.length || propagatesContext(ctx.reach)) return;
    const missing: LocatedEffect[] = candidates.filter((l) => !carriesIncomingId(l.effect, c));
    const first = missing[0];
    if (!first) return;
    ctx.report(
      first.effect.node,
      `The handler ${describeEffect(first.effect)} without any id of the incoming delivery (no correlation/causation/trace header or field, no message or event id): ` +
        'the downstream work cannot be traced back to the message that caused it, so an incident cannot be followed across services.',
      { related: missing.slice(1, 4).map((l) => ({ node: l.effect.node, message: `also ${describeEffect(l.effect)}` })) },
    );
  },
};
