// Clean handler (expected: no finding). Awards loyalty points for completed orders from the
// shop:order-events Redis stream:
// - dedup: the ledger row is inserted with ON CONFLICT (entry_id) DO NOTHING, keyed by the stream entry id,
//   and the balance increment and the outbox row only happen when that insert took effect, in one transaction;
// - no dual write: loyalty.points-earned goes out through the outbox, carrying the incoming correlation id;
// - the points are dated from the entry id's own timestamp;
// - XACK only after the commit; a failed entry stays pending, is reclaimed with XAUTOCLAIM and parked
//   after MAX_DELIVERIES (counted by XPENDING).
import { Redis } from 'ioredis';
import { hostname } from 'node:os';
import pino from 'pino';
import { db } from '../lib/db';

const logger = pino({ name: 'loyalty-accrual' });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379');

const STREAM = 'shop:order-events';
const GROUP = 'loyalty-accrual';
const CONSUMER = `${hostname()}:${process.pid}`;
const MAX_DELIVERIES = 6;
const RECLAIM_AFTER_MS = 2 * 60_000;
const POINTS_PER_EURO = 1;

type Entry = [id: string, fields: string[]];

function fieldsOf(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]] = raw[i + 1];
  return out;
}

async function deliveriesOf(id: string): Promise<number> {
  const pending = (await redis.xpending(STREAM, GROUP, id, id, 1)) as [string, string, number, number][];
  return pending[0]?.[3] ?? 1;
}

async function accrue(id: string, f: Record<string, string>): Promise<void> {
  const points = Math.floor(Number(f.totalMinor) / 100) * POINTS_PER_EURO;
  const earnedAt = new Date(Number(id.split('-')[0]));

  await db.transaction(async (trx) => {
    const recorded = await trx('loyalty_ledger')
      .insert({ entry_id: id, customer_id: f.customerId, order_id: f.orderId, points, earned_at: earnedAt })
      .onConflict('entry_id')
      .ignore()
      .returning('entry_id');
    if (recorded.length === 0) return; // this entry was applied before

    await trx('loyalty_accounts')
      .insert({ customer_id: f.customerId, tier: 'bronze', points })
      .onConflict('customer_id')
      .merge({ points: trx.raw('loyalty_accounts.points + excluded.points') });

    await trx('outbox').insert({
      id: `loyalty-points-earned-${id}`,
      topic: 'loyalty.points-earned',
      message_key: f.customerId,
      payload: JSON.stringify({ customerId: f.customerId, orderId: f.orderId, points, earnedAt: earnedAt.toISOString() }),
      correlation_id: f.correlationId,
      causation_id: id,
    });
  });
}

async function handleEntry([id, raw]: Entry): Promise<void> {
  const f = fieldsOf(raw);
  if (f.type !== 'order.completed') {
    await redis.xack(STREAM, GROUP, id);
    return;
  }
  try {
    await accrue(id, f);
    await redis.xack(STREAM, GROUP, id);
  } catch (err) {
    const deliveries = await deliveriesOf(id);
    logger.error({ err, entryId: id, deliveries }, 'loyalty accrual failed');
    if (deliveries >= MAX_DELIVERIES) {
      await db('dead_letters')
        .insert({ message_id: `${STREAM}/${id}`, source: GROUP, payload: JSON.stringify(f), error: String(err) })
        .onConflict('message_id')
        .ignore();
      await redis.xack(STREAM, GROUP, id);
    }
    // Otherwise it stays pending and is reclaimed by XAUTOCLAIM once idle for RECLAIM_AFTER_MS.
  }
}

export async function runLoyaltyAccrual(signal: AbortSignal): Promise<void> {
  try {
    await redis.xgroup('CREATE', STREAM, GROUP, '$', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }

  while (!signal.aborted) {
    const [, stale] = (await redis.xautoclaim(STREAM, GROUP, CONSUMER, RECLAIM_AFTER_MS, '0-0', 'COUNT', 25)) as [string, Entry[], string[]];
    for (const entry of stale) await handleEntry(entry);

    const fresh = (await redis.xreadgroup('GROUP', GROUP, CONSUMER, 'COUNT', 25, 'BLOCK', 5_000, 'STREAMS', STREAM, '>')) as
      | [stream: string, entries: Entry[]][]
      | null;
    for (const entry of fresh?.[0]?.[1] ?? []) await handleEntry(entry);
  }
}
