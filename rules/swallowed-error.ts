// swallowed-error: A failure inside the handler is caught and dropped, so the delivery is acknowledged as a success.
import { ts, functionName, isFunctionNode, snippet, walk } from '../src/analysis/ast.js';
import { ackAfter, type SettleSite } from '../src/analysis/acks.js';
import { asyncCallKind } from '../src/analysis/async-calls.js';
import { catchSites, offWorkPath, type CatchSite } from '../src/analysis/catches.js';
import { isJump, type FlowContext } from '../src/analysis/flow.js';
import type { Rule } from '../src/rule.js';

/** How the delivery ends up acked once the catch has returned normally, or undefined if it does not. */
function successAfter(site: CatchSite, flow: FlowContext): string | undefined {
  const d = flow.handler.delivery;
  if (site.verdict.ackInCatch) return `the catch itself acks (${snippet(site.verdict.ackInCatch, 40)})`;
  const returnsEarly = site.kind === 'catch' && endsInJump((site.node as ts.CatchClause).block);
  if (d.acksOnReturn) return `${flow.handler.framework} then settles the delivery as processed when the handler returns`;
  if (returnsEarly) return undefined;
  // Hand-acked: an ack that the handler reaches after the catch.
  let anchor: ts.Node;
  if (site.reached.depth === 0) anchor = site.kind === 'catch' ? site.node.parent! : site.node;
  else anchor = site.reached.chain[0]!.call;
  const ack: SettleSite | undefined = ackAfter(anchor, flow);
  return ack ? `the handler then acks it with ${ack.reply ? ack.label : snippet(ack.node, 40)}` : undefined;
}

function endsInJump(block: ts.Block): boolean {
  const last = block.statements[block.statements.length - 1];
  return !!last && isJump(last) && !ts.isThrowStatement(last);
}

/** The first async call in the try block, to name the failing work. */
function failingWork(site: CatchSite, flow: FlowContext): string {
  if (site.kind === 'all-settled') return snippet(site.node, 50);
  if (site.kind === 'promise-catch') {
    const inner = (site.node as ts.CallExpression).expression as ts.PropertyAccessExpression;
    return snippet(inner.expression, 50);
  }
  const tryBlock = (site.node.parent as ts.TryStatement).tryBlock;
  let found: ts.Node | undefined;
  walk(tryBlock, (n) => {
    if (found) return false;
    if (isFunctionNode(n) && !ts.isCallExpression(n.parent)) return false;
    if (ts.isAwaitExpression(n)) found = n.expression;
    else if (ts.isCallExpression(n) && asyncCallKind(n, flow.project, flow.reach)) found = n;
    return undefined;
  });
  return found ? snippet(found, 50) : 'the work';
}

/** For a catch in a function the handler calls: ` in \`fn\` (reached through \`call\`)`, so repeats across handlers read clearly. */
function placeOf(site: CatchSite): string {
  if (site.reached.depth === 0) return '';
  const name = functionName(site.reached.fn) ?? 'a called function';
  const first = site.reached.chain[0]?.call;
  const via = first && site.reached.depth > 1 ? `, reached through \`${snippet(first, 40)}\`` : '';
  return ` in \`${name}\`${via}`;
}

export const swallowedError: Rule = {
  id: 'swallowed-error',
  defaultLevel: 'error',
  description: 'A failure inside the handler is caught and dropped, so the delivery is acknowledged as a success.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check(ctx) {
    const flow: FlowContext = { handler: ctx.handler, reach: ctx.reach, project: ctx.project, config: ctx.config };
    for (const site of catchSites(flow)) {
      const v = site.verdict;
      if (v.outcome !== 'swallows' && !(v.outcome === 'returns-value' && site.reached.depth === 0)) continue;
      const after = successAfter(site, flow);
      if (!after) continue;
      if (offWorkPath(site, flow)) continue;
      const work = failingWork(site, flow);
      const where = placeOf(site);
      const what =
        site.kind === 'all-settled' ? `\`${work}\`${where} never reads its rejected results`
        : site.kind === 'promise-catch' ? `The \`.catch\` on \`${work}\`${where} ${v.how}`
        : `The catch around \`${work}\`${where} ${v.how}`;
      ctx.report(
        site.node,
        `${what} and ${after}: a failed attempt is never retried and the message's work is lost. ` +
          'Looked for a rethrow, nack/reject, dead-letter step or failure record (batchItemFailures, callback(err), non-2xx reply) and found none.',
      );
    }
  },
};
