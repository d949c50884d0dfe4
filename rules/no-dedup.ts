// no-dedup: A handler performs a non-idempotent side effect and nothing deduplicates the delivery.
// One finding per handler, at the first unguarded effect; the others go into related locations.
import type { Rule } from '../src/rule.js';
import type { Handler } from '../src/model.js';
import { handlerEffects } from '../src/analysis/handler-effects.js';
import { repeatIsHarmful, type LocatedEffect } from '../src/analysis/effects.js';
import { inFailurePath } from '../src/analysis/guards.js';
import { describeEffect, repeatConsequence } from '../src/analysis/effect-text.js';

/** Counters kept for operations, not business state (metrics, rate limits, locks, retry counts). */
const OPERATIONAL_KEY = /metric|stats?\b|rate|limit|throttl|attempt|retr|lock|hits|views|heartbeat/i;

/**
 * A delivery that never comes twice: the adapter says the source is at-most-once (Redis pub/sub,
 * core NATS) and the model has no ack or nack, nothing settled on return, no redelivery on a throw,
 * no auto-ack protocol and no completion callback. With no second delivery there is nothing to
 * deduplicate. An unknown transport (a NestJS handler with no transport in sight) is not assumed.
 */
function atMostOnce(h: Handler): boolean {
  const d = h.delivery;
  if (!d.atMostOnce) return false;
  return !d.ackMethods.length && !d.nackMethods.length && !d.acksOnReturn && !d.redeliversOnThrow && !d.autoAck && d.callbackParam === undefined;
}

export const noDedup: Rule = {
  id: 'no-dedup',
  defaultLevel: 'error',
  description: 'A handler performs a non-idempotent side effect and nothing deduplicates the delivery.',
  tags: ['reliability', 'idempotency'],
  precision: 'high',
  check(ctx) {
    // In-process events (EventEmitter, @OnEvent) and at-most-once sources are never redelivered.
    if (ctx.handler.delivery.inProcess || atMostOnce(ctx.handler)) return;
    const he = handlerEffects(ctx);
    if (he.handlerGuard) return;
    const unguarded: LocatedEffect[] = [];
    for (const l of he.effects) {
      const e = l.effect;
      if (!repeatIsHarmful(e)) continue;
      if (e.library === 'redis' && e.kind === 'increment' && OPERATIONAL_KEY.test(e.target ?? '')) continue;
      // Parking or dead-lettering in a catch is the failure path, not the work.
      if (inFailurePath(e.node, l.reached.fn)) continue;
      if (he.guardOf(l)) continue;
      unguarded.push(l);
    }
    const first = unguarded[0];
    if (!first) return;
    const e = first.effect;
    const more = unguarded.length > 1 ? ` (and ${unguarded.length - 1} more unguarded effect${unguarded.length > 2 ? 's' : ''})` : '';
    ctx.report(
      e.node,
      `The handler ${describeEffect(e)}${more} with nothing that deduplicates the delivery: a redelivered message ${repeatConsequence(e)}. ` +
        'No check of the delivery id against a processed store, no insert keyed by it with conflict handling, no idempotency key and no idempotency wrapper was found.',
      { related: unguarded.slice(1, 4).map((l) => ({ node: l.effect.node, message: `also ${describeEffect(l.effect)}` })) },
    );
  },
};
