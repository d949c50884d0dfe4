// Ordinary HTTP API used by the storefront. These are request handlers, not event handlers:
// the client sees the result of every call and retries on its own terms.
import { Router, json } from 'express';
import { randomUUID } from 'node:crypto';
import { db } from '../lib/db';
import { OrderEventsPublisher } from '../events/order-events.publisher';

const events = new OrderEventsPublisher();

interface PlaceOrderBody {
  customerId: string;
  paymentMethodId: string;
  lines: { sku: string; qty: number }[];
}

export const ordersRouter = Router();

ordersRouter.post('/orders', json(), async (req, res, next) => {
  const body = req.body as PlaceOrderBody;
  const correlationId = req.get('x-correlation-id') ?? randomUUID();
  try {
    const customer = await db('customers').where({ id: body.customerId }).first('id', 'stripe_customer_id');
    if (!customer) {
      res.status(404).json({ error: 'unknown_customer' });
      return;
    }
    const prices = await db('product_prices').whereIn('sku', body.lines.map((l) => l.sku)).select('sku', 'price_minor', 'currency');
    const priceBySku = new Map(prices.map((p) => [p.sku as string, p]));
    const lines = body.lines.map((l) => ({ sku: l.sku, qty: l.qty, unitPriceMinor: Number(priceBySku.get(l.sku)?.price_minor ?? 0) }));
    const totalMinor = lines.reduce((sum, l) => sum + l.qty * l.unitPriceMinor, 0);

    const orderId = randomUUID();
    const orderNumber = `SO-${Date.now().toString(36).toUpperCase()}`;
    await db.transaction(async (trx) => {
      await trx('orders').insert({
        id: orderId,
        number: orderNumber,
        customer_id: customer.id,
        status: 'awaiting_payment',
        total_minor: totalMinor,
        currency: 'EUR',
        placed_at: new Date(),
      });
      await trx('order_lines').insert(lines.map((l, i) => ({ order_id: orderId, line_no: i + 1, sku: l.sku, qty: l.qty, unit_price_minor: l.unitPriceMinor })));
    });

    await events.orderPlaced(
      {
        orderId,
        orderNumber,
        customerId: customer.id,
        stripeCustomerId: customer.stripe_customer_id,
        paymentMethodId: body.paymentMethodId,
        totalMinor,
        currency: 'EUR',
        lines,
      },
      correlationId,
    );
    res.status(201).json({ orderId, orderNumber });
  } catch (err) {
    next(err);
  }
});

ordersRouter.post('/orders/:id/cancel', json(), async (req, res) => {
  const cancelled = await db('orders')
    .where({ id: req.params.id })
    .whereIn('status', ['awaiting_payment', 'paid'])
    .update({ status: 'cancelled', cancelled_at: new Date() });
  if (cancelled === 0) {
    res.status(409).json({ error: 'not_cancellable' });
    return;
  }
  events.orderCancelled(req.params.id, String(req.body?.reason ?? 'customer_request'));
  try {
    await db('order_notes').insert({ id: randomUUID(), order_id: req.params.id, body: 'Cancelled by customer' });
  } catch (err) {
    console.warn('could not add cancellation note', err);
  }
  res.status(202).end();
});

ordersRouter.get('/orders/:id', async (req, res) => {
  const order = await db('orders').where({ id: req.params.id }).first();
  if (!order) {
    res.sendStatus(404);
    return;
  }
  res.json(order);
});
