// Explicit requeues of the same delivery and the bounds in sight. A requeue is a settle call
// that puts the message straight back with no broker-side limit by default: amqplib
// nack/reject (requeue defaults to true), Pub/Sub `message.nack()`, JetStream `m.nak()`,
// golevelup `new Nack(true)`, or a stream cursor reset in a failure path. Service Bus
// abandon and Cloudflare retry are bounded by the broker by default and are not requeues here.
import { ts, calleeName, enclosingFunction, isFunctionNode, literalValue, unwrapExpression, walk } from './ast.js';
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

/** Requeue calls in the handler's reach. */
export function requeueSites(ctx: FlowContext): RequeueSite[] {
  const out: RequeueSite[] = [];
  for (const r of ctx.reach.functions) {
    walkOwn(r.fn, (n) => {
      const site = requeueOf(n, ctx);
      if (site) out.push(site);
      if (ts.isCatchClause(n)) out.push(...cursorResets(n, r.fn));
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

/** `cursor = '0'` in a catch, where `cursor` is the id a stream read starts from: the pending entries are read again. */
function cursorResets(clause: ts.CatchClause, fn: ts.Node): RequeueSite[] {
  const out: RequeueSite[] = [];
  walk(clause.block, (n) => {
    if (isFunctionNode(n)) return false;
    if (!ts.isBinaryExpression(n) || n.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
    const left = unwrapExpression(n.left);
    const v = literalValue(n.right);
    if (!ts.isIdentifier(left) || (v !== '0' && v !== '0-0')) return undefined;
    // The stream read usually sits outside the per-entry loop that the handler may be: search the whole function.
    if (isStreamCursor(left.text, enclosingFunction(clause) ?? fn)) out.push({ node: n, label: n.getText(), why: 'resets the stream cursor so the failed entries are read again' });
    return undefined;
  });
  return out;
}

function isStreamCursor(name: string, fn: ts.Node): boolean {
  let found = false;
  walk(fn, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n) && STREAM_READS.has(calleeName(n) ?? '')) {
      if (n.arguments.some((a) => ts.isIdentifier(unwrapExpression(a)) && (unwrapExpression(a) as ts.Identifier).text === name)) found = true;
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
  for (const r of ctx.reach.functions) {
    let found: string | undefined;
    walkOwn(r.fn, (n) => {
      if (found) return false;
      const name =
        ts.isPropertyAccessExpression(n) ? n.name.text
        : ts.isElementAccessExpression(n) && ts.isStringLiteralLike(unwrapExpression(n.argumentExpression)) ? (unwrapExpression(n.argumentExpression) as ts.StringLiteral).text
        : ts.isStringLiteralLike(n) ? n.text
        : ts.isCallExpression(n) && /^x?pending$/i.test(calleeName(n) ?? '') ? 'xpending'
        : undefined;
      if (name && (COUNTER.test(name) || name === 'xpending')) found = name;
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
