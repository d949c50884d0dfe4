// What counts as an effect OF a handler: functions it only defines for later (a returned object of
// callbacks, a function stored on a property) do not; a POST that only asks a question is a read;
// a queue returned by a project getter is still a queue.
import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const MINE = ['no-dedup', 'dual-write', 'missing-correlation-id'];
const mine = (files: Record<string, string>) => MINE.flatMap((r) => findingsOf(auditSources(files), r));

const worker = (imports: string, body: string) => `import { Worker, Queue } from 'bullmq';
import { PrismaClient } from '@prisma/client';
${imports}
const prisma = new PrismaClient();
const followUps = new Queue('follow-ups');
new Worker('jobs', async (job) => {
${body}
});
`;

describe('effects a handler only defines for later', () => {
  const factory = `
function createRunIO(jobId: string) {
  return {
    runTask: async (key: string) => {
      await prisma.task.create({ data: { id: key + jobId, name: key } });
    },
    trigger: async (name: string) => {
      await followUps.add(name, { name });
    },
  };
}
`;

  it('does not report the members of a returned object of callbacks the handler hands on', () => {
    const src = worker('', `  await prisma.jobRun.update({ where: { id: job.data.runId }, data: { status: 'RUNNING' } });
  await definitions[job.name]!({ payload: job.data, io: createRunIO(job.id!) });
  await prisma.jobRun.update({ where: { id: job.data.runId }, data: { status: 'DONE' } });`) + factory + 'const definitions: Record<string, (a: unknown) => Promise<void>> = {};\n';
    expect(mine({ 'src/worker.ts': src })).toEqual([]);
  });

  it('still reports effects of callbacks the callee runs itself', () => {
    const src = worker('', `  await saveAll(job.data.items as string[]);`) + `
async function saveAll(items: string[]) {
  await Promise.all(items.map(async (name) => prisma.task.create({ data: { name } })));
  return { done: async () => followUps.add('done', {}) };
}
`;
    const f = findingsOf(auditSources({ 'src/worker.ts': src }), 'no-dedup');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/inserts a row into task/);
    expect(f[0]!.message).not.toMatch(/more unguarded/);
  });

  it('does not take a function stored on a property for work of the function that stores it, and follows a queue getter', () => {
    const queues = `import { Queue } from 'bullmq';
const cache = new Map<string, Queue>();
function serializable(q: Queue) {
  const add = q.add.bind(q);
  q.add = ((name: string, data?: unknown) => add(name, JSON.parse(JSON.stringify(data)))) as Queue['add'];
  return q;
}
export const getQueue = (name: string) => {
  let q = cache.get(name);
  if (!q) {
    q = new Queue(name);
    serializable(q);
    cache.set(name, q);
  }
  return q;
};
`;
    const src = `import { Worker } from 'bullmq';
import { getQueue } from './queues';
new Worker('tick', async () => {
  await getQueue('reports').add('daily', { tenant: 'os' });
});
`;
    const f = findingsOf(auditSources({ 'src/queues.ts': queues, 'src/tick.ts': src }), 'no-dedup');
    expect(f).toHaveLength(1);
    expect(f[0]!.span.file).toMatch(/src\/tick\.ts$/);
    expect(f[0]!.message).toMatch(/publishes a message to daily \(queue add\)/);
    expect(f[0]!.related.map((r) => r.span.file).join(' ')).not.toMatch(/queues\.ts/);
  });
});

describe('a POST that only asks a question', () => {
  const catalog = (fn: string) => `import axios from 'axios';
${fn}
`;

  it('is a read when a query-named function returns its answer', () => {
    const lib = catalog(`export async function getPriceQuote(sku: string): Promise<number> {
  const res = await axios.post(\`\${process.env.PRICING_URL}/quotes\`, { sku });
  return res.data.price;
}`);
    const src = worker(`import { getPriceQuote } from './pricing';`, `  const price = await getPriceQuote(job.data.sku);
  await prisma.order.update({ where: { id: job.data.orderId }, data: { price } });`);
    expect(mine({ 'src/pricing.ts': lib, 'src/worker.ts': src })).toEqual([]);
  });

  it('is a read for a GraphQL query operation, and a write for a mutation', () => {
    const q = worker(`import axios from 'axios';`, `  await axios.post(\`\${process.env.GATEWAY}/graphql\`, { query: 'query Health { _service { sdl } }' });`);
    expect(mine({ 'src/worker.ts': q })).toEqual([]);
    const m = worker(`import axios from 'axios';`, `  await axios.post(\`\${process.env.GATEWAY}/graphql\`, { query: 'mutation Pay { pay(id: 1) { ok } }' });`);
    expect(findingsOf(auditSources({ 'src/worker.ts': m }), 'no-dedup')).toHaveLength(1);
  });

  it('stays a write when the name announces one or the answer is not used', () => {
    const lib = catalog(`export async function getOrCreateCustomer(email: string) {
  const res = await axios.post(\`\${process.env.CRM_URL}/customers\`, { email });
  return res.data;
}
export async function checkIn(visitId: string) {
  const res = await axios.post(\`\${process.env.CRM_URL}/visits\`, { visitId });
  return res.data;
}
export async function getBadge(visitId: string) {
  await axios.post(\`\${process.env.CRM_URL}/badges\`, { visitId });
}`);
    const a = worker(`import { getOrCreateCustomer } from './crm';`, `  await getOrCreateCustomer(job.data.email);`);
    expect(findingsOf(auditSources({ 'src/crm.ts': lib, 'src/worker.ts': a }), 'no-dedup')).toHaveLength(1);
    const b = worker(`import { checkIn } from './crm';`, `  await checkIn(job.data.visitId);`);
    expect(findingsOf(auditSources({ 'src/crm.ts': lib, 'src/worker.ts': b }), 'no-dedup')).toHaveLength(1);
    const c = worker(`import { getBadge } from './crm';`, `  await getBadge(job.data.visitId);`);
    expect(findingsOf(auditSources({ 'src/crm.ts': lib, 'src/worker.ts': c }), 'no-dedup')).toHaveLength(1);
  });
});
