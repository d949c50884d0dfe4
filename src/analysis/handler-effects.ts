// The side-effect view of one handler that no-dedup, dual-write and missing-correlation-id share:
// its effects, the values that hold its delivery, and its dedup guards. Computed once per handler.
import { effectsOf, type Effect, type LocatedEffect } from './effects.js';
import { deliveryValues, type DeliveryValues } from './delivery-values.js';
import { dedupGuardFor, handlerDedupGuard, type DedupGuard, type GuardContext } from './guards.js';
import type { RuleContext } from '../rule.js';
import type { Handler } from '../model.js';

export interface HandlerEffects {
  effects: LocatedEffect[];
  values: DeliveryValues;
  guards: GuardContext;
  /** A guard for the whole handler (idempotency wrapper, configured dedup helper), if any. */
  handlerGuard: DedupGuard | undefined;
  /** The dedup guard of one effect (handler-wide guard first), cached. */
  guardOf(l: LocatedEffect): DedupGuard | undefined;
}

const cache = new WeakMap<Handler, HandlerEffects>();

export function handlerEffects(ctx: RuleContext): HandlerEffects {
  const hit = cache.get(ctx.handler);
  if (hit) return hit;
  const effects = effectsOf(ctx.reach, { project: ctx.project, config: ctx.config });
  const values = deliveryValues(ctx.handler, ctx.reach, ctx.project);
  const guards: GuardContext = { handler: ctx.handler, reach: ctx.reach, project: ctx.project, config: ctx.config, effects, values };
  const handlerGuard = handlerDedupGuard(guards);
  const byEffect = new Map<Effect, DedupGuard | null>();
  const out: HandlerEffects = {
    effects,
    values,
    guards,
    handlerGuard,
    guardOf(l) {
      if (handlerGuard) return handlerGuard;
      const h = byEffect.get(l.effect);
      if (h !== undefined) return h ?? undefined;
      const g = dedupGuardFor(guards, l);
      byEffect.set(l.effect, g ?? null);
      return g;
    },
  };
  cache.set(ctx.handler, out);
  return out;
}
