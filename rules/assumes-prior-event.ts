// assumes-prior-event: the handler loads an entity an earlier event is expected to have
// created and then crashes (non-null assertion, unguarded property access), throws blindly
// (findUniqueOrThrow with no handling) or acks and drops the event (`if (!x) return`) when
// it is missing, instead of retrying later, parking the event or creating a placeholder.
import { ts, snippet } from '../src/analysis/ast.js';
import { entityLoadsIn, unsafeLoadUses, type LoadUse } from '../src/analysis/loads.js';
import { walkOwn } from '../src/analysis/reach.js';
import { deliveryValues } from '../src/analysis/delivery-values.js';
import { eventDataTracer } from '../src/analysis/event-data.js';
import type { Rule } from '../src/rule.js';

function message(u: LoadUse): string {
  const what = `\`${u.load.api}\``;
  switch (u.kind) {
    case 'non-null-assertion':
    case 'property-access':
      return `\`${snippet(u.node, 50)}\` uses the result of ${what} as if the entity must exist, with no missing-entity branch: when this event arrives before the one that creates it, the handler throws a TypeError and the delivery fails instead of being retried later, parked or given a placeholder.`;
    case 'drop':
      return `\`${snippet(u.node, 50)}\` acknowledges the delivery when ${what} finds nothing: an event that arrives before the one that creates the entity is silently lost instead of being retried later or parked.`;
    case 'throws':
      return `${what} throws when the entity is missing and nothing handles that case: when this event arrives before the one that creates the entity, the delivery fails blindly and is redelivered until it dead-letters, instead of being retried later on purpose, parked or given a placeholder.`;
  }
}

export const assumesPriorEvent: Rule = {
  id: 'assumes-prior-event',
  defaultLevel: 'warning',
  description: 'The handler assumes an entity created by an earlier event exists and fails or drops the event when it does not.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check(ctx) {
    const { handler, reach, project } = ctx;
    const bodies = new Set<ts.Node>([handler.body, ...handler.extraBodies]);
    const policy = {
      acksOnReturn: handler.delivery.acksOnReturn,
      ackMethods: handler.delivery.ackMethods,
      isHandlerBody: (fn: ts.Node) => bodies.has(fn),
    };
    const loadCtx = { project, targets: (c: ts.CallExpression) => reach.targets(c) };
    const reported = new Set<ts.Node>();
    // The entity an earlier event created is the one this event names: a load keyed by an id the
    // handler made or read itself (a row it just created, a config row) is not about event order.
    const carries = eventDataTracer({ project, reach, values: deliveryValues(handler, reach, project) });
    for (const r of reach.functions) {
      for (const load of entityLoadsIn(r.fn, loadCtx, walkOwn)) {
        // The key may sit earlier in a query builder chain: db('orders').where({ id: evt.orderId }).first('id').
        const args = chainArguments(load.call);
        if (args.length && !args.some((a) => carries(a))) continue;
        for (const u of unsafeLoadUses(load, project, policy)) {
          if (reported.has(u.node)) continue;
          reported.add(u.node);
          ctx.report(u.node, message(u), { related: u.node === load.call ? [] : [{ node: load.call, message: `the load: ${snippet(load.call, 50)}` }] });
        }
      }
    }
  },
};

/** Arguments of a call and of the calls before it in its receiver chain. */
function chainArguments(call: ts.CallExpression): ts.Expression[] {
  const out: ts.Expression[] = [];
  let e: ts.Expression = call;
  for (let i = 0; i < 50; i++) {
    if (ts.isCallExpression(e)) {
      out.push(...e.arguments);
      e = e.expression;
    } else if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isNonNullExpression(e) || ts.isParenthesizedExpression(e)) {
      e = e.expression;
    } else break;
  }
  return out;
}
