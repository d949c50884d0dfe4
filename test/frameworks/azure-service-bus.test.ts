import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'azure-service-bus');

describe('azure-service-bus adapter', () => {
  it('finds processMessage (not processError) and reads autoCompleteMessages', () => {
    const hs = handlersOf({
      'src/receivers.ts': `import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
const sb = new ServiceBusClient(process.env.SB!);
export function start() {
  const auto = sb.createReceiver('orders');
  auto.subscribe({
    processMessage: async (m: ServiceBusReceivedMessage) => { await save(m.body); },
    processError: async ({ error }) => console.error(error),
  });
  const manual = sb.createReceiver('topic', 'sub');
  manual.subscribe(
    {
      async processMessage(m) { await save(m.body); await manual.completeMessage(m); },
      async processError(args) { console.error(args.error); },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: 4 },
  );
}
declare function save(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    const [auto, manual] = hs;
    expect(auto!.kind).toBe('processMessage');
    expect(auto!.delivery).toMatchObject({
      params: [0],
      ackMethods: ['completeMessage'],
      nackMethods: ['abandonMessage', 'deadLetterMessage', 'deferMessage'],
      acksOnReturn: true,
      redeliversOnThrow: true,
      ordered: false,
      batched: false,
    });
    expect(auto!.delivery.idFields).toEqual(expect.arrayContaining(['messageId', 'sequenceNumber']));
    expect(auto!.delivery.retryBound?.reason).toMatch(/maxDeliveryCount/);
    expect(auto!.delivery.autoAck).toBeUndefined();
    expect(ts.isMethodDeclaration(manual!.body as ts.Node)).toBe(true);
    expect(manual!.delivery.acksOnReturn).toBe(false);
  });

  it("marks receiveMode 'receiveAndDelete' as auto-ack and sessions as ordered", () => {
    const hs = handlersOf({
      'src/r.ts': `import { ServiceBusClient } from '@azure/service-bus';
export async function start(client: ServiceBusClient) {
  const r = client.createReceiver('clicks', { receiveMode: 'receiveAndDelete' });
  r.subscribe({ processMessage: async (m) => { await track(m.body); }, processError: async () => {} });
  const s = await client.acceptNextSession('orders');
  s.subscribe({ processMessage: async (m) => { await track(m.body); }, processError: async () => {} });
}
declare function track(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs[0]!.delivery.autoAck?.reason).toMatch(/receiveAndDelete/);
    expect(hs[0]!.delivery.acksOnReturn).toBe(false);
    expect(hs[0]!.delivery.redeliversOnThrow).toBe(false);
    expect(hs[1]!.delivery.ordered).toBe(true);
    expect(hs[1]!.delivery.orderReason).toMatch(/session/);
  });

  it('follows processMessage by reference to another file', () => {
    const hs = handlersOf({
      'src/handle.ts': `import type { ServiceBusReceivedMessage } from '@azure/service-bus';
export async function handleInvoice(m: ServiceBusReceivedMessage) { await post(m.body); }
declare function post(x: unknown): Promise<void>;
`,
      'src/main.ts': `import { ServiceBusClient } from '@azure/service-bus';
import { handleInvoice } from './handle';
const receiver = new ServiceBusClient('x').createReceiver('invoices');
receiver.subscribe({ processMessage: handleInvoice, processError: async (e) => console.error(e) });
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]!.name).toBe('handleInvoice');
    expect(hs[0]!.file).toMatch(/handle\.ts$/);
  });

  it('finds pull loops: a for…of over receiveMessages and a for await over getMessageIterator', () => {
    const hs = handlersOf({
      'src/pull.ts': `import { ServiceBusClient } from '@azure/service-bus';
const receiver = new ServiceBusClient('x').createReceiver('exports');
export async function poll(signal: AbortSignal) {
  while (!signal.aborted) {
    const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 5000 });
    for (const m of messages) {
      await run(m.body);
      await receiver.completeMessage(m);
    }
  }
}
export async function drain() {
  for await (const m of receiver.getMessageIterator()) {
    for (const line of (m.body as { lines: string[] }).lines) await run(line);
    await receiver.completeMessage(m);
  }
}
declare function run(x: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(2);
    expect(hs.every((h) => ts.isForOfStatement(h.body as ts.Node))).toBe(true);
    expect(hs.map((h) => h.kind)).toEqual(['receiveMessages', 'getMessageIterator']);
    expect((hs[1]!.body as ts.ForOfStatement).awaitModifier).toBeDefined();
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: false, redeliversOnThrow: true, batched: false });
  });

  it('reports no handler for senders or a project subscribe with a processMessage option', () => {
    const result = auditSources({
      'src/send.ts': `import { ServiceBusClient } from '@azure/service-bus';
const sender = new ServiceBusClient('x').createSender('orders');
export async function send(o: unknown) { await sender.sendMessages({ body: o }); }
`,
      'src/local.ts': `import { Pipeline } from './pipeline';
const p = new Pipeline();
p.subscribe({ processMessage: async (m: unknown) => console.log(m) });
`,
      'src/pipeline.ts': `export class Pipeline { subscribe(o: { processMessage: (m: unknown) => Promise<void> }) { return o; } }
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
