// floating-promise: Async work inside a handler is started and not awaited, so the delivery is acknowledged before the work ends.
import { ts, snippet, walk } from '../src/analysis/ast.js';
import { floatingSites, inWorkflowComposition, type FloatingSite } from '../src/analysis/async-calls.js';
import { walkOwn } from '../src/analysis/reach.js';
import { ackAfter } from '../src/analysis/acks.js';
import { isCallbackRef, reachedOfNode, settleOf, type FlowContext } from '../src/analysis/flow.js';
import type { Rule } from '../src/rule.js';

function settlement(site: FloatingSite, flow: FlowContext): string {
  if (flow.handler.delivery.acksOnReturn) return `${flow.handler.framework} settles the delivery as soon as the handler returns, before the work ends`;
  const anchor = flow.reach.reachedOf(site.node) ? site.node : reachedChainCall(site.node, flow);
  const ack = anchor && ackAfter(anchor, flow);
  if (ack) return `the handler acks with ${ack.reply ? ack.label : snippet(ack.node, 40)} before the work ends`;
  return 'the handler finishes before the work does';
}

function settlesInChain(call: ts.Node, flow: FlowContext): boolean {
  let found = false;
  walk(call, (n) => {
    if (found) return false;
    // A settle call, or the completion callback handed on (`run(job, done)`, `.then(() => cb(), cb)`).
    if (settleOf(n, flow) || (ts.isIdentifier(n) && isCallbackRef(n, flow))) found = true;
    return undefined;
  });
  return found;
}

/** The call in the handler's own body that leads to a node in a callee. */
function reachedChainCall(node: ts.Node, flow: FlowContext): ts.Node | undefined {
  const r = reachedOfNode(node, flow);
  if (!r) return undefined;
  return r.depth === 0 ? node : r.chain[0]?.call;
}

function describe(site: FloatingSite): string {
  if (site.kind === 'async-iteration') return `\`${snippet(site.node, 50)}\` runs async callbacks whose promises nobody waits for`;
  if (site.kind === 'void') return `\`void ${snippet(site.node, 50)}\` discards the promise of async work`;
  return `\`${snippet(site.node, 50)}\` starts async work that is not awaited, returned or collected`;
}

export const floatingPromise: Rule = {
  id: 'floating-promise',
  defaultLevel: 'error',
  description: 'Async work inside a handler is started and not awaited, so the delivery is acknowledged before the work ends.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check(ctx) {
    const flow: FlowContext = { handler: ctx.handler, reach: ctx.reach, project: ctx.project };
    const seen = new Set<ts.Node>();
    for (const r of ctx.reach.functions) {
      if (ts.isConstructorDeclaration(r.fn)) continue;
      for (const site of floatingSites(r.fn, ctx.project, ctx.reach, walkOwn)) {
        if (seen.has(site.node)) continue;
        seen.add(site.node);
        // work().then(() => ch.ack(msg), () => ch.nack(msg)): the settle waits for the work.
        if (site.why === 'then' && settlesInChain(site.node, flow)) continue;
        // run(job, done): the callback reports when the work ends, so nothing is left floating.
        if (site.node.arguments.some((a) => isCallbackRef(a, flow))) continue;
        if (inWorkflowComposition(site.node, ctx.project)) continue;
        ctx.report(
          site.node,
          `${describe(site)}, so ${settlement(site, flow)}: ` +
            'a crash or a failure then loses it, with no error and no redelivery. Await it, return it, or collect it in Promise.all.',
        );
      }
    }
  },
};
