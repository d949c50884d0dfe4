// Demonstrates: dual-write (the order is marked allocated in Postgres, then the shipment job is added to
// a second queue as a separate step: a crash in between leaves an allocated order that is never shipped,
// and the retry skips it because the status is no longer 'paid'), missing-correlation-id (the job carries
// a correlationId, but the shipment job gets only business fields).
import { Queue, Worker, type Job } from 'bullmq';
import { db } from '../lib/db';

const connection = { host: process.env.REDIS_HOST ?? 'localhost', port: Number(process.env.REDIS_PORT ?? 6379) };
const shipments = new Queue('shipments', { connection });

interface AllocateOrderJob {
  orderId: string;
  warehouseId: string;
  correlationId: string;
}

export const fulfillmentWorker = new Worker<AllocateOrderJob>(
  'fulfillment',
  async (job: Job<AllocateOrderJob>) => {
    const { orderId, warehouseId } = job.data;

    const allocated = await db('orders')
      .where({ id: orderId, status: 'paid' })
      .update({ status: 'allocated', warehouse_id: warehouseId });
    if (allocated === 0) {
      return { orderId, skipped: true };
    }

    await shipments.add(
      'create-shipment',
      { orderId, warehouseId },
      { jobId: `shipment-${orderId}`, attempts: 5, backoff: { type: 'exponential', delay: 15_000 } },
    );
    return { orderId, skipped: false };
  },
  { connection, concurrency: 5 },
);

fulfillmentWorker.on('failed', (job, err) => {
  console.error('allocation failed', job?.id, job?.attemptsMade, err.message);
});
