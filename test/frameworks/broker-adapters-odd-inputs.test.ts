// Odd input for the broker adapters (Pub/Sub, Service Bus, NATS, job queues, Redis, MQTT,
// Cloudflare): 20,000-long chains, broken syntax and missing arguments never crash discovery.
import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const D = 20_000;

describe('broker adapters on odd input', () => {
  it('survive deep chains, syntax errors and missing arguments, and still find the real handlers', () => {
    const result = auditSources({
      'src/mqtt.ts': `import mqtt from 'mqtt';
const client = mqtt.connect('x');
client${'.x'.repeat(D)}.on('message', async (t, p) => { await f(p); });
client.subscribe('a', { qos: 1 });
client.on('message', async (t, p) => { const y = p${'.next'.repeat(D)}; await f(y); });
declare function f(x: unknown): Promise<void>;
`,
      'src/streams.ts': `import { Redis } from 'ioredis';
const redis = new Redis();
export async function run() {
  while (true) {
    const res: any = await redis.xreadgroup('GROUP', 'g', 'c', 'STREAMS', 's', '>');
    const z = res${'.a'.repeat(D)};
    for (const [id] of z) await redis.xack('s', 'g', id);
  }
}
`,
      'src/pubsub.ts': `import { PubSub } from '@google-cloud/pubsub';
const s = new PubSub()${'.subscription("x")'.repeat(3000)};
s.on('message', (m) => m.ack());
`,
      'src/worker.js': `export default { async queue(batch) { const q = batch${'.messages'.repeat(D)}; return q; } };
`,
      'src/nats.ts': `import { connect } from 'nats';
const nc = await connect();
for await (const m of nc${'.a'.repeat(D)}.subscribe('x')) console.log(m);
`,
      'src/broken.ts': `import { Worker } from 'bullmq';
new Worker('q', async (job) => { await job.data.
`,
      'src/args.ts': `import { Worker } from 'bullmq';
import { ServiceBusClient } from '@azure/service-bus';
new Worker();
new Worker('q');
const r = new ServiceBusClient('x').createReceiver();
r.subscribe();
r.receiveMessages();
`,
    });
    expect(result.notifications.filter((n) => n.id !== 'syntax-error')).toEqual([]);
    expect(result.handlers.map((h) => `${h.framework}:${h.key.split('#')[0]}`).sort()).toEqual([
      'bullmq:src/broken.ts',
      'cloudflare-queues:src/worker.js',
      'mqtt:src/mqtt.ts',
      'redis-streams:src/streams.ts',
    ]);
  });
});
