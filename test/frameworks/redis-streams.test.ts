import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'redis-streams');
const bodyText = (h: { body: ts.Node }) => h.body.getText().split('\n')[0]!.trim();

describe('redis-streams adapter', () => {
  it('takes the per-entry for…of of an ioredis XREADGROUP loop as the handler', () => {
    const [h, ...rest] = handlersOf({
      'src/worker.ts': `import { Redis } from 'ioredis';
const redis = new Redis();
export async function run(signal: AbortSignal) {
  while (!signal.aborted) {
    const res = (await redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 10, 'BLOCK', 5000, 'STREAMS', 'orders', '>')) as [string, [string, string[]][]][] | null;
    if (!res) continue;
    for (const [stream, entries] of res) {
      for (const [id, fields] of entries) {
        for (let i = 0; i < fields.length; i += 2) console.log(fields[i]);
        await redis.xack(stream, 'g', id);
      }
    }
  }
}
`,
    });
    expect(rest).toHaveLength(0);
    expect(ts.isForOfStatement(h!.body as ts.Node)).toBe(true);
    expect(bodyText(h!)).toBe('for (const [id, fields] of entries) {');
    expect(h!.delivery).toMatchObject({ ackMethods: ['xack', 'xAck', 'XACK'], acksOnReturn: false, redeliversOnThrow: false, ordered: true, batched: false });
    expect(h!.delivery.idFields).toContain('id');
    expect(h!.delivery.autoAck).toBeUndefined();
  });

  it('takes the read loop itself when entries are handled as a batch, and reads NOACK as auto-ack', () => {
    const [h] = handlersOf({
      'src/cache.ts': `import { Redis } from 'ioredis';
const redis = new Redis();
export async function run() {
  for (;;) {
    const res = await redis.xreadgroup('GROUP', 'g', 'c', 'NOACK', 'STREAMS', 'events', '>');
    if (!res) continue;
    await Promise.all((res as any)[0][1].map(async ([id]: [string]) => redis.set('last', id)));
  }
}
`,
    });
    expect(ts.isForStatement(h!.body as ts.Node)).toBe(true);
    expect(h!.delivery.batched).toBe(true);
    expect(h!.delivery.autoAck?.reason).toMatch(/NOACK/);
  });

  it('understands node-redis shapes and a per-entry function called from two loops', () => {
    const hs = handlersOf({
      'src/nr.ts': `import { createClient } from 'redis';
const client = createClient();
export async function run() {
  while (true) {
    const streams = await client.xReadGroup('g', 'c', { key: 'payments', id: '>' }, { COUNT: 10, BLOCK: 1000 });
    if (!streams) continue;
    for (const { name, messages } of streams) {
      for (const { id, message } of messages) {
        for (const [k, v] of Object.entries(message)) console.log(k, v);
        await client.xAck(name, 'g', id);
      }
    }
  }
}
`,
      'src/claim.ts': `import type { Redis } from 'ioredis';
export async function loop(redis: Redis) {
  const handle = async (entry: [string, string[]]) => { await redis.xack('s', 'g', entry[0]); };
  while (true) {
    const [, reclaimed] = (await redis.xautoclaim('s', 'g', 'c', 60000, '0-0')) as [string, [string, string[]][]];
    for (const e of reclaimed) await handle(e);
    const res = (await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>')) as any;
    for (const entry of res?.[0]?.[1] ?? []) await handle(entry);
  }
}
`,
    });
    expect(hs).toHaveLength(2);
    const texts = hs.map(bodyText).sort();
    expect(texts).toEqual(['for (const entry of res?.[0]?.[1] ?? []) await handle(entry);', 'for (const { id, message } of messages) {']);
  });

  it('takes a poll function without a loop, but not a read helper that returns the entries', () => {
    const hs = handlersOf({
      'src/poll.ts': `import { Redis } from 'ioredis';
const redis = new Redis();
export async function pollOnce() {
  const res: any = await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
  if (res) await Promise.all(res[0][1].map((e: any) => redis.xack('s', 'g', e[0])));
}
setInterval(pollOnce, 1000);
export async function read() {
  return redis.xreadgroup('GROUP', 'g', 'c2', 'STREAMS', 's', '>');
}
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]!.name).toBe('pollOnce');
  });

  it('reports no handler for producers and stream readers without a consumer group', () => {
    const result = auditSources({
      'src/p.ts': `import { Redis } from 'ioredis';
const redis = new Redis();
export async function tail() {
  let last = '$';
  while (true) {
    const res: any = await redis.xread('BLOCK', 0, 'STREAMS', 's', last);
    for (const [id] of res[0][1]) last = id;
  }
}
export async function add() { await redis.xadd('s', '*', 'k', 'v'); }
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
