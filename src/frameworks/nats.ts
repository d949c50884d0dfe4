// NATS (v2 `nats`, v3 `@nats-io/*`), core and JetStream.
// - Core: `nc.subscribe(subject, { callback(err, msg) })` (handler arg1.callback, message arg1 of
//   the callback) or `for await (const m of sub)` over a subscription. At most once: no ack, no redelivery.
// - JetStream: `for await (const m of await consumer.consume())` / `consumer.fetch()` (the loop is
//   the handler: one loop = one handler), `consumer.consume({ callback })`, a loop around
//   `consumer.next()`, and the legacy v2 `js.subscribe` / `js.pullSubscribe` iterated the same way,
//   or given a `consumerOpts().callback(fn)`.
// Every registration must trace to a NATS import: `subscribe`, `consume` and `fetch` are common names.
import { ts, calleeName, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { DeliveryModel } from '../model.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, atMostOnceDelivery, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { enclosingLoop, fromModule, hasLocalImport, literalOf, objectLiteralOf, receiverOf, traceValue, type Trace } from './trace.js';

const MODULES = /^(nats|@nats-io\/.+)$/;
const JS_STEP = /^(jetstream\(\)|consumers|:JetStream\w*|:Consumer\w*|:PullConsumer|:OrderedConsumer|:JsMsg|pullSubscribe\(\)|consume\(\)|fetch\(\))$/;

export const nats: FrameworkAdapter = {
  name: 'nats',
  mayRegister: (text) => /\.(subscribe|consume|fetch|pullSubscribe|next|callback)\s*\(/.test(text) && (/nats/i.test(text) || hasLocalImport(text)),
  discover(ctx) {
    const out: Registration[] = [];
    const configs = consumerConfigs(ctx);
    const claimed = new Set<ts.Node>();
    const add = (handler: ts.Node, node: ts.Node, kind: string, model: DeliveryModel) => {
      if (claimed.has(handler)) return;
      claimed.add(handler);
      out.push({ handler, node, framework: 'nats', kind, name: kind, delivery: model });
    };
    walk(ctx.sf, (n) => {
      // for await (const m of <subscription | consume() | fetch()>)
      if (ts.isForOfStatement(n) && n.awaitModifier) {
        const t = natsTrace(ctx.project, n.expression);
        if (!t) return;
        const last = t.steps[t.steps.length - 1] ?? '';
        if (last === 'consume()' || last === 'fetch()' || last === ':ConsumerMessages') {
          add(n, n, last === 'fetch()' ? 'fetch' : 'consume', jetStreamModel(ctx, t, configs));
        } else if (last === 'subscribe()' || last === 'pullSubscribe()' || /^:(JetStream)?(Pull)?Subscription$/.test(last)) {
          if (isJetStream(t)) add(n, n, last === 'pullSubscribe()' ? 'pullSubscribe' : 'js.subscribe', jetStreamModel(ctx, t, configs));
          else add(n, n, 'subscribe', coreModel([0]));
        }
        return;
      }
      if (!ts.isCallExpression(n)) return;
      const name = calleeName(n);
      const recv = receiverOf(n);
      if (!recv || !name) return;
      if (name === 'subscribe') {
        // nc.subscribe(subject, { callback: (err, msg) => ... })
        const cb = optionProp(ctx.project, n.arguments[1], 'callback') ?? optionProp(ctx.project, n.arguments[1], 'callbackFn');
        if (!cb) return;
        const t = natsTrace(ctx.project, recv);
        if (!t) return;
        if (isJetStream(t)) add(cb, n, 'js.subscribe', jetStreamModel(ctx, t, configs, [1]));
        else add(cb, n, 'subscribe', coreModel([1]));
      } else if (name === 'consume') {
        // consumer.consume({ callback: (m) => ... }): the callback cannot be async; a sync throw stops the consumer.
        const cb = optionProp(ctx.project, n.arguments[0], 'callback');
        if (!cb) return;
        const t = natsTrace(ctx.project, recv);
        if (t) add(cb, n, 'consume', jetStreamModel(ctx, t, configs, [0]));
      } else if (name === 'callback' && n.arguments[0]) {
        // v2 legacy: const opts = consumerOpts(); opts.callback((err, m) => ...); js.subscribe(subj, opts)
        const t = natsTrace(ctx.project, recv);
        if (t && t.steps.includes('consumerOpts()')) add(n.arguments[0], n, 'js.subscribe', jetStreamModel(ctx, t, configs, [1]));
      } else if (name === 'next') {
        // while (...) { const m = await consumer.next(); ... }: the loop is the handler.
        const t = natsTrace(ctx.project, recv);
        const loop = enclosingLoop(n);
        if (t && loop && isJetStream(t) && t.steps.some((s) => s === 'get()' || /^:(Pull)?Consumer$/.test(s))) add(loop, n, 'next', jetStreamModel(ctx, t, configs));
      }
    });
    return out;
  },
};

function natsTrace(project: Project, expr: ts.Node): Trace | undefined {
  return traceValue(project, expr).find((t) => fromModule(t, MODULES));
}

function isJetStream(t: Trace): boolean {
  return /^@nats-io\/jetstream/.test(t.module) || t.steps.some((s) => JS_STEP.test(s) || s === 'consumerOpts()');
}

function optionProp(project: Project, expr: ts.Node | undefined, name: string): ts.Node | undefined {
  const obj = objectLiteralOf(project, expr);
  return obj ? objectProperty(obj, name) : undefined;
}

interface ConsumerConfig {
  stream?: string;
  durable?: string;
  /** The max_deliver expression, when present. */
  maxDeliver?: ts.Node;
  ackPolicy?: ts.Node;
}

/**
 * Consumer configurations visible in the file: `jsm.consumers.add(stream, cfg)` /
 * `consumers.update(stream, name, cfg)`, `js.subscribe(subject, { config })` and the legacy
 * builder's `.maxDeliver(n)` / `.ackNone()`.
 */
function consumerConfigs(ctx: AdapterContext): ConsumerConfig[] {
  const out: ConsumerConfig[] = [];
  walk(ctx.sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const name = calleeName(n);
    const recv = receiverOf(n);
    const recvName = recv && ts.isPropertyAccessExpression(unwrapExpression(recv)) ? (unwrapExpression(recv) as ts.PropertyAccessExpression).name.text : undefined;
    if ((name === 'add' || name === 'update') && recvName === 'consumers') {
      const cfg = objectLiteralOf(ctx.project, n.arguments[n.arguments.length - 1]);
      if (!cfg) return;
      const durable = literalOf(ctx.project, objectProperty(cfg, 'durable_name') ?? objectProperty(cfg, 'name')) ?? (name === 'update' ? literalOf(ctx.project, n.arguments[1]) : undefined);
      out.push({
        stream: asString(literalOf(ctx.project, n.arguments[0])),
        durable: asString(durable),
        maxDeliver: objectProperty(cfg, 'max_deliver'),
        ackPolicy: objectProperty(cfg, 'ack_policy'),
      });
    } else if (name === 'subscribe' || name === 'pullSubscribe') {
      const cfg = objectLiteralOf(ctx.project, optionProp(ctx.project, n.arguments[1], 'config'));
      if (cfg) out.push({ durable: asString(literalOf(ctx.project, objectProperty(cfg, 'durable_name'))), maxDeliver: objectProperty(cfg, 'max_deliver'), ackPolicy: objectProperty(cfg, 'ack_policy') });
    } else if (name === 'maxDeliver' && n.arguments[0]) {
      out.push({ maxDeliver: n.arguments[0] });
    } else if (name === 'ackNone') {
      out.push({ ackPolicy: n });
    }
  });
  return out;
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The configuration that applies to a consumer: matched by stream and durable name, else the only one in sight. */
function configFor(project: Project, t: Trace, configs: ConsumerConfig[]): ConsumerConfig | undefined {
  let stream: string | undefined;
  let durable: string | undefined;
  for (let i = 0; i < t.steps.length; i++) {
    const node = t.nodes[i];
    if (t.steps[i] === 'get()' && node && ts.isCallExpression(node)) {
      stream = asString(literalOf(project, node.arguments[0]));
      durable = asString(literalOf(project, node.arguments[1]));
    }
  }
  if (durable) {
    const hit = configs.find((c) => c.durable === durable && (!c.stream || !stream || c.stream === stream));
    if (hit) return hit;
  }
  return configs.length === 1 ? configs[0] : undefined;
}

function jetStreamModel(ctx: AdapterContext, t: Trace, configs: ConsumerConfig[], params: number[] = [0]): DeliveryModel {
  const cfg = configFor(ctx.project, t, configs);
  const max = cfg?.maxDeliver !== undefined ? literalOf(ctx.project, cfg.maxDeliver) : undefined;
  // max_deliver defaults to -1 (unlimited); a configured non-literal value is taken as a bound.
  const bounded = cfg?.maxDeliver !== undefined && (typeof max !== 'number' || max > 0);
  const ackNone = cfg?.ackPolicy !== undefined && isAckNone(cfg.ackPolicy);
  return delivery({
    params,
    // seq (stream sequence) is stable across redeliveries; Nats-Msg-Id is the publisher's id header.
    idFields: ['seq', 'streamSequence', 'Nats-Msg-Id', ...COMMON_EVENT_IDS],
    correlationFields: COMMON_CORRELATION,
    timeFields: ['time', 'timestamp', 'timestampNanos', ...COMMON_EVENT_TIMES],
    ackMethods: ['ack', 'ackAck'],
    // nak redelivers; term stops redelivery (a dead end the handler chose).
    nackMethods: ['nak', 'term'],
    acksOnReturn: false,
    // Explicit ack policy: an unacked message (the loop threw, the callback returned early) is redelivered after ack_wait.
    redeliversOnThrow: !ackNone,
    ordered: true,
    orderReason: 'a JetStream consumer (stream order)',
    batched: false,
    autoAck: ackNone
      ? { reason: "the consumer's ack_policy is none: JetStream counts each message as acknowledged when it is sent", node: cfg!.ackPolicy }
      : undefined,
    retryBound: bounded ? { reason: `the consumer config sets max_deliver${typeof max === 'number' ? ` (${max})` : ''}` } : undefined,
  });
}

function isAckNone(node: ts.Node): boolean {
  if (ts.isCallExpression(node)) return true; // .ackNone()
  if (literalValue(node) === 'none') return true;
  return ts.isPropertyAccessExpression(node) && node.name.text === 'None';
}

function coreModel(params: number[]): DeliveryModel {
  // Core NATS is at most once: no ack, no id, no redelivery.
  return atMostOnceDelivery(params);
}
