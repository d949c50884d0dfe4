// The flow view of a handler that the failure rules share: which calls settle the delivery
// (ack, commit, delete, complete, 2xx reply; nack, reject, abandon, dead-letter, non-2xx reply,
// callback(err)), read from the adapter's DeliveryModel plus the shapes every framework shares.
// catches.ts, async-calls.ts, acks.ts and retry-bounds.ts build on it.
import { ts, calleeName, isFunctionNode, literalValue, unwrapExpression, type FunctionNode } from './ast.js';
import type { Project } from './project.js';
import type { Reach, ReachedFunction } from './reach.js';
import type { Handler } from '../model.js';

export interface FlowContext {
  handler: Handler;
  reach: Reach;
  project: Project;
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
    // callback(err) / next(err) / done() on a handler parameter (MQTT handleMessage, bull, express next)
    if (ts.isIdentifier(callee)) {
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
