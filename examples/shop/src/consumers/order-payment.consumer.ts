// Demonstrates: no-dedup (each delivery of an order.placed event charges the card again: PaymentService
// calls stripe.paymentIntents.create with no idempotency key, see ../services/payment.service.ts),
// swallowed-error (a failed charge is only logged; the offset is committed as if it had succeeded).
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { PaymentService, type ChargeableOrder } from '../services/payment.service';

const logger = pino({ name: 'order-payment-consumer' });
const kafka = new Kafka({
  clientId: 'shop-payments',
  brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: 'shop-payments.order-placed', sessionTimeout: 45_000 });
const payments = new PaymentService();

interface OrderPlaced extends ChargeableOrder {
  eventId: string;
  customerId: string;
  occurredAt: string;
}

export async function startOrderPaymentConsumer(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: 'shop.orders.placed', fromBeginning: false });

  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const order = JSON.parse(message.value!.toString()) as OrderPlaced;
      try {
        const intent = await payments.chargeSavedCard(order);
        logger.info({ orderId: order.orderId, paymentIntentId: intent.id, status: intent.status }, 'order charged');
      } catch (err) {
        logger.error({ err, partition, offset: message.offset, orderId: order.orderId }, 'charging the order failed');
      }
    },
  });
}

export async function stopOrderPaymentConsumer(): Promise<void> {
  await consumer.disconnect();
}
