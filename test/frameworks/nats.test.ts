import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'nats');

const consumerWith = (config: string) => `import { connect, AckPolicy } from 'nats';
export async function run() {
  const nc = await connect({ servers: process.env.NATS_URL });
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add('ORDERS', { durable_name: 'billing', ${config} filter_subject: 'orders.paid' });
  const consumer = await nc.jetstream().consumers.get('ORDERS', 'billing');
  for await (const m of await consumer.consume({ max_messages: 10 })) {
    await bill(m.json());
    m.ack();
  }
}
declare function bill(x: unknown): Promise<void>;
`;

describe('nats adapter', () => {
  it('takes a JetStream consume loop as one handler, bounded by max_deliver in sight', () => {
    const [h, ...rest] = handlersOf({ 'src/billing.ts': consumerWith('ack_policy: AckPolicy.Explicit, max_deliver: 5,') });
    expect(rest).toHaveLength(0);
    expect(h!.kind).toBe('consume');
    expect(ts.isForOfStatement(h!.body as ts.Node)).toBe(true);
    expect(h!.delivery).toMatchObject({
      ackMethods: ['ack', 'ackAck'],
      nackMethods: ['nak', 'term'],
      acksOnReturn: false,
      redeliversOnThrow: true,
      ordered: true,
      batched: false,
    });
    expect(h!.delivery.idFields).toContain('seq');
    expect(h!.delivery.retryBound?.reason).toMatch(/max_deliver \(5\)/);
    expect(h!.delivery.autoAck).toBeUndefined();
  });

  it('leaves the consumer unbounded without max_deliver, or with -1, and reads ack_policy none as auto-ack', () => {
    expect(handlersOf({ 'src/a.ts': consumerWith('ack_policy: AckPolicy.Explicit,') })[0]!.delivery.retryBound).toBeUndefined();
    expect(handlersOf({ 'src/a.ts': consumerWith('max_deliver: -1,') })[0]!.delivery.retryBound).toBeUndefined();
    const none = handlersOf({ 'src/a.ts': consumerWith('ack_policy: AckPolicy.None,') })[0]!;
    expect(none.delivery.autoAck?.reason).toMatch(/ack_policy is none/);
  });

  it('matches the consumer config by durable name when several are in sight', () => {
    const hs = handlersOf({
      'src/two.ts': `import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
export async function run() {
  const nc = await connect();
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add('S', { durable_name: 'a', max_deliver: 4 });
  await jsm.consumers.add('S', { durable_name: 'b' });
  const js = jetstream(nc);
  const a = await js.consumers.get('S', 'a');
  const b = await js.consumers.get('S', 'b');
  for await (const m of await a.consume()) { m.ack(); }
  const batch = await b.fetch({ max_messages: 20 });
  for await (const m of batch) { m.ack(); }
}
`,
    });
    expect(hs.map((h) => h.kind)).toEqual(['consume', 'fetch']);
    expect(hs[0]!.delivery.retryBound).toBeDefined();
    expect(hs[1]!.delivery.retryBound).toBeUndefined();
  });

  it('finds consume callbacks, core subscriptions (callback and iterator) and legacy js.subscribe', () => {
    const hs = handlersOf({
      'src/nats.ts': `import { connect } from 'nats';
export const ncPromise = connect();
`,
      'src/subs.ts': `import { connect, consumerOpts } from 'nats';
export async function run() {
  const nc = await connect();
  const c = await nc.jetstream().consumers.get('EVENTS', 'audit');
  await c.consume({ callback: (m) => { record(m.seq); m.ack(); } });
  nc.subscribe('presence.*', { callback: (err, msg) => { if (!err) record(msg.subject); } });
  const sub = nc.subscribe('metrics');
  for await (const m of sub) record(m.data);
  const opts = consumerOpts();
  opts.durable('legacy');
  opts.callback((err, m) => { if (m) { record(m.seq); m.ack(); } });
  await nc.jetstream().subscribe('legacy.*', opts);
}
declare function record(x: unknown): void;
`,
    });
    expect(hs.map((h) => h.kind)).toEqual(['consume', 'subscribe', 'subscribe', 'js.subscribe']);
    const [consumeCb, coreCb, coreLoop, legacy] = hs;
    expect(consumeCb!.delivery.params).toEqual([0]);
    expect(consumeCb!.delivery.ackMethods).toContain('ack');
    // Core NATS: at most once, message is the callback's second parameter.
    expect(coreCb!.delivery).toMatchObject({ params: [1], ackMethods: [], acksOnReturn: false, redeliversOnThrow: false, ordered: false });
    expect(ts.isForOfStatement(coreLoop!.body as ts.Node)).toBe(true);
    expect(coreLoop!.delivery.ackMethods).toEqual([]);
    expect(legacy!.delivery.params).toEqual([1]);
    expect(legacy!.delivery.ackMethods).toContain('ack');
  });

  it('follows a connection created in another file', () => {
    const hs = handlersOf({
      'src/broker.ts': `import { connect } from 'nats';
export const nc = await connect({ servers: 'nats://x' });
`,
      'src/worker.ts': `import { nc } from './broker';
export async function run() {
  const consumer = await nc.jetstream().consumers.get('ORDERS', 'w');
  for await (const m of await consumer.consume()) m.ack();
}
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]!.file).toMatch(/worker\.ts$/);
  });

  it('reports no handler for publishers, RxJS subscriptions, amqplib consume or other async iterators', () => {
    const result = auditSources({
      'src/pub.ts': `import { connect, JSONCodec } from 'nats';
export async function publish(x: unknown) {
  const nc = await connect();
  const js = nc.jetstream();
  await js.publish('orders.paid', JSONCodec().encode(x), { msgID: 'x' });
  nc.publish('presence', new Uint8Array());
}
`,
      'src/ui.ts': `import { interval } from 'rxjs';
import { store } from './store';
interval(1000).subscribe({ next: (n) => store.save(n) });
export async function readAll(stream: AsyncIterable<string>) { for await (const line of stream) await store.save(line); }
`,
      'src/store.ts': `export const store = { async save(x: unknown) { return x; } };
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
