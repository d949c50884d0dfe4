import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';
import { findings } from '../analysis/flow-adapters.js';

const IO = `import { Pool } from 'pg';\nimport { Redis } from 'ioredis';\nimport axios from 'axios';\nimport pino from 'pino';
const pool = new Pool();\nconst cache = new Redis();\nconst logger = pino();\n`;

describe('floating-promise', () => {
  it('reports an un-awaited call to an async project function in kafkajs eachMessage', () => {
    const r = auditSources({
      'src/c.ts': `import { Kafka } from 'kafkajs';\n${IO}
async function sendConfirmation(id: string): Promise<void> { await pool.query('INSERT INTO emails VALUES ($1)', [id]); }
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
await consumer.run({ eachMessage: async ({ message }) => { sendConfirmation(String(message.value)); } });`,
    });
    const f = findingsOf(r, 'floating-promise');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/sendConfirmation.*kafkajs settles/);
  });

  it('reports forEach(async ...) over a Lambda batch', () => {
    const f = findings(`${IO}handle('lambda-sqs', async (event) => {
  event.Records.forEach(async (r) => { await pool.query('INSERT INTO t VALUES ($1)', [r.body]); });
});`, 'floating-promise');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('async callbacks');
  });

  it('reports an HTTP call not awaited before an amqplib ack, once', () => {
    const f = findings(`${IO}handle('amqplib', (msg, ch) => {
  axios.post('https://hooks.example/x', msg.content.toString());
  ch.ack(msg);
});`, 'floating-promise');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('acks with ch.ack(msg)');
  });

  it('reports void, an I/O verb on a client, fetch, and a .then chain', () => {
    expect(findings(`${IO}handle('bullmq', async (job) => { void pool.query('DELETE FROM t'); });`, 'floating-promise')).toHaveLength(1);
    expect(findings(`${IO}handle('bullmq', async (job) => { await pool.query('UPDATE t SET a = 1'); cache.del('k'); });`, 'floating-promise')).toHaveLength(1);
    expect(findings(`handle('cloudflare', async (batch, env) => { for (const m of batch.messages) { fetch(env.URL, { method: 'POST' }); } });`, 'floating-promise')).toHaveLength(1);
    expect(findings(`${IO}handle('bullmq', async (job) => { axios.post('/x', job.data).then(() => logger.info('ok')); });`, 'floating-promise')).toHaveLength(1);
  });

  it('reports an un-awaited send in a class the handler calls (client held in a property)', () => {
    const f = findings(`import { Mailer } from './mailer';\nconst mailer = new Mailer();
handle('lambda-sqs', async (event) => { await mailer.send(event.Records[0].body); });`, 'floating-promise', {
      'src/mailer.ts': `import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
export class Mailer {
  private readonly ses = new SESv2Client({});
  async send(to: string): Promise<void> { this.ses.send(new SendEmailCommand({ Destination: { ToAddresses: [to] } })); }
}`,
    });
    expect(f).toHaveLength(1);
  });

  it('reports a constructor-injected client typed from its package', () => {
    expect(findings(`import { Client } from '@opensearch-project/opensearch';
class Listener {
  constructor(private readonly search: Client) {}
  async onDeleted(e: { id: string }) { this.search.delete({ index: 'people', id: e.id }); }
}
const l = new Listener(new Client({}));
handle('bullmq', (job) => l.onDeleted(job.data));`, 'floating-promise')).toHaveLength(1);
  });

  describe('not reported', () => {
    const clean = (src: string) => expect(findings(src, 'floating-promise')).toEqual([]);

    it('awaited, returned, collected with Promise.all, or awaited later', () => {
      clean(`${IO}handle('bullmq', async (job) => { await pool.query('INSERT INTO t VALUES (1)'); });`);
      clean(`${IO}handle('bullmq', (job) => pool.query('INSERT INTO t VALUES (1)'));`);
      clean(`${IO}handle('bullmq', (job) => { return pool.query('INSERT INTO t VALUES (1)'); });`);
      clean(`${IO}handle('lambda-sqs', async (event) => { await Promise.all(event.Records.map((r) => pool.query('INSERT INTO t VALUES ($1)', [r.body]))); });`);
      clean(`${IO}handle('bullmq', async (job) => { const p = pool.query('INSERT INTO t VALUES (1)'); logger.info('started'); await p; });`);
    });

    it('synchronous calls: logging, Map/Headers set, amqplib publish, sync project functions', () => {
      clean(`${IO}import { connect, headers } from 'nats';
function shape(x: unknown) { return { x }; }
handle('amqplib', async (msg, ch) => {
  logger.info('got message');
  const seen = new Map<string, number>(); seen.set('a', 1);
  const h = headers(); h.set('correlation-id', 'c');
  ch.publish('ex', 'rk', Buffer.from('x'));
  shape(msg);
  await pool.query('INSERT INTO t VALUES (1)');
  ch.ack(msg);
});`);
    });

    it('a .then chain that settles the delivery when the work is done', () => {
      clean(`${IO}async function work(b: unknown) { await pool.query('INSERT INTO t VALUES ($1)', [b]); }
handle('amqplib', (msg, ch) => { work(msg.content).then(() => ch.ack(msg), () => ch.nack(msg, false, false)); });`);
      clean(`${IO}async function work(b: unknown) { await pool.query('INSERT INTO t VALUES ($1)', [b]); }
handle('webhook', (req, res, next) => { work(req.body).then(() => res.sendStatus(200)).catch(next); });`);
    });

    it('listener callbacks registered inside the handler, and non-handler code', () => {
      clean(`${IO}handle('bullmq', async (job, emitter) => { emitter.on('progress', () => { cache.del('k'); }); await pool.query('SELECT 1'); });`);
      clean(`${IO}export function warmUp() { cache.del('k'); pool.query('SELECT 1'); }`);
    });
  });
});

