import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const kafka = (imports: string, setup: string, body: string) => `import { Kafka } from 'kafkajs';
${imports}
${setup}
const consumer = new Kafka({ clientId: 'svc', brokers: ['kafka:9092'] }).consumer({ groupId: 'g' });
export async function start(): Promise<void> {
  await consumer.run({
    eachMessage: async ({ message }) => {
      const evt = JSON.parse(message.value!.toString()) as { eventId: string; orderId: string; amount: number };
${body}
    },
  });
}
`;

describe('no-dedup', () => {
  it('reports one finding per handler, naming the effect and what a redelivery does', () => {
    const src = kafka(
      `import { PrismaClient } from '@prisma/client';\nimport { randomUUID } from 'node:crypto';`,
      'const prisma = new PrismaClient();',
      `      await prisma.payment.create({ data: { id: randomUUID(), orderId: evt.orderId, amount: evt.amount } });
      await prisma.account.update({ where: { id: evt.orderId }, data: { paid: { increment: evt.amount } } });`,
    );
    const f = findingsOf(auditSources({ 'src/consumer.ts': src }), 'no-dedup');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/inserts a row into payment with a freshly generated id/);
    expect(f[0]!.message).toMatch(/a redelivered message inserts a second row into payment under a new id/);
    expect(f[0]!.message).toMatch(/and 1 more/);
    expect(f[0]!.related.length).toBe(1);
  });

  it('reports an effect in a callee in another file at the call in the handler, with the chain', () => {
    const service = `import nodemailer from 'nodemailer';
const transport = nodemailer.createTransport({ host: 'smtp' });
export async function sendReceipt(to: string): Promise<void> {
  await transport.sendMail({ to, subject: 'Your receipt' });
}
`;
    const src = kafka(`import { sendReceipt } from './mailer';`, '', `      await sendReceipt(evt.orderId);`);
    const r = auditSources({ 'src/consumer.ts': src, 'src/mailer.ts': service });
    const f = findingsOf(r, 'no-dedup');
    expect(f).toHaveLength(1);
    expect(f[0]!.span.file.endsWith('consumer.ts')).toBe(true);
    expect(f[0]!.message).toMatch(/sends the email twice/);
    expect(f[0]!.related.some((x) => x.span.file.endsWith('mailer.ts'))).toBe(true);
    expect(f[0]!.chain.length).toBeGreaterThan(1);
  });

  it('follows injected services of NestJS handlers', () => {
    const svc = `import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
@Injectable()
export class RewardsService {
  constructor(@InjectModel('Referrer') private readonly referrers: Model<{ _id: string; credits: number }>) {}
  async reward(id: string) {
    await this.referrers.updateOne({ _id: id }, { $inc: { credits: 10 } }, { upsert: true });
  }
}
`;
    const ctl = `import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RewardsService } from './rewards.service';
@Controller()
export class RewardsController {
  constructor(private readonly rewards: RewardsService) {}
  @EventPattern('referral.converted')
  async onConverted(@Payload() evt: { referrerId: string }) {
    await this.rewards.reward(evt.referrerId);
  }
}
`;
    const f = findingsOf(auditSources({ 'src/rewards.controller.ts': ctl, 'src/rewards.service.ts': svc }), 'no-dedup');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/increments referrers/);
  });

  it('does not report idempotent work: absolute writes, upserts, deletes, reads, ON CONFLICT inserts', () => {
    const src = kafka(
      `import { Pool } from 'pg';`,
      'const pool = new Pool();',
      `      await pool.query('UPDATE orders SET status = $2 WHERE id = $1', [evt.orderId, 'paid']);
      await pool.query('INSERT INTO order_view (id, amount) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount', [evt.orderId, evt.amount]);
      await pool.query('INSERT INTO order_lines (order_id, sku) VALUES ($1, $2) ON CONFLICT (order_id, sku) DO NOTHING', [evt.orderId, 'x']);
      await pool.query('DELETE FROM carts WHERE order_id = $1', [evt.orderId]);
      await pool.query('SELECT * FROM orders WHERE id = $1', [evt.orderId]);`,
    );
    expect(findingsOf(auditSources({ 'src/consumer.ts': src }), 'no-dedup')).toHaveLength(0);
  });

  it('look-alikes: the same insert in an HTTP route or a producer class is not a handler', () => {
    const route = `import express from 'express';
import { PrismaClient } from '@prisma/client';
import { randomUUID } from 'node:crypto';
const prisma = new PrismaClient();
const app = express();
app.post('/orders', async (req, res) => {
  await prisma.order.create({ data: { id: randomUUID(), total: req.body.total } });
  res.sendStatus(201);
});
`;
    const r = auditSources({ 'src/routes.ts': route });
    expect(r.handlers).toHaveLength(0);
    expect(findingsOf(r, 'no-dedup')).toHaveLength(0);
  });

  it('an unknown call is not an effect', () => {
    const src = kafka('', 'declare const ledger: { post(x: unknown): Promise<void> };', `      await ledger.post({ amount: evt.amount });`);
    expect(findingsOf(auditSources({ 'src/consumer.ts': src }), 'no-dedup')).toHaveLength(0);
  });

  it('config.sideEffects makes a team function an effect', () => {
    const src = kafka('', 'declare const ledger: { post(x: unknown): Promise<void> };', `      await ledger.post({ amount: evt.amount });`);
    const f = findingsOf(auditSources({ 'src/consumer.ts': src }, { config: { sideEffects: [{ name: 'ledger.post', kind: 'insert' }] } }), 'no-dedup');
    expect(f).toHaveLength(1);
  });

  it('a parking insert in the catch clause is the failure path, not the work', () => {
    const src = kafka(
      `import { Pool } from 'pg';`,
      'const pool = new Pool();',
      `      try {
        await pool.query('INSERT INTO orders (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [evt.orderId]);
      } catch (err) {
        await pool.query('INSERT INTO failures (body) VALUES ($1)', [String(err)]);
        throw err;
      }`,
    );
    expect(findingsOf(auditSources({ 'src/consumer.ts': src }), 'no-dedup')).toHaveLength(0);
  });

  it('in-process events are never redelivered', () => {
    const listener = `import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PrismaClient } from '@prisma/client';
@Injectable()
export class AuditListener {
  constructor(private readonly prisma: PrismaClient) {}
  @OnEvent('user.created')
  async onUserCreated(evt: { userId: string }) {
    await this.prisma.auditLog.create({ data: { userId: evt.userId } });
  }
}
`;
    const r = auditSources({ 'src/audit.listener.ts': listener });
    expect(findingsOf(r, 'no-dedup')).toHaveLength(0);
  });
  it('a republish to a retry or dead-letter topic in a .catch callback is the failure path, not the work', () => {
    const src = kafka(
      `import { PrismaClient } from '@prisma/client';`,
      'const prisma = new PrismaClient();\nconst producer = new Kafka({ clientId: \'svc\', brokers: [] }).producer();\ndeclare function deliver(body: string): Promise<void>;',
      `      await deliver(message.value!.toString()).catch(async (err: Error) => {
        await producer.send({ topic: 'orders.retry', messages: [{ value: message.value, headers: { error: err.message } }] });
      });`,
    );
    expect(findingsOf(auditSources({ 'src/consumer.ts': src }), 'no-dedup')).toHaveLength(0);
    // The same publish on the success path is reported.
    const work = kafka('', 'const producer = new Kafka({ clientId: \'svc\', brokers: [] }).producer();', `      await producer.send({ topic: 'orders.accepted', messages: [{ value: message.value }] });`);
    expect(findingsOf(auditSources({ 'src/consumer.ts': work }), 'no-dedup')).toHaveLength(1);
  });

  it('at-most-once sources (Redis pub/sub) never redeliver, so there is nothing to deduplicate', () => {
    const sub = `import Redis from 'ioredis';
import { PrismaClient } from '@prisma/client';
const prisma = new PrismaClient();
const sub = new Redis();
await sub.subscribe('cache-events');
sub.on('message', async (_channel: string, raw: string) => {
  const evt = JSON.parse(raw) as { key: string };
  await prisma.cacheEvent.create({ data: { key: evt.key } });
});
`;
    const r = auditSources({ 'src/cache-events.ts': sub });
    expect(r.handlers).toHaveLength(1);
    expect(findingsOf(r, 'no-dedup')).toHaveLength(0);
  });
});
