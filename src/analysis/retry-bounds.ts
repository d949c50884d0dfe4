// Explicit requeues of the same delivery and the bounds in sight. A requeue is a settle call
// that puts the message straight back with no broker-side limit by default: amqplib
// nack/reject (requeue defaults to true), Pub/Sub `message.nack()`, JetStream `m.nak()`,
// golevelup `new Nack(true)`, or a stream cursor reset in a failure path. Service Bus
// abandon and Cloudflare retry are bounded by the broker by default and are not requeues here.
import { ts, calleeName, enclosingFunction, isFunctionNode, isInside, literalValue, unwrapExpression, walk } from './ast.js';
import { settleOf, type FlowContext } from './flow.js';
import { walkOwn } from './reach.js';

export interface RequeueSite {
  node: ts.Node;
  /** `ch.nack(msg)`, `message.nack()`, a cursor reset, for messages. */
  label: string;
  why: string;
}

/** Property names and header keys that count deliveries (an attempt counter). */
const COUNTER = /^(deliveryAttempt|deliveryCount|redeliveryCount|redelivery_count|ApproximateReceiveCount|attemptsMade|attemptsStarted|attempts|attempt|retryCount|retry_count|retries|x-death|x-delivery-count|x-retry-count|x-retries|x-redelivered-count|numDelivered|num_delivered)$/;
/** Configuration keys that bound redelivery (seen anywhere in the handler's or the registration's file). */
const CONFIG_BOUND = /\b(max_deliver|maxDeliver|maxDeliveryAttempts|deadLetterPolicy|x-delivery-limit|deliveryLimit|maxReceiveCount|maxDeliveryCount|max_retries|maxRetries)\b/;
/** Redis stream reads whose id argument is a cursor. */
const STREAM_READS = new Set(['xreadgroup', 'xReadGroup', 'xread', 'xRead']);

/** A Redis stream read: `xreadgroup(...)`, `xReadGroup(...)`, or a raw command `call('XREADGROUP', ...)` / `sendCommand(['XREAD', ...])`. */
function isStreamRead(call: ts.CallExpression): boolean {
  if (STREAM_READS.has(calleeName(call) ?? '')) return true;
  const a = call.arguments[0] && unwrapExpression(call.arguments[0]);
  const first = a && ts.isArrayLiteralExpression(a) ? a.elements[0] : a;
  return !!first && ts.isStringLiteralLike(first) && /^XREAD(GROUP)?$/i.test(first.text);
}

/** Requeue calls in the handler's reach. */
export function requeueSites(ctx: FlowContext): RequeueSite[] {
  const out: RequeueSite[] = [];
  for (const r of ctx.reach.functions) {
    walkOwn(r.fn, (n) => {
      const site = requeueOf(n, ctx);
      if (site) out.push(site);
      if (ts.isCatchClause(n)) out.push(...cursorResets(n, r.fn, ctx));
    });
  }
  return out;
}

function requeueOf(n: ts.Node, ctx: FlowContext): RequeueSite | undefined {
  if (ts.isNewExpression(n) && calleeName(n) === 'Nack') {
    // golevelup: new Nack(requeue = false)
    return literalValue(n.arguments?.[0]) === true ? { node: n, label: 'new Nack(true)', why: 'requeues the message' } : undefined;
  }
  if (!ts.isCallExpression(n)) return undefined;
  const name = calleeName(n);
  if (!name) return undefined;
  const s = settleOf(n, ctx);
  if (!s || s.kind !== 'nack' || s.reply) return undefined;
  const label = n.getText().replace(/\s+/g, ' ').slice(0, 50);
  const args = n.arguments;
  switch (name) {
    case 'nack': {
      if (args.length === 0) return { node: n, label, why: 'asks for immediate redelivery' }; // Pub/Sub message.nack()
      // amqplib ch.nack(msg, allUpTo = false, requeue = true)
      const requeue = args.length >= 3 ? literalValue(args[2]) : true;
      return requeue === true ? { node: n, label, why: args.length >= 3 ? 'requeues the message' : 'requeues the message (requeue defaults to true)' } : undefined;
    }
    case 'reject': {
      const requeue = args.length >= 2 ? literalValue(args[1]) : true;
      return args.length >= 1 && requeue === true ? { node: n, label, why: args.length >= 2 ? 'requeues the message' : 'requeues the message (requeue defaults to true)' } : undefined;
    }
    case 'nackAll': {
      const requeue = args.length >= 1 ? literalValue(args[0]) : true;
      return requeue === true ? { node: n, label, why: 'requeues every unacked message' } : undefined;
    }
    case 'nak':
      return { node: n, label, why: 'asks JetStream to redeliver' };
    default:
      return undefined;
  }
}

