// Where the ack, commit, delete, completion or 2xx reply happens relative to the work, on the
// handler's own paths, and whether the mode acks on its own (noAck, receiveAndDelete, QoS 1).
import { ts, calleeName, isFunctionNode, unwrapExpression, walk } from './ast.js';
import { asyncCallKind, isAsyncFunction } from './async-calls.js';
import { isLoggingCall } from './catches.js';
import { isJump, ownBodies, settleOf, type FlowContext } from './flow.js';
import { walkOwn } from './reach.js';

/** Calls that keep a delivery alive rather than doing its work. */
const LIVENESS = new Set(['heartbeat', 'working', 'touch', 'extendLock', 'renewMessageLock', 'modAck', 'updateProgress', 'extendLease', 'isRunning', 'isStale', 'pause']);

export interface SettleSite {
  node: ts.CallExpression | ts.NewExpression;
  label: string;
  reply: boolean;
}

/** Ack calls (ack, commit, delete, complete, 2xx reply) in the handler's own bodies, in source order. */
export function ackSites(ctx: FlowContext): SettleSite[] {
  const out: SettleSite[] = [];
  for (const r of ownBodies(ctx)) {
    walkOwn(r.fn, (n) => {
      const s = settleOf(n, ctx);
      if (s?.kind === 'ack') out.push({ node: n as ts.CallExpression, label: s.label, reply: !!s.reply });
    });
  }
  return out;
}

