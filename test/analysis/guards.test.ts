// Dedup guards, each next to the same handler without it: the guard must clear no-dedup, and its
// absence must leave the finding. Handlers are kafkajs consumers (the delivery is `message`).
import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

function consumer(imports: string, setup: string, body: string): string {
  return `import { Kafka } from 'kafkajs';
${imports}
${setup}
const consumer = new Kafka({ clientId: 'svc', brokers: ['kafka:9092'] }).consumer({ groupId: 'g' });
export async function start(): Promise<void> {
  await consumer.run({
    eachMessage: async ({ message }) => {
      const evt = JSON.parse(message.value!.toString()) as { eventId: string; walletId: string; amount: number; email: string };
${body}
    },
  });
}
`;
}

function noDedup(src: string, extra: Record<string, string> = {}, config?: unknown) {
  return findingsOf(auditSources({ 'src/consumer.ts': src, ...extra }, { config }), 'no-dedup');
}

const PG = [`import { Pool } from 'pg';`, `const pool = new Pool();`] as const;
const INC = `      await pool.query('UPDATE wallets SET balance = balance + $1 WHERE id = $2', [evt.amount, evt.walletId]);`;

describe('dedup guards', () => {
  it('baseline: an unguarded increment is reported', () => {
    expect(noDedup(consumer(...PG, INC))).toHaveLength(1);
  });

  it('a processed-events insert with ON CONFLICT DO NOTHING whose rowCount gates the effect', () => {
    const body = `      const claimed = await pool.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [evt.eventId]);
      if (claimed.rowCount === 0) return;
${INC}`;
    expect(noDedup(consumer(...PG, body))).toHaveLength(0);
    const enclosing = `      const claimed = await pool.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING', [evt.eventId]);
      if (claimed.rowCount === 1) {
  ${INC}
      }`;
    expect(noDedup(consumer(...PG, enclosing))).toHaveLength(0);
  });

  it('a lookup of the delivery id with an early exit (also after destructuring)', () => {
    const body = `      const { eventId } = evt;
      const seen = await pool.query('SELECT 1 FROM processed_events WHERE event_id = $1', [eventId]);
      if (seen.rowCount) return;
${INC}`;
    expect(noDedup(consumer(...PG, body))).toHaveLength(0);
  });

  it('a lookup of a business key is not a dedup guard', () => {
    const body = `      const wallet = await pool.query('SELECT 1 FROM wallets WHERE id = $1', [evt.walletId]);
      if (!wallet.rowCount) return;
${INC}`;
    expect(noDedup(consumer(...PG, body))).toHaveLength(1);
  });

  it('Prisma P2002 caught as a duplicate around a processed-event create in the same transaction', () => {
    const body = `      try {
        await prisma.$transaction([
          prisma.processedEvent.create({ data: { eventId: evt.eventId } }),
          prisma.wallet.update({ where: { id: evt.walletId }, data: { balance: { increment: evt.amount } } }),
        ]);
      } catch (err) {
        if ((err as { code?: string }).code === 'P2002') return;
        throw err;
      }`;
    expect(noDedup(consumer(`import { PrismaClient } from '@prisma/client';`, 'const prisma = new PrismaClient();', body))).toHaveLength(0);
  });

  it('a unique violation caught before the effect, with an exit (Mongo 11000)', () => {
    const body = `      try {
        await Seen.create({ _id: evt.eventId });
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return;
        throw err;
      }
      await Wallet.updateOne({ _id: evt.walletId }, { $inc: { balance: evt.amount } });`;
    const setup = `const Seen = mongoose.model('Seen', new Schema({ _id: String }));\nconst Wallet = mongoose.model('Wallet', new Schema({}));`;
    expect(noDedup(consumer(`import mongoose, { Schema } from 'mongoose';`, setup, body))).toHaveLength(0);
  });

  it('Redis SET NX on the delivery id, checked before the email', () => {
    const imports = `import { Redis } from 'ioredis';\nimport nodemailer from 'nodemailer';`;
    const setup = `const redis = new Redis();\nconst mailer = nodemailer.createTransport({});`;
    const guarded = `      if ((await redis.set(\`sent:\${evt.eventId}\`, '1', 'EX', 86400, 'NX')) !== 'OK') return;
      await mailer.sendMail({ to: evt.email, subject: 'Welcome' });`;
    expect(noDedup(consumer(imports, setup, guarded))).toHaveLength(0);
    const bare = `      await mailer.sendMail({ to: evt.email, subject: 'Welcome' });`;
    expect(noDedup(consumer(imports, setup, bare))).toHaveLength(1);
  });

  it('DynamoDB attribute_not_exists claim in a callee whose result gates a publish', () => {
    const repo = `import { DynamoDBClient, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
export class Claims {
  private readonly ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  async claim(id: string): Promise<boolean> {
    try {
      await this.ddb.send(new PutCommand({ TableName: 'claims', Item: { pk: id }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
`;
    const imports = `import { Claims } from './claims';`;
    const setup = `const claims = new Claims();\nconst producer = new Kafka({ brokers: [] }).producer();`;
    const body = `      if (!(await claims.claim(evt.eventId))) return;
      await producer.send({ topic: 'wallet.credited', messages: [{ value: 'x' }] });`;
    expect(noDedup(consumer(imports, setup, body), { 'src/claims.ts': repo })).toHaveLength(0);
  });

  it('an idempotency key on the downstream call (Stripe, Idempotency-Key header)', () => {
    const imports = `import Stripe from 'stripe';`;
    const setup = `const stripe = new Stripe('sk');`;
    expect(noDedup(consumer(imports, setup, `      await stripe.refunds.create({ payment_intent: 'pi' }, { idempotencyKey: \`refund:\${evt.eventId}\` });`))).toHaveLength(0);
    expect(noDedup(consumer(imports, setup, `      await stripe.refunds.create({ payment_intent: 'pi' });`))).toHaveLength(1);
    expect(noDedup(consumer('', '', `      await fetch(\`\${process.env.LEDGER_URL}/postings\`, { method: 'POST', headers: { 'Idempotency-Key': evt.eventId }, body: '{}' });`))).toHaveLength(0);
  });

  it('Powertools makeIdempotent around a record handler', () => {
    const lambda = `import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { PrismaClient } from '@prisma/client';
const prisma = new PrismaClient();
const processor = new BatchProcessor(EventType.SQS);
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'idem' });
const record = makeIdempotent(async (r: SQSRecord) => {
  const body = JSON.parse(r.body) as { walletId: string; amount: number };
  await prisma.wallet.update({ where: { id: body.walletId }, data: { balance: { increment: body.amount } } });
}, { persistenceStore });
export const handler = async (event: SQSEvent, context: Context) => processPartialResponse(event, record, processor, { context });
`;
    const r = auditSources({ 'src/handler.ts': lambda });
    expect(r.handlers.length).toBe(1);
    expect(findingsOf(r, 'no-dedup')).toHaveLength(0);
  });

  it("the team's dedup helper named in config", () => {
    const body = `      if (await alreadyHandled(evt.eventId)) return;
${INC}`;
    const setup = `${PG[1]}\ndeclare function alreadyHandled(id: string): Promise<boolean>;`;
    expect(noDedup(consumer(PG[0], setup, body))).toHaveLength(1);
    expect(noDedup(consumer(PG[0], setup, body), {}, { dedupHelpers: ['alreadyHandled'] })).toHaveLength(0);
  });

  it('Knex transaction: a claim row with onConflict().ignore() whose result gates the journal lines', () => {
    const body = `      await db.transaction(async (trx) => {
        const claimed = await trx('processed_events').insert({ id: evt.eventId }).onConflict('id').ignore().returning('id');
        if (claimed.length === 0) return;
        await trx('journal_lines').insert({ wallet_id: evt.walletId, amount: evt.amount });
      });`;
    expect(noDedup(consumer(`import knex from 'knex';`, `const db = knex({ client: 'pg' });`, body))).toHaveLength(0);
  });
});
