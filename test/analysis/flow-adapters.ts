// Test-only adapters that model each framework's ack semantics, so the flow analysis and the
// four failure rules are tested on each ack model without depending on the real adapters.
// A fixture registers a handler with `handle('<model>', fn)`.
import { audit, type AuditResult } from '../../src/audit.js';
import { ts, calleeName, literalValue, unwrapExpression, walk } from '../../src/analysis/ast.js';
import { resolveConfig } from '../../src/config.js';
import { delivery, type FrameworkAdapter, type Registration } from '../../src/frameworks/types.js';
import type { DeliveryModel } from '../../src/model.js';
import { writeProject } from '../helpers/audit.js';
import { join } from 'node:path';
import { createProgram } from '../../src/program.js';
import { discoverHandlers } from '../../src/handlers.js';
import { computeReach } from '../../src/analysis/reach.js';
import type { FlowContext } from '../../src/analysis/flow.js';

export const MODELS: Record<string, Partial<DeliveryModel>> = {
  // amqplib: manual ack, a rejection leaves the message unacked until the channel closes
  amqplib: { ackMethods: ['ack', 'ackAll'], nackMethods: ['nack', 'reject', 'nackAll'], acksOnReturn: false, redeliversOnThrow: false },
  'amqplib-noack': { ackMethods: ['ack'], nackMethods: ['nack', 'reject'], acksOnReturn: false, autoAck: { reason: 'consumed with noAck: true' } },
  // Lambda SQS: returning deletes the whole batch unless batchItemFailures says otherwise
  'lambda-sqs': { acksOnReturn: true, redeliversOnThrow: true, batched: true },
  // Pub/Sub: manual ack/nack; unsettled messages are redelivered after the ack deadline
  pubsub: { ackMethods: ['ack'], nackMethods: ['nack'], acksOnReturn: false, redeliversOnThrow: false },
  // Express webhook route: the 2xx reply is the ack
  webhook: { params: [0], acksOnReturn: false, redeliversOnThrow: true },
  // MQTT.js QoS 1 listener: PUBACK right after emit
  'mqtt-qos1': { acksOnReturn: false, autoAck: { reason: 'MQTT.js sends PUBACK for QoS 1 right after emitting the message' } },
  // MQTT.js handleMessage override: callback() is the ack
  'mqtt-handle': { acksOnReturn: false, callbackParam: 1 },
  // bull / bee-queue / agenda `(job, done)`: done() completes the job, done(err) fails it
  'job-callback': { params: [0], acksOnReturn: false, redeliversOnThrow: true, callbackParam: 1 },
  // NestJS RMQ transport: noAck by default, disproved by a manual channel ack
  'nest-rmq': { ackMethods: ['ack'], nackMethods: ['nack', 'reject'], acksOnReturn: false, autoAck: { reason: 'the NestJS RMQ transport defaults to noAck: true', byDefault: true } },
  // JetStream consume loop: manual ack/nak/term
  nats: { ackMethods: ['ack'], nackMethods: ['nak', 'term'], acksOnReturn: false },
  'nats-bounded': { ackMethods: ['ack'], nackMethods: ['nak', 'term'], acksOnReturn: false, retryBound: { reason: 'max_deliver: 5 on the consumer' } },
  // BullMQ: resolve completes the job, throw fails it
  bullmq: { acksOnReturn: true, redeliversOnThrow: true, nackMethods: ['moveToFailed'], ackMethods: ['moveToCompleted'] },
  // Cloudflare Queues: return acks every message not retried
  cloudflare: { acksOnReturn: true, redeliversOnThrow: true, batched: true, ackMethods: ['ack', 'ackAll'], nackMethods: ['retry', 'retryAll'] },
  // Service Bus with autoCompleteMessages: false
  'service-bus': { acksOnReturn: false, ackMethods: ['completeMessage'], nackMethods: ['abandonMessage', 'deadLetterMessage'] },
  // SQS polling loop: DeleteMessageCommand is the ack
  'sqs-loop': { acksOnReturn: false, ackMethods: ['DeleteMessageCommand'], nackMethods: ['ChangeMessageVisibilityCommand'] },
  // Redis stream consumer group: XACK is the ack
  'redis-stream': { acksOnReturn: false, ackMethods: ['xack'] },
  // golevelup RabbitSubscribe: resolve acks, `return new Nack(requeue)` nacks
  golevelup: { acksOnReturn: true, redeliversOnThrow: true },
  // sqs-consumer: returning the message deletes it
  'sqs-consumer': { acksOnReturn: true, redeliversOnThrow: true },
};

const testAdapter: FrameworkAdapter = {
  name: 'test',
  mayRegister: (text) => text.includes('handle('),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'handle' || n.arguments.length < 2) return;
      const model = literalValue(n.arguments[0]);
      if (typeof model !== 'string' || !MODELS[model]) return;
      const d = { ...MODELS[model] };
      if (d.autoAck) d.autoAck = { ...d.autoAck, node: n };
      out.push({ handler: unwrapExpression(n.arguments[1]!), node: n, framework: model, kind: 'test', delivery: delivery(d) });
    });
    return out;
  },
};

/** Audits in-memory files with the test adapter (and no other). */
export function auditModel(files: Record<string, string>): AuditResult {
  const dir = writeProject(files);
  const config = resolveConfig({}, undefined, dir);
  return audit({ cwd: dir, paths: ['.'], config, adapters: [testAdapter] });
}

/** Rule ids reported for `src/h.ts` holding `source`. */
export function rulesFor(source: string, extra: Record<string, string> = {}): string[] {
  const r = auditModel({ 'src/h.ts': source, ...extra });
  return [...new Set(r.findings.map((f) => f.ruleId))].sort();
}

/** Findings of one rule. */
export function findings(source: string, ruleId: string, extra: Record<string, string> = {}) {
  const r = auditModel({ 'src/h.ts': source, ...extra });
  // A fixture without a handler (or a crashing rule) would pass every "not reported" test vacuously.
  const crash = r.notifications.find((n) => n.id.includes('crash'));
  if (crash) throw new Error(crash.message);
  if (!r.handlers.length && source.includes('handle(')) throw new Error('fixture registers no handler');
  return r.findings.filter((f) => f.ruleId === ruleId);
}

/** The flow context of the first handler found in `src/h.ts`, for testing the analyses directly. */
export function flowOf(source: string, extra: Record<string, string> = {}): FlowContext & { sf: ts.SourceFile } {
  const dir = writeProject({ 'src/h.ts': source, ...extra });
  const config = resolveConfig({}, undefined, dir);
  const files = [join(dir, 'src/h.ts'), ...Object.keys(extra).map((f) => join(dir, f))];
  const project = createProgram({ root: dir, maxFileBytes: 1_000_000, listProjectFiles: () => files });
  const { handlers } = discoverHandlers(project, files, config, [testAdapter], dir);
  const handler = handlers[0];
  if (!handler) throw new Error('no handler in fixture');
  const reach = computeReach(project, handler, 6, 200);
  return { handler, reach, project, sf: project.parsed(files[0]!)!.sf };
}

/** The first node in `sf` whose text starts with `text` and that satisfies `pred`. */
export function nodeAt<T extends ts.Node>(sf: ts.SourceFile, text: string, pred: (n: ts.Node) => n is T, nth = 0): T {
  let found: T | undefined;
  let seen = 0;
  walk(sf, (n) => {
    if (found) return false;
    if (pred(n) && n.getText().startsWith(text) && seen++ === nth) found = n;
    return undefined;
  });
  if (!found) throw new Error(`no node for ${text}`);
  return found;
}
