// Demonstrates: floating-promise (the cached profile purge is started and never awaited: the invocation
// returns, Lambda deletes the message and may freeze the environment before the Redis DEL runs, so erased
// personal data can stay in the cache with nothing left to retry it).
import type { SQSHandler } from 'aws-lambda';
import { Redis } from 'ioredis';
import { db } from '../lib/db';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379');

interface ErasureRequested {
  requestId: string;
  customerId: string;
  requestedAt: string;
}

async function purgeCachedProfile(customerId: string): Promise<void> {
  await redis.del(`customer:${customerId}`, `customer:${customerId}:addresses`, `customer:${customerId}:wishlist`);
}

export const handler: SQSHandler = async (event) => {
  for (const record of event.Records) {
    const req = JSON.parse(record.body) as ErasureRequested;

    await db('customers')
      .where({ id: req.customerId })
      .whereNull('erased_at')
      .update({
        email: null,
        full_name: null,
        phone: null,
        default_address: null,
        erased_at: new Date(req.requestedAt),
        erasure_request_id: req.requestId,
      });

    purgeCachedProfile(req.customerId);
  }
};
