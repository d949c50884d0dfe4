import { describe, expect, it } from 'vitest';
import { findings } from '../analysis/flow-adapters.js';

const PG = `import { Pool } from 'pg';\nconst pool = new Pool();\n`;
const amqp = (catchBody: string, extra = '') => `${PG}${extra}handle('amqplib', async (msg, ch) => {
  try { await pool.query('INSERT INTO t VALUES (1)'); ch.ack(msg); } catch (err) { ${catchBody} }
});`;

describe('unbounded-retry', () => {
  it('reports amqplib nack and reject that requeue (explicitly or by default)', () => {
    expect(findings(amqp('ch.nack(msg);'), 'unbounded-retry')[0]!.message).toContain('requeue defaults to true');
    expect(findings(amqp('ch.nack(msg, false, true);'), 'unbounded-retry')).toHaveLength(1);
    expect(findings(amqp('ch.reject(msg);'), 'unbounded-retry')).toHaveLength(1);
  });

  it('reports Pub/Sub message.nack(), JetStream m.nak() and golevelup new Nack(true) with no bound', () => {
    expect(findings(`${PG}handle('pubsub', async (message) => { try { await pool.query('SELECT 1'); message.ack(); } catch { message.nack(); } });`, 'unbounded-retry')).toHaveLength(1);
    expect(findings(`${PG}handle('nats', async (m) => { try { await pool.query('SELECT 1'); m.ack(); } catch { m.nak(5000); } });`, 'unbounded-retry')).toHaveLength(1);
    expect(findings(`${PG}handle('golevelup', async (evt) => { try { await pool.query('SELECT 1'); } catch { return new Nack(true); } });`, 'unbounded-retry')).toHaveLength(1);
  });

  it('reports a stream cursor reset to 0 in a failure path', () => {
    expect(findings(`${PG}import { Redis } from 'ioredis';\nconst redis = new Redis();
handle('redis-stream', async (signal) => {
  let cursor = '0';
  while (!signal.aborted) {
    const res = await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', cursor);
    for (const [id] of res ?? []) {
      try { await pool.query('INSERT INTO t VALUES ($1)', [id]); await redis.xack('s', 'g', id); } catch (err) { cursor = '0'; }
    }
  }
});`, 'unbounded-retry')).toHaveLength(1);
  });

  describe('not reported', () => {
    const clean = (src: string) => expect(findings(src, 'unbounded-retry')).toEqual([]);

    it('a nack without requeue (to the DLX) or a non-literal requeue flag', () => {
      clean(amqp('ch.nack(msg, false, false);'));
      clean(amqp('ch.nack(msg, false, shouldRetry(err));', 'declare function shouldRetry(e: unknown): boolean;\n'));
    });

    it('an attempt count checked: x-death, deliveryAttempt, redeliveryCount', () => {
      clean(amqp(`const deaths = msg.properties.headers?.['x-death'] ?? []; if (deaths.length > 5) ch.nack(msg, false, false); else ch.nack(msg);`));
      clean(`${PG}handle('pubsub', async (message) => { try { await pool.query('SELECT 1'); message.ack(); } catch { if (message.deliveryAttempt >= 5) message.ack(); else message.nack(); } });`);
      clean(`${PG}handle('nats', async (m) => { try { await pool.query('SELECT 1'); m.ack(); } catch { if (m.info.redeliveryCount > 5) m.term(); else m.nak(); } });`);
    });

    it('a max-deliveries setting from the adapter or in the file', () => {
      clean(`${PG}handle('nats-bounded', async (m) => { try { await pool.query('SELECT 1'); m.ack(); } catch { m.nak(); } });`);
      clean(`${PG}const cfg = { durable_name: 'd', max_deliver: 5 };\nhandle('nats', async (m) => { try { await pool.query('SELECT 1'); m.ack(); } catch { m.nak(); } });`);
    });

    it('broker-bounded retries and plain rethrows', () => {
      clean(`${PG}handle('cloudflare', async (batch) => { for (const m of batch.messages) { try { await pool.query('SELECT 1'); m.ack(); } catch { m.retry(); } } });`);
      clean(`${PG}handle('service-bus', async (message, receiver) => { try { await pool.query('SELECT 1'); await receiver.completeMessage(message); } catch { await receiver.abandonMessage(message); } });`);
      clean(`${PG}handle('bullmq', async (job) => { try { await pool.query('SELECT 1'); } catch (err) { throw err; } });`);
      clean(`${PG}handle('golevelup', async (evt) => { try { await pool.query('SELECT 1'); } catch { return new Nack(); } });`);
    });

    it('a Promise executor reject is not a channel reject', () => {
      clean(`${PG}handle('bullmq', (job) => new Promise((resolve, reject) => { pool.query('SELECT 1').then(resolve, (e) => reject(e)); }));`);
    });
  });
});
