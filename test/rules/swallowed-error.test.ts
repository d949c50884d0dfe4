import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';
import { findings } from '../analysis/flow-adapters.js';

const PG = `import { Pool } from 'pg';\nimport pino from 'pino';\nconst pool = new Pool();\nconst logger = pino();\n`;

describe('swallowed-error', () => {
  it('reports a log-only catch in a kafkajs eachMessage (the offset is committed)', () => {
    const r = auditSources({
      'src/c.ts': `import { Kafka } from 'kafkajs';\n${PG}
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
await consumer.run({ eachMessage: async ({ message }) => {
  try { await pool.query('UPDATE wallets SET balance = balance + 1'); }
  catch (err) { logger.error({ err }, 'credit failed'); }
} });`,
    });
    const f = findingsOf(r, 'swallowed-error');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/only logs.*kafkajs/);
  });

  it('reports a catch in a project service the handler awaits, at the call in the handler', () => {
    const r = auditSources({
      'src/c.ts': `import { Kafka } from 'kafkajs';\nimport { RefundService } from './refunds';
const svc = new RefundService();
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
await consumer.run({ eachMessage: async ({ message }) => { await svc.refund(String(message.value)); } });`,
      'src/refunds.ts': `import Stripe from 'stripe';
export class RefundService {
  private stripe = new Stripe('k');
  async refund(id: string): Promise<void> {
    try { await this.stripe.refunds.create({ payment_intent: id }); } catch (e) { console.error('refund failed', e); }
  }
}`,
    });
    const f = findingsOf(r, 'swallowed-error');
    expect(f).toHaveLength(1);
    expect(f[0]!.span.file).toMatch(/c\.ts$/);
    expect(f[0]!.related[0]!.span.file).toMatch(/refunds\.ts$/);
  });

  it('reports an empty catch in a Lambda SQS loop (the whole batch is deleted)', () => {
    expect(findings(`${PG}handle('lambda-sqs', async (event) => {
  for (const r of event.Records) { try { await pool.query('INSERT INTO t VALUES ($1)', [r.body]); } catch {} }
});`, 'swallowed-error')).toHaveLength(1);
  });

  it('reports a BullMQ catch that returns a normal value (the job completes)', () => {
    const f = findings(`${PG}handle('bullmq', async (job) => {
  try { await pool.query('INSERT INTO sms VALUES ($1)', [job.id]); return { ok: true }; }
  catch (err) { logger.warn(err); return { status: 'failed' }; }
});`, 'swallowed-error');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain("returns { status: 'failed' }");
  });

  it('reports a webhook catch that logs and still answers 200', () => {
    const f = findings(`${PG}handle('webhook', async (req, res) => {
  try { await pool.query('UPDATE orders SET refunded = true'); } catch (err) { logger.error(err); }
  res.json({ received: true });
});`, 'swallowed-error');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('200 reply');
  });

  it('reports Promise.allSettled whose results are never read before a Pub/Sub ack', () => {
    expect(findings(`${PG}handle('pubsub', async (message) => {
  await Promise.allSettled([pool.query('INSERT INTO a VALUES (1)'), pool.query('INSERT INTO b VALUES (1)')]);
  message.ack();
});`, 'swallowed-error')).toHaveLength(1);
  });

  it('reports an awaited .catch(() => {}) on a send', () => {
    expect(findings(`import { ServiceBusClient } from '@azure/service-bus';
const sender = new ServiceBusClient('x').createSender('billing');
handle('service-bus', async (message, receiver) => {
  await sender.sendMessages({ body: message.body }).catch(() => {});
  await receiver.completeMessage(message);
});`, 'swallowed-error')).toHaveLength(1);
  });

  it('reports an amqplib catch that logs and acks', () => {
    expect(findings(`${PG}handle('amqplib', async (msg, ch) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); } catch (err) { logger.error(err); }
  ch.ack(msg);
});`, 'swallowed-error')).toHaveLength(1);
  });

  describe('not reported', () => {
    const clean = (src: string) => expect(findings(src, 'swallowed-error')).toEqual([]);

    it('a catch that rethrows, after logging or after classifying a duplicate', () => {
      clean(`${PG}handle('lambda-sqs', async (event) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); } catch (err) { logger.error(err); throw err; }
});`);
      clean(`${PG}handle('bullmq', async (job) => {
  try { await pool.query('INSERT INTO processed VALUES ($1)', [job.id]); }
  catch (err) { if ((err as { code?: string }).code === '23505') return; throw err; }
});`);
    });

    it('a catch that pushes to batchItemFailures', () => {
      clean(`${PG}handle('lambda-sqs', async (event) => {
  const batchItemFailures = [];
  for (const r of event.Records) {
    try { await pool.query('INSERT INTO t VALUES ($1)', [r.body]); }
    catch (err) { logger.error(err); batchItemFailures.push({ itemIdentifier: r.messageId }); }
  }
  return { batchItemFailures };
});`);
    });

    it('a catch that nacks, abandons or dead-letters', () => {
      clean(`${PG}handle('amqplib', async (msg, ch) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); ch.ack(msg); } catch (err) { logger.error(err); ch.nack(msg, false, false); }
});`);
      clean(`${PG}handle('service-bus', async (message, receiver) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); await receiver.completeMessage(message); }
  catch (err) { await receiver.deadLetterMessage(message, { deadLetterReason: 'failed' }); }
});`);
      clean(`${PG}handle('pubsub', async (message) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); }
  catch (err) { await pool.query('INSERT INTO dead_letters VALUES ($1)', [message.id]); }
  message.ack();
});`);
    });

    it('a webhook catch that answers 500 or calls next(err)', () => {
      clean(`${PG}handle('webhook', async (req, res) => {
  try { await pool.query('UPDATE t SET a = 1'); res.json({ ok: true }); } catch (err) { logger.error(err); res.status(500).json({ error: 'x' }); }
});`);
      clean(`${PG}handle('webhook', async (req, res, next) => {
  try { await pool.query('UPDATE t SET a = 1'); res.json({ ok: true }); } catch (err) { next(err); }
});`);
    });

    it('an MQTT.js handleMessage catch that calls callback(err)', () => {
      clean(`${PG}handle('mqtt-handle', async (packet, callback) => {
  try { await pool.query('INSERT INTO r VALUES (1)'); callback(); } catch (err) { callback(err as Error); }
});`);
    });

    it('a hand-acked catch that leaves the message unacked', () => {
      clean(`${PG}handle('redis-stream', async (entry, redis) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); await redis.xack('s', 'g', entry.id); }
  catch (err) { console.warn('failed, left pending for XAUTOCLAIM', err); }
});`);
    });

    it('allSettled whose results are inspected, and a try with only synchronous work', () => {
      clean(`${PG}handle('pubsub', async (message) => {
  const results = await Promise.allSettled([pool.query('INSERT INTO a VALUES (1)')]);
  if (results.some((r) => r.status === 'rejected')) { message.nack(); return; }
  message.ack();
});`);
      clean(`${PG}handle('lambda-sqs', async (event) => {
  let body;
  try { body = JSON.parse(event.body); } catch { return; }
  await pool.query('INSERT INTO t VALUES ($1)', [body]);
});`);
    });

    it('a callee catch that returns a value its caller checks', () => {
      clean(`${PG}
async function tryInsert(id: string): Promise<boolean> {
  try { await pool.query('INSERT INTO t VALUES ($1)', [id]); return true; } catch (err) { logger.error(err); return false; }
}
handle('bullmq', async (job) => { if (!(await tryInsert(job.id))) throw new Error('insert failed'); });`);
    });

    it('code that is not a handler', () => {
      clean(`${PG}export async function backfill() { try { await pool.query('UPDATE t SET a = 1'); } catch {} }`);
    });
  });
});

