import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';
import { findings } from '../analysis/flow-adapters.js';

const PG = `import { Pool } from 'pg';\nconst pool = new Pool();\n`;

describe('ack-before-process', () => {
  it('reports an amqplib ack before the awaited work', () => {
    const f = findings(`${PG}handle('amqplib', async (msg, ch) => { ch.ack(msg); await pool.query('INSERT INTO t VALUES (1)'); });`, 'ack-before-process');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('ch.ack(msg)');
    expect(f[0]!.related.some((r) => r.message.includes('after the ack'))).toBe(true);
  });

  it('reports a DeleteMessageCommand before the work in an SQS loop', () => {
    expect(findings(`import { SQSClient, DeleteMessageCommand } from '@aws-sdk/client-sqs';\n${PG}const sqs = new SQSClient({});
handle('sqs-loop', async (m) => {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: 'q', ReceiptHandle: m.ReceiptHandle }));
  await pool.query('INSERT INTO leads VALUES ($1)', [m.MessageId]);
});`, 'ack-before-process')).toHaveLength(1);
  });

  it('reports batch.ackAll() first in a Cloudflare queue handler', () => {
    expect(findings(`handle('cloudflare', async (batch, env) => { batch.ackAll(); await env.DB.batch(batch.messages.map((m) => m.body)); });`, 'ack-before-process')).toHaveLength(1);
  });

  it('reports a 200 reply before the processing call in a webhook route', () => {
    const f = findings(`${PG}handle('webhook', async (req, res) => { res.sendStatus(200); await pool.query('UPDATE t SET paid = true'); });`, 'ack-before-process');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/^The 200 reply/);
  });

  it('reports kafkajs resolveOffset of the batch before its work', () => {
    const r = auditSources({
      'src/c.ts': `import { Kafka } from 'kafkajs';\n${PG}
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
await consumer.run({ eachBatchAutoResolve: false, eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
  resolveOffset(batch.lastOffset());
  for (const m of batch.messages) { await pool.query('INSERT INTO v VALUES ($1)', [m.offset]); await heartbeat(); }
} });`,
    });
    expect(findingsOf(r, 'ack-before-process')).toHaveLength(1);
  });

  it('reports auto-ack modes: noAck, MQTT.js QoS 1 listener, NestJS RMQ default without a manual ack', () => {
    expect(findings(`${PG}handle('amqplib-noack', async (msg) => { await pool.query('UPDATE p SET v = 1'); });`, 'ack-before-process')).toHaveLength(1);
    expect(findings(`${PG}handle('mqtt-qos1', async (topic, payload) => { await pool.query('UPDATE d SET s = $1', [payload]); });`, 'ack-before-process')).toHaveLength(1);
    expect(findings(`${PG}handle('nest-rmq', async (evt) => { await pool.query('INSERT INTO a VALUES (1)'); });`, 'ack-before-process')).toHaveLength(1);
  });

  describe('not reported', () => {
    const clean = (src: string) => expect(findings(src, 'ack-before-process')).toEqual([]);

    it('an ack after the awaited work, and per-message resolveOffset after each message', () => {
      clean(`${PG}handle('amqplib', async (msg, ch) => { await pool.query('INSERT INTO t VALUES (1)'); ch.ack(msg); });`);
      clean(`${PG}handle('redis-stream', async (entries, redis) => {
  for (const e of entries) { await pool.query('INSERT INTO t VALUES ($1)', [e.id]); await redis.xack('s', 'g', e.id); }
});`);
    });

    it('an ack in a duplicate branch that returns, or in a try whose catch dead-letters', () => {
      clean(`${PG}handle('amqplib', async (msg, ch) => {
  const seen = await pool.query('SELECT 1 FROM processed WHERE id = $1', [msg.id]);
  if (seen.rowCount) { ch.ack(msg); return; }
  await pool.query('INSERT INTO t VALUES (1)');
  ch.ack(msg);
});`);
      clean(`${PG}handle('amqplib', async (msg, ch) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); ch.ack(msg); }
  catch (err) { await pool.query('INSERT INTO dead_letters VALUES ($1)', [msg.id]); ch.ack(msg); }
});`);
    });

    it('NestJS RMQ default noAck disproved by a manual channel ack', () => {
      clean(`${PG}handle('nest-rmq', async (evt, ctx) => { await pool.query('INSERT INTO a VALUES (1)'); ctx.getChannelRef().ack(ctx.getMessage()); });`);
    });

    it('work merely not awaited before the ack (floating-promise only)', () => {
      clean(`import axios from 'axios';\nhandle('amqplib', (msg, ch) => { axios.post('/x', msg.content); ch.ack(msg); });`);
      clean(`${PG}async function extend(id: string) { await pool.query('UPDATE l SET e = 1 WHERE id = $1', [id]); }
handle('webhook', (req, res) => { extend(req.body.id); res.sendStatus(200); });`);
    });

    it('an error reply before a dead-letter write is not an ack', () => {
      clean(`${PG}handle('webhook', async (req, res) => { res.status(400).send('bad signature'); await pool.query('INSERT INTO rejected VALUES (1)'); });`);
    });
  });
});

describe('ack-before-process with a completion callback', () => {
  it('reports done() called before the awaited work, whatever the parameter is named', () => {
    const f = findings(`${PG}handle('job-callback', async (job, finished) => { finished(); await pool.query('INSERT INTO t VALUES (1)'); });`, 'ack-before-process');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('finished()');
  });

  it('does not report done() after the work, done(err) first, or done() on an exclusive early-return path', () => {
    const clean = (src: string) => expect(findings(src, 'ack-before-process')).toEqual([]);
    clean(`${PG}handle('job-callback', async (job, done) => { await pool.query('INSERT INTO t VALUES (1)'); done(); });`);
    clean(`${PG}handle('mqtt-handle', async (packet, callback) => { if (!packet.payload) { callback(); return; } await pool.query('INSERT INTO t VALUES (1)'); callback(); });`);
    clean(`${PG}handle('job-callback', async (job, done) => { if (!job.data) return done(new Error('no data')); await pool.query('INSERT INTO t VALUES (1)'); done(); });`);
  });
});
