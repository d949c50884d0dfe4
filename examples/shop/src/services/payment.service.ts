// Not a handler: a service called by consumers/order-payment.consumer.ts. The charge below has no
// idempotency key; event-audit reports that in the consumer's file (the call to chargeSavedCard) and
// points here as the related location, so this file has no finding of its own.
import Stripe from 'stripe';

export interface ChargeableOrder {
  orderId: string;
  orderNumber: string;
  totalMinor: number;
  currency: string;
  stripeCustomerId: string;
  paymentMethodId: string;
}

/**
 * Charges the card the customer saved at checkout. The outcome comes back through the
 * Stripe webhook (payment_intent.succeeded / payment_intent.payment_failed).
 */
export class PaymentService {
  private readonly stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);

  async chargeSavedCard(order: ChargeableOrder): Promise<Stripe.PaymentIntent> {
    if (order.totalMinor <= 0) {
      throw new Error(`order ${order.orderId} has nothing to charge`);
    }
    return this.stripe.paymentIntents.create({
      amount: order.totalMinor,
      currency: order.currency.toLowerCase(),
      customer: order.stripeCustomerId,
      payment_method: order.paymentMethodId,
      off_session: true,
      confirm: true,
      description: `Order ${order.orderNumber}`,
      metadata: { orderId: order.orderId },
    });
  }
}
