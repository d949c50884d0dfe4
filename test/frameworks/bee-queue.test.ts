import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'bee-queue');

describe('bee-queue adapter', () => {
  it('finds queue.process handlers with and without concurrency, promise and callback style', () => {
    const hs = handlersOf({
      'src/w.ts': `import Queue from 'bee-queue';
const q = new Queue('thumbnails');
q.process(4, async (job) => { await render(job.data); });
const r = new Queue('reports');
r.process(function (job, done) { render(job.data).then(() => done(null), done); });
export async function enqueue(d: unknown) { await q.createJob(d).retries(3).save(); }
declare function render(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true });
    expect(hs[1]!.delivery).toMatchObject({ acksOnReturn: false, callbackParam: 1 });
  });

  it('reports no handler for a process call on a child process', () => {
    const result = auditSources({
      'src/c.ts': `import { spawn } from 'node:child_process';
import { q } from './q';
const child = spawn('ls');
child.on('exit', () => q.process(1));
`,
      'src/q.ts': `export const q = { process(n: number) { return n; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
