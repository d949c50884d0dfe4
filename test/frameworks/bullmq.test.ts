import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'bullmq');

describe('bullmq adapter', () => {
  it('finds the processor of new Worker and describes complete-on-return delivery', () => {
    const result = auditSources({
      'src/worker.ts': `import { Worker, Queue, type Job } from 'bullmq';
const connection = { host: 'localhost' };
const emails = new Queue('emails', { connection });
export const worker = new Worker('invoices', async (job: Job<{ id: string }>) => {
  await emails.add('invoice-ready', { id: job.data.id }, { attempts: 5 });
}, { connection, concurrency: 4 });
worker.on('failed', (job, err) => console.error(job?.id, err));
worker.on('completed', (job) => console.log(job.id));
`,
    });
    const [h, ...rest] = result.handlers.filter((x) => x.framework === 'bullmq');
    expect(rest).toHaveLength(0);
    expect(result.handlers).toHaveLength(1);
    expect(h).toMatchObject({ kind: 'Worker', name: 'invoices' });
    expect(h!.delivery).toMatchObject({ params: [0], acksOnReturn: true, ordered: false, batched: false });
    expect(h!.delivery.idFields).toContain('id');
    expect(h!.delivery.nackMethods).toContain('moveToFailed');
    // attempts of jobs the processor enqueues to another queue are not this queue's retries
    expect(h!.delivery.redeliversOnThrow).toBe(false);
    expect(h!.delivery.retryBound?.reason).toMatch(/attempts/);
  });

  it('takes attempts configured for the same queue as retries', () => {
    const [h] = handlersOf({
      'src/w.ts': `import { Worker, Queue } from 'bullmq';
const q = new Queue('payouts', { defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } } });
new Worker('payouts', async (job) => { await pay(job.data); });
declare function pay(x: unknown): Promise<void>;
`,
    });
    expect(h!.delivery.redeliversOnThrow).toBe(true);
  });

  it('follows a processor by reference and a sandboxed processor file', () => {
    const hs = handlersOf({
      'src/processors/resize.ts': `import type { Job } from 'bullmq';
export default async function resize(job: Job) { await work(job.data); }
declare function work(x: unknown): Promise<void>;
`,
      'src/processors/index.ts': `import type { Job } from 'bullmq';
export async function exportReport(job: Job) { return job.data; }
`,
      'src/main.ts': `import path from 'node:path';
import * as bullmq from 'bullmq';
import { exportReport } from './processors/index';
new bullmq.Worker('exports', exportReport);
new bullmq.Worker('images', path.join(__dirname, 'processors/resize.js'));
new bullmq.Worker('manual', null);
`,
    });
    expect(hs.map((h) => h.name).sort()).toEqual(['exportReport', 'resize']);
    expect(hs.every((h) => !h.file.endsWith('main.ts'))).toBe(true);
    expect(hs.every((h) => ts.isFunctionDeclaration(h.body as ts.Node))).toBe(true);
  });

  it('reports no handler for worker_threads Workers or producers', () => {
    const result = auditSources({
      'src/threads.ts': `import { Worker } from 'node:worker_threads';
import { Queue } from 'bullmq';
const w = new Worker('./thread.js', { workerData: 1 });
w.on('message', async (m) => { await new Queue('x').add('y', m); });
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
