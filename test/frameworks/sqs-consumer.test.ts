import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['sqs-consumer'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));

describe('sqs-consumer adapter', () => {
  it('finds handleMessage and describes delete-on-resolve delivery', () => {
    const [h, ...rest] = handlersOf({
      'src/consumer.ts': `import { Consumer } from 'sqs-consumer';
import { SQSClient, type Message } from '@aws-sdk/client-sqs';
export const consumer = Consumer.create({
  queueUrl: process.env.QUEUE_URL!,
  sqs: new SQSClient({}),
  handleMessage: async (message: Message) => {
    await save(JSON.parse(message.Body!));
    return message;
  },
});
consumer.on('error', (err) => console.error(err));
consumer.on('processing_error', (err) => console.error(err));
consumer.start();
declare function save(x: unknown): Promise<void>;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'sqs-consumer', kind: 'handleMessage' });
    expect(h!.delivery).toMatchObject({ params: [0], acksOnReturn: true, redeliversOnThrow: true, ordered: false, batched: false });
    expect(h!.delivery.idFields[0]).toBe('MessageId');
    expect(h!.delivery.concurrent).toBeUndefined();
  });

  it('prefers handleMessageBatch when both are set, and reads delivery options', () => {
    const hs = handlersOf({
      'src/batch.ts': `import { Consumer } from 'sqs-consumer';
const options = {
  queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/ledger.fifo',
  handleMessage: async (m: any) => m,
  handleMessageBatch: async (ms: any[]) => ms,
};
export const c = new Consumer(options);
`,
      'src/manual.ts': `import { Consumer } from 'sqs-consumer';
export const c = Consumer.create({ queueUrl: 'q', shouldDeleteMessages: false, batchSize: 10, handleMessage: async (m) => { console.log(m.Body); } });
`,
    });
    const [batch, manual] = hs;
    expect(batch).toMatchObject({ kind: 'handleMessageBatch', name: 'handleMessageBatch' });
    expect(batch!.delivery).toMatchObject({ batched: true, ordered: true });
    expect(batch!.delivery.orderReason).toMatch(/FIFO/);
    expect(manual!.delivery.acksOnReturn).toBe(false);
    expect(manual!.delivery.concurrent?.reason).toMatch(/batchSize 10/);
  });

  it('counts a handler passed by reference in the file that holds its body', () => {
    const r = auditSources({
      'src/main.ts': `import { Consumer } from 'sqs-consumer';
import { handleSignup } from './signup';
Consumer.create({ queueUrl: process.env.Q!, handleMessage: handleSignup }).start();
`,
      'src/signup.ts': `import type { Message } from '@aws-sdk/client-sqs';
export async function handleSignup(message: Message) { console.log(message.MessageId); return message; }
`,
    });
    expect(r.handlers.map((h) => [h.file.split('/src/')[1], h.name])).toEqual([['signup.ts', 'handleSignup']]);
  });

  it('ignores look-alike objects and event listeners', () => {
    const hs = handlersOf({
      'src/chat.ts': `export const bot = {
  handleMessage(text: string) { return text.toUpperCase(); },
};
export class Dispatcher { static create(o: { handleMessage: (m: string) => void }) { return o; } }
Dispatcher.create({ handleMessage: (m) => console.log(m) });
`,
    });
    expect(hs).toHaveLength(0);
  });
});
