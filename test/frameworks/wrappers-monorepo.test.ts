// Registrations the way large codebases write them: a worker class hierarchy in a shared
// workspace package, a factory method that returns the processor, a class alias for Worker.
import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const files = {
  'package.json': '{ "name": "root", "private": true, "workspaces": ["libs/*", "apps/*"] }',
  'libs/queue/package.json': '{ "name": "@acme/queue", "main": "dist/index.js" }',
  'libs/queue/src/index.ts': "export * from './bull.service';\nexport * from './worker-base';\n",
  'libs/queue/src/bull.service.ts': `import { Worker } from 'bullmq';
import { WorkerPro } from '@taskforcesh/bullmq-pro';
export class BullService {
  static pro = false;
  createWorker(topic: string, processor: unknown, options?: unknown) {
    const WorkerClass = BullService.pro ? WorkerPro : Worker;
    return new WorkerClass(topic, processor as any, options as any);
  }
}
`,
  'libs/queue/src/worker-base.ts': `import { BullService } from './bull.service';
export class WorkerBase {
  private instance: BullService;
  constructor(public readonly topic: string, bull: BullService) { this.instance = bull; }
  initWorker(processor: unknown) { this.createWorker(processor); }
  private createWorker(processor: unknown) { this.instance.createWorker(this.topic, processor); }
}
`,
  'apps/worker/src/email.worker.ts': `import { WorkerBase, BullService } from '@acme/queue';
import { sendEmail } from './mailer';
export class EmailWorker extends WorkerBase {
  constructor() {
    super('email', new BullService());
    this.initWorker(this.getProcessor());
  }
  private getProcessor() {
    return async (job: { data: { to: string } }) => {
      await sendEmail(job.data.to);
    };
  }
}
`,
  'apps/worker/src/mailer.ts': 'export async function sendEmail(to: string) {}\n',
};

describe('registrations through a monorepo worker hierarchy', () => {
  it('finds the processor a factory method returns, through wrappers in a workspace package', () => {
    const r = auditSources(files);
    const h = r.handlers.filter((x) => x.framework === 'bullmq');
    expect(h.map((x) => [x.key, x.name])).toEqual([['apps/worker/src/email.worker.ts#getProcessor', 'getProcessor']]);
    expect(h[0]!.registration.file.endsWith('libs/queue/src/bull.service.ts')).toBe(true);
  });

  it('does not take a class alias of something else for a Worker', () => {
    const r = auditSources({
      'src/a.ts': `import { Worker } from 'bullmq';\nclass Fake { constructor(n: string, f: unknown) {} }\nconst Klass = Math.random() > 2 ? Fake : Fake;\nnew Klass('q', async () => {});\nvoid Worker;\n`,
    });
    expect(r.handlers).toHaveLength(0);
  });
});
