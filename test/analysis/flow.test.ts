import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { canFlowFromTo, earlyAck, settlesByHand } from '../../src/analysis/acks.js';
import { asyncCallKind, isAsyncFunction } from '../../src/analysis/async-calls.js';
import { catchSites } from '../../src/analysis/catches.js';
import { settleOf } from '../../src/analysis/flow.js';
import { requeueSites, retryBoundInSight } from '../../src/analysis/retry-bounds.js';
import { flowOf, nodeAt } from './flow-adapters.js';
import { auditSources } from '../helpers/audit.js';

const isCall = (n: ts.Node): n is ts.CallExpression => ts.isCallExpression(n);
const isNew = (n: ts.Node): n is ts.NewExpression => ts.isNewExpression(n);
const PG = `import { Pool } from 'pg';\nimport pino from 'pino';\nconst pool = new Pool();\nconst logger = pino();\n`;

describe('settle calls per framework', () => {
  it('reads acks and nacks from the delivery model and the shared vocabulary', () => {
    const f = flowOf(`${PG}handle('amqplib', async (msg, ch) => { ch.ack(msg); ch.nack(msg); ch.reject(msg, false); });`);
    expect(settleOf(nodeAt(f.sf, 'ch.ack', isCall), f)?.kind).toBe('ack');
    expect(settleOf(nodeAt(f.sf, 'ch.nack', isCall), f)?.kind).toBe('nack');
    expect(settleOf(nodeAt(f.sf, 'ch.reject', isCall), f)?.kind).toBe('nack');
    expect(settlesByHand(f)).toBe(true);
  });

  it('treats DeleteMessageCommand as the SQS ack and ChangeMessageVisibility as a nack', () => {
    const f = flowOf(`import { DeleteMessageCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
handle('sqs-loop', async (m, sqs) => { await sqs.send(new DeleteMessageCommand({})); await sqs.send(new ChangeMessageVisibilityCommand({})); });`);
    expect(settleOf(nodeAt(f.sf, 'new DeleteMessageCommand', isNew), f)?.kind).toBe('ack');
    expect(settleOf(nodeAt(f.sf, 'new ChangeMessageVisibilityCommand', isNew), f)?.kind).toBe('nack');
  });

  it('reads webhook replies by status, and MQTT callback() / callback(err)', () => {
    const w = flowOf(`handle('webhook', async (req, res) => { res.status(500).json({}); res.sendStatus(204); res.json({ ok: true }); });`);
    expect(settleOf(nodeAt(w.sf, 'res.status(500).json', isCall), w)).toMatchObject({ kind: 'nack', reply: true });
    expect(settleOf(nodeAt(w.sf, 'res.sendStatus(204)', isCall), w)).toMatchObject({ kind: 'ack', reply: true });
    expect(settleOf(nodeAt(w.sf, 'res.json({ ok', isCall), w)?.kind).toBe('ack');
    const m = flowOf(`handle('mqtt-handle', async (packet, callback) => { try { callback(); } catch (err) { callback(err); } });`);
    expect(settleOf(nodeAt(m.sf, 'callback()', isCall), m)?.kind).toBe('ack');
    expect(settleOf(nodeAt(m.sf, 'callback(err)', isCall), m, new Set(['err']))?.kind).toBe('nack');
  });

  it('does not take a bare retry() helper or a Promise reject for a settle', () => {
    const f = flowOf(`import pRetry from 'p-retry';
handle('bullmq', (job) => new Promise((resolve, reject) => { pRetry(() => 1); retry(); reject(new Error('x')); }));`);
    expect(settleOf(nodeAt(f.sf, 'retry()', isCall), f)).toBeUndefined();
    expect(settleOf(nodeAt(f.sf, 'reject(new', isCall), f)).toBeUndefined();
  });
});

