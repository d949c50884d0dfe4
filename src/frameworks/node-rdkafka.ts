// node-rdkafka and the same API in @confluentinc/kafka-javascript (`KafkaConsumer`):
// `consumer.on('data', onMessage)` (arg1), `consumer.consume(n, (err, messages) => ...)` and
// `consumer.consume(topics | cb, (err, message) => ...)`, and the stream form
// `KafkaConsumer.createReadStream(...).on('data', ...)`. The receiver must be shown to be a
// KafkaConsumer (built with `new ...KafkaConsumer(...)`, `createReadStream`, or typed so), since
// `.on('data')` is every Node stream's event and `consume(...)` is AMQP's and NATS's too.
import { ts, calleeName, calleeReceiver, hasModifier, isFunctionNode, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { isFalseLiteral, objectLiteralOf, typeNames, unwrapValue, valueFacts } from './local-values.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';

/** Calls that return the consumer itself, so `consumer.on('ready', f).on('data', h)` chains. */
const CHAINABLE = new Set(['on', 'once', 'addListener', 'prependListener', 'connect', 'subscribe', 'setDefaultConsumeTimeout', 'setDefaultConsumeLoopTimeoutDelay']);
const CONSUMER_TYPES = /^(KafkaConsumer|ConsumerStream|KafkaConsumerStream)$/;

interface ConsumerEvidence {
  /** The construction (`new KafkaConsumer(conf, topicConf)` or `createReadStream(conf, ...)`), when in sight. */
  construct?: ts.NewExpression | ts.CallExpression;
}

export const nodeRdkafka: FrameworkAdapter = {
  name: 'node-rdkafka',
  mayRegister: (text) => /\.(on|addListener)\s*\(\s*['"`]data['"`]/.test(text) || /\bconsume\s*\(/.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n)) return;
      const name = calleeName(n);
      const recv = calleeReceiver(n);
      if (!recv) return;
      let handler: ts.Expression | undefined;
      let kind: string;
      let batched = false;
      if ((name === 'on' || name === 'addListener') && n.arguments.length >= 2) {
        const ev = unwrapExpression(n.arguments[0]!);
        if (!ts.isStringLiteralLike(ev) || ev.text !== 'data') return;
        handler = n.arguments[1];
        kind = 'data';
      } else if (name === 'consume' && n.arguments.length >= 1) {
        // consume(n, cb): cb(err, messages[]); consume(topics, cb) and consume(cb): cb(err, message)
        const [first, second] = n.arguments;
        const cb = second ?? first;
        if (!cb || !isCallbackLike(ctx.project, cb) || !usesDeliveryParam(ctx.project, cb)) return;
        handler = cb;
        kind = 'consume';
        batched = !!second && isCount(first!, cb);
      } else return;
      if (!handler) return;
      const evidence = consumerEvidence(ctx.project, recv);
      if (!evidence) return;
      out.push({
        handler,
        node: n,
        framework: 'node-rdkafka',
        kind,
        name: kind === 'data' ? 'onData' : 'consume',
        delivery: { ...model(ctx.project, evidence, kind === 'data' ? 0 : 1, batched), concurrent: kind === 'data' ? asyncListener(ctx.project, handler) : undefined },
      });
    });
    return out;
  },
};

function model(project: Project, evidence: ConsumerEvidence, param: number, batched: boolean) {
  const conf = evidence.construct ? objectLiteralOf(project, evidence.construct.arguments?.[0]) : undefined;
  const manual = conf && (isFalseLiteral(objectProperty(conf, 'enable.auto.commit')) || isFalseLiteral(objectProperty(conf, 'enable.auto.offset.store')));
  return delivery({
    params: [param],
    // Kafka has no message id: topic + partition + offset, or an event id in the payload/headers.
    idFields: ['offset', ...COMMON_EVENT_IDS],
    correlationFields: [...COMMON_CORRELATION, 'headers'],
    timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
    ackMethods: ['commitMessage', 'commitMessageSync', 'commit', 'commitSync', 'offsetsStore'],
    nackMethods: ['seek'],
    // The listener's return value (a promise too) is ignored; offsets move on regardless.
    acksOnReturn: false,
    // A throw or rejection changes nothing: the offset is stored on delivery, the message is not redelivered.
    redeliversOnThrow: false,
    ordered: true,
    orderReason: 'a Kafka partition',
    batched,
    // librdkafka stores the offset when the message is handed to the app and commits it every
    // auto.commit.interval.ms, whatever the handler does (enable.auto.commit and
    // enable.auto.offset.store default to true).
    autoAck: manual
      ? undefined
      : {
          reason: conf
            ? 'librdkafka stores and auto-commits each offset as the message is handed over (the consumer config leaves `enable.auto.commit` / `enable.auto.offset.store` on), before the handler finishes'
            : 'librdkafka by default stores and auto-commits each offset as the message is handed over (`enable.auto.commit` / `enable.auto.offset.store` default to true), before the handler finishes',
          node: evidence.construct,
          byDefault: !conf,
        },
  });
}