/**
 * A cursor reset in a catch: the variable (or `this.x` / `state.x` property) that a read of the
 * deliveries takes its position from is set back, so the failed entries are read again. The read
 * is a Redis stream read in the same function or the handler's own registration call (a loop
 * handler's XREADGROUP, receive or fetch call), and the cursor may reach it through its arguments
 * (`{ key, id: cursor }`, `[key, cursor]`, a local built from it). The reset value is the stream's
 * start id ('0', '0-0'), or the cursor's own starting value when the loop elsewhere advances it.
 */
function cursorResets(clause: ts.CatchClause, fn: ts.Node, ctx: FlowContext): RequeueSite[] {
  const out: RequeueSite[] = [];
  // The read usually sits outside the per-entry loop that the handler may be: search the whole function.
  const scope: ts.Node = enclosingFunction(clause) ?? fn;
  const reads = readCalls(scope, ctx);
  if (!reads.length) return out;
  walk(clause.block, (n) => {
    if (isFunctionNode(n)) return false;
    if (!ts.isBinaryExpression(n) || n.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
    const target = cursorText(n.left);
    if (!target) return undefined;
    const streamStart = ['0', '0-0'].includes(String(literalValue(n.right)));
    const fed = reads.filter((r) => r.args.some((a) => feeds(a, target, scope, 0)));
    if (!fed.length) return undefined;
    const restart = fed.some((r) => r.stream) ? streamStart : false;
    if (restart || (isStartValue(n, target, ctx) && advancedElsewhere(target, scope, clause))) {
      out.push({ node: n, label: n.getText().replace(/\s+/g, ' ').slice(0, 50), why: 'resets the read cursor so the failed entries are read again' });
    }
    return undefined;
  });
  return out;
}

interface ReadCall {
  args: readonly ts.Expression[];
  /** A Redis stream read, where '0' means "from the start of the pending list". */
  stream: boolean;
}

function readCalls(scope: ts.Node, ctx: FlowContext): ReadCall[] {
  const out: ReadCall[] = [];
  walk(scope, (n) => {
    if (ts.isCallExpression(n) && isStreamRead(n)) out.push({ args: n.arguments, stream: true });
    return undefined;
  });
  const reg = ctx.handler.registration.node;
  const loopHandler = !isFunctionNode(ctx.handler.body);
  if (loopHandler && ts.isCallExpression(reg) && reg.getSourceFile() === scope.getSourceFile() && isInside(reg, scope)) {
    out.push({ args: reg.arguments, stream: isStreamRead(reg) });
  }
  return out;
}

/** `cursor`, `this.cursor`, `state.lastId`: the text of an assignable cursor reference. */
function cursorText(e: ts.Expression): string | undefined {
  const u = unwrapExpression(e);
  if (ts.isIdentifier(u)) return u.text;
  if (ts.isPropertyAccessExpression(u) && (ts.isIdentifier(u.expression) || u.expression.kind === ts.SyntaxKind.ThisKeyword)) return u.getText();
  return undefined;
}

/** Whether an argument of the read carries the cursor, directly, inside a literal, or through a local built from it. */
function feeds(arg: ts.Node, target: string, scope: ts.Node, depth: number): boolean {
  let found = false;
  const visit = (n: ts.Node): boolean | undefined => {
    if (found) return false;
    if (isFunctionNode(n)) return false;
    if (ts.isPropertyAccessExpression(n) && n.getText() === target) found = true;
    else if (ts.isIdentifier(n) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && !(ts.isPropertyAssignment(n.parent) && n.parent.name === n)) {
      if (n.text === target) found = true;
      else if (depth < 2) {
        const init = localInitializer(n, scope);
        if (init && feeds(init, target, scope, depth + 1)) found = true;
      }
    }
    return undefined;
  };
  if (visit(arg) !== false) walk(arg, visit);
  return found;
}

function localInitializer(id: ts.Identifier, scope: ts.Node): ts.Expression | undefined {
  let init: ts.Expression | undefined;
  walk(scope, (n) => {
    if (init) return false;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === id.text && n.initializer) init = n.initializer;
    return undefined;
  });
  return init;
}

