import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['amqplib','amqp-connection-manager'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));

describe('amqplib adapter', () => {
  it('finds an inline consume callback and describes manual-ack delivery', () => {
    const [h, ...rest] = handlersOf({
      'src/worker.ts': `import amqp from 'amqplib';
export async function start() {
  const conn = await amqp.connect(process.env.AMQP_URL!);
  const ch = await conn.createChannel();
  await ch.assertQueue('orders', { durable: true });
  await ch.consume('orders', async (msg) => {
    if (!msg) return;
    await save(JSON.parse(msg.content.toString()));
    ch.ack(msg);
  });
}
declare function save(x: unknown): Promise<void>;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'amqplib', kind: 'consume' });
    expect(ts.isArrowFunction(h!.body as ts.Node)).toBe(true);
    expect(h!.delivery).toMatchObject({
      params: [0],
      ackMethods: ['ack', 'ackAll'],
      nackMethods: ['nack', 'reject', 'nackAll'],
      acksOnReturn: false,
      redeliversOnThrow: true,
      ordered: false,
      batched: false,
    });
    expect(h!.delivery.idFields).toContain('messageId');
    expect(h!.delivery.correlationFields).toContain('correlationId');
    expect(h!.delivery.timeFields).toContain('timestamp');
    expect(h!.delivery.autoAck).toBeUndefined();
    expect(h!.delivery.retryBound).toBeUndefined();
  });

  it('marks noAck: true as auto-ack, inline or through an options constant', () => {
    const inline = handlersOf({
      'src/a.ts': `import amqp from 'amqplib';
export async function start(ch: amqp.Channel) {
  await ch.consume('q', async (msg) => { await work(msg); }, { noAck: true });
}
declare function work(x: unknown): Promise<void>;
`,
    });
    expect(inline[0]!.delivery.autoAck?.reason).toMatch(/noAck: true/);
    const viaConst = handlersOf({
      'src/b.ts': `import * as amqp from 'amqplib';
const OPTIONS = { noAck: true, exclusive: false };
export async function start(ch: amqp.Channel) {
  await ch.consume('q', handle, OPTIONS);
}
async function handle(msg: amqp.ConsumeMessage | null) { console.log(msg); }
`,
    });
    expect(viaConst[0]!.delivery.autoAck).toBeDefined();
    const manual = handlersOf({
      'src/c.ts': `import amqp from 'amqplib';
export async function start(ch: amqp.Channel) {
  await ch.consume('q', async (msg) => { if (msg) ch.ack(msg); }, { noAck: false });
}
`,
    });
    expect(manual[0]!.delivery.autoAck).toBeUndefined();
  });

  it('reads a dead-letter exchange or delivery limit declared for the consumed queue', () => {
    const [dlx] = handlersOf({
      'src/a.ts': `import amqp from 'amqplib';
const QUEUE = 'billing.invoice-due';
export async function start(ch: amqp.Channel) {
  await ch.assertQueue(\`\${QUEUE}.wait\`, { messageTtl: 30000 });
  await ch.assertQueue(QUEUE, { durable: true, deadLetterExchange: 'billing.dlx' });
  await ch.consume(QUEUE, async (msg) => { if (msg) ch.ack(msg); });
}
`,
    });
    expect(dlx!.delivery.retryBound?.reason).toMatch(/dead-letter exchange/);
    const [limit] = handlersOf({
      'src/b.ts': `import amqp from 'amqplib';
export async function start(ch: amqp.Channel) {
  const { queue } = await ch.assertQueue('jobs', { arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 5 } });
  await ch.consume(queue, async (msg) => { if (msg) ch.ack(msg); });
}
`,
    });
    expect(limit!.delivery.retryBound?.reason).toMatch(/x-delivery-limit` 5/);
    const [other] = handlersOf({
      'src/c.ts': `import amqp from 'amqplib';
export async function start(ch: amqp.Channel) {
  await ch.assertQueue('audit', { deadLetterExchange: 'audit.dlx' });
  await ch.assertQueue('orders', { durable: true });
  await ch.consume('orders', async (msg) => { if (msg) ch.nack(msg); });
}
`,
    });
    expect(other!.delivery.retryBound).toBeUndefined();
  });

  it('counts a handler passed by reference in the file that holds its body', () => {
    const r = auditSources({
      'src/consumer.ts': `import amqp from 'amqplib';
import { onInvoicePaid } from './handlers/invoice-paid';
export async function start() {
  const ch = await (await amqp.connect('amqp://x')).createChannel();
  await ch.consume('invoice.paid', onInvoicePaid);
  await ch.consume('invoice.paid.replay', onInvoicePaid);
}
`,
      'src/handlers/invoice-paid.ts': `import type { ConsumeMessage } from 'amqplib';
export async function onInvoicePaid(msg: ConsumeMessage | null) {
  if (!msg) return;
  console.log(msg.content.toString());
}
`,
    });
    // One function registered twice counts once, where its body is.
    expect(r.handlers.map((h) => [h.file.split('/src/')[1], h.name])).toEqual([['handlers/invoice-paid.ts', 'onInvoicePaid']]);
    expect(r.handlers[0]!.registration.file).toMatch(/consumer\.ts$/);
  });

  it('finds amqp-connection-manager setup functions and channel wrappers', () => {
    const hs = handlersOf({
      'src/rabbit.ts': `import amqp, { type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
const connection = amqp.connect(['amqp://localhost']);
export const setupWrapper: ChannelWrapper = connection.createChannel({
  json: true,
  setup: (channel: ConfirmChannel) =>
    Promise.all([
      channel.assertQueue('emails', { durable: true, deadLetterExchange: 'emails.dlx' }),
      channel.consume('emails', onEmail),
    ]),
});
async function onEmail(msg: any) { setupWrapper.ack(msg); }
export async function startAudit() {
  const wrapper = connection.createChannel({ json: true });
  await wrapper.consume('audit', async (msg) => { wrapper.ack(msg); }, { prefetch: 10 });
}
`,
    });
    expect(hs.map((h) => [h.name, h.framework])).toEqual([
      ['onEmail', 'amqp-connection-manager'],
      ['consume', 'amqp-connection-manager'],
    ]);
    expect(hs[0]!.delivery.retryBound).toBeDefined();
  });

  it('accepts a channel created in another file only with AMQP evidence', () => {
    const hs = handlersOf({
      'src/rabbit.ts': `import amqp from 'amqplib';
export const channelPromise = amqp.connect('amqp://x').then((c) => c.createChannel());
`,
      'src/order-consumer.ts': `import { channelPromise } from './rabbit';
export async function start() {
  const channel = await channelPromise;
  await channel.consume('orders', async (message) => {
    const order = JSON.parse(message.content.toString());
    await ship(order);
    channel.ack(message);
  });
}
declare function ship(o: unknown): Promise<void>;
`,
      'src/warehouse.ts': `import { inventory } from './inventory';
export function drain() {
  inventory.consume('sku-1', (item) => item.reserve());
}
`,
      'src/inventory.ts': `export const inventory = { consume(sku: string, f: (x: any) => void) { f({ reserve() {} }); } };
`,
    });
    expect(hs.map((h) => h.file.split('/src/')[1])).toEqual(['order-consumer.ts']);
  });

  it('reports nothing for producers and for other libraries with a consume method', () => {
    const hs = handlersOf({
      'src/publisher.ts': `import amqp from 'amqplib';
export async function publishOrder(order: { id: string }) {
  const ch = await (await amqp.connect('amqp://x')).createChannel();
  await ch.assertQueue('orders');
  ch.sendToQueue('orders', Buffer.from(JSON.stringify(order)), { messageId: order.id });
  ch.publish('events', 'order.created', Buffer.from('{}'));
}
`,
      'src/rdkafka.ts': `import Kafka from 'node-rdkafka';
const consumer = new Kafka.KafkaConsumer({ 'group.id': 'g' }, {});
export function poll(batchSize: number) {
  consumer.consume(batchSize, (err) => { if (err) console.error(err); });
}
`,
      'src/nats.ts': `import { connect } from 'nats';
export async function run() {
  const nc = await connect();
  const c = await nc.jetstream().consumers.get('S', 'c');
  await c.consume({ callback: (m) => m.ack() });
}
`,
      'src/util.ts': `export function consume(queue: string, fn: () => void) { fn(); }
consume('x', () => console.log('not a broker'));
`,
    });
    expect(hs).toHaveLength(0);
  });
});