/** 'data' is emitted without waiting for an async listener: messages of one partition overlap. */
function asyncListener(project: Project, handler: ts.Expression): { reason: string; node: ts.Node } | undefined {
  let targets;
  try {
    targets = project.resolveFunctions(handler);
  } catch {
    return undefined;
  }
  const fn = targets.find((t) => t.kind === 'function' && hasModifier(t.fn, ts.SyntaxKind.AsyncKeyword));
  return fn ? { reason: "node-rdkafka emits 'data' without waiting for an async listener, so messages of one partition are processed concurrently", node: handler } : undefined;
}

function isCallbackLike(project: Project, expr: ts.Expression): boolean {
  const e = unwrapExpression(expr);
  if (isFunctionNode(e)) return true;
  try {
    return project.resolveFunctions(e).some((t) => t.kind === 'function');
  } catch {
    return false;
  }
}

/** A consume callback is a handler only when it takes the messages (arg1), not just the error. */
function usesDeliveryParam(project: Project, cb: ts.Expression): boolean {
  let targets;
  try {
    targets = project.resolveFunctions(cb);
  } catch {
    return false;
  }
  return targets.some((t) => {
    if (t.kind !== 'function') return false;
    const p = t.fn.parameters[1];
    if (!p) return false;
    if (!ts.isIdentifier(p.name)) return true; // destructured: used by definition
    const name = p.name.text;
    let used = false;
    if (t.fn.body) {
      walk(t.fn.body, (n) => {
        if (used) return false;
        if (ts.isIdentifier(n) && n.text === name && n !== p.name) used = true;
        return undefined;
      });
    }
    return used;
  });
}

/** consume(n, cb) delivers an array; consume(topics, cb) one message at a time. */
function isCount(first: ts.Expression, cb: ts.Expression): boolean {
  const e = unwrapExpression(first);
  if (ts.isNumericLiteral(e)) return true;
  if (ts.isStringLiteralLike(e) || ts.isArrayLiteralExpression(e) || ts.isRegularExpressionLiteral(e)) return false;
  if (ts.isIdentifier(e) && /topic/i.test(e.text)) return false;
  const c = unwrapExpression(cb);
  const p = isFunctionNode(c) ? c.parameters[1] : undefined;
  if (p && ts.isIdentifier(p.name)) return /s$|batch|list/i.test(p.name.text);
  return true;
}

/** Shows that `expr` is a KafkaConsumer (or its read stream); undefined when the source does not say so. */
export function consumerEvidence(project: Project, expr: ts.Expression, depth = 0): ConsumerEvidence | undefined {
  if (depth > 5) return undefined;
  const e = unwrapValue(expr);
  if (ts.isNewExpression(e) && calleeName(e) === 'KafkaConsumer') return { construct: e };
  if (ts.isCallExpression(e)) {
    const name = calleeName(e);
    if (name === 'createReadStream') {
      const r = calleeReceiver(e);
      const rn = r && unwrapExpression(r);
      if (rn && ((ts.isIdentifier(rn) && rn.text === 'KafkaConsumer') || (ts.isPropertyAccessExpression(rn) && rn.name.text === 'KafkaConsumer'))) return { construct: e };
      return undefined;
    }
    if (name && CHAINABLE.has(name)) {
      const r = calleeReceiver(e);
      return r ? consumerEvidence(project, r, depth + 1) : undefined;
    }
    return undefined;
  }
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
    const facts = valueFacts(project, e);
    for (const v of facts.values) {
      const found = consumerEvidence(project, v, depth + 1);
      if (found) return found;
    }
    if (typeNames(facts.type).some((t) => CONSUMER_TYPES.test(t))) return {};
  }
  return undefined;
}
