import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'redis-pubsub');

describe('redis-pubsub adapter', () => {
  it('finds ioredis message and pmessage listeners of a subscriber that subscribes in sight', () => {
    const hs = handlersOf({
      'src/sub.ts': `import Redis from 'ioredis';
const redis = new Redis();
const sub = redis.duplicate();
await sub.subscribe('cache-invalidate', (err, count) => { if (err) console.error(err, count); });
await sub.psubscribe('tenant:*');
sub.on('message', async (channel, message) => { await redis.del(message); });
sub.on('pmessage', (pattern, channel, message) => console.log(pattern, channel, message));
sub.on('error', (e) => console.error(e));
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({ params: [1], ackMethods: [], acksOnReturn: false, redeliversOnThrow: false, ordered: false });
    expect(hs[0]!.delivery.idFields).not.toContain('id');
    expect(hs[1]!.delivery.params).toEqual([2]);
  });

  it('finds node-redis v4 subscribe listeners', () => {
    const hs = handlersOf({
      'src/nr.ts': `import { createClient } from 'redis';
const client = createClient();
const subscriber = client.duplicate();
await subscriber.connect();
await subscriber.subscribe('orders', async (message, channel) => { await client.incr(channel + message); });
await subscriber.pSubscribe('orders:*', onOrder);
async function onOrder(message: string) { console.log(message); }
`,
    });
    expect(hs.map((h) => h.name)).toEqual(['subscribe', 'onOrder']);
    expect(hs[0]!.delivery.params).toEqual([0]);
  });

  it('reports no handler for a Redis client that never subscribes, websockets, or emitters beside ioredis', () => {
    const result = auditSources({
      'src/a.ts': `import Redis from 'ioredis';
import WebSocket from 'ws';
import { EventEmitter } from 'node:events';
const redis = new Redis();
redis.on('message', (c, m) => console.log(c, m));
const ws = new WebSocket('wss://x');
ws.on('message', async (data) => { await redis.lpush('q', String(data)); });
const bus = new EventEmitter();
bus.on('message', async (m) => { await redis.publish('x', m); });
ws.send('subscribe');
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
