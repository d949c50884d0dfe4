// Clean handler (expected: no finding). Keeps the storefront's price table in step with the catalog:
// - version-guarded upsert: a price is only replaced by a higher price_version, so late or replayed events change nothing;
// - acked only after the awaited write;
// - bounded retries: deliveryAttempt is checked against a maximum (the subscription has a dead-letter
//   policy, which is also what makes Pub/Sub fill in deliveryAttempt), then the message is parked.
import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';
import pino from 'pino';
import { db } from '../lib/db';

const logger = pino({ name: 'price-changed-subscriber' });
const pubsub = new PubSub();
const TOPIC = 'catalog.price-changed';
const SUBSCRIPTION = 'catalog.price-changed.storefront';
const MAX_ATTEMPTS = 8;

interface PriceChanged {
  sku: string;
  priceMinor: number;
  currency: string;
  version: number;
  effectiveAt: string;
}

export async function ensurePriceSubscription(): Promise<void> {
  const [exists] = await pubsub.subscription(SUBSCRIPTION).exists();
  if (exists) return;
  await pubsub.topic(TOPIC).createSubscription(SUBSCRIPTION, {
    ackDeadlineSeconds: 30,
    // A backstop behind the parking below.
    deadLetterPolicy: { deadLetterTopic: pubsub.topic(`${TOPIC}.dead-letter`).name, maxDeliveryAttempts: MAX_ATTEMPTS + 2 },
    retryPolicy: { minimumBackoff: { seconds: 10 }, maximumBackoff: { seconds: 600 } },
  });
}

export function startPriceChangedSubscriber(): Subscription {
  const subscription = pubsub.subscription(SUBSCRIPTION, { flowControl: { maxMessages: 20 } });

  subscription.on('message', async (message: Message) => {
    try {
      const change = JSON.parse(message.data.toString('utf8')) as PriceChanged;
      await db('product_prices')
        .insert({
          sku: change.sku,
          price_minor: change.priceMinor,
          currency: change.currency,
          price_version: change.version,
          effective_at: new Date(change.effectiveAt),
        })
        .onConflict('sku')
        .merge(['price_minor', 'currency', 'price_version', 'effective_at'])
        .where('product_prices.price_version', '<', change.version);
      message.ack();
    } catch (err) {
      logger.error({ err, messageId: message.id, attempt: message.deliveryAttempt }, 'price update failed');
      if (message.deliveryAttempt >= MAX_ATTEMPTS) {
        await db('dead_letters')
          .insert({ message_id: message.id, source: SUBSCRIPTION, payload: message.data.toString('utf8'), error: String(err) })
          .onConflict('message_id')
          .ignore();
        message.ack();
      } else {
        message.nack();
      }
    }
  });

  subscription.on('error', (err) => logger.error({ err }, 'price subscription error'));
  return subscription;
}
