import { describe, expect, it } from 'vitest';
import { functionName } from '../../src/analysis/ast.js';
import { auditSources } from '../helpers/audit.js';

// Other adapters run too; these tests look at this adapter's handlers only.
const MINE = ['aws-lambda'];
const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => MINE.includes(h.framework));
const kinds = (files: Record<string, string>) => handlersOf(files).map((h) => [h.file.split('/src/')[1], h.kind]);

describe('AWS Lambda adapter', () => {
  it('finds a typed SQS handler and describes the event source mapping', () => {
    const [h, ...rest] = handlersOf({
      'src/orders.ts': `import type { SQSHandler } from 'aws-lambda';
export const handler: SQSHandler = async (event) => {
  for (const record of event.Records) await save(JSON.parse(record.body));
};
declare function save(x: unknown): Promise<void>;
`,
    });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'aws-lambda', kind: 'lambda-sqs', name: 'handler' });
    expect(h!.delivery).toMatchObject({ params: [0], acksOnReturn: true, redeliversOnThrow: true, ordered: false, batched: true });
    expect(h!.delivery.idFields[0]).toBe('messageId');
    expect(h!.delivery.idFields).toEqual(expect.arrayContaining(['MessageId', 'id', 'sequenceNumber', 'SequenceNumber', 'eventID', 'eventId']));
    // The trigger's own time field first; another trigger's fields are not offered.
    expect(h!.delivery.timeFields[0]).toBe('SentTimestamp');
    expect(h!.delivery.timeFields).not.toContain('approximateArrivalTimestamp');
    expect(h!.delivery.retryBound).toBeUndefined();
  });

  it('reads the trigger from handler types, event parameter types and result types', () => {
    expect(
      kinds({
        'src/a.ts': `import type { SNSEvent } from 'aws-lambda';\nexport async function handler(event: SNSEvent) { console.log(event.Records[0].Sns.Message); }\n`,
        'src/b.ts': `import type { Handler, SQSEvent } from 'aws-lambda';\nexport const main: Handler<SQSEvent, void> = async (event) => { console.log(event.Records.length); };\n`,
        'src/c.ts': `import type { EventBridgeHandler } from 'aws-lambda';\nexport const onTier: EventBridgeHandler<'TierChanged', { id: string }, void> = async (e) => { console.log(e.detail.id); };\n`,
        'src/d.ts': `import type { DynamoDBStreamHandler } from 'aws-lambda';\nexport const handler: DynamoDBStreamHandler = async (e) => { console.log(e.Records.length); };\n`,
        'src/e.ts': `import type { S3Handler } from 'aws-lambda';\nexport const handler: S3Handler = async (e) => { console.log(e.Records[0].s3.object.key); };\n`,
        'src/f.ts': `import type { ScheduledEvent } from 'aws-lambda';\nexport const nightly = async (e: ScheduledEvent) => { console.log(e.time); };\n`,
        'src/g.ts': `import type { KinesisStreamEvent, KinesisStreamBatchResponse } from 'aws-lambda';\nexport const handler = async (e: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => ({ batchItemFailures: [] });\n`,
      }),
    ).toEqual([
      ['a.ts', 'lambda-sns'],
      ['b.ts', 'lambda-sqs'],
      ['c.ts', 'lambda-eventbridge'],
      ['d.ts', 'lambda-dynamodb-stream'],
      ['e.ts', 'lambda-s3'],
      ['f.ts', 'lambda-scheduled'],
      ['g.ts', 'lambda-kinesis'],
    ]);
  });

  it('describes stream and async triggers', () => {
    const [kinesis, sns] = handlersOf({
      'src/a.ts': `import type { KinesisStreamHandler } from 'aws-lambda';\nexport const handler: KinesisStreamHandler = async (e) => { console.log(e.Records.length); };\n`,
      'src/b.ts': `import type { SNSHandler } from 'aws-lambda';\nexport const handler: SNSHandler = async (e) => { console.log(e.Records.length); };\n`,
    });
    expect(kinesis!.delivery).toMatchObject({ ordered: true, batched: true });
    expect(kinesis!.delivery.idFields.slice(0, 2)).toEqual(['sequenceNumber', 'eventID']);
    expect(sns!.delivery).toMatchObject({ ordered: false, batched: false });
    expect(sns!.delivery.retryBound?.reason).toMatch(/at most twice/);
  });

  it('recognises untyped CommonJS handlers by the event shape', () => {
    expect(
      kinds({
        'src/sns.js': `exports.handler = async (event) => {\n  for (const r of event.Records) console.log(JSON.parse(r.Sns.Message));\n};\n`,
        'src/kinesis.js': `module.exports.handler = async function (event) {\n  return event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64'));\n};\n`,
        'src/sqs.js': `async function handler({ Records }) {\n  for (const r of Records) await fetch(process.env.URL, { method: 'POST', body: r.body });\n}\nmodule.exports = { handler };\n`,
        'src/bus.js': `exports.handler = async (event) => {\n  if (event['detail-type'] === 'OrderPlaced') console.log(event.detail.orderId);\n};\n`,
      }),
    ).toEqual([
      ['bus.js', 'lambda-eventbridge'],
      ['kinesis.js', 'lambda-kinesis'],
      ['sns.js', 'lambda-sns'],
      ['sqs.js', 'lambda-sqs'],
    ]);
  });

  it('unwraps middy, makeIdempotent and class handlers bound for export', () => {
    const hs = handlersOf({
      'src/middy.ts': `import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSEvent } from 'aws-lambda';
const base = async (event: SQSEvent) => { console.log(event.Records.length); };
export const handler = middy(base).use(injectLambdaContext(logger));
declare const logger: any;
`,
      'src/idem.ts': `import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { EventBridgeEvent } from 'aws-lambda';
export const handler = makeIdempotent(async (event: EventBridgeEvent<'X', { a: 1 }>) => { console.log(event.id); }, { persistenceStore });
declare const persistenceStore: any;
`,
      'src/klass.ts': `import type { SQSEvent, Context } from 'aws-lambda';
class Lambda {
  public async handler(event: SQSEvent, _context: Context) { console.log(event.Records.length); }
}
const instance = new Lambda();
export const handler = instance.handler.bind(instance);
`,
    });
    expect(hs.map((h) => [h.file.split('/src/')[1], h.kind, h.wrappers])).toEqual([
      ['idem.ts', 'lambda-eventbridge', ['makeIdempotent']],
      ['klass.ts', 'lambda-sqs', []],
      ['middy.ts', 'lambda-sqs', ['use', 'middy']],
    ]);
  });

  it('keeps a Powertools record handler inside the Lambda handler (one handler)', () => {
    const r = auditSources({
      'src/points.ts': `import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
const processor = new BatchProcessor(EventType.SQS);
export const recordHandler = makeIdempotent(async (record: SQSRecord) => { console.log(record.body); }, { persistenceStore });
export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context });
declare const persistenceStore: any;
`,
    });
    expect(r.handlers).toHaveLength(1);
    const h = r.handlers[0]!;
    expect(h.name).toBe('handler');
    expect(h.extraBodies.map((f) => f.parameters[0]!.name.getText())).toEqual(['record']);
    // SQS standard keeps no order; parallel processing is still a fact of the processor.
    expect(h.delivery.ordered).toBe(false);
    expect(h.delivery.concurrent?.reason).toMatch(/processInParallel/);
  });

  it('takes the trigger from the BatchProcessor event type, and notes parallel processing of an ordered stream', () => {
    const [parallel, sequential, fifo] = handlersOf({
      'src/a.ts': `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new BatchProcessor(EventType.KinesisDataStreams);
const record = async (r: any) => { console.log(r.kinesis.data); };
export const handler = async (event: any, context: any) => processPartialResponse(event, record, processor, { context });
`,
      'src/b.ts': `import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
const processor = new BatchProcessor(EventType.DynamoDBStreams);
const record = async (r: any) => { console.log(r.dynamodb); };
export const handler = async (event: any, context: any) => processPartialResponse(event, record, processor, { context, processInParallel: false });
`,
      'src/c.ts': `import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSHandler } from 'aws-lambda';
const processor = new SqsFifoPartialProcessorAsync();
const record = async (r: any) => { console.log(r.body); };
export const handler: SQSHandler = async (event, context) => processPartialResponse(event, record, processor, { context });
`,
    });
    expect(parallel).toMatchObject({ kind: 'lambda-kinesis' });
    expect(parallel!.delivery).toMatchObject({ ordered: true });
    expect(parallel!.delivery.concurrent).toBeDefined();
    expect(sequential).toMatchObject({ kind: 'lambda-dynamodb-stream' });
    expect(sequential!.delivery.concurrent).toBeUndefined();
    expect(fifo!.delivery).toMatchObject({ ordered: true });
    expect(fifo!.delivery.orderReason).toMatch(/FIFO/);
    expect(fifo!.delivery.concurrent).toBeUndefined();
  });

  it('treats an SQS handler that reads MessageGroupId as FIFO', () => {
    const [h] = handlersOf({
      'src/wallet.ts': `import type { SQSEvent } from 'aws-lambda';
export const handler = async (event: SQSEvent) => {
  await Promise.all(event.Records.map((r) => post(r.attributes.MessageGroupId, r.body)));
};
declare function post(g: string | undefined, b: string): Promise<void>;
`,
    });
    expect(h!.delivery.ordered).toBe(true);
    expect(h!.delivery.orderReason).toMatch(/MessageGroupId/);
  });

  it('counts a handler defined in another file where its body is', () => {
    const r = auditSources({
      'src/entry.ts': `import { processOrders } from './orders/process';
export const handler = processOrders;
`,
      'src/orders/process.ts': `import type { SQSEvent } from 'aws-lambda';
export async function processOrders(event: SQSEvent) { console.log(event.Records.length); }
`,
    });
    expect(r.handlers.map((h) => [h.file.split('/src/')[1], functionName(h.body)])).toEqual([['orders/process.ts', 'processOrders']]);
  });

  it('does not count an exported helper that the handler calls', () => {
    const r = auditSources({
      'src/handler.ts': `import type { SQSEvent } from 'aws-lambda';
import { toFailures } from './lib';
export async function parseBatch(event: SQSEvent) { return event.Records.map((r) => JSON.parse(r.body)); }
export const handler = async (event: SQSEvent) => {
  const items = await parseBatch(event);
  return toFailures(event, items);
};
`,
      'src/lib.ts': `import type { SQSEvent } from 'aws-lambda';
export function toFailures(event: SQSEvent, items: unknown[]) { return { batchItemFailures: [], n: items.length + event.Records.length }; }
`,
    });
    expect(r.handlers.map((h) => h.name)).toEqual(['handler']);
  });

  it('reports nothing for HTTP Lambdas, Cognito triggers, record handlers and non-Lambda exports', () => {
    const hs = handlersOf({
      'src/api.ts': `import type { APIGatewayProxyHandler } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
const logger = new Logger();
export const handler: APIGatewayProxyHandler = async (event) => {
  logger.info('create');
  return { statusCode: 201, body: JSON.stringify({ id: crypto.randomUUID(), input: event.body }) };
};
`,
      'src/api2.ts': `import type { APIGatewayProxyEventV2 } from 'aws-lambda';
export async function handler(event: APIGatewayProxyEventV2) { return { statusCode: 200, body: event.rawPath }; }
`,
      'src/api3.js': `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(JSON.parse(event.body)) });\n`,
      'src/cognito.ts': `import type { PreSignUpTriggerHandler } from 'aws-lambda';
export const handler: PreSignUpTriggerHandler = async (event) => { event.response.autoConfirmUser = true; return event; };
`,
      'src/record.ts': `import type { SQSRecord } from 'aws-lambda';
export const handleRecord = async (record: SQSRecord) => { console.log(record.body); };
`,
      'src/express.ts': `import express from 'express';
export function handler(req: express.Request, res: express.Response) { res.json({ detail: req.body }); }
`,
      'src/publish.ts': `import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
const sns = new SNSClient({});
export async function handler(orderId: string) {
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC, Message: JSON.stringify({ orderId }) }));
}
`,
    });
    expect(hs).toHaveLength(0);
  });
});