describe('floating-promise: completion callbacks and in-process queues', () => {
  it('does not report work that is handed the completion callback, or settles it in its chain', () => {
    const clean = (src: string) => expect(findings(src, 'floating-promise')).toEqual([]);
    clean(`${IO}async function run(job: unknown, cb: (e?: Error) => void) { try { await pool.query('INSERT INTO t VALUES (1)'); cb(); } catch (e) { cb(e as Error); } }
handle('job-callback', (job, done) => { run(job, done); });`);
    clean(`${IO}handle('job-callback', (job, finished) => { pool.query('INSERT INTO t VALUES (1)').then(() => finished(), finished); });`);
  });

  it('reports work started before done() in callback mode (floating-promise only, not ack-before-process)', () => {
    const r = findings(`${IO}handle('job-callback', (job, done) => { pool.query('INSERT INTO t VALUES (1)'); done(); });`, 'floating-promise');
    expect(r).toHaveLength(1);
    expect(findings(`${IO}handle('job-callback', (job, done) => { pool.query('INSERT INTO t VALUES (1)'); done(); });`, 'ack-before-process')).toEqual([]);
  });

  it('reports work handed to an in-memory p-queue or p-limit without waiting for it', () => {
    const PQ = `${IO}import PQueue from 'p-queue';\nimport pLimit from 'p-limit';\nconst queue = new PQueue({ concurrency: 4 });\nconst limit = pLimit(2);
async function work(m: unknown) { await pool.query('INSERT INTO t VALUES ($1)', [m]); }\n`;
    expect(findings(`${PQ}handle('bullmq', async (job) => { queue.add(async () => work(job.data)); });`, 'floating-promise')).toHaveLength(1);
    expect(findings(`${PQ}handle('bullmq', async (job) => { limit(() => work(job.data)); });`, 'floating-promise')).toHaveLength(1);
    expect(findings(`${PQ}handle('bullmq', async (job) => { await queue.add(async () => work(job.data)); await limit(() => work(job.data)); });`, 'floating-promise')).toEqual([]);
  });

  it('does not report step calls inside a Medusa createWorkflow composition (the engine runs and awaits them)', () => {
    const r = auditSources({
      'src/subscribers/payment.ts': `import type { SubscriberArgs, SubscriberConfig } from '@medusajs/framework';
import { processPayment } from '../workflows/process-payment';
export default async function onPayment({ event, container }: SubscriberArgs<{ id: string }>) {
  await processPayment(container).run({ input: { id: event.data.id } });
}
export const config: SubscriberConfig = { event: 'payment.webhook' };`,
      'src/workflows/process-payment.ts': `import { createStep, createWorkflow, when, StepResponse } from '@medusajs/framework/workflows-sdk';
import { Pool } from 'pg';
const pool = new Pool();
const authorizeStep = createStep('authorize', async (input: { id: string }) => {
  await pool.query('UPDATE sessions SET status = $1 WHERE id = $2', ['authorized', input.id]);
  return new StepResponse(input.id);
});
export const processPayment = createWorkflow('process-payment', (input: { id: string }) => {
  when({ input }, ({ input }) => !!input.id).then(() => {
    authorizeStep({ id: input.id });
  });
});`,
    });
    expect(r.handlers).toHaveLength(1);
    expect(findingsOf(r, 'floating-promise')).toHaveLength(0);
  });
});
