// amqplib and amqp-connection-manager: `channel.consume(queue, onMessage, options?)`, the
// handler at arg1. amqp-connection-manager's ChannelWrapper has the same `consume`, and its
// `createChannel({ setup: (c) => c.consume(q, h) })` / `addSetup` forms call the amqplib
// channel's `consume` inside the setup function, so one call shape covers all of them.
import { ts, calleeName, calleeReceiver, isFunctionNode, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { isTrueLiteral, objectLiteralOf, propertyNames, typeNames, unwrapValue, valueFacts } from './local-values.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';

const AMQP_MODULES = ['amqplib', 'amqp-connection-manager'];
/** Modules whose `consume(...)` is not AMQP's: with one of them imported, only an amqp import counts. */
const OTHER_CONSUMERS = [/^node-rdkafka$/, /^@confluentinc\/kafka-javascript/, /^nats(\/|$)/, /^@nats-io\//];

export const amqplib: FrameworkAdapter = {
  name: 'amqplib',
  mayRegister: (text) => /\bconsume\s*\(/.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    const imported = AMQP_MODULES.some((m) => ctx.importsModule(m));
    // amqp-connection-manager files often import amqplib too, for its types.
    const framework = ctx.importsModule('amqp-connection-manager') ? 'amqp-connection-manager' : 'amqplib';
    const foreign = OTHER_CONSUMERS.some((re) => ctx.importsModule(re));
    let asserts: ts.CallExpression[] | undefined;
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'consume' || !calleeReceiver(n)) return;
      const [queue, handler, options] = n.arguments;
      if (!queue || !handler || !isQueueLike(queue)) return;
      if (!(imported || (!foreign && looksLikeAmqpConsume(ctx, n, handler)))) return;
      asserts ??= assertQueueCalls(ctx.sf);
      const opts = objectLiteralOf(ctx.project, options);
      const noAck = opts ? objectProperty(opts, 'noAck') : undefined;
      const bound = deadLetterBound(ctx.project, queue, asserts);
      out.push({
        handler,
        node: n,
        framework,
        kind: 'consume',
        name: 'consume',
        delivery: delivery({
          params: [0],
          // messageId exists only when the publisher set it; fields.deliveryTag is a settle handle, not an id.
          idFields: unique(['messageId', ...COMMON_EVENT_IDS]),
          correlationFields: unique(['correlationId', 'headers', ...COMMON_CORRELATION]),
          // properties.timestamp is set by the publisher (seconds by AMQP convention).
          timeFields: unique(['timestamp', ...COMMON_EVENT_TIMES]),
          ackMethods: ['ack', 'ackAll'],
          // nack(msg) and reject(msg) requeue by default (requeue = true).
          nackMethods: ['nack', 'reject', 'nackAll'],
          // The callback's return value (a promise too) is ignored: nothing is settled on return.
          acksOnReturn: false,
          // A sync throw closes the connection; a rejected async callback is an unhandled rejection,
          // which ends the process on Node >= 15. Either way the unacked message is requeued.
          redeliversOnThrow: true,
          // FIFO per queue only for one consumer with prefetch 1; requeues and prefetch > 1 reorder.
          ordered: false,
          batched: false,
          autoAck: noAck && isTrueLiteral(noAck)
            ? { reason: 'the queue is consumed with `noAck: true`, so the broker counts each message as acknowledged when it sends it, before the handler runs', node: noAck }
            : undefined,
          retryBound: bound ? { reason: bound } : undefined,
        }),
      });
    });
    return out;
  },
};

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

/** A queue argument: a name, not a count (node-rdkafka `consume(10, cb)`) nor a callback. */
function isQueueLike(arg: ts.Expression): boolean {
  const e = unwrapExpression(arg);
  return !ts.isNumericLiteral(e) && !isFunctionNode(e) && !ts.isObjectLiteralExpression(e) && !ts.isArrayLiteralExpression(e);
}

