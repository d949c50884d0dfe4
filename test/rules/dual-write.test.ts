import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const kafka = (imports: string, setup: string, body: string) => `import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
${imports}
const pool = new Pool();
const producer = new Kafka({ brokers: ['kafka:9092'] }).producer();
${setup}
const consumer = new Kafka({ clientId: 'svc', brokers: ['kafka:9092'] }).consumer({ groupId: 'g' });
export async function start(): Promise<void> {
  await consumer.run({
    eachMessage: async ({ message }) => {
      const evt = JSON.parse(message.value!.toString()) as { eventId: string; orderId: string };
${body}
    },
  });
}
`;

const UPDATE = `      await pool.query("UPDATE orders SET status = 'shipped' WHERE id = $1", [evt.orderId]);`;
const SEND = `      await producer.send({ topic: 'orders.shipped', messages: [{ key: evt.orderId, value: 'x', headers: { 'correlation-id': evt.eventId } }] });`;

function dual(src: string, config?: unknown, extra: Record<string, string> = {}) {
  return findingsOf(auditSources({ 'src/consumer.ts': src, ...extra }, { config }), 'dual-write');
}

describe('dual-write', () => {
  it('a state write and a publish as two steps', () => {
    const f = dual(kafka('', '', `${UPDATE}\n${SEND}`));
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/writes orders .* and publishes a message to orders.shipped/);
    expect(f[0]!.related.length).toBeGreaterThan(0);
  });

  it('a state write and a third-party call (Stripe) count too', () => {
    const f = dual(kafka(`import Stripe from 'stripe';`, `const stripe = new Stripe('sk');`, `${UPDATE}\n      await stripe.refunds.create({ payment_intent: 'pi' }, { idempotencyKey: evt.eventId });`));
    expect(f).toHaveLength(1);
  });

  it('a transactional outbox row instead of the publish is the guard', () => {
    const body = `      const client = await pool.connect();
      await client.query('BEGIN');
${UPDATE.replace('pool.', 'client.')}
      await client.query('INSERT INTO outbox (topic, payload, correlation_id) VALUES ($1, $2, $3)', ['orders.shipped', '{}', evt.eventId]);
      await client.query('COMMIT');`;
    expect(dual(kafka('', '', body))).toHaveLength(0);
  });

  it('dedup bookkeeping is not business state: a processed-events claim and a publish', () => {
    const body = `      const claimed = await pool.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [evt.eventId]);
      if (claimed.rowCount === 0) return;
${SEND}`;
    expect(dual(kafka('', '', body))).toHaveLength(0);
  });

  it('a Redis SET NX claim and an email are not a dual write', () => {
    const body = `      if ((await redis.set(\`sent:\${evt.eventId}\`, '1', 'NX')) !== 'OK') return;
      await mailer.sendMail({ to: 'a@b.c', subject: 'x' });`;
    expect(dual(kafka(`import { Redis } from 'ioredis';\nimport nodemailer from 'nodemailer';`, `const redis = new Redis();\nconst mailer = nodemailer.createTransport({});`, body))).toHaveLength(0);
  });

  it('a compensating write in the failure path of the publish is a saga step', () => {
    const body = `${UPDATE}
      try {
${SEND}
      } catch (err) {
        await pool.query("UPDATE orders SET status = 'ship_failed' WHERE id = $1", [evt.orderId]);
        throw err;
      }`;
    expect(dual(kafka('', '', body))).toHaveLength(0);
  });

  it('a configured outbox helper is the guard', () => {
    const body = `${UPDATE}\n      await enqueueOutbox('orders.shipped', { orderId: evt.orderId });`;
    const setup = 'declare function enqueueOutbox(topic: string, payload: unknown): Promise<void>;';
    expect(dual(kafka('', setup, `${body}\n${SEND}`), { outboxHelpers: ['enqueueOutbox'] })).toHaveLength(0);
  });

  it('a parking row in the catch clause does not make a dual write', () => {
    const body = `      try {
${SEND}
      } catch (err) {
        await pool.query('INSERT INTO dead_letters (body) VALUES ($1)', [String(err)]);
        throw err;
      }`;
    expect(dual(kafka('', '', body))).toHaveLength(0);
  });
});
