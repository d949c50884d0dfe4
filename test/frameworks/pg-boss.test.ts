import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'pg-boss');

describe('pg-boss adapter', () => {
  it('takes the last argument of boss.work, a batch of jobs since v10', () => {
    const hs = handlersOf({
      'src/boss.ts': `import PgBoss from 'pg-boss';
export const boss = new PgBoss(process.env.DATABASE_URL!);
`,
      'src/work.ts': `import { boss } from './boss';
await boss.work('invoice-email', { batchSize: 5 }, async (jobs) => {
  for (const job of jobs) await send(job.data);
});
await boss.work('legacy', async (job) => { await send(job.data); });
boss.on('error', (e) => console.error(e));
declare function send(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true, batched: true });
    expect(hs[0]!.delivery.retryBound?.reason).toMatch(/retryLimit/);
    // v9-style handler: reads job.data directly, one job per call.
    expect(hs[1]!.delivery.batched).toBe(false);
  });

  it('reports no handler for a send or an unrelated work()', () => {
    const result = auditSources({
      'src/s.ts': `import PgBoss from 'pg-boss';
import { crew } from './crew';
const boss = new PgBoss('x');
export async function enqueue() { await boss.send('invoice-email', { id: 1 }); }
crew.work('night', async () => 1);
`,
      'src/crew.ts': `export const crew = { work(n: string, f: () => Promise<number>) { return [n, f]; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
