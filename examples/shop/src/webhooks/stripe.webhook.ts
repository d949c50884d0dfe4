// Demonstrates: wall-clock-dependence (the promised dispatch date is counted from new Date(), the moment
// the webhook happens to be processed, instead of from event.created: a delivery Stripe retried for hours
// promises a later date than the customer was shown at payment time).
// Otherwise careful: deduplicated on event.id in the same transaction, status-guarded updates, 500 on failure.
import { Router, raw } from 'express';
import Stripe from 'stripe';
import pino from 'pino';
import { db } from '../lib/db';

const logger = pino({ name: 'stripe-webhook' });
const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);
const DISPATCH_WORKING_DAYS = 2;

function addWorkingDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
  }
  return d;
}

export const stripeWebhookRouter = Router();

stripeWebhookRouter.post('/webhooks/stripe', raw({ type: 'application/json' }), async (req, res) => {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(req.body, req.get('stripe-signature') ?? '', process.env.STRIPE_WEBHOOK_SECRET!);
  } catch (err) {
    res.status(400).send(`Webhook signature verification failed: ${(err as Error).message}`);
    return;
  }

  try {
    await db.transaction(async (trx) => {
      const claimed = await trx('stripe_events').insert({ id: event.id, type: event.type }).onConflict('id').ignore().returning('id');
      if (claimed.length === 0) return; // already processed

      if (event.type === 'payment_intent.succeeded') {
        const intent = event.data.object as Stripe.PaymentIntent;
        const dispatchBy = addWorkingDays(new Date(), DISPATCH_WORKING_DAYS);
        await trx('orders')
          .where({ id: intent.metadata.orderId, status: 'awaiting_payment' })
          .update({ status: 'paid', payment_intent_id: intent.id, dispatch_by: dispatchBy });
      } else if (event.type === 'payment_intent.payment_failed') {
        const intent = event.data.object as Stripe.PaymentIntent;
        await trx('orders')
          .where({ id: intent.metadata.orderId, status: 'awaiting_payment' })
          .update({ status: 'payment_failed', payment_failure_code: intent.last_payment_error?.code ?? null });
      }
    });
    res.json({ received: true });
  } catch (err) {
    logger.error({ err, eventId: event.id, type: event.type }, 'stripe webhook processing failed');
    res.status(500).json({ error: 'processing_failed' });
  }
});
