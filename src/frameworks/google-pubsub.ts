// @google-cloud/pubsub streaming pull: `subscription.on('message', handler)`, the handler is
// arg1. `'error'`/`'close'` listeners are not handlers; push subscriptions are webhooks (another
// adapter). The subscription must be seen to come from the library (a `.subscription(name)` or
// `createSubscription` of a PubSub client, a `Subscription` type), or the listener must take a
// Pub/Sub `Message` and settle it: `.on('message')` alone is any EventEmitter or websocket.
import { ts, calleeName, objectProperty, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { fromModule, functionsOf, hasLocalImport, listenerEvent, literalOf, receiverOf, traceValue, type Trace } from './trace.js';

const MODULE = '@google-cloud/pubsub';
const LISTENS_FOR_MESSAGE = /\.(on|once|addListener|prependListener)\s*\(\s*['"`]message['"`]/;

export const googlePubsub: FrameworkAdapter = {
  name: 'google-pubsub',
  mayRegister: (text) => LISTENS_FOR_MESSAGE.test(text) && (text.includes(MODULE) || text.includes('.subscription(') || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || listenerEvent(n) !== 'message') return;
      const recv = receiverOf(n);
      const handler = n.arguments[1];
      if (!recv || !handler) return;
      const traces = traceValue(ctx.project, recv);
      const sub = traces.find(isSubscription);
      if (!sub && !looksLikePubsubListener(ctx, traces, recv, handler)) return;
      out.push({ handler, node: n, framework: 'google-pubsub', kind: 'message', name: 'message', delivery: model(ctx, sub, handler) });
    });
    return out;
  },
};

function isSubscription(t: Trace): boolean {
  return fromModule(t, MODULE) && t.steps.some((s) => /subscription/i.test(s));
}

/**
 * Without a traced subscription (it comes from an unresolved import or an untyped parameter):
 * the receiver traces to no other library, and the listener takes a Pub/Sub `Message` or the
 * receiver is a `.subscription(...)` call and the listener acks or nacks its message.
 */
function looksLikePubsubListener(ctx: AdapterContext, traces: Trace[], recv: ts.Expression, handler: ts.Expression): boolean {
  if (traces.length) return false;
  const fns = functionsOf(ctx.project, handler);
  const first = fns[0]?.parameters[0];
  if (!first) return false;
  const messageTypes = new Set(ctx.localNames(MODULE, 'Message'));
  if (first.type && ts.isTypeReferenceNode(first.type)) {
    const tn = first.type.typeName;
    if (ts.isIdentifier(tn) && messageTypes.has(tn.text)) return true;
    if (ts.isQualifiedName(tn) && tn.right.text === 'Message' && ts.isIdentifier(tn.left) && ctx.localNames(MODULE, '*').concat(ctx.localNames(MODULE, 'default')).includes(tn.left.text)) return true;
  }
  const r = unwrapExpression(recv);
  const viaSubscriptionCall = ts.isCallExpression(r) && calleeName(r) === 'subscription';
  if (!viaSubscriptionCall || !ts.isIdentifier(first.name)) return false;
  const param = first.name.text;
  let settles = false;
  walk(fns[0]!, (x) => {
    if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression) && ts.isIdentifier(x.expression.expression) && x.expression.expression.text === param) {
      if (['ack', 'nack', 'modAck', 'ackWithResponse', 'nackWithResponse'].includes(x.expression.name.text)) settles = true;
    }
  });
  return settles;
}

/** The literal name passed to `.subscription(name)` / `createSubscription(topic?, name)` on the trace. */
function subscriptionName(project: Project, t: Trace | undefined): string | undefined {
  if (!t) return undefined;
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const node = t.nodes[i];
    if (!node || !ts.isCallExpression(node)) continue;
    const name = calleeName(node);
    if (name === 'subscription') return str(literalOf(project, node.arguments[0]));
    if (name === 'createSubscription') return createdName(project, node);
  }
  return undefined;
}

