import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const PROCESSOR = `import type { Job } from 'bullmq';
export interface ExportStore { load(id: string): Promise<unknown>; save(id: string, rows: unknown): Promise<void> }
export const createExportProcessor = (store: ExportStore, service: string) => {
  return async (job: Job<{ id: string; service: string }>) => {
    if (job.data.service !== service) return;
    await store.save(job.data.id, await store.load(job.data.id));
  };
};
`;

describe('handlers made by a project factory from plain inputs', () => {
  it('takes the function the factory returns, not an input that only configures it', () => {
    const { handlers } = auditSources({
      'src/processor.ts': PROCESSOR,
      'src/worker.ts': `import { Worker } from 'bullmq';
import { createExportProcessor, type ExportStore } from './processor';
export function startWorkers(service: string, store: ExportStore) {
  new Worker(\`\${service}-export\`, createExportProcessor(store, service), { connection: {} as any });
}
`,
    });
    expect(handlers.map((h) => `${h.framework} ${h.kind} ${h.file.split('/').pop()}:${h.body.getStart() > 0}`)).toEqual(['bullmq Worker processor.ts:true']);
  });

  it('still follows a project wrapper to the handler it is given, through a registration helper', () => {
    const { handlers } = auditSources({
      'src/retry.ts': `import type { Job } from 'bullmq';
export const withRetry = (fn: (job: Job) => Promise<void>, attempts = 3) => async (job: Job) => {
  for (let i = 0; ; i++) {
    try { return await fn(job); } catch (e) { if (i >= attempts) throw e; }
  }
};
`,
      'src/register.ts': `import { Worker, type Job } from 'bullmq';
import { withRetry } from './retry';
export function register(queue: string, handler: (job: Job) => Promise<void>) {
  return new Worker(queue, withRetry(handler, 5), { connection: {} as any });
}
`,
      'src/invoices.ts': `import type { Job } from 'bullmq';
import { register } from './register';
async function sendInvoice(job: Job<{ invoiceId: string }>) { await mail(job.data.invoiceId); }
register('invoices', sendInvoice);
declare function mail(id: string): Promise<void>;
`,
    });
    expect(handlers.map((h) => `${h.kind} ${h.name}`)).toEqual(['Worker sendInvoice']);
  });
});