/** True when the handler's reach settles the delivery by hand (any ack or nack call): manual mode. */
export function settlesByHand(ctx: FlowContext): boolean {
  for (const r of ctx.reach.functions) {
    let found = false;
    walkOwn(r.fn, (n) => {
      if (found) return false;
      const s = settleOf(n, ctx);
      if (s && !s.reply) found = true;
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

/**
 * A call that does the delivery's work: awaited or promise-returning I/O, or a call into an
 * async project function. Settles, liveness calls, logging and pure helpers are not work.
 */
export function isWorkCall(n: ts.Node, ctx: FlowContext): boolean {
  if (!ts.isCallExpression(n)) return false;
  if (settleOf(n, ctx)) return false;
  const name = calleeName(n);
  if (name && LIVENESS.has(name)) return false;
  if (isLoggingCall(n)) return false;
  if (containsSettle(n, ctx)) return false;
  if (asyncCallKind(n, ctx.project, ctx.reach)) return true;
  if (ctx.reach.targets(n).some((f) => isAsyncFunction(f, ctx.project))) return true;
  // Any other awaited call of a library client is work too (awaited means the author waits for I/O).
  const p = skipParens(n.parent);
  if (p && ts.isAwaitExpression(p)) {
    const callee = unwrapExpression(n.expression);
    if (ts.isIdentifier(callee)) return !isHandlerParamCall(callee, ctx);
    return ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee);
  }
  return false;
}

function isHandlerParamCall(id: ts.Identifier, ctx: FlowContext): boolean {
  try {
    const b = ctx.project.lookup(id);
    return b?.kind === 'param' && ctx.reach.reachedOf(b.fn)?.depth === 0;
  } catch {
    return false;
  }
}

function containsSettle(call: ts.CallExpression, ctx: FlowContext): boolean {
  // sqs.send(new DeleteMessageCommand(...)) is the ack itself, not work
  return call.arguments.some((a) => {
    const e = unwrapExpression(a);
    return (ts.isNewExpression(e) || ts.isCallExpression(e)) && !!settleOf(e, ctx);
  });
}

function skipParens(n: ts.Node | undefined): ts.Node | undefined {
  while (n && ts.isParenthesizedExpression(n)) n = n.parent;
  return n;
}

/** Work calls in the handler's own bodies, in source order. */
export function workSites(ctx: FlowContext): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  for (const r of ownBodies(ctx)) {
    walkOwn(r.fn, (n) => {
      if (isFunctionNode(n) && n !== r.fn && isDetachedListener(n)) return false;
      if (isWorkCall(n, ctx)) out.push(n as ts.CallExpression);
      return undefined;
    });
  }
  return out;
}

function isDetachedListener(fn: ts.Node): boolean {
  const p = fn.parent;
  if (!p || !ts.isCallExpression(p)) return false;
  const nm = calleeName(p);
  return nm === 'on' || nm === 'once' || nm === 'setTimeout' || nm === 'setInterval' || nm === 'setImmediate';
}

/**
 * Can control go from `a` (done) on to `b` (later in the source)? False when `a` sits in a block
 * that jumps away (return/throw/continue/break) before `b`, or when the two are in exclusive
 * branches (then/else, try/catch, different switch cases).
 */
export function canFlowFromTo(a: ts.Node, b: ts.Node): boolean {
  if (a.getSourceFile() !== b.getSourceFile() || a.end > b.getStart()) return false;
  // Lowest common ancestor.
  const ancestorsOfB = new Set<ts.Node>();
  for (let n: ts.Node | undefined = b; n; n = n.parent) ancestorsOfB.add(n);
  let lca: ts.Node | undefined = a;
  while (lca && !ancestorsOfB.has(lca)) lca = lca.parent;
  if (!lca) return false;
  const childToward = (of: ts.Node, from: ts.Node) => {
    let n = from;
    while (n.parent && n.parent !== of) n = n.parent;
    return n;
  };
  if (ts.isIfStatement(lca) || ts.isConditionalExpression(lca) || ts.isCaseBlock(lca)) return false;
  if (ts.isTryStatement(lca)) {
    const ca = childToward(lca, a);
    const cb = childToward(lca, b);
    if (ca === lca.tryBlock && cb === lca.catchClause) return false;
  }
  // Every block between a and the common ancestor must not jump away after a.
  for (let n: ts.Node = a; n.parent && n !== lca; n = n.parent) {
    const parent: ts.Node = n.parent;
    if (parent === lca) break;
    if (ts.isBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) {
      const sts = parent.statements;
      const i = sts.indexOf(n as ts.Statement);
      for (let j = i + 1; j < sts.length; j++) if (isJump(sts[j]!)) return false;
    }
    if (isFunctionNode(parent)) return false;
  }
  // a itself may be a return/throw: `return res.sendStatus(200)` ends the path.
  for (let n: ts.Node | undefined = a; n && n !== lca; n = n.parent) {
    if (ts.isReturnStatement(n) || ts.isThrowStatement(n)) return false;
    if (ts.isBlock(n)) break;
  }
  return true;
}

export interface EarlyAck {
  ack: SettleSite;
  work: ts.CallExpression;
}

/** The first ack in the handler's own body that control can pass before a call that does the work. */
export function earlyAck(ctx: FlowContext): EarlyAck | undefined {
  const acks = ackSites(ctx);
  if (!acks.length) return undefined;
  const works = workSites(ctx);
  for (const ack of acks) {
    for (const w of works) {
      if (w.getStart() < ack.node.end) continue;
      if (isInsideNode(ack.node, w) || isInsideNode(w, ack.node)) continue;
      if (canFlowFromTo(ack.node, w)) return { ack, work: w };
    }
  }
  return undefined;
}

function isInsideNode(inner: ts.Node, outer: ts.Node): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end && inner.getSourceFile() === outer.getSourceFile();
}

/** An ack the handler performs after `anchor` (a node of its own body) on a path from it, or in `within`. */
export function ackAfter(anchor: ts.Node, ctx: FlowContext, within?: ts.Node): SettleSite | undefined {
  for (const s of ackSites(ctx)) {
    if (within && isInsideNode(s.node, within)) return s;
    if (s.node.getSourceFile() !== anchor.getSourceFile() || s.node.getStart() < anchor.end) continue;
    if (canFlowFromTo(anchor, s.node)) return s;
  }
  return undefined;
}

/** True when the function does anything at all worth losing (at least one work call in the reach). */
export function doesWork(ctx: FlowContext): ts.CallExpression | undefined {
  for (const r of ctx.reach.functions) {
    let found: ts.CallExpression | undefined;
    walkOwn(r.fn, (n) => {
      if (found) return false;
      if (isWorkCall(n, ctx)) found = n as ts.CallExpression;
      return undefined;
    });
    if (found) return found;
  }
  return undefined;
}

export { walk };
