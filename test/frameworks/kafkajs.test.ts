import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['kafkajs'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));

describe('kafkajs adapter', () => {
  it('finds eachMessage and describes commit-on-resolve delivery', () => {
    const [h, ...rest] = handlersOf({
      'src/consumer.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: ['k:9092'] }).consumer({ groupId: 'orders' });
export async function start() {
  await consumer.subscribe({ topics: ['orders'] });
  await consumer.run({
    eachMessage: async ({ message }) => {
      await save(JSON.parse(message.value!.toString()));
    },
  });
}
declare function save(x: unknown): Promise<void>;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'kafkajs', kind: 'eachMessage' });
    expect(h!.delivery).toMatchObject({
      params: [0],
      acksOnReturn: true,
      redeliversOnThrow: true,
      ordered: true,
      batched: false,
      ackMethods: ['resolveOffset', 'commitOffsets', 'commitOffsetsIfNecessary'],
    });
    expect(h!.delivery.idFields).toContain('offset');
    expect(h!.delivery.timeFields).toContain('timestamp');
  });

  it('reads eachBatchAutoResolve and autoCommit from run, also through a config constant', () => {
    const hs = handlersOf({
      'src/batch.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
const config = {
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset }: any) => {
    for (const m of batch.messages) { resolveOffset(m.offset); }
  },
};
export const start = () => consumer.run(config);
`,
      'src/manual.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g2' });
export const start = () => consumer.run({ autoCommit: false, eachMessage: async ({ message }) => { console.log(message.offset); } });
`,
    });
    const byKind = Object.fromEntries(hs.map((h) => [h.kind, h]));
    expect(byKind.eachBatch!.delivery).toMatchObject({ batched: true, acksOnReturn: false });
    expect(byKind.eachMessage!.delivery.acksOnReturn).toBe(false);
  });

  it('covers the confluent KafkaJS-compatible API, with autoCommit on the consumer', () => {
    const hs = handlersOf({
      'src/confluent.js': `const { Kafka } = require('@confluentinc/kafka-javascript').KafkaJS;
const kafka = new Kafka({ kafkaJS: { brokers: ['k:9092'] } });
const auto = kafka.consumer({ kafkaJS: { groupId: 'a' } });
const manual = kafka.consumer({ kafkaJS: { groupId: 'b', autoCommit: false } });
async function main() {
  await auto.run({ eachMessage: async ({ message }) => { await handle(message); } });
  await manual.run({ eachMessage: async ({ message }) => { await handle(message); } });
}
async function handle(m) { console.log(m.offset); }
main();
`,
    });
    expect(hs.map((h) => [h.framework, h.kind, h.delivery.acksOnReturn])).toEqual([
      ['kafkajs', 'eachMessage', true],
      ['kafkajs', 'eachMessage', false],
    ]);
  });

  it('counts a handler passed by reference in the file that holds its body', () => {
    const r = auditSources({
      'src/main.ts': `import { Kafka } from 'kafkajs';
import { onPayment } from './payments/on-payment';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'p' });
export const start = () => consumer.run({ eachMessage: onPayment });
`,
      'src/payments/on-payment.ts': `import type { EachMessagePayload } from 'kafkajs';
export async function onPayment({ message }: EachMessagePayload) { console.log(message.key); }
`,
    });
    expect(r.handlers.map((h) => [h.file.split('/src/')[1], h.name])).toEqual([['payments/on-payment.ts', 'onPayment']]);
  });

  it('reports nothing for a producer-only module', () => {
    const hs = handlersOf({
      'src/publisher.ts': `import { Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
const producer = new Kafka({ brokers: [] }).producer();
export async function publish(order: { id: string }) {
  // the eachMessage word in a comment does not make a handler
  await producer.send({ topic: 'orders', messages: [{ key: order.id, value: JSON.stringify({ ...order, eventId: randomUUID() }) }] });
}
`,
    });
    expect(hs).toHaveLength(0);
  });
});
