import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'trigger.dev');

describe('trigger.dev adapter', () => {
  it('finds the run of task, schemaTask and schedules.task', () => {
    const hs = handlersOf({
      'src/trigger/tasks.ts': `import { task, schemaTask, schedules } from '@trigger.dev/sdk/v3';
import { z } from 'zod';
export const sendInvoice = task({ id: 'send-invoice', retry: { maxAttempts: 5 }, run: async (payload: { id: string }) => { await mail(payload.id); } });
export const importCsv = schemaTask({ id: 'import-csv', schema: z.object({ url: z.string() }), run: async ({ url }) => url });
export const nightly = schedules.task({ id: 'nightly', cron: '0 2 * * *', run: async () => { await mail('digest'); } });
declare function mail(x: string): Promise<void>;
`,
    });
    expect(hs).toHaveLength(3);
    expect(hs.every((h) => h.kind === 'task' && h.name === 'run')).toBe(true);
    expect(hs[0]!.delivery).toMatchObject({ params: [0], acksOnReturn: true, redeliversOnThrow: true });
    expect(hs[0]!.delivery.retryBound?.reason).toMatch(/maxAttempts/);
  });

  it('reports no handler for task() of another library or a trigger call', () => {
    const result = auditSources({
      'src/gulp.ts': `import { task } from 'gulp';
task({ id: 'build', run: async () => 1 } as never);
`,
      'src/t.ts': `import { tasks } from '@trigger.dev/sdk';
export async function start() { await tasks.trigger('send-invoice', { id: '1' }, { idempotencyKey: 'x' }); }
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
