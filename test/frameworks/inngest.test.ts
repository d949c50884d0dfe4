import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'inngest');

describe('inngest adapter', () => {
  it('finds v4 (options, handler) and v3 (options, trigger, handler) functions of a client from another file', () => {
    const hs = handlersOf({
      'src/client.ts': `import { Inngest } from 'inngest';
export const inngest = new Inngest({ id: 'shop' });
`,
      'src/functions.ts': `import { inngest } from './client';
export const welcome = inngest.createFunction(
  { id: 'welcome', triggers: { event: 'user/created' }, retries: 5 },
  async ({ event, step }) => { await step.run('mail', () => mail(event.data)); },
);
export const digest = inngest.createFunction({ id: 'digest', batchEvents: { maxSize: 50, timeout: '5s' } }, { event: 'page/viewed' }, async ({ events }) => events.length);
declare function mail(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({ params: [0], acksOnReturn: true, redeliversOnThrow: true, batched: false });
    expect(hs[0]!.delivery.retryBound?.reason).toMatch(/retries/);
    expect(hs[1]!.delivery.batched).toBe(true);
  });

  it('recognises the option shape when the client cannot be traced, and nothing else named createFunction', () => {
    const hs = handlersOf({
      'src/f.ts': `import { inngest } from '@/inngest/client';
export const f = inngest.createFunction({ id: 'x' }, { cron: '0 * * * *' }, async () => 1);
`,
    });
    expect(hs).toHaveLength(1);
    const result = auditSources({
      'src/g.ts': `import { factory } from './factory';
export const g = factory.createFunction('sum', (a: number, b: number) => a + b);
`,
      'src/factory.ts': `export const factory = { createFunction(n: string, f: (a: number, b: number) => number) { return [n, f]; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
