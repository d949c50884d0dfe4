// Producer only: used by the HTTP API to announce order lifecycle events. It consumes nothing,
// so none of its code is an event handler.
import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';

export interface PlacedOrder {
  orderId: string;
  orderNumber: string;
  customerId: string;
  stripeCustomerId: string;
  paymentMethodId: string;
  totalMinor: number;
  currency: string;
  lines: { sku: string; qty: number; unitPriceMinor: number }[];
}

export class OrderEventsPublisher {
  private readonly producer: Producer;
  private connecting?: Promise<void>;

  constructor(brokers: string[] = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',')) {
    const kafka = new Kafka({ clientId: 'shop-api', brokers });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.producer.connect();
    return this.connecting;
  }

  async orderPlaced(order: PlacedOrder, correlationId: string): Promise<void> {
    await this.connect();
    await this.producer.send({
      topic: 'shop.orders.placed',
      messages: [
        {
          key: order.orderId,
          value: JSON.stringify({ eventId: randomUUID(), occurredAt: new Date().toISOString(), ...order }),
          headers: { 'correlation-id': correlationId },
        },
      ],
    });
  }

  /** Best effort: the cancellation is already committed, the event only feeds analytics. */
  orderCancelled(orderId: string, reason: string): void {
    void this.connect()
      .then(() =>
        this.producer.send({
          topic: 'shop.orders.cancelled',
          messages: [{ key: orderId, value: JSON.stringify({ eventId: randomUUID(), orderId, reason, at: Date.now() }) }],
        }),
      )
      .catch(() => {});
  }

  async close(): Promise<void> {
    try {
      await this.producer.disconnect();
    } catch {
      // shutting down anyway
    }
  }
}
