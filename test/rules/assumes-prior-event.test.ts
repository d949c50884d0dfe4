import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const handlers = (acksOnReturn: boolean) => ({ handlers: [{ call: 'onEvent', acksOnReturn, redeliversOnThrow: true }] });
const PRISMA = `import { PrismaClient } from '@prisma/client';\nconst prisma = new PrismaClient();`;
const run = (body: string, header = PRISMA, acksOnReturn = true) =>
  findingsOf(
    auditSources({ 'src/h.ts': `${header}\ndeclare const ch: any;\ndeclare function onEvent(fn: (evt: any) => Promise<unknown>): void;\nonEvent(async (evt) => {\n${body}\n});\n` }, { config: handlers(acksOnReturn) }),
    'assumes-prior-event',
  );

describe('assumes-prior-event', () => {
  it('reports a non-null assertion on a load result', () => {
    const f = run(`const s = await prisma.subscription.findUnique({ where: { extId: evt.subId } });\nawait prisma.subscription.update({ where: { id: s!.id }, data: { plan: evt.plan } });`);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('s!');
    expect(f[0]!.message).toMatch(/arrives before the one that creates it/);
  });

  it('finds the event key earlier in a query builder chain (Knex where(...).first(columns))', () => {
    const KNEX = `import knex from 'knex';\nconst db = knex({ client: 'pg' });`;
    expect(run(`const o = await db('orders').where({ id: evt.orderId }).first('id', 'email');\nif (!o) return;\nawait db('mails').insert({ order_id: o.id }).onConflict('order_id').ignore();`, KNEX)).toHaveLength(1);
    // Keyed by something the handler did not get from the event: not about event order.
    expect(run(`const cfg = await db('settings').where({ key: 'mail' }).first('value');\nif (!cfg) return;\nawait db('mails').insert({ id: evt.id }).onConflict('id').ignore();`, KNEX)).toHaveLength(0);
  });

  it('reports unguarded property access once per load', () => {
    expect(run(`const o = await prisma.order.findFirst({ where: { id: evt.orderId } });\nconsole.log(o.total, o.currency);`)).toHaveLength(1);
  });

  it('reports `if (!x) return` that acks and drops the event', () => {
    const f = run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o) return;\nawait prisma.shipment.create({ data: { orderId: o.id } });`);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/silently lost/);
  });

  it('reports a drop that acks explicitly on a manual-ack source, not a bare return there', () => {
    const body = (exit: string) => `const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o) { ${exit} }\nawait prisma.shipment.create({ data: { orderId: o.id } });`;
    expect(run(body('ch.ack(evt); return;'), PRISMA, false)).toHaveLength(1);
    expect(run(body('return;'), PRISMA, false)).toHaveLength(0);
  });

  it('is cleared by a missing-entity branch that throws to retry later', () => {
    expect(run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o) throw new Error('order not there yet, retry');\nconsole.log(o.total);`)).toHaveLength(0);
  });

  it('is cleared by a branch that parks the event or creates a placeholder', () => {
    expect(run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o) { await prisma.parked.create({ data: { id: evt.eventId } }); return; }\nconsole.log(o.total);`)).toHaveLength(0);
    expect(run(`let o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (!o) o = await prisma.order.create({ data: { id: evt.orderId } });\nconsole.log(o.total);`)).toHaveLength(0);
  });

  it('is cleared by optional chaining and narrowing branches', () => {
    expect(run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nconsole.log(o?.total);`)).toHaveLength(0);
    expect(run(`const o = await prisma.order.findUnique({ where: { id: evt.orderId } });\nif (o && o.total > 0) console.log(o.total);`)).toHaveLength(0);
  });

  it('does not treat `if (!created) return` after a dedup insert or an existence check as a prior-entity load', () => {
    expect(run(`const created = await prisma.processed.createMany({ data: [{ id: evt.eventId }], skipDuplicates: true });\nif (!created.count) return;`)).toHaveLength(0);
    expect(run(`const seen = await prisma.processed.findUnique({ where: { id: evt.eventId } });\nif (seen) return;\nawait prisma.processed.create({ data: { id: evt.eventId } });`)).toHaveLength(0);
  });

  it('reports findUniqueOrThrow without not-found handling, not with it', () => {
    expect(run(`const o = await prisma.order.findUniqueOrThrow({ where: { id: evt.orderId } });\nconsole.log(o.total);`)).toHaveLength(1);
    expect(
      run(`try {\n  const o = await prisma.order.findUniqueOrThrow({ where: { id: evt.orderId } });\n  console.log(o.total);\n} catch (e: any) {\n  if (e.code === 'P2025') throw new Error('retry later');\n  throw e;\n}`),
    ).toHaveLength(0);
  });

  it('reads DynamoDB GetCommand results and aliases', () => {
    const D = `import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';\nconst ddb = DynamoDBDocumentClient.from({} as any);`;
    expect(run(`const { Item } = await ddb.send(new GetCommand({ TableName: 't', Key: { pk: evt.orderId } }));\nconst order = Item as any;\nif (!order) return;\nconsole.log(order.x);`, D)).toHaveLength(1);
    expect(run(`const { Item } = await ddb.send(new GetCommand({ TableName: 't', Key: { pk: evt.orderId } }));\nconsole.log(Item?.x);`, D)).toHaveLength(0);
  });

  it('follows a repository method declared to return T | null, in another file', () => {
    const r = auditSources(
      {
        'src/repo.ts': `export class Repo {\n  async findReport(id: string): Promise<{ def: string } | null> { return null; }\n}\n`,
        'src/h.ts': `import { Repo } from './repo';\nconst repo = new Repo();\ndeclare function onEvent(fn: (evt: any) => Promise<void>): void;\nonEvent(async (evt) => {\n  const rep = await repo.findReport(evt.reportId);\n  console.log(rep!.def);\n});\n`,
      },
      { config: handlers(true) },
    );
    expect(findingsOf(r, 'assumes-prior-event')).toHaveLength(1);
  });

  it('does not report a repository method declared to return a non-null entity', () => {
    const r = auditSources(
      {
        'src/repo.ts': `export class Repo {\n  async findReport(id: string): Promise<{ def: string }> { throw new Error('x'); }\n}\n`,
        'src/h.ts': `import { Repo } from './repo';\nconst repo = new Repo();\ndeclare function onEvent(fn: (evt: any) => Promise<void>): void;\nonEvent(async (evt) => {\n  const rep = await repo.findReport(evt.reportId);\n  console.log(rep.def);\n});\n`,
      },
      { config: handlers(true) },
    );
    expect(findingsOf(r, 'assumes-prior-event')).toHaveLength(0);
  });

  it('does not report a load keyed by an id the handler made or read itself, only one the event names', () => {
    // The row this handler just created, and a row named by a stored reference, are not about event order.
    expect(run(`const c = await prisma.import.create({ data: { file: evt.file } });\nconst row = await prisma.import.findUnique({ where: { id: c.id } });\nconsole.log(row.file);`)).toHaveLength(0);
    expect(run(`const a = await prisma.action.findUnique({ where: { id: evt.actionId } });\nif (!a) throw new Error('later');\nconst r = await prisma.resource.findUnique({ where: { id: a.resourceId } });\nconsole.log(r.name);`)).toHaveLength(0);
    expect(run(`const r = await prisma.resource.findUnique({ where: { id: evt.resourceId } });\nconsole.log(r.name);`)).toHaveLength(1);
  });

  it('does not take a project getter with no key for an entity load', () => {
    const H = `${PRISMA}\nclass Billing { private client: { entitlement(x: string): Promise<boolean> } | null = null; async getClient(): Promise<{ entitlement(x: string): Promise<boolean> } | null> { return this.client; } }\nconst billing = new Billing();`;
    expect(run(`const c = await billing.getClient();\nawait c.entitlement(evt.workspaceId);`, H)).toHaveLength(0);
  });
  it('takes a truthy member test (`if (x?.field)`) as narrowing x', () => {
    const body = `let reuse: string | undefined;\nconst prev = await prisma.call.findFirst({ where: { legId: evt.legId } });\nif (prev?.threadId) {\n  reuse = prev.threadId;\n  console.log('reusing', prev.id);\n}\nawait prisma.call.create({ data: { legId: evt.legId, threadId: reuse ?? evt.fallback } });`;
    expect(run(body)).toHaveLength(0);
    expect(run(`const prev = await prisma.call.findFirst({ where: { legId: evt.legId } });\nif (evt.reuse) console.log(prev.threadId);`)).toHaveLength(1);
  });

  it('does not take a synchronous in-memory lookup that may return null for an entity load', () => {
    const H = `${PRISMA}\nconst registry: Record<string, { run(e: unknown): Promise<void> }> = {};\nfunction findRoute(kind: string): { run(e: unknown): Promise<void> } | null { return registry[kind] ?? null; }\nasync function findAccount(id: string): Promise<{ plan: string } | null> { return prisma.account.findUnique({ where: { id } }); }`;
    expect(run(`const route = findRoute(evt.kind);\nif (!route) return;\nawait route.run(evt);`, H)).toHaveLength(0);
    expect(run(`const acct = await findAccount(evt.accountId);\nif (!acct) return;\nconsole.log(acct.plan);`, H)).toHaveLength(1);
  });
  it('does not take `const [a, b] = await Promise.all([...])` for the first row of a query', () => {
    expect(run(`const [orders, count] = await Promise.all([prisma.order.findMany({ where: { userId: evt.userId } }), prisma.order.count({ where: { userId: evt.userId } })]);\nconsole.log(orders.length, count);`)).toHaveLength(0);
  });
});
