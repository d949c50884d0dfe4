import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { canFlowFromTo, earlyAck, settlesByHand } from '../../src/analysis/acks.js';
import { asyncCallKind, isAsyncFunction } from '../../src/analysis/async-calls.js';
import { catchSites } from '../../src/analysis/catches.js';
import { settleOf } from '../../src/analysis/flow.js';
import { requeueSites, retryBoundInSight } from '../../src/analysis/retry-bounds.js';
import { flowOf, nodeAt } from './flow-adapters.js';

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
