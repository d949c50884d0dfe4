// The flow view of a handler that the failure rules share: which calls settle the delivery
// (ack, commit, delete, complete, 2xx reply; nack, reject, abandon, dead-letter, non-2xx reply,
// callback(err)), read from the adapter's DeliveryModel plus the shapes every framework shares.
// catches.ts, async-calls.ts, acks.ts and retry-bounds.ts build on it.
import { ts, calleeName, isFunctionNode, literalValue, unwrapExpression, type FunctionNode } from './ast.js';
import type { Project } from './project.js';
import { walkOwn, type Reach, type ReachedFunction } from './reach.js';
import type { Handler } from '../model.js';
import type { ResolvedConfig } from '../config.js';

export interface FlowContext {
  handler: Handler;
  reach: Reach;
  project: Project;
  /** The run's configuration, when the caller has it (side-effect classification honours config.sideEffects). */
  config?: ResolvedConfig;
}

export type SettleKind = 'ack' | 'nack';

export interface Settle {
  kind: SettleKind;
  /** What the call is, for messages: `ch.ack(msg)`, `a 200 reply`, `callback(err)`. */
  label: string;
  /** A reply to a webhook sender (HTTP status), not a broker call. */
  reply?: boolean;
}

/** Ack names that mean the same in every framework that has them (added to the adapter's list). */
const COMMON_ACKS = new Set(['ack', 'ackAll', 'completeMessage', 'resolveOffset', 'commitOffsets', 'commitOffsetsIfNecessary', 'xack', 'xAck', 'DeleteMessageCommand', 'DeleteMessageBatchCommand', 'moveToCompleted', 'commitMessage']);
/** Failure settles: hand the delivery back, dead-letter it, or mark the job failed. */
const COMMON_NACKS = new Set(['nack', 'nak', 'nackAll', 'term', 'abandonMessage', 'deadLetterMessage', 'deferMessage', 'retry', 'retryAll', 'moveToFailed', 'discard', 'ChangeMessageVisibilityCommand', 'ChangeMessageVisibilityBatchCommand']);
/** Names above that are too common to trust on a bare call or on a project object. */
const NEEDS_RECEIVER = new Set(['ack', 'nack', 'retry', 'term', 'discard', 'reject']);

const REPLY_TERMINALS = new Set(['json', 'send', 'sendStatus', 'end', 'jsonp', 'sendFile', 'redirect']);
const STATUS_SETTERS = new Set(['status', 'code', 'sendStatus', 'writeHead', 'statusCode']);

/** The functions whose own body is the handler's (depth 0): the handler and its extra bodies. */
export function ownBodies(ctx: FlowContext): ReachedFunction[] {
  return ctx.reach.functions.filter((r) => r.depth === 0);
}

/** Parameters of the depth-0 functions, by declaration. */
function isHandlerParam(id: ts.Identifier, ctx: FlowContext): { fn: FunctionNode; index: number } | undefined {
  let b;
  try {
    b = ctx.project.lookup(id);
  } catch {
    return undefined;
  }
  if (b?.kind !== 'param' || b.path.length) return undefined;
  const r = ctx.reach.reachedOf(b.fn);
  return r && r.depth === 0 ? { fn: b.fn, index: b.index } : undefined;
}