/** `topic.createSubscription(name, opts)` or `pubsub.createSubscription(topic, name, opts)`. */
function createdName(project: Project, call: ts.CallExpression): string | undefined {
  const args = call.arguments;
  const optsIndex = args.findIndex((a) => ts.isObjectLiteralExpression(unwrapExpression(a)));
  const nameArg = optsIndex > 0 ? args[optsIndex - 1] : args[args.length - 1];
  return str(literalOf(project, nameArg));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v.split('/').pop() : undefined;
}

/** Subscription settings visible in this file: dead-letter policies and message ordering, by subscription name when known. */
function visibleSettings(ctx: AdapterContext): { dlq: (string | undefined)[]; ordering: (string | undefined)[] } {
  const dlq: (string | undefined)[] = [];
  const ordering: (string | undefined)[] = [];
  walk(ctx.sf, (n) => {
    if (!ts.isObjectLiteralExpression(n)) return;
    const hasDlq = n.properties.some((p) => propertyNameText(p.name) === 'deadLetterPolicy');
    const ordered = literalOf(ctx.project, objectProperty(n, 'enableMessageOrdering')) === true;
    if (!hasDlq && !ordered) return;
    // Which subscription: the call the options are passed to, when it names one.
    let name: string | undefined;
    const call = n.parent && ts.isCallExpression(n.parent) ? n.parent : undefined;
    if (call && calleeName(call) === 'createSubscription') name = createdName(ctx.project, call);
    else if (call) {
      const recvTrace = receiverOf(call) ? traceValue(ctx.project, receiverOf(call)!) : [];
      name = subscriptionName(ctx.project, recvTrace.find(isSubscription));
    }
    if (hasDlq) dlq.push(name);
    if (ordered) ordering.push(name);
  });
  return { dlq, ordering };
}

function applies(settings: (string | undefined)[], name: string | undefined): boolean {
  // A setting for an unnamed subscription, or a handler whose subscription is not named, counts.
  return settings.some((s) => s === undefined || name === undefined || s === name);
}

function readsOrderingKey(ctx: AdapterContext, handler: ts.Expression): boolean {
  let hit = false;
  for (const fn of functionsOf(ctx.project, handler)) {
    walk(fn, (x) => {
      if (ts.isPropertyAccessExpression(x) && x.name.text === 'orderingKey') hit = true;
    });
  }
  return hit;
}

function model(ctx: AdapterContext, sub: Trace | undefined, handler: ts.Expression) {
  const name = subscriptionName(ctx.project, sub);
  const settings = visibleSettings(ctx);
  const ordered = applies(settings.ordering, name) || readsOrderingKey(ctx, handler);
  return delivery({
    params: [0],
    // `id` is stable on redelivery; `ackId` changes with every delivery and is a settle handle only.
    idFields: ['id', ...COMMON_EVENT_IDS],
    // Correlation and trace context travel in `attributes`.
    correlationFields: [...COMMON_CORRELATION, 'googclient_traceparent'],
    timeFields: ['publishTime', ...COMMON_EVENT_TIMES],
    ackMethods: ['ack', 'ackWithResponse'],
    nackMethods: ['nack', 'nackWithResponse'],
    // Manual settlement: the listener's return value is ignored.
    acksOnReturn: false,
    // A message that is never acked (the listener threw or returned early) keeps its lease until
    // maxExtensionTime (60 min by default) and is then redelivered; a sync throw also crashes the process.
    redeliversOnThrow: true,
    // No order unless the subscription enables message ordering (then per orderingKey).
    ordered,
    orderReason: ordered ? 'a Pub/Sub ordering key (enableMessageOrdering)' : undefined,
    batched: false,
    retryBound: applies(settings.dlq, name)
      ? { reason: 'the subscription has a deadLetterPolicy (maxDeliveryAttempts), seen in this file' }
      : undefined,
  });
}
