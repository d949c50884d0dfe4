import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'google-pubsub');

describe('google-pubsub adapter', () => {
  it('finds a message listener on a subscription and describes manual-ack delivery', () => {
    const [h, ...rest] = handlersOf({
      'src/sub.ts': `import { PubSub, type Message } from '@google-cloud/pubsub';
const pubsub = new PubSub();
const subscription = pubsub.subscription('orders.billing', { flowControl: { maxMessages: 5 } });
subscription.on('message', async (message: Message) => {
  await save(message.data.toString());
  message.ack();
});
subscription.on('error', (err) => console.error(err));
subscription.on('close', () => console.log('closed'));
declare function save(x: string): Promise<void>;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'google-pubsub', kind: 'message' });
    expect(ts.isArrowFunction(h!.body as ts.Node)).toBe(true);
    expect(h!.delivery).toMatchObject({
      params: [0],
      ackMethods: ['ack', 'ackWithResponse'],
      nackMethods: ['nack', 'nackWithResponse'],
      acksOnReturn: false,
      redeliversOnThrow: true,
      ordered: false,
      batched: false,
    });
    expect(h!.delivery.idFields).toContain('id');
    expect(h!.delivery.idFields).not.toContain('ackId');
    expect(h!.delivery.timeFields).toContain('publishTime');
    expect(h!.delivery.retryBound).toBeUndefined();
  });

  it('follows a handler passed by reference from another file, counted where its body is', () => {
    const result = auditSources({
      'src/handlers/payment.ts': `import type { Message } from '@google-cloud/pubsub';
export async function onPayment(message: Message) {
  await apply(message.id);
  message.ack();
}
declare function apply(id: string): Promise<void>;
`,
      'src/main.ts': `import { PubSub } from '@google-cloud/pubsub';
import { onPayment } from './handlers/payment';
new PubSub().subscription('payments').on('message', onPayment);
`,
    });
    const hs = result.handlers.filter((h) => h.framework === 'google-pubsub');
    expect(hs).toHaveLength(1);
    expect(hs[0]!.file).toMatch(/handlers[\\/]payment\.ts$/);
    expect(hs[0]!.name).toBe('onPayment');
    expect(hs[0]!.registration.file).toMatch(/main\.ts$/);
  });

  it('traces a subscription created in another module and a class member', () => {
    const hs = handlersOf({
      'src/clients.ts': `import { PubSub } from '@google-cloud/pubsub';
export const inventorySub = new PubSub().subscription('inventory');
`,
      'src/inventory.ts': `import { inventorySub } from './clients';
inventorySub.on('message', (m) => { m.ack(); });
`,
      'src/listener.ts': `import { PubSub, Subscription, Message } from '@google-cloud/pubsub';
export class Listener {
  private sub: Subscription;
  constructor(pubsub: PubSub) { this.sub = pubsub.subscription('audit'); }
  start() { this.sub.on('message', this.onMessage.bind(this)); }
  async onMessage(m: Message) { m.ack(); }
}
`,
    });
    expect(hs.map((h) => h.name).sort()).toEqual(['message', 'onMessage']);
  });

  it('takes a dead-letter policy and message ordering in sight as facts of the named subscription', () => {
    const hs = handlersOf({
      'src/setup.ts': `import { PubSub } from '@google-cloud/pubsub';
const pubsub = new PubSub();
export async function start() {
  const [ledger] = await pubsub.topic('ledger').createSubscription('ledger.projector', {
    deadLetterPolicy: { deadLetterTopic: 'projects/p/topics/ledger-dlq', maxDeliveryAttempts: 10 },
    enableMessageOrdering: true,
  });
  ledger.on('message', async (m) => { m.ack(); });
  pubsub.subscription('audit.trail').on('message', async (m) => { m.ack(); });
}
`,
    });
    expect(hs).toHaveLength(2);
    const [ledger, audit] = hs;
    expect(ledger!.delivery.retryBound?.reason).toMatch(/deadLetterPolicy/);
    expect(ledger!.delivery.ordered).toBe(true);
    expect(audit!.delivery.retryBound).toBeUndefined();
    expect(audit!.delivery.ordered).toBe(false);
  });

  it('reports no handler for publishers, websockets, child-process IPC and plain emitters', () => {
    const result = auditSources({
      'src/publisher.ts': `import { PubSub } from '@google-cloud/pubsub';
import { WebSocketServer } from 'ws';
import { EventEmitter } from 'node:events';
const topic = new PubSub().topic('orders');
const wss = new WebSocketServer({ port: 8080 });
wss.on('connection', (socket) => {
  socket.on('message', async (data) => {
    await topic.publishMessage({ json: JSON.parse(String(data)) });
  });
});
process.on('message', (m) => console.log(m));
const bus = new EventEmitter();
bus.on('message', (m) => topic.publishMessage({ json: m }));
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