function rootIdentifier(e: ts.Expression): ts.Identifier | undefined {
  let n = unwrapExpression(e);
  for (let i = 0; i < 12; i++) {
    if (ts.isIdentifier(n)) return n;
    if (ts.isCallExpression(n) || ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unwrapExpression(n.expression);
    else return undefined;
  }
  return undefined;
}

/** An HTTP reply on the handler's response parameter: `res.status(500).json(...)`, `res.sendStatus(200)`, `reply.send()`. */
export function replyOf(call: ts.CallExpression, ctx: FlowContext): Settle | undefined {
  const name = calleeName(call);
  if (!name || !REPLY_TERMINALS.has(name)) return undefined;
  const callee = unwrapExpression(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return undefined;
  const root = rootIdentifier(callee.expression);
  if (!root || !isHandlerParam(root, ctx)) return undefined;
  if (ctx.handler.delivery.params.includes(isHandlerParam(root, ctx)!.index)) return undefined;
  // The status: from sendStatus(n) itself or a status(n)/code(n) earlier in the chain.
  let status = 200;
  let n: ts.Expression = call;
  for (let i = 0; i < 8; i++) {
    n = unwrapExpression(n);
    if (!ts.isCallExpression(n)) {
      if (ts.isPropertyAccessExpression(n)) {
        n = n.expression;
        continue;
      }
      break;
    }
    const nm = calleeName(n);
    const v = literalValue(n.arguments[0]);
    if (nm && STATUS_SETTERS.has(nm) && typeof v === 'number') {
      status = v;
      break;
    }
    n = n.expression;
  }
  const label = status >= 400 ? `a ${status} reply` : `the ${status} reply`;
  return { kind: status >= 400 ? 'nack' : 'ack', label, reply: true };
}

/**
 * Whether a call or `new` settles the delivery, and how. `errorNames` are the caught error's
 * names in scope: `callback(err)` / `next(err)` / `done(err)` on a handler parameter reports
 * the failure, `callback()` reports success.
 */
export function settleOf(node: ts.Node, ctx: FlowContext, errorNames: ReadonlySet<string> = new Set()): Settle | undefined {
  if (!ts.isCallExpression(node) && !ts.isNewExpression(node)) return undefined;
  const name = calleeName(node);
  if (!name) return undefined;
  const d = ctx.handler.delivery;
  const callee = unwrapExpression(node.expression);
  const hasReceiver = ts.isPropertyAccessExpression(callee) || ts.isElementAccessExpression(callee);
  // From a bounded window: a call spanning a generated file must not be copied at every call in it.
  const start = node.getStart();
  const label = node.getSourceFile().text.slice(start, Math.min(node.getEnd(), start + 600)).replace(/\s+/g, ' ').slice(0, 60);
  if (ts.isCallExpression(node)) {
    const reply = replyOf(node, ctx);
    if (reply) return reply;
    // The adapter's completion callback, wherever it travels (aliases, helpers it is passed to).
    if (d.callbackParam !== undefined) {
      if (ts.isIdentifier(callee) && isCallbackRef(callee, ctx)) return callbackSettle(node, label);
      // `work().catch(done)` / `.then(ok, done)`: the promise hands its rejection to the callback.
      if (hasReceiver && (name === 'catch' || name === 'then')) {
        const onReject = name === 'catch' ? node.arguments[0] : node.arguments[1];
        if (onReject && isCallbackRef(onReject, ctx)) return { kind: 'nack', label };
      }
    }
    // callback(err) / next(err) / done() on a handler parameter (Lambda callback, express next)
    else if (ts.isIdentifier(callee)) {
      const p = isHandlerParam(callee, ctx);
      if (p && !d.params.includes(p.index) && !d.ackMethods.includes(name) && !d.nackMethods.includes(name)) {
        const first = node.arguments[0] && unwrapExpression(node.arguments[0]);
        if (!first || first.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(first) && first.text === 'undefined')) {
          return name === 'next' ? undefined : { kind: 'ack', label };
        }
        if (ts.isIdentifier(first) && errorNames.has(first.text)) return { kind: 'nack', label };
        if (ts.isNewExpression(first) || ts.isAsExpression(node.arguments[0]!)) return { kind: 'nack', label };
        return undefined;
      }
    }
  }
  const adapterAck = d.ackMethods.includes(name);
  const adapterNack = d.nackMethods.includes(name);
  const common = COMMON_ACKS.has(name) || COMMON_NACKS.has(name) || name === 'reject';
  if (!adapterAck && !adapterNack && !common) return undefined;
  if (!adapterAck && !adapterNack) {
    if (NEEDS_RECEIVER.has(name) && ts.isCallExpression(node) && !hasReceiver) return undefined;
    // A project method of the same name (this.retry(), repo.ack()) is not a broker call.
    if (ts.isCallExpression(node) && resolvesToProject(node, ctx)) return undefined;
    if (name === 'reject') {
      // ch.reject(msg[, requeue]) of amqplib, never a Promise executor's reject(err)
      if (!hasReceiver || node.arguments?.length === 0) return undefined;
      const recv = ts.isPropertyAccessExpression(callee) ? unwrapExpression(callee.expression) : undefined;
      if (recv && ts.isIdentifier(recv) && /^(promise|deferred|d)$/i.test(recv.text)) return undefined;
    }
  }
  const kind: SettleKind = adapterAck || (!adapterNack && COMMON_ACKS.has(name)) ? 'ack' : 'nack';
  return { kind, label };
}

/** A call of the completion callback: no error (absent, null, undefined, false) acks, anything else reports a failure. */
function callbackSettle(call: ts.CallExpression, label: string): Settle {
  const first = call.arguments[0] && unwrapExpression(call.arguments[0]);
  const noError =
    !first ||
    first.kind === ts.SyntaxKind.NullKeyword ||
    first.kind === ts.SyntaxKind.FalseKeyword ||
    ts.isVoidExpression(first) ||
    (ts.isIdentifier(first) && first.text === 'undefined');
  return { kind: noError ? 'ack' : 'nack', label };
}

/** Per reach: the functions and parameter indexes that hold the delivery's completion callback. */
const callbackHolders = new WeakMap<Reach, Map<ts.Node, Set<number>>>();

function holdersOf(ctx: FlowContext): Map<ts.Node, Set<number>> {
  let holders = callbackHolders.get(ctx.reach);
  if (holders) return holders;
  holders = new Map();
  callbackHolders.set(ctx.reach, holders);
  const index = ctx.handler.delivery.callbackParam;
  const body = ctx.handler.body;
  if (index === undefined || !isFunctionNode(body)) return holders;
  holders.set(body, new Set([index]));
  // Follow the callback into the project functions it is passed to: `this.run(job, done)`, `handle(packet, cb)`.
  for (let pass = 0; pass < 4; pass++) {
    let grew = false;
    for (const r of ctx.reach.functions) {
      walkOwn(r.fn, (n) => {
        if (!ts.isCallExpression(n)) return;
        n.arguments.forEach((a, i) => {
          if (!isCallbackRef(a, ctx)) return;
          for (const t of ctx.reach.targets(n)) {
            const set = holders!.get(t) ?? new Set<number>();
            if (!set.has(i)) {
              set.add(i);
              holders!.set(t, set);
              grew = true;
            }
          }
        });
      });
    }
    if (!grew) break;
  }
  return holders;
}

/** Whether an expression is the delivery's completion callback: the adapter's parameter, a helper's parameter it was passed to, or a const alias. */
export function isCallbackRef(expr: ts.Expression, ctx: FlowContext, depth = 0): boolean {
  if (ctx.handler.delivery.callbackParam === undefined || depth > 4) return false;
  const e = unwrapExpression(expr);
  if (!ts.isIdentifier(e)) return false;
  let b;
  try {
    b = ctx.project.lookup(e);
  } catch {
    return false;
  }
  if (b?.kind === 'param') return !b.path.length && !!holdersOf(ctx).get(b.fn)?.has(b.index);
  if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return isCallbackRef(b.decl.initializer, ctx, depth + 1);
  return false;
}

function resolvesToProject(call: ts.CallExpression, ctx: FlowContext): boolean {
  if (ctx.reach.targets(call).length) return true;
  try {
    return ctx.project.resolveFunctions(call.expression).some((t) => t.kind === 'function');
  } catch {
    return false;
  }
}

/** Names a catch clause binds to the caught error (`catch (err)`, `catch ({ message })` binds none usable). */
export function catchNames(clause: ts.CatchClause | undefined): Set<string> {
  const s = new Set<string>();
  const d = clause?.variableDeclaration;
  if (d && ts.isIdentifier(d.name)) s.add(d.name.text);
  return s;
}

/** The error parameter names of a `.catch((err) => ...)` callback. */
export function callbackErrorNames(fn: ts.Node): Set<string> {
  const s = new Set<string>();
  if (isFunctionNode(fn)) {
    const p = fn.parameters[0];
    if (p && ts.isIdentifier(p.name)) s.add(p.name.text);
  }
  return s;
}

/** Statements that leave the current block unconditionally. */
export function isJump(st: ts.Node): boolean {
  return ts.isReturnStatement(st) || ts.isThrowStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st);
}

/** The reached function a node belongs to (innermost enclosing function the reach holds). */
export function reachedOfNode(node: ts.Node, ctx: FlowContext): ReachedFunction | undefined {
  let n: ts.Node | undefined = node;
  while (n) {
    const r = ctx.reach.reachedOf(n);
    if (r) return r;
    n = n.parent;
  }
  return undefined;
}

/** A short name of the framework for messages. */
export function frameworkName(ctx: FlowContext): string {
  return ctx.handler.framework;
}