describe('swallowed-error with a completion callback (bull/bee-queue/agenda done, MQTT callback)', () => {
  const JOB = `${PG}declare function toError(e: unknown): Error;\n`;

  it('reports a catch that logs and calls done() (the job completes as a success)', () => {
    const f = findings(`${JOB}handle('job-callback', async (job, done) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); done(); } catch (err) { logger.error(err); done(); }
});`, 'swallowed-error');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('the catch itself acks');
  });

  it('reports a promise chain whose rejection handler logs and completes the job', () => {
    expect(findings(`${JOB}handle('job-callback', (job, done) => {
  pool.query('INSERT INTO t VALUES (1)').then(() => done()).catch((err) => { logger.error(err); done(); });
});`, 'swallowed-error')).toHaveLength(1);
  });

  it('does not report a failure handed to the callback, directly, wrapped, or through a helper', () => {
    const clean = (src: string) => expect(findings(src, 'swallowed-error')).toEqual([]);
    clean(`${JOB}handle('job-callback', async (job, finished) => { try { await pool.query('INSERT INTO t VALUES (1)'); finished(); } catch (err) { logger.error(err); finished(toError(err)); } });`);
    clean(`${JOB}handle('mqtt-handle', async (packet, cb) => { try { await pool.query('INSERT INTO t VALUES (1)'); cb(); } catch { cb(new Error('insert failed')); } });`);
    clean(`${JOB}function fail(cb: (e?: Error) => void, e: unknown) { logger.error(e); cb(toError(e)); }
handle('job-callback', async (job, done) => { try { await pool.query('INSERT INTO t VALUES (1)'); done(); } catch (err) { fail(done, err); } });`);
    clean(`${JOB}handle('job-callback', (job, done) => { pool.query('INSERT INTO t VALUES (1)').then(() => done()).catch(done); });`);
  });
});

describe('swallowed-error: catches that hand the failure on', () => {
  it('does not report a catch that publishes a failure event carrying the error', () => {
    expect(findings(`${PG}import { Kafka } from 'kafkajs';
const producer = new Kafka({ brokers: [] }).producer();
handle('bullmq', async (job) => {
  try { await pool.query('INSERT INTO builds VALUES ($1)', [job.id]); }
  catch (error) {
    logger.error(error);
    const failure = { key: job.id, value: { buildId: job.data.buildId, errorMessage: (error as Error).message } };
    await producer.send({ topic: 'build.failed', messages: [{ value: JSON.stringify(failure) }] });
  }
});`, 'swallowed-error')).toEqual([]);
  });

  it('still reports a catch whose awaited call does not carry the error, or only logs it through a fluent logger', () => {
    expect(findings(`${PG}import { Redis } from 'ioredis';\nconst redis = new Redis();
handle('bullmq', async (job) => {
  try { await pool.query('INSERT INTO t VALUES ($1)', [job.id]); }
  catch (error) { logger.error(error); await redis.del('lock:' + job.id); }
});`, 'swallowed-error')).toHaveLength(1);
    const fluent = findings(`${PG}declare const log: { atError(): { withCause(e: unknown): { log(m: string): void } } };
handle('bullmq', async (job) => {
  try { await pool.query('INSERT INTO t VALUES ($1)', [job.id]); } catch (e) { log.atError().withCause(e).log('insert failed'); }
});`, 'swallowed-error');
    expect(fluent).toHaveLength(1);
    expect(fluent[0]!.message).toContain('only logs');
  });
});