/** The assignment puts back the cursor's declared starting value (`let it = first` ... `it = first`). */
function isStartValue(assign: ts.BinaryExpression, target: string, ctx: FlowContext): boolean {
  const right = unwrapExpression(assign.right);
  if (!ts.isIdentifier(right) && literalValue(right) === undefined) return false;
  const left = unwrapExpression(assign.left);
  let init: ts.Expression | undefined;
  if (ts.isIdentifier(left)) {
    try {
      const b = ctx.project.lookup(left);
      if (b?.kind === 'var' && !b.path.length) init = b.decl.initializer;
    } catch {
      return false;
    }
  } else if (ts.isPropertyAccessExpression(left) && left.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = ts.findAncestor(assign, ts.isClassLike);
    for (const m of cls?.members ?? []) {
      if (ts.isPropertyDeclaration(m) && ts.isIdentifier(m.name) && m.name.text === left.name.text) init = m.initializer;
    }
  }
  return !!init && init.getText() === right.getText() && target.length > 0;
}

/** The cursor is also moved forward outside the catch (`cursor = res.next`, `this.lastId = id`): it is a position, not a setting. */
function advancedElsewhere(target: string, scope: ts.Node, clause: ts.CatchClause): boolean {
  let found = false;
  walk(scope, (n) => {
    if (found || n === clause) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && cursorText(n.left) === target) {
      const r = unwrapExpression(n.right);
      if (literalValue(r) === undefined && !ts.isIdentifier(r)) found = true;
      else if (ts.isIdentifier(r)) found = r.text !== target && !/^[A-Z0-9_]+$/.test(r.text); // not a START constant
    }
    return undefined;
  });
  return found;
}

/**
 * A bound on redelivery in sight: the adapter's retryBound, an attempt counter read anywhere
 * in the handler's reach, or a bounding setting in the handler's or registration's file.
 */
export function retryBoundInSight(ctx: FlowContext): string | undefined {
  const d = ctx.handler.delivery;
  if (d.retryBound) return d.retryBound.reason;
  // A loop handler's bound (an XPENDING count, an attempts map) may sit in the loop's function, outside the per-entry body.
  const body = ctx.handler.body;
  const outer = isFunctionNode(body) ? undefined : enclosingFunction(body);
  const scopes: ts.Node[] = [...ctx.reach.functions.map((r) => r.fn), ...(outer ? [outer] : [])];
  for (const fn of scopes) {
    let found: string | undefined;
    walkOwn(fn, (n) => {
      if (found) return false;
      const name =
        ts.isPropertyAccessExpression(n) ? n.name.text
        : ts.isElementAccessExpression(n) && ts.isStringLiteralLike(unwrapExpression(n.argumentExpression)) ? (unwrapExpression(n.argumentExpression) as ts.StringLiteral).text
        : ts.isStringLiteralLike(n) ? n.text
        : ts.isCallExpression(n) && /^x?pending$/i.test(calleeName(n) ?? '') ? 'xpending'
        : undefined;
      if (name && (COUNTER.test(name) || /^xpending$/i.test(name))) found = name;
      return undefined;
    });
    if (found) return `${found} is read`;
  }
  for (const file of new Set([ctx.handler.file, ctx.handler.registration.file])) {
    const text = ctx.project.sources.text(file);
    const m = text && CONFIG_BOUND.exec(text);
    if (m) return `${m[1]} is set`;
  }
  return undefined;
}
