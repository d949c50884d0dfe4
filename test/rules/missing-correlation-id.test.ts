import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const kafka = (imports: string, setup: string, body: string) => `import { Kafka } from 'kafkajs';
${imports}
const producer = new Kafka({ brokers: ['kafka:9092'] }).producer();
${setup}
const consumer = new Kafka({ clientId: 'svc', brokers: ['kafka:9092'] }).consumer({ groupId: 'g' });
export async function start(): Promise<void> {
  await consumer.run({
    eachMessage: async ({ message }) => {
      const evt = JSON.parse(message.value!.toString()) as { eventId: string; orderId: string; correlationId: string };
${body}
    },
  });
}
`;

function missing(src: string, extra: Record<string, string> = {}) {
  return findingsOf(auditSources({ 'src/consumer.ts': src, ...extra }), 'missing-correlation-id');
}

describe('missing-correlation-id', () => {
  it('a publish carrying only business fields', () => {
    const f = missing(kafka('', '', `      await producer.send({ topic: 'invoices.requested', messages: [{ key: evt.orderId, value: JSON.stringify({ orderId: evt.orderId }) }] });`));
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/publishes a message to invoices.requested/);
  });

  it('a correlation header, a causation field, the event id in the body or the incoming headers all count', () => {
    expect(missing(kafka('', '', `      await producer.send({ topic: 't', messages: [{ value: 'x', headers: { 'correlation-id': evt.correlationId } }] });`))).toHaveLength(0);
    expect(missing(kafka('', '', `      await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ orderId: evt.orderId, causationId: evt.eventId }) }] });`))).toHaveLength(0);
    expect(missing(kafka('', '', `      await producer.send({ topic: 't', messages: [{ value: JSON.stringify({ orderId: evt.orderId, source: evt.eventId }) }] });`))).toHaveLength(0);
    expect(missing(kafka('', '', `      await producer.send({ topic: 't', messages: [{ value: 'x', headers: message.headers }] });`))).toHaveLength(0);
  });

  it('a trace parent inside a library envelope, deep-copied and serialised, counts; the same envelope without it does not', () => {
    const publish = (fields: string) => `      const envelope = { ...JSON.parse(JSON.stringify(new CloudEvent({ id: randomUUID(), type: 'points.added', data: { orderId: evt.orderId }${fields} }))) };
      const entries = [{ EventBusName: process.env.BUS, Detail: JSON.stringify(envelope), DetailType: 'points.added', Source: 'loyalty' }];
      await producer.send({ topic: 'points.v2', messages: [{ value: JSON.stringify(entries) }] });`;
    const imports = `import { CloudEvent } from 'cloudevents';\nimport { randomUUID } from 'node:crypto';`;
    expect(missing(kafka(imports, '', `      const traceparent = evt.correlationId;\n${publish(', traceparent')}`))).toHaveLength(0);
    expect(missing(kafka(imports, '', publish('')))).toHaveLength(1);
  });

  it('headers built in a variable (NATS-style set calls, a const object)', () => {
    const body = `      const headers: Record<string, string> = {};
      headers['x-correlation-id'] = evt.correlationId;
      await producer.send({ topic: 't', messages: [{ value: 'x', headers }] });`;
    expect(missing(kafka('', '', body))).toHaveLength(0);
  });

  it('an idempotency key from a business key does not carry the delivery; one from the event id does', () => {
    const url = `const LEDGER_URL = process.env.LEDGER_URL!;`;
    const call = (key: string) => `      await fetch(\`\${LEDGER_URL}/postings\`, { method: 'POST', headers: { 'idempotency-key': ${key} }, body: JSON.stringify({ orderId: evt.orderId }) });`;
    expect(missing(kafka('', url, call('`so-${evt.orderId}`')))).toHaveLength(1);
    expect(missing(kafka('', url, call('evt.eventId')))).toHaveLength(0);
  });

  it('HTTP to an internal service configured by a constructor argument from the environment', () => {
    const client = `export class WarehouseClient {
  constructor(private readonly baseUrl: string) {}
  async pick(orderId: string) {
    await fetch(\`\${this.baseUrl}/picks\`, { method: 'POST', body: JSON.stringify({ orderId }) });
  }
}
`;
    const src = kafka(`import { WarehouseClient } from './warehouse';`, 'const warehouse = new WarehouseClient(process.env.WAREHOUSE_URL!);', `      await warehouse.pick(evt.orderId);`);
    expect(missing(src, { 'src/warehouse.ts': client })).toHaveLength(1);
  });

  it('third-party SaaS calls and URLs from the payload are out of scope', () => {
    expect(missing(kafka(`import Stripe from 'stripe';`, `const stripe = new Stripe('sk');`, `      await stripe.refunds.create({ payment_intent: 'pi' });`))).toHaveLength(0);
    expect(missing(kafka('', '', `      await fetch('https://api.hubspot.com/crm/v3/objects/contacts', { method: 'POST', body: '{}' });`))).toHaveLength(0);
    expect(missing(kafka('', '', `      await fetch((evt as unknown as { callbackUrl: string }).callbackUrl, { method: 'POST', body: '{}' });`))).toHaveLength(0);
  });

  it('OpenTelemetry context propagation counts', () => {
    const body = `      const headers: Record<string, string> = {};
      propagation.inject(context.active(), headers);
      await producer.send({ topic: 't', messages: [{ value: 'x', headers }] });`;
    expect(missing(kafka(`import { context, propagation } from '@opentelemetry/api';`, '', body))).toHaveLength(0);
  });
  it('a request id echoed in a reply event (requestId, request_id, requestUniqueId) carries the incoming request', () => {
    for (const field of ['requestId', 'request_id', 'requestUniqueId']) {
      const src = kafka('', '', `      const req = JSON.parse(message.value!.toString()) as Record<string, string>;
      await producer.send({ topic: 'answers', messages: [{ value: JSON.stringify({ ${field}: req.${field}, answer: 42 }) }] });`);
      expect(missing(src), field).toHaveLength(0);
    }
    // A business id alone is not a request id.
    expect(missing(kafka('', '', `      await producer.send({ topic: 'answers', messages: [{ value: JSON.stringify({ requestedBy: evt.orderId }) }] });`))).toHaveLength(1);
  });
});