describe('async calls', () => {
  it('knows project functions by async keyword, Promise return type or a returned promise', () => {
    const f = flowOf(`${PG}
async function a() {}
function b(): Promise<void> { return Promise.resolve(); }
function c() { return pool.query('SELECT 1'); }
function d() { return 1; }
handle('bullmq', async () => { a(); b(); c(); d(); });`);
    const fn = (name: string) => nodeAt(f.sf, '', (n): n is ts.FunctionDeclaration => ts.isFunctionDeclaration(n) && n.name?.text === name);
    expect(isAsyncFunction(fn('a'), f.project)).toBe(true);
    expect(isAsyncFunction(fn('b'), f.project)).toBe(true);
    expect(isAsyncFunction(fn('c'), f.project)).toBe(true);
    expect(isAsyncFunction(fn('d'), f.project)).toBe(false);
  });

  it('knows library clients by the package they come from, and their sync methods', () => {
    const f = flowOf(`${PG}import amqp from 'amqplib';\nimport knex from 'knex';
const db = knex({});
handle('amqplib', async (msg, ch) => { pool.query('x'); db('t').insert({}).onConflict('id').ignore(); ch.publish('e', 'k', msg.content); logger.error('x'); JSON.stringify(msg); fetch('/x'); });`);
    expect(asyncCallKind(nodeAt(f.sf, 'pool.query', isCall), f.project, f.reach)).toBe('io');
    expect(asyncCallKind(nodeAt(f.sf, "db('t').insert({}).onConflict('id').ignore()", isCall), f.project, f.reach)).toBe('io');
    expect(asyncCallKind(nodeAt(f.sf, 'fetch(', isCall), f.project, f.reach)).toBe('fetch');
    expect(asyncCallKind(nodeAt(f.sf, 'logger.error', isCall), f.project, f.reach)).toBeUndefined();
    expect(asyncCallKind(nodeAt(f.sf, 'JSON.stringify', isCall), f.project, f.reach)).toBeUndefined();
  });
});

describe('control flow between an ack and the work', () => {
  it('follows paths: exclusive branches and early returns cut them', () => {
    const f = flowOf(`${PG}handle('amqplib', async (msg, ch) => {
  if (msg.dup) { ch.ack(msg); return; }
  if (msg.a) ch.nack(msg); else await pool.query('A');
  try { await pool.query('B'); ch.ack(msg); } catch { await pool.query('C'); }
});`);
    const ackDup = nodeAt(f.sf, 'ch.ack(msg)', isCall, 0);
    expect(canFlowFromTo(ackDup, nodeAt(f.sf, "pool.query('A')", isCall))).toBe(false);
    expect(canFlowFromTo(nodeAt(f.sf, 'ch.nack', isCall), nodeAt(f.sf, "pool.query('A')", isCall))).toBe(false);
    // try -> catch counts as exclusive: an ack at the end of a try does not precede the catch's dead-letter write
    expect(canFlowFromTo(nodeAt(f.sf, "pool.query('B')", isCall), nodeAt(f.sf, "pool.query('C')", isCall))).toBe(false);
    expect(canFlowFromTo(nodeAt(f.sf, "pool.query('A')", isCall), nodeAt(f.sf, "pool.query('B')", isCall))).toBe(true);
    const ackTry = nodeAt(f.sf, 'ch.ack(msg)', isCall, 1);
    expect(canFlowFromTo(ackTry, nodeAt(f.sf, "pool.query('C')", isCall))).toBe(false);
    expect(earlyAck(f)).toBeUndefined();
  });

  it('finds the ack that precedes the work', () => {
    const f = flowOf(`${PG}handle('pubsub', async (message) => { message.ack(); logger.info('acked'); await pool.query('INSERT'); });`);
    expect(earlyAck(f)?.work.getText()).toContain('INSERT');
  });
});

