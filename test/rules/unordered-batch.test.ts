import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const HEAD = `import { Kafka } from 'kafkajs';\nimport { Pool } from 'pg';\nconst pool = new Pool();\nconst consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\n`;
const kafka = (body: string, extra = '') =>
  findingsOf(auditSources({ 'src/c.ts': `${HEAD}${extra}\nawait consumer.run({ eachBatch: async ({ batch, heartbeat }) => {\n${body}\n} });\n` }), 'unordered-batch');
const APPLY = `await pool.query('UPDATE v SET x = $2 WHERE id = $1', [m.key, m.value]);`;

describe('unordered-batch', () => {
  it('reports Promise.all over a Kafka partition batch and names the source', () => {
    const f = kafka(`await Promise.all(batch.messages.map(async (m) => { ${APPLY} }));`);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('Kafka partition');
    expect(f[0]!.message).toMatch(/older one can be applied last/);
  });

  it('reports forEach(async ...), Promise.allSettled, a mapped task list and pMap without a concurrency of 1', () => {
    expect(kafka(`batch.messages.forEach(async (m) => { ${APPLY} });`)).toHaveLength(1);
    expect(kafka(`await Promise.allSettled(batch.messages.map(async (m) => { ${APPLY} }));`)).toHaveLength(1);
    expect(kafka(`const tasks = batch.messages.filter((m) => m.value).map(async (m) => { ${APPLY} });\nawait Promise.all(tasks);`)).toHaveLength(1);
    expect(kafka(`await pMap(batch.messages, async (m) => { ${APPLY} }, { concurrency: 8 });`, `import pMap from 'p-map';`)).toHaveLength(1);
  });

  it('is cleared by sequential processing', () => {
    expect(kafka(`for (const m of batch.messages) { ${APPLY} await heartbeat(); }`)).toHaveLength(0);
    expect(kafka(`await pMap(batch.messages, async (m) => { ${APPLY} }, { concurrency: 1 });`, `import pMap from 'p-map';`)).toHaveLength(0);
    expect(kafka(`await Promise.all(batch.messages.map((m) => limit(async () => { ${APPLY} })));`, `import pLimit from 'p-limit';\nconst limit = pLimit(1);`)).toHaveLength(0);
  });

  it('is cleared by grouping by key and processing each group in order', () => {
    const body = `const groups = new Map<string, any[]>();\nfor (const m of batch.messages) groups.set(String(m.key), [...(groups.get(String(m.key)) ?? []), m]);\nawait Promise.all([...groups.values()].map(async (group) => { for (const m of group) { ${APPLY} } }));`;
    expect(kafka(body)).toHaveLength(0);
  });

  it('does not report concurrency over a payload array of one message', () => {
    expect(kafka(`for (const m of batch.messages) { const o = JSON.parse(String(m.value)); await Promise.all(o.lines.map(async (l: any) => pool.query('SELECT 1', [l]))); }`)).toHaveLength(0);
  });

  it('does not report unordered sources, even with a conditional write in the loop', () => {
    const r = auditSources(
      { 'src/h.ts': `import { Pool } from 'pg';\nconst pool = new Pool();\ndeclare function onBatch(fn: (event: any) => Promise<void>): void;\nonBatch(async (event) => { await Promise.all(event.Records.map(async (m: any) => pool.query('UPDATE v SET x = $2 WHERE id = $1', [m.key, m.value]))); });\n` },
      { config: { handlers: [{ call: 'onBatch', ordered: false, batched: true }] } },
    );
    expect(findingsOf(r, 'unordered-batch')).toHaveLength(0);
    const ordered = auditSources(
      { 'src/h.ts': `import { Pool } from 'pg';\nconst pool = new Pool();\ndeclare function onBatch(fn: (event: any) => Promise<void>): void;\nonBatch(async (event) => { await Promise.all(event.Records.map(async (m: any) => pool.query('UPDATE v SET x = $2 WHERE id = $1 AND v < $3', [m.key, m.value, m.v]))); });\n` },
      { config: { handlers: [{ call: 'onBatch', ordered: true, batched: true }] } },
    );
    // A conditional write clears order-dependent, not this rule.
    expect(findingsOf(ordered, 'unordered-batch')).toHaveLength(1);
    expect(findingsOf(ordered, 'order-dependent')).toHaveLength(0);
  });

  it('reports a Powertools BatchProcessor over Kinesis in its default parallel mode, not with processInParallel: false', () => {
    const src = (opts: string) => `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new BatchProcessor(EventType.KinesisDataStreams);
const record = async (r: any) => { console.log(r); };
declare function onBatch(fn: (event: any, context: any) => Promise<unknown>): void;
onBatch(async (event, context) => processPartialResponse(event, record, processor, { context${opts} }));\n`;
    const cfg = { config: { handlers: [{ call: 'onBatch', batched: true }] } };
    expect(findingsOf(auditSources({ 'src/h.ts': src('') }, cfg), 'unordered-batch')).toHaveLength(1);
    expect(findingsOf(auditSources({ 'src/h.ts': src(', processInParallel: false') }, cfg), 'unordered-batch')).toHaveLength(0);
  });
});
