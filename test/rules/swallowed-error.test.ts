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

  describe('catches off the path of the work', () => {
    const KAFKA = `import { Kafka } from 'kafkajs';\n${PG}\nconst consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\n`;
    const run = (body: string, extra = '') =>
      findingsOf(auditSources({ 'src/c.ts': `${KAFKA}${extra}\nawait consumer.run({ eachMessage: async ({ message, heartbeat }) => {\n${body}\n} });` }), 'swallowed-error');

    it('ignores a catch around a heartbeat or a lock release, but not one around the write', () => {
      expect(run(`const t = setInterval(() => {}, 1000);
  await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]);
  try { await heartbeat(); } catch { /* a missed heartbeat must not fail the work */ }`)).toHaveLength(0);
      expect(run(`const lock = await acquire(String(message.key));
  try { await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]); }
  finally { try { await lock.release(); } catch (e) { logger.warn(e); } }`, `declare function acquire(k: string): Promise<{ release(): Promise<void> }>;`)).toHaveLength(0);
      expect(run(`try { await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]); } catch (e) { logger.warn(e); }`)).toHaveLength(1);
    });

    it('ignores a catch in a timer callback and one reached through a call nobody awaits', () => {
      expect(run(`await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]);
  setTimeout(async () => { try { await pool.query('DELETE FROM tmp'); } catch (e) { logger.error(e); } }, 10);`)).toHaveLength(0);
      // The floating call is floating-promise's finding; its inner catch is not a second one.
      const r = auditSources({ 'src/c.ts': `${KAFKA}
async function audit(v: string) { try { await pool.query('INSERT INTO audit VALUES ($1)', [v]); } catch (e) { logger.error(e); } }
await consumer.run({ eachMessage: async ({ message }) => {
  await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]);
  audit(String(message.value));
} });` });
      expect(findingsOf(r, 'swallowed-error')).toHaveLength(0);
      expect(findingsOf(r, 'floating-promise')).toHaveLength(1);
    });

    it('ignores a try that only holds a voided call (its rejection never reaches the catch)', () => {
      const r = auditSources({ 'src/c.ts': `${KAFKA}
async function importAll(v: string) { await pool.query('INSERT INTO items VALUES ($1)', [v]); }
await consumer.run({ eachMessage: async ({ message }) => {
  try { void importAll(String(message.value)); } catch (e) { logger.error(e); }
} });` });
      expect(findingsOf(r, 'swallowed-error')).toHaveLength(0);
      expect(findingsOf(r, 'floating-promise')).toHaveLength(1);
    });

    it('ignores telemetry and cache upkeep beside the work, but not when it is all the handler does', () => {
      const analytics = `class ProductAnalytics { async track(e: string) { try { await pool.query('INSERT INTO analytics_events VALUES ($1)', [e]); } catch (err) { logger.error(err); } } }\nconst analytics = new ProductAnalytics();`;
      expect(run(`await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]);
  await analytics.track('ledger.credited');`, analytics)).toHaveLength(0);
      expect(run(`await analytics.track(String(message.value));`, analytics)).toHaveLength(1);
    });

    it('ignores a lookup with a fallback in a callee, and a callee catch that returns null to its caller', () => {
      const r = auditSources({ 'src/c.ts': `${KAFKA}
async function rateFor(ccy: string): Promise<number | undefined> {
  try { return (await pool.query('SELECT rate FROM rates WHERE ccy = $1', [ccy])).rows[0]?.rate; } catch (e) { logger.warn(e); }
}
async function quote(v: string): Promise<string | null> {
  try { const r = await fetch('https://quotes.example.com/' + v); return await r.text(); } catch (e) { logger.warn(e); return null; }
}
await consumer.run({ eachMessage: async ({ message }) => {
  const rate = (await rateFor('EUR')) ?? 1;
  const q = (await quote('EUR')) ?? (await quote('USD'));
  await pool.query('INSERT INTO ledger VALUES ($1, $2, $3)', [String(message.value), rate, q]);
} });` });
      expect(findingsOf(r, 'swallowed-error')).toHaveLength(0);
    });

    it('ignores a computed value with a fallback (the previous value is kept)', () => {
      expect(run(`let profile = { id: String(message.key) };
  for (const enhancer of enhancers) {
    try { profile = await enhancer.enhance(profile); } catch (e) { logger.warn(e); }
  }
  await pool.query('INSERT INTO profiles VALUES ($1)', [JSON.stringify(profile)]);`, `declare const enhancers: { enhance(p: object): Promise<{ id: string }> }[];`)).toHaveLength(0);
    });

    it('ignores per-item failures that a success flag counts, checked after the loop', () => {
      expect(run(`let anySent = false;
  for (const ch of channels) {
    try { await pool.query('INSERT INTO outbox VALUES ($1, $2)', [ch, String(message.value)]); anySent = true; }
    catch (e) { logger.warn(e); }
  }
  if (!anySent) throw new Error('no channel accepted the message');`, `declare const channels: string[];`)).toHaveLength(0);
    });

    it('takes a rejection of the enclosing Promise executor and a failure written to a result object as handled', () => {
      expect(run(`await new Promise<void>(async (resolve, reject) => {
    try { await pool.query('INSERT INTO ledger VALUES ($1)', [String(message.value)]); resolve(); }
    catch (e) { logger.error(e); return reject(e); }
  });`)).toHaveLength(0);
      const r = auditSources({ 'src/c.ts': `${KAFKA}
async function check(v: string) {
  const report = { errors: [] as string[], db: 'ok' };
  try { await pool.query('INSERT INTO checks VALUES ($1)', [v]); } catch (e) { report.db = 'error'; report.errors.push(String(e)); }
  return report;
}
await consumer.run({ eachMessage: async ({ message }) => {
  const report = await check(String(message.value));
  if (report.errors.length) throw new Error(report.errors.join());
} });` });
      expect(findingsOf(r, 'swallowed-error')).toHaveLength(0);
    });

    it('takes a result checked after the try (`if (!payment) throw`) as handled', () => {
      expect(run(`let payment: unknown;
  try { payment = await authorize(String(message.value)); } catch (e) { logger.error(e); }
  const session = await pool.query('SELECT status FROM sessions WHERE id = $1', [String(message.key)]);
  if (session.rows[0]?.status !== 'authorized' || !payment) throw new Error('authorization failed');`,
      `async function authorize(v: string) { return (await pool.query('INSERT INTO payments VALUES ($1) RETURNING id', [v])).rows[0]; }`)).toHaveLength(0);
      // Without the check the insert failure is dropped.
      expect(run(`let payment: unknown;
  try { payment = await authorize(String(message.value)); } catch (e) { logger.error(e); }
  logger.info({ payment });`,
      `async function authorize(v: string) { return (await pool.query('INSERT INTO payments VALUES ($1) RETURNING id', [v])).rows[0]; }`)).toHaveLength(1);
    });

    it('follows work chained to the resolve/reject of an awaited Promise, and skips async callbacks nobody awaits', () => {
      const shared = `async function runJob(v: string) { try { await pool.query('INSERT INTO sends VALUES ($1)', [v]); } catch (e) { logger.error(e); } }`;
      expect(run(`await new Promise((resolve, reject) => {
    runJob(String(message.value)).then(resolve).catch(reject);
  });`, shared)).toHaveLength(1);
      const r = auditSources({ 'src/c.ts': `${KAFKA}${shared}
declare const queue: { add(fn: () => Promise<void>): Promise<void> };
await consumer.run({ eachMessage: async ({ message }) => {
  queue.add(async () => runJob(String(message.value)));
} });` });
      expect(findingsOf(r, 'swallowed-error')).toHaveLength(0);
    });

    it('names the function that holds a shared catch, once per handler that reaches it', () => {
      const r = auditSources({ 'src/c.ts': `${KAFKA}
async function deliverAll(items: string[]) { try { for (const i of items) await pool.query('INSERT INTO deliveries VALUES ($1)', [i]); } catch (e) { logger.error(e); } }
async function onA(v: string) { await deliverAll([v]); }
await consumer.run({ eachMessage: async ({ message }) => { await onA(String(message.value)); } });
const c2 = new Kafka({ brokers: [] }).consumer({ groupId: 'g2' });
await c2.run({ eachMessage: async ({ message }) => { await onA(String(message.key)); } });` });
      const f = findingsOf(r, 'swallowed-error');
      expect(f).toHaveLength(2);
      for (const x of f) expect(x.message).toMatch(/in `deliverAll`, reached through `onA\(/);
    });
  });
});
