// sqs-consumer: `Consumer.create({ queueUrl, handleMessage | handleMessageBatch })` or
// `new Consumer({...})`; the handler is a property of arg0. When both are set the batch
// handler wins, so one Consumer is one handler.
import { ts, calleeName, calleeReceiver, literalValue, objectProperty, stringText, unwrapExpression, walk } from '../analysis/ast.js';
import { isFalseLiteral, objectLiteralOf } from './local-values.js';
import { isFifoQueueName, SQS_ACK, SQS_CORRELATION_FIELDS, SQS_ID_FIELDS, SQS_NACK, SQS_TIME_FIELDS } from './sqs-facts.js';
import { delivery, type FrameworkAdapter, type Registration } from './types.js';

export const sqsConsumer: FrameworkAdapter = {
  name: 'sqs-consumer',
  mayRegister: (text) => text.includes('handleMessage'),
  discover(ctx) {
    const out: Registration[] = [];
    const imported = ctx.importsModule('sqs-consumer');
    walk(ctx.sf, (n) => {
      if (!isConsumerConstruction(n)) return;
      const opts = objectLiteralOf(ctx.project, n.arguments?.[0]);
      if (!opts) return;
      const batch = objectProperty(opts, 'handleMessageBatch');
      const single = objectProperty(opts, 'handleMessage');
      const handler = batch ?? single;
      if (!handler) return;
      // Without the import (a local re-export or wrapper module), the options must look like sqs-consumer's.
      if (!imported && !objectProperty(opts, 'queueUrl')) return;
      const queueUrl = stringText(objectProperty(opts, 'queueUrl'));
      const noDelete = isFalseLiteral(objectProperty(opts, 'shouldDeleteMessages'));
      const fifo = isFifoQueueName(queueUrl);
      const size = literalValue(objectProperty(opts, 'batchSize'));
      const batchSize = typeof size === 'number' ? size : 1;
      out.push({
        handler,
        node: n,
        framework: 'sqs-consumer',
        kind: batch ? 'handleMessageBatch' : 'handleMessage',
        name: batch ? 'handleMessageBatch' : 'handleMessage',
        delivery: delivery({
          params: [0],
          idFields: SQS_ID_FIELDS,
          correlationFields: SQS_CORRELATION_FIELDS,
          timeFields: SQS_TIME_FIELDS,
          // With shouldDeleteMessages: false the handler deletes by hand.
          ackMethods: SQS_ACK,
          nackMethods: SQS_NACK,
          // Resolving deletes the message, but what is deleted depends on the version: before v14 a
          // `void` return deletes it; from v14 only a returned message (or array) is deleted unless
          // `alwaysAcknowledge: true`. Either way, returning before async work ends acks it.
          acksOnReturn: !noDelete,
          // A throw leaves the message on the queue; it returns after the visibility timeout.
          redeliversOnThrow: true,
          // Standard queues keep no order; with batchSize > 1, handleMessage runs the batch concurrently.
          ordered: fifo,
          orderReason: fifo ? `a FIFO queue (${queueUrl}), ordered per MessageGroupId` : undefined,
          batched: !!batch,
          concurrent:
            !batch && batchSize > 1
              ? { reason: `sqs-consumer runs handleMessage for the ${batchSize} messages of a receive concurrently (batchSize ${batchSize})`, node: objectProperty(opts, 'batchSize') }
              : undefined,
        }),
      });
    });
    return out;
  },
};

/** `Consumer.create(opts)` or `new Consumer(opts)` (also `sqsConsumer.Consumer.create`). */
function isConsumerConstruction(n: ts.Node): n is ts.CallExpression | ts.NewExpression {
  if (ts.isNewExpression(n)) return calleeName(n) === 'Consumer';
  if (!ts.isCallExpression(n) || calleeName(n) !== 'create') return false;
  const recv = calleeReceiver(n);
  const r = recv && unwrapExpression(recv);
  return !!r && ((ts.isIdentifier(r) && r.text === 'Consumer') || (ts.isPropertyAccessExpression(r) && r.name.text === 'Consumer'));
}
