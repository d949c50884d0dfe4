import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'agenda');

describe('agenda adapter', () => {
  it('finds v4 define(name, processor, opts) and v3 define(name, opts, processor)', () => {
    const hs = handlersOf({
      'src/jobs.ts': `import { Agenda } from 'agenda';
const agenda = new Agenda({ db: { address: process.env.MONGO_URL! } });
agenda.define('send welcome', async (job) => { await mail(job.attrs.data); }, { concurrency: 2 });
agenda.define('cleanup', { priority: 'high' }, (job, done) => { purge().then(() => done()); });
agenda.on('fail:send welcome', (err, job) => console.error(err, job.attrs.name));
declare function mail(x: unknown): Promise<void>;
declare function purge(): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: false });
    expect(hs[0]!.delivery.idFields).toContain('_id');
    expect(hs[1]!.delivery).toMatchObject({ acksOnReturn: false, callbackParam: 1 });
  });

  it('reports no handler for AMD define or other define calls', () => {
    const result = auditSources({
      'src/amd.ts': `import { registry } from './registry';
registry.define('x', async () => 1);
`,
      'src/registry.ts': `export const registry = { define(n: string, f: () => Promise<number>) { return [n, f]; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