describe('catches', () => {
  const outcomes = (src: string) => catchSites(flowOf(src)).map((s) => `${s.kind}:${s.verdict.outcome}`);

  it('classifies each kind of catch', () => {
    const src = (body: string) => `${PG}handle('bullmq', async (job) => { try { await pool.query('x'); } catch (err) { ${body} } });`;
    expect(outcomes(src('throw err;'))).toEqual(['catch:rethrows']);
    expect(outcomes(src('return Promise.reject(err);'))).toEqual(['catch:rethrows']);
    expect(outcomes(src('await job.moveToFailed(err, "t");'))).toEqual(['catch:nacks']);
    expect(outcomes(src("await pool.query('INSERT INTO dead_letters VALUES (1)');"))).toEqual(['catch:dead-letters']);
    expect(outcomes(src('process.exit(1);'))).toEqual(['catch:exits']);
    expect(outcomes(src('logger.error({ err });'))).toEqual(['catch:swallows']);
    expect(outcomes(src(''))).toEqual(['catch:swallows']);
    expect(outcomes(src("return { status: 'failed' };"))).toEqual(['catch:returns-value']);
  });

  it('records: batchItemFailures, an outer flag, and a failure helper that rethrows', () => {
    expect(outcomes(`${PG}handle('lambda-sqs', async (e) => { const batchItemFailures = []; try { await pool.query('x'); } catch { batchItemFailures.push({ itemIdentifier: '1' }); } return { batchItemFailures }; });`)).toEqual(['catch:records']);
    expect(outcomes(`${PG}handle('bullmq', async (job) => { let failed = false; try { await pool.query('x'); } catch { failed = true; } if (failed) throw new Error('x'); });`)).toEqual(['catch:records']);
    expect(outcomes(`${PG}function fail(e: unknown): never { logger.error(e); throw e; }
handle('bullmq', async (job) => { try { await pool.query('x'); } catch (err) { fail(err); } });`)).toEqual(['catch:rethrows']);
  });

  it('finds .catch callbacks and unread allSettled', () => {
    expect(outcomes(`${PG}handle('bullmq', async (job) => { await pool.query('x').catch(() => {}); await Promise.allSettled([pool.query('y')]); });`)).toEqual(['promise-catch:swallows', 'all-settled:swallows']);
  });
});

describe('retry bounds', () => {
  it('finds requeues and the bounds in sight', () => {
    const f = flowOf(`${PG}handle('amqplib', async (msg, ch) => { try { await pool.query('x'); ch.ack(msg); } catch { ch.nack(msg); } });`);
    expect(requeueSites(f).map((s) => s.label)).toEqual(['ch.nack(msg)']);
    expect(retryBoundInSight(f)).toBeUndefined();
    const g = flowOf(`${PG}handle('pubsub', async (m) => { try { await pool.query('x'); m.ack(); } catch { if (m.deliveryAttempt > 5) m.ack(); else m.nack(); } });`);
    expect(retryBoundInSight(g)).toMatch(/deliveryAttempt/);
  });
});

describe('the completion callback of the delivery model (callbackParam)', () => {
  const JOB = `${PG}declare function toError(e: unknown): Error;\n`;

  it('settles by the parameter index, whatever its name: empty acks, any error value nacks', () => {
    const f = flowOf(`${JOB}handle('job-callback', async (job, finished) => {
  try { await pool.query('SELECT 1'); finished(); finished(null, 42); } catch (e) { finished(toError(e)); }
});`);
    expect(settleOf(nodeAt(f.sf, 'finished()', isCall), f)?.kind).toBe('ack');
    expect(settleOf(nodeAt(f.sf, 'finished(null, 42)', isCall), f)?.kind).toBe('ack');
    expect(settleOf(nodeAt(f.sf, 'finished(toError(e))', isCall), f)?.kind).toBe('nack');
  });

  it('follows the callback through a const alias and into the helpers it is passed to', () => {
    const f = flowOf(`${JOB}async function run(job: unknown, cb: (e?: Error) => void) {
  try { await pool.query('SELECT 1'); cb(); } catch (err) { cb(toError(err)); }
}
function unrelated(cb: () => void) { cb(); }
handle('job-callback', (job, done) => { const finish = done; unrelated(() => {}); run(job, finish); });`);
    expect(settleOf(nodeAt(f.sf, 'cb()', isCall), f)?.kind).toBe('ack');
    expect(settleOf(nodeAt(f.sf, 'cb(toError(err))', isCall), f)?.kind).toBe('nack');
    // a parameter of another function that never receives the callback is not a settle
    expect(settleOf(nodeAt(f.sf, 'cb()', isCall, 1), f)).toBeUndefined();
  });

  it('reads `.catch(done)` and `.then(ok, done)` as handing the failure to the callback', () => {
    const f = flowOf(`${JOB}handle('job-callback', (job, done) => { pool.query('SELECT 1').catch(done); pool.query('SELECT 2').then(() => done(), done); });`);
    expect(settleOf(nodeAt(f.sf, "pool.query('SELECT 1').catch", isCall), f)?.kind).toBe('nack');
    expect(settleOf(nodeAt(f.sf, "pool.query('SELECT 2').then", isCall), f)?.kind).toBe('nack');
  });

  it('without a callbackParam, the generic fallback still reads an empty call of an extra handler parameter as a settle', () => {
    const f = flowOf(`${PG}handle('bullmq', async (job, token) => { token(); await pool.query('SELECT 1'); });`);
    expect(earlyAck(f)).toBeDefined();
  });
});

