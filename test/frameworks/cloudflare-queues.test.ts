import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'cloudflare-queues');

describe('cloudflare-queues adapter', () => {
  it('finds the queue() of a default-exported handler object, not fetch() or scheduled()', () => {
    const result = auditSources({
      'src/index.ts': `export interface Env { DB: D1Database }
export default {
  async fetch(request: Request, env: Env): Promise<Response> { return new Response('ok'); },
  async scheduled(event: ScheduledEvent, env: Env) { await env.DB.prepare('DELETE FROM x').run(); },
  async queue(batch: MessageBatch<{ id: string }>, env: Env): Promise<void> {
    for (const msg of batch.messages) { await env.DB.prepare('INSERT INTO t VALUES (?1)').bind(msg.body.id).run(); msg.ack(); }
  },
} satisfies ExportedHandler<Env>;
`,
    });
    expect(result.handlers).toHaveLength(1);
    const h = result.handlers[0]!;
    expect(h).toMatchObject({ framework: 'cloudflare-queues', kind: 'queue', name: 'queue' });
    expect(ts.isMethodDeclaration(h.body as ts.Node)).toBe(true);
    expect(h.delivery).toMatchObject({
      params: [0],
      ackMethods: ['ack', 'ackAll'],
      nackMethods: ['retry', 'retryAll'],
      acksOnReturn: true,
      redeliversOnThrow: true,
      ordered: false,
      batched: true,
    });
    expect(h.delivery.idFields).toContain('id');
    expect(h.delivery.retryBound?.reason).toMatch(/max_retries/);
  });

  it('recognises untyped JavaScript by the batch it handles, a typed const, and a handler by reference', () => {
    const hs = handlersOf({
      'src/js-worker.js': `export default {
  async queue(batch, env) { for (const m of batch.messages) await fetch(env.URL, { method: 'POST', body: JSON.stringify(m.body) }); },
};
`,
      'src/typed.ts': `import { handleBatch } from './handle';
const worker: ExportedHandler<Env> = { queue: handleBatch };
export default worker;
interface Env { URL: string }
`,
      'src/handle.ts': `export async function handleBatch(batch: MessageBatch<unknown>) { batch.ackAll(); }
`,
    });
    expect(hs.map((h) => h.name).sort()).toEqual(['handleBatch', 'queue']);
  });

  it('finds the queue method of a WorkerEntrypoint class', () => {
    const hs = handlersOf({
      'src/entry.ts': `import { WorkerEntrypoint } from 'cloudflare:workers';
export default class extends WorkerEntrypoint<{ KV: KVNamespace }> {
  async fetch() { return new Response('hi'); }
  async queue(batch: MessageBatch<{ k: string }>) { for (const m of batch.messages) await this.env.KV.put(m.body.k, '1'); }
}
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]!.delivery.batched).toBe(true);
  });

  it('reports no handler for default exports that merely have a queue member', () => {
    const result = auditSources({
      'src/config.ts': `export default { queue: { name: 'jobs', concurrency: 4 } };
`,
      'src/service.ts': `const jobs: string[] = [];
export default {
  async queue(name: string) { jobs.push(name); await fetch('https://x', { method: 'POST', body: name }); },
};
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
