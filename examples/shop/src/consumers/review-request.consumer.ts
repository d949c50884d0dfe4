// Demonstrates: assumes-prior-event (when the order row is not there yet, the delivery is acked and the
// review request is dropped for good), unbounded-retry (any failure is nack'ed with requeue = true,
// with no attempt count and no dead-letter exchange, so a bad message loops for ever).
import amqp, { type ConsumeMessage } from 'amqplib';
import pino from 'pino';
import { db } from '../lib/db';

const logger = pino({ name: 'review-request-consumer' });
const EXCHANGE = 'shop.events';
const QUEUE = 'shop.review-requests';
const REVIEW_DELAY_MS = 5 * 24 * 60 * 60 * 1000;

interface OrderDelivered {
  orderId: string;
  shipmentId: string;
  carrier: string;
  deliveredAt: string;
}

export async function startReviewRequestConsumer(): Promise<void> {
  const conn = await amqp.connect(process.env.AMQP_URL ?? 'amqp://localhost');
  const ch = await conn.createChannel();
  await ch.assertExchange(EXCHANGE, 'topic', { durable: true });
  await ch.assertQueue(QUEUE, { durable: true });
  await ch.bindQueue(QUEUE, EXCHANGE, 'order.delivered');
  await ch.prefetch(20);

  await ch.consume(
    QUEUE,
    async (msg: ConsumeMessage | null) => {
      if (!msg) return;
      try {
        const evt = JSON.parse(msg.content.toString('utf8')) as OrderDelivered;
        const order = await db('orders').where({ id: evt.orderId }).first('id', 'customer_id', 'customer_email', 'locale');
        if (!order) {
          logger.warn({ orderId: evt.orderId }, 'delivered order not found, no review request');
          ch.ack(msg);
          return;
        }

        // Ask for a review five days after the parcel arrived; a scheduler sends the emails.
        const sendAfter = new Date(Date.parse(evt.deliveredAt) + REVIEW_DELAY_MS);
        await db('review_requests')
          .insert({
            order_id: order.id,
            customer_id: order.customer_id,
            email: order.customer_email,
            locale: order.locale,
            send_after: sendAfter,
          })
          .onConflict('order_id')
          .ignore();
        ch.ack(msg);
      } catch (err) {
        logger.error({ err, messageId: msg.properties.messageId }, 'could not schedule review request');
        ch.nack(msg);
      }
    },
    { noAck: false },
  );
}
