import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'azure-event-hubs');

describe('azure-event-hubs adapter', () => {
  it('finds processEvents (not processError), batched and ordered per partition', () => {
    const hs = handlersOf({
      'src/hub.ts': `import { EventHubConsumerClient } from '@azure/event-hubs';
const client = new EventHubConsumerClient('$Default', process.env.CONN!, 'telemetry');
client.subscribe({
  processEvents: async (events, context) => {
    for (const e of events) await store(e.body);
    if (events.length) await context.updateCheckpoint(events[events.length - 1]!);
  },
  processError: async (err) => console.error(err),
});
client.subscribe('0', { processEvents: async (events) => { await store(events); }, processError: async () => {} });
declare function store(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery).toMatchObject({
      params: [0],
      ackMethods: ['updateCheckpoint'],
      acksOnReturn: false,
      ordered: true,
      batched: true,
    });
    expect(hs[0]!.delivery.idFields).toContain('sequenceNumber');
    expect(hs[0]!.delivery.timeFields).toContain('enqueuedTimeUtc');
  });

  it('reports no handler for a producer or an unrelated processEvents option', () => {
    const result = auditSources({
      'src/p.ts': `import { EventHubProducerClient } from '@azure/event-hubs';
const producer = new EventHubProducerClient('conn', 'hub');
export async function send(x: unknown) { const b = await producer.createBatch(); b.tryAdd({ body: x }); await producer.sendBatch(b); }
`,
      'src/q.ts': `import { feed } from './feed';
feed.subscribe({ processEvents: (e: unknown[]) => console.log(e.length) });
`,
      'src/feed.ts': `export const feed = { subscribe(o: unknown) { return o; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