const AMQP_MESSAGE_TYPES = /^(ConsumeMessage|GetMessage)$/;
const CHANNEL_VALUE = /\b(createChannel|createConfirmChannel)\s*\(/;
const CHANNEL_TYPES = /^(Channel|ConfirmChannel|ChannelWrapper)$/;

/**
 * With no amqp import in the file (a channel built elsewhere), the call counts only when the
 * receiver or the handler shows AMQP: a channel from `createChannel()` or typed `Channel`,
 * a handler typed `ConsumeMessage`, or one that reads `msg.content` / `msg.fields` /
 * `msg.properties` or acks its message.
 */
function looksLikeAmqpConsume(ctx: AdapterContext, call: ts.CallExpression, handler: ts.Expression): boolean {
  const recv = calleeReceiver(call);
  if (recv) {
    const facts = valueFacts(ctx.project, recv);
    if (typeNames(facts.type).some((t) => CHANNEL_TYPES.test(t))) return true;
    if (facts.values.some((v) => CHANNEL_VALUE.test(v.getText()))) return true;
  }
  let targets;
  try {
    targets = ctx.project.resolveFunctions(handler);
  } catch {
    return false;
  }
  return targets.some((t) => t.kind === 'function' && handlesAmqpMessage(t.fn));
}

function handlesAmqpMessage(fn: ts.FunctionLikeDeclaration): boolean {
  const p = fn.parameters[0];
  if (!p) return false;
  if (typeNames(p.type).some((t) => AMQP_MESSAGE_TYPES.test(t))) return true;
  if (!ts.isIdentifier(p.name) || !fn.body) return false;
  const name = p.name.text;
  let found = false;
  walk(fn.body, (n) => {
    if (found) return false;
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name && /^(content|fields|properties)$/.test(n.name.text)) found = true;
    else if (ts.isCallExpression(n) && /^(ack|nack|reject)$/.test(calleeName(n) ?? '')) {
      const a = n.arguments[0] && unwrapExpression(n.arguments[0]);
      if (a && ts.isIdentifier(a) && a.text === name) found = true;
    }
    return undefined;
  });
  return found;
}

function assertQueueCalls(sf: ts.SourceFile): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  walk(sf, (n) => {
    if (ts.isCallExpression(n) && calleeName(n) === 'assertQueue') out.push(n);
  });
  return out;
}

/**
 * A dead-letter route or delivery limit declared for the consumed queue in this file:
 * `assertQueue(q, { deadLetterExchange })` or the `x-dead-letter-exchange` / `x-delivery-limit`
 * queue arguments. The queue is matched by the assertQueue result it came from
 * (`const { queue } = await ch.assertQueue(...)`) or by the same expression text.
 */
function deadLetterBound(project: Project, queue: ts.Expression, asserts: ts.CallExpression[]): string | undefined {
  const matching = new Set<ts.CallExpression>();
  const q = unwrapValue(queue);
  const fromResult = (expr: ts.Expression) => {
    for (const v of valueFacts(project, expr).values) {
      const call = unwrapValue(v);
      if (ts.isCallExpression(call) && calleeName(call) === 'assertQueue') matching.add(call);
    }
  };
  if (ts.isIdentifier(q)) {
    // const { queue } = await ch.assertQueue(...)
    const b = project.lookup(q);
    if (b?.kind === 'var' && b.decl.initializer) {
      const call = unwrapValue(b.decl.initializer);
      if (ts.isCallExpression(call) && calleeName(call) === 'assertQueue') matching.add(call);
    }
  } else if (ts.isPropertyAccessExpression(q) && q.name.text === 'queue') {
    fromResult(q.expression);
  }
  const text = q.getText();
  for (const a of asserts) {
    const first = a.arguments[0];
    if (first && unwrapValue(first).getText() === text) matching.add(a);
  }
  for (const a of matching) {
    const opts = objectLiteralOf(project, a.arguments[1]);
    if (!opts) continue;
    if (objectProperty(opts, 'deadLetterExchange') !== undefined) return 'the queue is declared with a dead-letter exchange (`deadLetterExchange`)';
    const args = objectLiteralOf(project, objectProperty(opts, 'arguments'));
    if (args) {
      const keys = propertyNames(args);
      if (keys.includes('x-delivery-limit')) {
        const limit = literalValue(objectProperty(args, 'x-delivery-limit'));
        return `the queue is declared with \`x-delivery-limit\`${typeof limit === 'number' ? ` ${limit}` : ''}`;
      }
      if (keys.includes('x-dead-letter-exchange')) return 'the queue is declared with a dead-letter exchange (`x-dead-letter-exchange`)';
    }
  }
  return undefined;
}
