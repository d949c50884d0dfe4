import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'bull');

describe('bull adapter', () => {
  it('takes the last argument of queue.process as the processor, in promise and callback mode', () => {
    const hs = handlersOf({
      'src/queues.ts': `import Queue from 'bull';
export const mail = new Queue('mail', process.env.REDIS_URL!);
`,
      'src/workers.ts': `import Bull from 'bull';
import { mail } from './queues';
const video = new Bull('video');
video.process('transcode', 2, async (job) => { await transcode(job.data); });
mail.process((job, done) => { send(job.data).then(() => done(), done); });
declare function transcode(x: unknown): Promise<void>;
declare function send(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    const [promiseMode, callbackMode] = hs.sort((a, b) => a.body.pos - b.body.pos);
    expect(promiseMode!.delivery).toMatchObject({ params: [0], acksOnReturn: true, callbackParam: undefined });
    expect(callbackMode!.delivery).toMatchObject({ acksOnReturn: false, callbackParam: 1 });
    expect(promiseMode!.delivery.redeliversOnThrow).toBe(false);
    expect(promiseMode!.delivery.retryBound?.reason).toMatch(/attempts/);
  });

  it('reports no handler for .process on other objects', () => {
    const result = auditSources({
      'src/img.ts': `import sharp from 'sharp';
import { pipeline } from './pipeline';
pipeline.process(async (x: Buffer) => sharp(x).resize(10).toBuffer());
`,
      'src/pipeline.ts': `export const pipeline = { process(fn: (b: Buffer) => Promise<Buffer>) { return fn; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
