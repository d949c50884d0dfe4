// What an SQS message (an @aws-sdk/client-sqs `Message`, as sqs-consumer and hand-written
// polling loops receive it) carries, for the adapters that deliver one.
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES } from './types.js';

/** `MessageId` is stable across redeliveries; `ReceiptHandle` changes on every receive (a settle handle). */
export const SQS_ID_FIELDS = ['MessageId', ...COMMON_EVENT_IDS];
/** `AWSTraceHeader` (X-Ray) sits in `Attributes`; correlation ids in `MessageAttributes`. */
export const SQS_CORRELATION_FIELDS = [...COMMON_CORRELATION, 'AWSTraceHeader'];
/** `Attributes.SentTimestamp` (epoch ms, as a string) is the message's own time. */
export const SQS_TIME_FIELDS = ['SentTimestamp', 'ApproximateFirstReceiveTimestamp', ...COMMON_EVENT_TIMES];
/** Delete is the ack; the command class names are listed as they appear in `send(new X(...))`. */
export const SQS_ACK = ['DeleteMessageCommand', 'DeleteMessageBatchCommand', 'deleteMessage', 'deleteMessageBatch'];
/** Visibility 0 (or a backoff) hands the message back before the visibility timeout ends. */
export const SQS_NACK = ['ChangeMessageVisibilityCommand', 'ChangeMessageVisibilityBatchCommand', 'changeMessageVisibility', 'changeMessageVisibilityBatch'];

/** A queue URL or name that names a FIFO queue. */
export function isFifoQueueName(text: string | undefined): boolean {
  return !!text && /\.fifo\b/.test(text);
}
