// Realistic handler projects for the fuzz test: each is a small set of files (a handler and the
// code it calls) in one framework's style. The fuzz test mutates one file of a project at a time.
export interface FuzzFixture {
  name: string;
  files: Record<string, string>;
  /** Config for the run (custom registrations, opt-in adapters). */
  config?: unknown;
}

const REPO = `import { Pool } from 'pg';
const pool = new Pool();

export async function recordPayment(orderId: string, amountCents: number): Promise<void> {
  await pool.query('INSERT INTO payments (order_id, amount_cents) VALUES ($1, $2)', [orderId, amountCents]);
  await pool.query('UPDATE accounts SET balance = balance + $1 WHERE order_id = $2', [amountCents, orderId]);
}

export async function alreadyProcessed(eventId: string): Promise<boolean> {
  const res = await pool.query('INSERT INTO processed_events (id) VALUES ($1) ON CONFLICT DO NOTHING', [eventId]);
  return res.rowCount === 0;
}

export class OrderRepository {
  constructor(private readonly db = pool) {}
  async markShipped(id: string, at: Date) {
    await this.db.query('UPDATE orders SET status = $1, shipped_at = $2 WHERE id = $3', ['shipped', at, id]);
  }
}
`;

export const FIXTURES: FuzzFixture[] = [
  {
    name: 'kafkajs payments',
    files: {
      'src/db.ts': REPO,
      'src/consumers/payments.ts': `import { Kafka, type EachMessagePayload } from 'kafkajs';
import { alreadyProcessed, recordPayment } from '../db';
import { publish } from '../bus';

const kafka = new Kafka({ clientId: 'billing', brokers: ['kafka:9092'] });
const consumer = kafka.consumer({ groupId: 'billing' });

export async function handlePayment({ topic, partition, message }: EachMessagePayload) {
  if (!message.value) return;
  const event = JSON.parse(message.value.toString()) as { id: string; orderId: string; amountCents: number };
  if (await alreadyProcessed(event.id)) return;
  await recordPayment(event.orderId, event.amountCents);
  publish('payment.recorded', { orderId: event.orderId, at: Date.now() });
  console.log(\`\${topic}/\${partition}@\${message.offset} done\`);
}

export async function start() {
  await consumer.connect();
  await consumer.subscribe({ topic: 'payments', fromBeginning: false });
  await consumer.run({
    autoCommit: true,
    eachMessage: handlePayment,
  });
}
`,
      'src/bus.ts': `export function publish(topic: string, payload: unknown): Promise<void> {
  return fetch(\`https://bus.internal/\${topic}\`, { method: 'POST', body: JSON.stringify(payload) }).then(() => undefined);
}
`,
    },
  },
  {
    name: 'amqplib order shipping',
    files: {
      'src/db.ts': REPO,
      'src/worker.js': `const amqp = require('amqplib');
const { OrderRepository } = require('./db');

async function main() {
  const conn = await amqp.connect(process.env.AMQP_URL);
  const ch = await conn.createChannel();
  await ch.assertQueue('orders.shipped', { durable: true, arguments: { 'x-dead-letter-exchange': 'dlx' } });
  await ch.prefetch(10);
  const repo = new OrderRepository();
  ch.consume('orders.shipped', async (msg) => {
    if (msg === null) return;
    try {
      const body = JSON.parse(msg.content.toString());
      await repo.markShipped(body.orderId, new Date());
      ch.ack(msg);
    } catch (err) {
      console.error('shipping failed', err);
      ch.nack(msg, false, true);
    }
  }, { noAck: false });
}

main().catch((e) => { console.error(e); process.exit(1); });
`,
    },
  },
  {
    name: 'lambda SQS batch',
    files: {
      'src/db.ts': REPO,
      'src/handler.ts': `import type { SQSEvent, SQSBatchResponse } from 'aws-lambda';
import { recordPayment } from './db';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';

const ses = new SESClient({});

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const body = JSON.parse(record.body);
      await recordPayment(body.orderId, body.amountCents);
      await ses.send(new SendEmailCommand({ Source: 'billing@example.com', Destination: { ToAddresses: [body.email] }, Message: { Subject: { Data: 'Paid' }, Body: { Text: { Data: 'Thanks' } } } }));
    } catch {
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
};
`,
    },
  },
  {
    name: 'bullmq worker',
    files: {
      'src/db.ts': REPO,
      'src/queue.ts': `import { Worker, type Job } from 'bullmq';
import { recordPayment } from './db';

interface ChargeJob { orderId: string; amountCents: number; attempt?: number }

async function charge(job: Job<ChargeJob>) {
  const { orderId, amountCents } = job.data;
  const res = await fetch('https://payments.example.com/charges', { method: 'POST', body: JSON.stringify({ orderId, amountCents }) });
  if (!res.ok) throw new Error(\`charge failed: \${res.status}\`);
  await recordPayment(orderId, amountCents);
  await job.updateProgress(100);
}

export const worker = new Worker<ChargeJob>('charges', charge, {
  connection: { host: 'redis', port: 6379 },
  concurrency: 5,
});
worker.on('failed', (job, err) => console.warn(job?.id, err.message));
`,
    },
  },
  {
    name: 'nestjs event pattern',
    files: {
      'src/db.ts': REPO,
      'src/orders.controller.ts': `import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import { OrderRepository } from './db';

@Controller()
export class OrdersController {
  constructor(@Inject(OrderRepository) private readonly orders: OrderRepository) {}

  @EventPattern('order.shipped')
  async onShipped(@Payload() data: { id: string; shippedAt: string }, @Ctx() context: RmqContext) {
    const channel = context.getChannelRef();
    const original = context.getMessage();
    await this.orders.markShipped(data.id, new Date(data.shippedAt));
    channel.ack(original);
  }
}
`,
    },
  },
  {
    name: 'express webhook and custom bus',
    config: { handlers: [{ call: 'bus.subscribe', framework: 'inhouse-bus' }], dedupHelpers: ['withIdempotency'], emitterListeners: true },
    files: {
      'src/db.ts': REPO,
      'src/webhooks.ts': `import express from 'express';
import Stripe from 'stripe';
import { recordPayment } from './db';
import { bus } from './bus';
import { EventEmitter } from 'node:events';

const stripe = new Stripe(process.env.STRIPE_KEY!);
const app = express();
const events = new EventEmitter();

app.post('/webhooks/stripe', express.raw({ type: 'application/json' }), async (req, res) => {
  const sig = req.headers['stripe-signature'] as string;
  const event = stripe.webhooks.constructEvent(req.body, sig, process.env.STRIPE_SECRET!);
  if (event.type === 'payment_intent.succeeded') {
    const pi = event.data.object as { metadata: { orderId: string }; amount: number };
    await recordPayment(pi.metadata.orderId, pi.amount);
  }
  res.sendStatus(200);
});

bus.subscribe('refunds', withIdempotency(async (msg: { id: string; orderId: string; amountCents: number }) => {
  await recordPayment(msg.orderId, -msg.amountCents);
}));

events.on('order.cancelled', async (order: { id: string }) => {
  await fetch('https://crm.internal/cancel/' + order.id, { method: 'POST' });
});

declare function withIdempotency<T>(fn: T): T;
export default app;
`,
      'src/bus.ts': `export const bus = { subscribe(topic: string, fn: (m: any) => Promise<void>) { void topic; void fn; } };
`,
    },
  },
];
