// Clean handler (expected: no finding). Books revenue for completed orders:
// - dedup: the entry is inserted with ON CONFLICT (source_message_id) DO NOTHING, keyed by the SQS message id;
// - the accounting period comes from the event's own completion time, not from the clock;
// - failures are reported per record in batchItemFailures (ReportBatchItemFailures is enabled on the
//   event source mapping, and the queue's redrive policy dead-letters a message after 5 receives).
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { db } from '../lib/db';

interface OrderCompleted {
  orderId: string;
  orderNumber: string;
  customerId: string;
  netMinor: number;
  taxMinor: number;
  currency: string;
  completedAt: string;
}

function accountingPeriod(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];

  for (const record of event.Records) {
    try {
      const order = JSON.parse(record.body) as OrderCompleted;
      const completedAt = new Date(order.completedAt);
      await db('revenue_entries')
        .insert({
          source_message_id: record.messageId,
          order_id: order.orderId,
          order_number: order.orderNumber,
          customer_id: order.customerId,
          net_minor: order.netMinor,
          tax_minor: order.taxMinor,
          currency: order.currency,
          period: accountingPeriod(completedAt),
          booked_at: completedAt,
        })
        .onConflict('source_message_id')
        .ignore();
    } catch (err) {
      console.error('revenue booking failed', { messageId: record.messageId, err });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }

  return { batchItemFailures };
}
