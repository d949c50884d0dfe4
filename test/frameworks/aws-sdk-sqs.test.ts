import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['aws-sdk-sqs'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));

const HEAD = `import { SQSClient, ReceiveMessageCommand, DeleteMessageCommand, DeleteMessageBatchCommand, ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
const QueueUrl = process.env.QUEUE_URL!;
declare function handle(body: unknown): Promise<void>;
`;

describe('@aws-sdk/client-sqs polling loops', () => {
  it('takes the per-message loop of a receive loop as the handler', () => {
    const [h, ...rest] = handlersOf({
      'src/poller.ts': `${HEAD}
export async function pollOrders(signal: AbortSignal) {
  while (!signal.aborted) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }));
    for (const message of Messages) {
      await handle(JSON.parse(message.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}
`,
    });
    expect(rest).toHaveLength(0);
    expect(ts.isForOfStatement(h!.body as ts.Node)).toBe(true);
    expect(h).toMatchObject({ framework: 'aws-sdk-sqs', kind: 'receive-loop', name: 'pollOrders' });
    expect(h!.delivery).toMatchObject({
      acksOnReturn: false,
      redeliversOnThrow: true,
      ordered: false,
      batched: false,
    });
    expect(h!.delivery.ackMethods).toEqual(expect.arrayContaining(['DeleteMessageCommand', 'DeleteMessageBatchCommand']));
    expect(h!.delivery.nackMethods).toContain('ChangeMessageVisibilityCommand');
    expect(h!.delivery.idFields[0]).toBe('MessageId');
    expect(h!.delivery.timeFields).toContain('SentTimestamp');
    expect(h!.delivery.retryBound).toBeUndefined();
  });

  it('takes the whole iteration when the batch is deleted after the per-message loop', () => {
    const [h] = handlersOf({
      'src/poller.ts': `${HEAD}
export async function poll() {
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    const messages = res.Messages ?? [];
    for (const m of messages) await handle(m.Body);
    if (messages.length) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    }
  }
}
`,
    });
    expect(ts.isForStatement(h!.body as ts.Node)).toBe(true);
    expect(h!.delivery.batched).toBe(true);
  });

  it('takes a function handed the whole batch as the handler, unless the delete follows it', () => {
    const hs = handlersOf({
      'src/a.ts': `${HEAD}
async function processBatch(messages: { Body?: string }[]) { for (const m of messages) await handle(m.Body); }
export async function poll() {
  while (true) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    if (Messages?.length) await processBatch(Messages);
  }
}
`,
      'src/b.ts': `${HEAD}
async function processBatch(messages: { Body?: string }[]) { for (const m of messages) await handle(m.Body); }
export async function poll() {
  while (true) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    await processBatch(Messages);
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m) => ({ Id: m.MessageId, ReceiptHandle: m.ReceiptHandle })) }));
  }
}
`,
    });
    expect(hs.map((h) => [h.file.split('/src/')[1], ts.SyntaxKind[h.body.kind], h.delivery.batched])).toEqual([
      ['a.ts', 'FunctionDeclaration', true],
      ['b.ts', 'WhileStatement', true],
    ]);
  });

  it('finds the per-message function of Promise.all(Messages.map(fn)), in another file', () => {
    const r = auditSources({
      'src/poller.ts': `import { SQSClient, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { processMessage } from './process-message';
const sqs = new SQSClient({});
export async function poll(): Promise<void> {
  const command = new ReceiveMessageCommand({ QueueUrl: process.env.Q, MaxNumberOfMessages: 10 });
  const data = await sqs.send(command);
  await Promise.all((data.Messages ?? []).map(processMessage));
  setTimeout(poll, 1000);
}
`,
      'src/process-message.ts': `import { SQSClient, DeleteMessageCommand, type Message } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export async function processMessage(m: Message) {
  console.log(m.Body);
  await sqs.send(new DeleteMessageCommand({ QueueUrl: process.env.Q, ReceiptHandle: m.ReceiptHandle }));
}
`,
    });
    expect(r.handlers.map((h) => [h.file.split('/src/')[1], h.name])).toEqual([['process-message.ts', 'processMessage']]);
  });

  it('recognises setInterval polling and the v2 receiveMessage().promise() form', () => {
    const hs = handlersOf({
      'src/interval.ts': `${HEAD}
setInterval(async () => {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
  out.Messages?.forEach(async (m) => { await handle(m.Body); });
}, 5000);
`,
      'src/v2.js': `const AWS = require('aws-sdk');
const sqs = new AWS.SQS();
async function run() {
  while (true) {
    const { Messages } = await sqs.receiveMessage({ QueueUrl: process.env.Q, WaitTimeSeconds: 20 }).promise();
    for (const m of Messages || []) {
      await work(m);
      await sqs.deleteMessage({ QueueUrl: process.env.Q, ReceiptHandle: m.ReceiptHandle }).promise();
    }
  }
}
async function work(m) { console.log(m.Body); }
run();
`,
    });
    expect(hs.map((h) => [h.file.split('/src/')[1], ts.SyntaxKind[h.body.kind]])).toEqual([
      ['interval.ts', 'ArrowFunction'],
      ['v2.js', 'ForOfStatement'],
    ]);
  });

  it('sees FIFO queues and redrive policies in sight', () => {
    const [h] = handlersOf({
      'src/fifo.ts': `${HEAD}
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
export async function setup() {
  await sqs.send(new CreateQueueCommand({ QueueName: 'wallet.fifo', Attributes: { FifoQueue: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn', maxReceiveCount: 5 }) } }));
}
export async function consume() {
  while (true) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: 'https://sqs/123/wallet.fifo', AttributeNames: ['MessageGroupId'] }));
    for (const m of Messages) {
      await handle({ wallet: m.Attributes?.MessageGroupId, body: m.Body });
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}
`,
    });
    expect(h!.delivery.ordered).toBe(true);
    expect(h!.delivery.orderReason).toMatch(/FIFO/);
    expect(h!.delivery.retryBound?.reason).toMatch(/redrive/);
  });

  it('reports nothing for producers and one-off inspection scripts', () => {
    const hs = handlersOf({
      'src/producer.ts': `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export async function enqueue(order: { id: string }) {
  await sqs.send(new SendMessageCommand({ QueueUrl: process.env.Q, MessageBody: JSON.stringify(order), MessageGroupId: order.id }));
}
`,
      'scripts/peek-dlq.ts': `import { SQSClient, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({});
export async function peek() {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: process.env.DLQ, VisibilityTimeout: 0 }));
  for (const m of Messages) console.log(m.MessageId, m.Body);
}
`,
    });
    expect(hs).toHaveLength(0);
  });
});
