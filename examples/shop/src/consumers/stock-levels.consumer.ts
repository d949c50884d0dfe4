// Demonstrates: unordered-batch (a partition's batch is written with Promise.all, so two counts for the
// same SKU race), order-dependent (the availability row is overwritten with whatever count lands last;
// counted_at is stored but never compared).
import { Kafka } from 'kafkajs';
import { db } from '../lib/db';

const kafka = new Kafka({ clientId: 'shop-catalog', brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',') });
const consumer = kafka.consumer({ groupId: 'shop-catalog.stock-levels' });

/** Published by the warehouse system after every cycle count or goods movement; keyed by SKU. */
interface StockLevel {
  sku: string;
  warehouseId: string;
  onHand: number;
  reserved: number;
  countedAt: string;
}

export async function startStockLevelConsumer(): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: 'warehouse.stock-levels' });

  await consumer.run({
    eachBatch: async ({ batch, heartbeat }) => {
      await Promise.all(
        batch.messages.map(async (message) => {
          const level = JSON.parse(message.value!.toString()) as StockLevel;
          await db('product_availability')
            .insert({
              sku: level.sku,
              warehouse_id: level.warehouseId,
              on_hand: level.onHand,
              available: Math.max(level.onHand - level.reserved, 0),
              counted_at: new Date(level.countedAt),
            })
            .onConflict(['sku', 'warehouse_id'])
            .merge();
        }),
      );
      await heartbeat();
    },
  });
}
