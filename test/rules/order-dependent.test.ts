import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const config = { handlers: [{ call: 'onEvent', acksOnReturn: true, redeliversOnThrow: true }] };
const run = (body: string, header = '') =>
  findingsOf(auditSources({ 'src/h.ts': `${header}\ndeclare function onEvent(fn: (evt: any) => Promise<void>): void;\nonEvent(async (evt) => {\n${body}\n});\n` }, { config }), 'order-dependent');

const PG = `import { Pool } from 'pg';\nconst pool = new Pool();`;
const KNEX = `import knex from 'knex';\nconst db = knex({ client: 'pg' });`;
const PRISMA = `import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();`;
const REDIS = `import { Redis } from 'ioredis';\nconst redis = new Redis();`;

describe('order-dependent', () => {
  it('reports an unconditional SQL UPDATE of a status and names the consequence', () => {
    const f = run(`await pool.query('UPDATE orders SET status = $2, total = $3 WHERE id = $1', [evt.orderId, evt.status, evt.total]);`, PG);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('SQL UPDATE orders');
    expect(f[0]!.message).toContain('status');
    expect(f[0]!.message).toMatch(/late, reordered or replayed event overwrites newer state/);
  });

  it('is cleared by a version comparison in the WHERE clause', () => {
    expect(run(`await pool.query('UPDATE orders SET status = $2, version = $3 WHERE id = $1 AND version < $3', [evt.orderId, evt.status, evt.v]);`, PG)).toHaveLength(0);
  });

  it('is cleared by a status condition in the WHERE clause', () => {
    expect(run(`await pool.query("UPDATE orders SET status = 'shipped' WHERE id = $1 AND status = 'paid'", [evt.orderId]);`, PG)).toHaveLength(0);
  });

  it('reports ON CONFLICT DO UPDATE without a WHERE and accepts it with one', () => {
    const sql = `INSERT INTO stock (sku, on_hand, counted_at) VALUES ($1, $2, $3) ON CONFLICT (sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, counted_at = EXCLUDED.counted_at`;
    expect(run(`await pool.query(\`${sql}\`, [evt.sku, evt.qty, evt.at]);`, PG)).toHaveLength(1);
    expect(run(`await pool.query(\`${sql} WHERE stock.counted_at < EXCLUDED.counted_at\`, [evt.sku, evt.qty, evt.at]);`, PG)).toHaveLength(0);
  });

  it('does not report increments, inserts, inserts-if-absent or deletes', () => {
    expect(run(`await pool.query('UPDATE wallets SET balance = balance + $2 WHERE id = $1', [evt.orderId, evt.amount]);`, PG)).toHaveLength(0);
    expect(run(`await pool.query('INSERT INTO s (sku, n) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET n = s.n + EXCLUDED.n', [evt.sku, evt.n]);`, PG)).toHaveLength(0);
    expect(run(`await pool.query('INSERT INTO ledger (event_id, amount) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING', [evt.eventId, evt.amount]);`, PG)).toHaveLength(0);
    expect(run(`await pool.query('DELETE FROM carts WHERE id = $1', [evt.cartId]);`, PG)).toHaveLength(0);
    expect(run(`await redis.del(\`cart:\${evt.cartId}\`);`, REDIS)).toHaveLength(0);
  });

  it('does not report a write keyed by the delivery id (an append per event)', () => {
    expect(run(`await db('receipts').insert({ message_id: evt.messageId, status: evt.status }).onConflict('message_id').merge();`, KNEX)).toHaveLength(0);
  });

  it('reads Knex where clauses: key only is reported, a state predicate clears it', () => {
    expect(run(`await db('claims').where({ claim_id: evt.claimId }).update({ status: evt.status });`, KNEX)).toHaveLength(1);
    expect(run(`await db('claims').where({ claim_id: evt.claimId, status: 'open' }).update({ status: evt.status });`, KNEX)).toHaveLength(0);
    expect(run(`await db('claims').where({ claim_id: evt.claimId }).andWhere('seq', '<', evt.seq).update({ status: evt.status });`, KNEX)).toHaveLength(0);
  });

  it('reads Knex merge: unconditional is reported, merge(...).where(...) clears it', () => {
    expect(run(`await db('profiles').insert({ id: evt.orderId, email: evt.email }).onConflict('id').merge();`, KNEX)).toHaveLength(1);
    expect(run(`await db('profiles').insert({ id: evt.orderId, email: evt.email, v: evt.v }).onConflict('id').merge().where('profiles.v', '<', evt.v);`, KNEX)).toHaveLength(0);
  });

  it('reads Prisma where clauses and update values', () => {
    expect(run(`await prisma.subscription.update({ where: { id: evt.orderId }, data: { status: evt.status } });`, PRISMA)).toHaveLength(1);
    expect(run(`await prisma.subscription.updateMany({ where: { id: evt.orderId, status: 'active' }, data: { status: evt.status } });`, PRISMA)).toHaveLength(0);
    expect(run(`await prisma.subscription.updateMany({ where: { id: evt.orderId, version: { lt: evt.version } }, data: { status: evt.status } });`, PRISMA)).toHaveLength(0);
    expect(run(`await prisma.wallet.update({ where: { id: evt.orderId }, data: { balance: { increment: evt.amount } } });`, PRISMA)).toHaveLength(0);
    expect(run(`await prisma.invoice.upsert({ where: { id: evt.orderId }, create: { id: evt.orderId, status: 'draft' }, update: {} });`, PRISMA)).toHaveLength(0);
  });

  it('reads Mongo update documents: $set is reported, $inc / $setOnInsert / $ne filter are not', () => {
    const M = `import mongoose from 'mongoose';\nconst Order = mongoose.model('Order', new mongoose.Schema({}));`;
    expect(run(`await Order.updateOne({ _id: evt.orderId }, { $set: { status: evt.status } });`, M)).toHaveLength(1);
    expect(run(`await Order.updateOne({ _id: evt.orderId }, { $inc: { n: 1 } });`, M)).toHaveLength(0);
    expect(run(`await Order.updateOne({ _id: evt.orderId }, { $setOnInsert: { status: evt.status } }, { upsert: true });`, M)).toHaveLength(0);
    expect(run(`await Order.updateOne({ _id: evt.orderId, seq: { $lt: evt.seq } }, { $set: { status: evt.status, seq: evt.seq } });`, M)).toHaveLength(0);
  });

  it('reads DynamoDB commands: SET is reported, ConditionExpression and ADD clear it', () => {
    const D = `import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';\nconst ddb = DynamoDBDocumentClient.from({} as any);`;
    const base = `TableName: 't', Key: { pk: evt.orderId }, ExpressionAttributeValues: { ':s': evt.status }`;
    expect(run(`await ddb.send(new UpdateCommand({ ${base}, UpdateExpression: 'SET status = :s' }));`, D)).toHaveLength(1);
    expect(run(`await ddb.send(new UpdateCommand({ ${base}, UpdateExpression: 'SET status = :s', ConditionExpression: 'rev < :r' }));`, D)).toHaveLength(0);
    expect(run(`await ddb.send(new UpdateCommand({ ${base}, UpdateExpression: 'ADD points :s' }));`, D)).toHaveLength(0);
  });

  it('reports Redis HSET/SET of a cache value and not SET NX', () => {
    expect(run(`await redis.hset(\`order:\${evt.orderId}\`, { status: evt.status });`, REDIS)).toHaveLength(1);
    expect(run(`await redis.set(\`order:\${evt.orderId}\`, evt.status);`, REDIS)).toHaveLength(1);
    expect(run(`await redis.set(\`seen:\${evt.eventId}\`, '1', 'EX', 60, 'NX');`, REDIS)).toHaveLength(0);
    expect(run(`const m = new Map(); m.set(evt.orderId, evt.status);`)).toHaveLength(0);
  });

  it('is cleared by a comparison of the stored version before the write', () => {
    const F = `import { Firestore } from '@google-cloud/firestore';\nconst fs = new Firestore();`;
    expect(run(`const ref = fs.collection('a').doc(evt.orderId);\nawait ref.set({ qty: evt.qty, seq: evt.seq });`, F)).toHaveLength(1);
    expect(
      run(
        `const ref = fs.collection('a').doc(evt.orderId);\nawait fs.runTransaction(async (tx) => {\n  const snap = await tx.get(ref);\n  if (snap.exists && snap.get('seq') >= evt.seq) return;\n  tx.set(ref, { qty: evt.qty, seq: evt.seq });\n});`,
        F,
      ),
    ).toHaveLength(0);
  });

  it('is cleared by a state check on a loaded entity before save, reported without it', () => {
    const T = `declare const repo: { findOneBy(q: any): Promise<any>; save(x: any): Promise<any> };`;
    expect(run(`const c = await repo.findOneBy({ id: evt.orderId });\nif (!c) throw new Error('later');\nc.email = evt.email;\nawait repo.save(c);`, T)).toHaveLength(1);
    expect(run(`const c = await repo.findOneBy({ id: evt.orderId });\nif (!c) throw new Error('later');\nif (c.version >= evt.version) return;\nc.email = evt.email;\nawait repo.save(c);`, T)).toHaveLength(0);
  });

  it('does not report a dedup check alone as a guard against reordering', () => {
    expect(
      run(
        `const first = await pool.query('INSERT INTO processed (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [evt.eventId]);\nif (first.rowCount === 0) return;\nawait pool.query('UPDATE orders SET status = $2 WHERE id = $1', [evt.orderId, evt.status]);`,
        PG,
      ),
    ).toHaveLength(1);
  });

  it('finds the write in a repository the handler calls and checks the caller for a guard', () => {
    const r = auditSources(
      {
        'src/repo.ts': `import { Pool } from 'pg';\nexport class Repo {\n  constructor(private pool: Pool) {}\n  async apply(e: any) { await this.pool.query('UPDATE inv SET qty = $2 WHERE sku = $1', [e.sku, e.qty]); }\n}\n`,
        'src/h.ts': `import { Repo } from './repo';\nimport { Pool } from 'pg';\nconst repo = new Repo(new Pool());\ndeclare function onEvent(fn: (evt: any) => Promise<void>): void;\nonEvent(async (evt) => { if (!evt.sku) return; await repo.apply(evt); });\n`,
      },
      { config },
    );
    const f = findingsOf(r, 'order-dependent');
    expect(f).toHaveLength(1);
    expect(f[0]!.span.file.endsWith('h.ts')).toBe(true);
  });

  it('does not report a write of values the handler makes or reads itself, only of data carried by the event', () => {
    // A constant processing status keyed by the event's id (computed key included) and a snapshot fetched now.
    expect(run(`const cur = JSON.parse((await redis.get(evt.buildId)) ?? '{}');\nawait redis.set(evt.buildId, JSON.stringify({ ...cur, [evt.jobId]: 'in-progress' }));`, REDIS)).toHaveLength(0);
    const FETCH = `${PRISMA}\ndeclare const provider: { profile(s: string): Promise<{ name: string; currency: string }> };`;
    expect(run(`const p = await provider.profile(evt.symbol);\nawait prisma.asset.update({ where: { symbol: evt.symbol }, data: { name: p.name, currency: p.currency } });`, FETCH)).toHaveLength(0);
    // The same writes with the event's own data are reported, also through a service call and a DTO conversion.
    expect(run(`await redis.set(evt.buildId, JSON.stringify({ status: evt.status }));`, REDIS)).toHaveLength(1);
    const SVC = `${PRISMA}\ndeclare function toDto<T>(x: any): T;\nclass Assets { async rename(symbol: string, name: string) { await prisma.asset.update({ where: { symbol }, data: { name } }); } }\nconst assets = new Assets();`;
    expect(run(`const dto = toDto<{ symbol: string; name: string }>(evt);\nawait assets.rename(dto.symbol, dto.name);`, SVC)).toHaveLength(1);
  });

  it('does not report the completion of a unit of work (a completion stamp): nothing newer follows it', () => {
    expect(run(`await prisma.step.update({ where: { id: evt.stepId }, data: { status: evt.status, completedAt: new Date() } });`, PRISMA)).toHaveLength(0);
    expect(run(`await prisma.step.update({ where: { id: evt.stepId }, data: { status: evt.status, startedAt: new Date() } });`, PRISMA)).toHaveLength(1);
  });

  it("is cleared by an exiting check of the loaded record's own field, not by a presence check or a write result", () => {
    const T = `${PRISMA}\ndeclare const repo: { findOne(q: any): Promise<{ lockedBy: string | null } | null> };`;
    expect(run(`const e = await repo.findOne({ where: { id: evt.entityId } });\nif (e!.lockedBy) throw new Error('locked');\nawait prisma.entity.update({ where: { id: evt.entityId }, data: { owner: evt.owner } });`, T)).toHaveLength(0);
    expect(run(`const e = await repo.findOne({ where: { id: evt.entityId } });\nif (!e) throw new Error('missing');\nawait prisma.entity.update({ where: { id: evt.entityId }, data: { owner: evt.owner } });`, T)).toHaveLength(1);
  });

  it('reports a write through a project wrapper once, at the library call inside it', () => {
    const W = `${REDIS}\nclass Cache { async set(k: string, v: unknown) { await redis.set(k, JSON.stringify(v)); } }\nconst cache = new Cache();`;
    expect(run(`await cache.set(evt.key, { status: evt.status });`, W)).toHaveLength(1);
  });
  describe('a constant lifecycle state written to the record the event names', () => {
    const D = `import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';\nconst ddb = DynamoDBDocumentClient.from({} as any);`;
    const M = `import mongoose from 'mongoose';\nconst Order = mongoose.model('Order', new mongoose.Schema({}));`;
    const T = `enum OrderStatus { Paid = 'paid', Shipped = 'shipped' }\ndeclare const repo: { update(c: any, v: any): Promise<unknown>; findOneBy(q: any): Promise<any> };`;

    it('reports Prisma, Knex, TypeORM, Mongo and DynamoDB status writes keyed by event data', () => {
      const p = run(`await prisma.order.update({ where: { id: evt.orderId }, data: { status: 'shipped' } });`, PRISMA);
      expect(p).toHaveLength(1);
      expect(p[0]!.message).toContain(`sets status = 'shipped' on the record the event names`);
      expect(p[0]!.message).toMatch(/moves the record back to 'shipped' over a newer state/);
      expect(run(`await db('orders').where({ id: evt.orderId }).update({ state: 'CANCELLED' });`, KNEX)).toHaveLength(1);
      expect(run(`await repo.update({ id: evt.orderId }, { status: OrderStatus.Paid });`, T)).toHaveLength(1);
      expect(run(`await Order.updateOne({ _id: evt.orderId }, { $set: { status: 'x' } });`, M)).toHaveLength(1);
      const u = run(
        `await ddb.send(new UpdateCommand({ TableName: 'orders', Key: { pk: evt.orderId }, UpdateExpression: 'SET #s = :shipped', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':shipped': 'shipped' } }));`,
        D,
      );
      expect(u).toHaveLength(1);
      expect(u[0]!.message).toContain(`status = 'shipped'`);
    });

    it("reads an in-process event's `id` as the record's key, and a job's own `id` as the delivery's", () => {
      const nest = (body: string) =>
        findingsOf(
          auditSources({
            'src/h.ts': `${KNEX}\n${M}\nimport { Injectable } from '@nestjs/common';\nimport { OnEvent } from '@nestjs/event-emitter';\n@Injectable()\nexport class OrderListener {\n  @OnEvent('order.cancelled')\n  async onCancelled(evt: { id: string }) {\n    ${body}\n  }\n}\n`,
          }),
          'order-dependent',
        );
      expect(nest(`await db('orders').where({ id: evt.id }).update({ state: 'CANCELLED' });`)).toHaveLength(1);
      expect(nest(`await Order.updateOne({ _id: evt.id }, { $set: { status: 'x' } });`)).toHaveLength(1);
      // A Pub/Sub-like delivery whose own `id` is its message id: a row per delivery, not reported.
      expect(run(`await db('receipts').where({ id: evt.id }).update({ state: 'SEEN' });`, KNEX)).toHaveLength(0);
    });

    it('follows the key through locals, destructuring and a service method, and reads named constants', () => {
      const SVC = `${PRISMA}\nconst SHIPPED = 'shipped';\nclass Orders { async ship(id: string) { await prisma.order.update({ where: { id }, data: { orderStatus: SHIPPED } }); } }\nconst orders = new Orders();`;
      expect(run(`const { orderId } = evt;\nawait orders.ship(orderId);`, SVC)).toHaveLength(1);
    });

    it('is cleared by a state condition in the write, a state check before it, a version comparison or a ConditionExpression', () => {
      expect(run(`await prisma.order.updateMany({ where: { id: evt.orderId, status: 'paid' }, data: { status: 'shipped' } });`, PRISMA)).toHaveLength(0);
      expect(run(`await db('orders').where({ id: evt.id }).andWhere('state', 'PENDING').update({ state: 'CANCELLED' });`, KNEX)).toHaveLength(0);
      expect(run(`await pool.query("UPDATE orders SET status = 'shipped' WHERE id = $1 AND status = 'paid'", [evt.orderId]);`, PG)).toHaveLength(0);
      expect(
        run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o || o.status !== 'paid') return;\nawait prisma.order.update({ where: { id: evt.orderId }, data: { status: 'shipped' } });`, PRISMA),
      ).toHaveLength(0);
      expect(
        run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (o!.version >= evt.version) return;\nawait prisma.order.update({ where: { id: evt.orderId }, data: { status: 'shipped' } });`, PRISMA),
      ).toHaveLength(0);
      expect(run(`await Order.updateOne({ _id: evt.id, status: { $ne: 'delivered' } }, { $set: { status: 'shipped' } });`, M)).toHaveLength(0);
      expect(
        run(
          `await ddb.send(new UpdateCommand({ TableName: 'orders', Key: { pk: evt.orderId }, UpdateExpression: 'SET #s = :shipped', ConditionExpression: '#s = :paid', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':shipped': 'shipped', ':paid': 'paid' } }));`,
          D,
        ),
      ).toHaveLength(0);
    });

    it("does not report the handler recording its own failure (in a catch, or right before a throw), only the event's state", () => {
      const M = `import mongoose from 'mongoose';\nconst Campaign = mongoose.model('Campaign', new mongoose.Schema({}));\ndeclare function send(x: unknown): Promise<void>;`;
      expect(run(`try {\n  await send(evt.payload);\n} catch (err) {\n  await Campaign.updateOne({ _id: evt.campaignId }, { $set: { status: 'failed' } });\n  throw err;\n}`, M)).toHaveLength(0);
      expect(run(`if (!evt.channel) {\n  await Campaign.updateOne({ _id: evt.campaignId }, { $set: { status: 'failed' } });\n  throw new Error('unknown channel');\n}\nawait send(evt.payload);`, M)).toHaveLength(0);
      // The same write on the success path is the event's state and stays reported.
      expect(run(`await send(evt.payload);\nawait Campaign.updateOne({ _id: evt.campaignId }, { $set: { status: 'sent' } });`, M)).toHaveLength(1);
    });

    it("does not report a progress lifecycle the handler drives itself in sequence, but does report the event's alternative states", () => {
      const M = `import mongoose from 'mongoose';\nconst Doc = mongoose.model('Doc', new mongoose.Schema({}));\ndeclare function fetchSource(id: string): Promise<string | undefined>;`;
      expect(
        run(`await Doc.updateMany({ sourceId: evt.sourceId }, { $set: { indexStatus: 'indexing' } });\nconst text = await fetchSource(evt.sourceId);\nif (!text) {\n  await Doc.updateMany({ sourceId: evt.sourceId }, { $set: { indexStatus: 'skipped' } });\n  return;\n}\nawait Doc.updateMany({ sourceId: evt.sourceId }, { $set: { indexStatus: 'indexed' } });`, M),
      ).toHaveLength(0);
      expect(run(`if (evt.type === 'paid') await Doc.updateOne({ _id: evt.docId }, { $set: { status: 'paid' } });\nelse await Doc.updateOne({ _id: evt.docId }, { $set: { status: 'refunded' } });`, M)).toHaveLength(2);
    });

    it('does not report look-alikes: a key loaded from the store, no event key, a non-lifecycle field, the delivery id, a completion stamp', () => {
      // The record was picked by a query, not by the event.
      expect(run(`const o = await prisma.order.findFirst({ where: { paid: true } });\nawait prisma.order.update({ where: { id: o!.id }, data: { status: 'shipped' } });`, PRISMA)).toHaveLength(0);
      // A constant state on a fixed record (a heartbeat of the worker itself).
      expect(run(`await prisma.worker.update({ where: { id: 'main' }, data: { status: 'busy' } });`, PRISMA)).toHaveLength(0);
      // A constant in a field that is not a lifecycle state.
      expect(run(`await prisma.order.update({ where: { id: evt.orderId }, data: { archived: true } });`, PRISMA)).toHaveLength(0);
      // Keyed by the delivery's own id: the job's or inbox row's own bookkeeping.
      expect(run(`await prisma.inbox.update({ where: { messageId: evt.messageId }, data: { status: 'processed' } });`, PRISMA)).toHaveLength(0);
      // The end of a unit of work: nothing newer follows it.
      expect(run(`await prisma.step.update({ where: { id: evt.stepId }, data: { status: 'done', completedAt: new Date() } });`, PRISMA)).toHaveLength(0);
      // A status computed from what the handler reads now is not a constant.
      expect(run(`const n = await prisma.item.count({ where: { orderId: evt.orderId } });\nawait prisma.order.update({ where: { id: evt.orderId }, data: { status: n ? 'open' : 'empty' } });`, PRISMA)).toHaveLength(0);
    });
  });
});