describe('cursor resets in loop handlers (registration node = the read call)', () => {
  const REDIS = `import { createClient } from 'redis';\nimport { Pool } from 'pg';\nconst pool = new Pool();\nconst client = createClient();\n`;
  const loop = (readArgs: string, catchBody: string, pre = '', between = '') => `${REDIS}${pre}
export async function consume() {
  let cursor = '>';
  while (true) {
    ${between}const res = await client.xReadGroup('g', 'c', ${readArgs}, { COUNT: 10 });
    for (const entry of res?.[0]?.messages ?? []) {
      try {
        await pool.query('INSERT INTO t VALUES ($1)', [entry.id]);
        await client.xAck('s', 'g', entry.id);
      } catch (err) {
        ${catchBody}
      }
    }
  }
}
`;
  const retries = (src: string) => auditSources({ 'src/w.ts': src }).findings.filter((f) => f.ruleId === 'unbounded-retry');

  it('reports a reset of a cursor that reaches the read through an object or a local', () => {
    expect(retries(loop(`{ key: 's', id: cursor }`, `cursor = '0';`))).toHaveLength(1);
    expect(retries(loop(`streams`, `cursor = '0-0';`, '', `const streams = [{ key: 's', id: cursor }];\n    `))).toHaveLength(1);
  });

  it("reports a reset to the cursor's starting value when the loop advances it", () => {
    const src = `${REDIS}const START = '0-0';
export async function consume() {
  let lastId = START;
  while (true) {
    const res = await client.xReadGroup('g', 'c', { key: 's', id: lastId });
    for (const entry of res?.[0]?.messages ?? []) {
      try { await pool.query('INSERT INTO t VALUES ($1)', [entry.id]); await client.xAck('s', 'g', entry.id); lastId = entry.id; }
      catch (err) { lastId = START; }
    }
  }
}
`;
    expect(retries(src)).toHaveLength(1);
  });

  it('reports a reset of a class field cursor passed to a raw XREADGROUP command (the registration call)', () => {
    const src = `import { Redis } from 'ioredis';\nimport { Pool } from 'pg';\nconst pool = new Pool();
export class Projector {
  private lastId = '0';
  constructor(private readonly redis: Redis) {}
  async run() {
    for (;;) {
      const res: any = await this.redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', this.lastId);
      for (const [id, fields] of res?.[0]?.[1] ?? []) {
        try { await pool.query('INSERT INTO t VALUES ($1, $2)', [id, fields]); await this.redis.xack('s', 'g', id); this.lastId = '>'; }
        catch (err) { this.lastId = '0'; }
      }
    }
  }
}
`;
    const r = auditSources({ 'src/p.ts': src });
    expect(r.handlers.map((h) => h.framework)).toEqual(['redis-streams']);
    expect(r.findings.filter((f) => f.ruleId === 'unbounded-retry').map((f) => f.message)).toEqual([expect.stringContaining('this.lastId = \'0\'')]);
  });

  it('does not report a reset that does not feed the read, or a bound read in the loop function', () => {
    expect(retries(loop(`{ key: 's', id: '>' }`, `cursor = '0';`))).toEqual([]);
    expect(retries(loop(`{ key: 's', id: cursor }`, `cursor = '>';`))).toEqual([]);
    expect(retries(loop(`{ key: 's', id: cursor }`, `cursor = '0';`, '', `const pending = await client.xPending('s', 'g');\n    if (pending.pending > 100) break;\n    `))).toEqual([]);
  });
});
