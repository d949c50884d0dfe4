import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['node-rdkafka'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));

describe('node-rdkafka adapter', () => {
  it("finds a 'data' listener and describes librdkafka's auto-commit", () => {
    const [h, ...rest] = handlersOf({
      'src/consumer.ts': `import Kafka from 'node-rdkafka';
const consumer = new Kafka.KafkaConsumer({ 'group.id': 'clicks', 'metadata.broker.list': 'k:9092' }, {});
consumer.connect();
consumer
  .on('ready', () => { consumer.subscribe(['clicks']); consumer.consume(); })
  .on('data', (message) => { record(message.value!.toString()); });
consumer.on('event.error', (err) => console.error(err));
declare function record(x: string): void;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'node-rdkafka', kind: 'data' });
    expect(h!.delivery).toMatchObject({ params: [0], acksOnReturn: false, redeliversOnThrow: false, ordered: true, batched: false });
    expect(h!.delivery.ackMethods).toContain('commitMessage');
    expect(h!.delivery.autoAck).toMatchObject({ byDefault: false });
    expect(h!.delivery.autoAck?.reason).toMatch(/auto-commits/);
    expect(h!.delivery.concurrent).toBeUndefined();
  });

  it('sees manual commit config and the batch consume callback', () => {
    const [h] = handlersOf({
      'src/batch.ts': `import { KafkaConsumer } from 'node-rdkafka';
const consumer = new KafkaConsumer({ 'group.id': 'g', 'enable.auto.commit': false }, {});
export function poll() {
  consumer.consume(100, async (err, messages) => {
    if (err) return;
    for (const m of messages) { await store(m); consumer.commitMessage(m); }
  });
}
declare function store(m: unknown): Promise<void>;
`,
    });
    expect(h).toMatchObject({ kind: 'consume' });
    expect(h!.delivery).toMatchObject({ params: [1], batched: true });
    expect(h!.delivery.autoAck).toBeUndefined();
  });

  it('follows a consumer created in another file, and marks async listeners concurrent', () => {
    const r = auditSources({
      'src/kafka.ts': `const Kafka = require('@confluentinc/kafka-javascript');
export const consumer = new Kafka.KafkaConsumer(config(), {});
function config() { return { 'group.id': 'g' }; }
`,
      'src/listen.ts': `import { consumer } from './kafka';
consumer.on('data', async (m) => { await save(m); });
declare function save(m: unknown): Promise<void>;
`,
    });
    expect(r.handlers).toHaveLength(1);
    const h = r.handlers[0]!;
    expect(h.file).toMatch(/listen\.ts$/);
    // The config is not an object literal in sight: auto-commit is the library default.
    expect(h.delivery.autoAck?.byDefault).toBe(true);
    expect(h.delivery.concurrent?.reason).toMatch(/concurrently/);
  });

  it('finds the read-stream form and a consumer held by a class', () => {
    const hs = handlersOf({
      'src/stream.ts': `import Kafka from 'node-rdkafka';
const stream = Kafka.KafkaConsumer.createReadStream({ 'group.id': 's' }, {}, { topics: ['t'] });
stream.on('data', (m) => console.log(m.offset));
`,
      'src/service.ts': `import { KafkaConsumer } from 'node-rdkafka';
export class Ingest {
  private consumer: KafkaConsumer;
  constructor() { this.consumer = new KafkaConsumer({ 'group.id': 'i' }, {}); }
  start() { this.consumer.on('data', (m) => this.handle(m)); }
  private handle(m: unknown) { console.log(m); }
}
`,
    });
    expect(hs.map((h) => h.file.split('/src/')[1])).toEqual(['service.ts', 'stream.ts']);
  });

  it('ignores other streams, error listeners and error-only consume callbacks', () => {
    const hs = handlersOf({
      'src/files.ts': `import Kafka from 'node-rdkafka';
import { createReadStream } from 'node:fs';
const producer = new Kafka.Producer({});
createReadStream('x.csv').on('data', (chunk) => producer.produce('t', null, Buffer.from(chunk)));
`,
      'src/errors.ts': `import Kafka from 'node-rdkafka';
const consumer = new Kafka.KafkaConsumer({ 'group.id': 'g' }, {});
consumer.on('event.error', (err) => console.error(err));
consumer.on('rebalance', (err, assignment) => console.log(assignment));
setInterval(() => consumer.consume(10, (err) => { if (err) console.error(err); }), 1000);
`,
    });
    expect(hs).toHaveLength(0);
  });
});
