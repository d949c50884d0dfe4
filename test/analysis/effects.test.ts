// The side-effect classifier, library by library: each case is a small realistic snippet and the
// effect (kind, and whether it is idempotent on its own) that its marked call must get.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ts, walk } from '../../src/analysis/ast.js';
import { classifyCall, repeatIsHarmful, type Effect } from '../../src/analysis/effects.js';
import { resolveConfig } from '../../src/config.js';
import { createProgram } from '../../src/program.js';
import { writeProject } from '../helpers/audit.js';

/** Classifies the call(s) on lines marked `// <-` in `src` (a file of its own project). */
function classify(src: string, extra: Record<string, string> = {}, config: unknown = {}): Effect[] {
  const files = { 'src/a.ts': src, ...extra };
  const dir = writeProject(files);
  const all = Object.keys(files).map((f) => join(dir, f));
  const project = createProgram({ root: dir, maxFileBytes: 1e6, listProjectFiles: () => all });
  const cfg = resolveConfig(config, undefined, dir);
  const sf = project.parsed(join(dir, 'src/a.ts'))!.sf;
  const marked = new Set(src.split('\n').flatMap((l, i) => (l.includes('// <-') ? [i] : [])));
  const out: Effect[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n) && !ts.isTaggedTemplateExpression(n)) return;
    const line = sf.getLineAndCharacterOfPosition(n.getStart()).line;
    if (!marked.has(line)) return;
    const e = classifyCall(n, { project, config: cfg });
    if (e) out.push(e);
  });
  return out;
}

function one(src: string, extra?: Record<string, string>, config?: unknown): Effect {
  const list = classify(src, extra, config);
  expect(list, `effects on the marked line of:\n${src}`).toHaveLength(1);
  return list[0]!;
}

const harmful = (e: Effect) => repeatIsHarmful(e);

describe('Prisma', () => {
  const pre = `import { PrismaClient } from '@prisma/client';\nimport { randomUUID } from 'node:crypto';\nconst prisma = new PrismaClient();\n`;
  it('create is an insert, with a fresh id a fresh-id insert', () => {
    expect(one(`${pre}await prisma.payment.create({ data: { orderId: 'o' } }); // <-`)).toMatchObject({ kind: 'insert', library: 'prisma', target: 'payment' });
    expect(one(`${pre}await prisma.payment.create({ data: { id: randomUUID() } }); // <-`).kind).toBe('fresh-id');
  });
  it('increments and pushes inside update/upsert data', () => {
    expect(one(`${pre}await prisma.wallet.update({ where: { id: 'w' }, data: { balance: { increment: 5 } } }); // <-`).kind).toBe('increment');
    expect(one(`${pre}await prisma.wallet.upsert({ where: { id: 'w' }, create: { id: 'w', balance: 5 }, update: { balance: { decrement: 5 } } }); // <-`).kind).toBe('increment');
    expect(one(`${pre}await prisma.post.update({ where: { id: 'p' }, data: { tags: { push: 'x' } } }); // <-`).kind).toBe('append');
  });
  it('createMany skipDuplicates and upsert with an empty update are idempotent', () => {
    expect(harmful(one(`${pre}await prisma.line.createMany({ data: [{ a: 1 }], skipDuplicates: true }); // <-`))).toBe(false);
    expect(harmful(one(`${pre}await prisma.invoice.upsert({ where: { key: 'k' }, create: { key: 'k' }, update: {} }); // <-`))).toBe(false);
  });
  it('absolute writes, deletes and reads are not harmful; a status filter makes the write conditional', () => {
    const e = one(`${pre}await prisma.order.updateMany({ where: { id: 'o', status: 'PAID' }, data: { status: 'SHIPPED' } }); // <-`);
    expect(e).toMatchObject({ kind: 'absolute-write' });
    expect(e.conditional).toBeTruthy();
    expect(one(`${pre}await prisma.order.delete({ where: { id: 'o' } }); // <-`).kind).toBe('delete');
    expect(one(`${pre}await prisma.order.findUnique({ where: { id: 'o' } }); // <-`).kind).toBe('read');
  });
  it('reads raw SQL in $executeRaw', () => {
    expect(one(`${pre}await prisma.$executeRaw\`UPDATE accounts SET balance = balance + \${5} WHERE id = \${'a'}\`; // <-`).kind).toBe('increment');
  });
  it('the transaction client of $transaction is Prisma too', () => {
    expect(one(`${pre}await prisma.$transaction(async (tx) => {\n  await tx.ledgerEntry.create({ data: { a: 1 } }); // <-\n});`).kind).toBe('insert');
  });
});

describe('TypeORM', () => {
  const pre = `import { Repository, DataSource } from 'typeorm';\nimport { Entry } from './entry';\nclass Svc {\n  constructor(private readonly repo: Repository<Entry>, private readonly ds: DataSource) {}\n  async run() {\n`;
  const post = `\n  }\n}`;
  it('insert, increment, query builder insert and orIgnore', () => {
    expect(one(`${pre}await this.repo.insert({ a: 1 }); // <-${post}`).kind).toBe('insert');
    expect(one(`${pre}await this.repo.increment({ id: 'x' }, 'points', 5); // <-${post}`).kind).toBe('increment');
    expect(harmful(one(`${pre}await this.repo.createQueryBuilder().insert().into(Entry).values({ a: 1 }).orIgnore().execute(); // <-${post}`))).toBe(false);
    expect(one(`${pre}await this.repo.createQueryBuilder().insert().into(Entry).values({ a: 1 }).execute(); // <-${post}`).kind).toBe('insert');
  });
  it('update is an absolute write; save of a loaded entity too; raw query SQL is read', () => {
    expect(one(`${pre}await this.repo.update({ id: 'x' }, { status: 'ready' }); // <-${post}`).kind).toBe('absolute-write');
    expect(one(`${pre}await this.ds.query('INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO NOTHING', [1]); // <-${post}`).idempotentBecause).toBeTruthy();
  });
});

describe('Sequelize', () => {
  const pre = `import { Model } from 'sequelize';\nclass Order extends Model {}\n`;
  it('create, increment, bulkCreate ignoreDuplicates, findOrCreate', () => {
    expect(one(`${pre}await Order.create({ total: 1 }); // <-`).kind).toBe('insert');
    expect(one(`${pre}await Order.increment('total', { by: 1, where: { id: 1 } }); // <-`).kind).toBe('increment');
    expect(harmful(one(`${pre}await Order.bulkCreate([{ a: 1 }], { ignoreDuplicates: true }); // <-`))).toBe(false);
    expect(harmful(one(`${pre}await Order.findOrCreate({ where: { key: 'k' } }); // <-`))).toBe(false);
  });
});

describe('Mongoose and MongoDB', () => {
  const pre = `import mongoose, { Schema } from 'mongoose';\nconst Member = mongoose.model('Member', new Schema({}));\n`;
  it('$inc and $push are harmful, $setOnInsert upsert and $set are not', () => {
    expect(one(`${pre}await Member.updateOne({ _id: 'm' }, { $inc: { points: 5 } }); // <-`).kind).toBe('increment');
    expect(one(`${pre}await Member.updateOne({ _id: 'm' }, { $push: { log: 'x' } }); // <-`).kind).toBe('append');
    expect(harmful(one(`${pre}await Member.updateOne({ key: 'k' }, { $setOnInsert: { a: 1 } }, { upsert: true }); // <-`))).toBe(false);
    expect(one(`${pre}await Member.updateOne({ _id: 'm' }, { $set: { name: 'n' } }); // <-`).kind).toBe('absolute-write');
  });
  it('an applied-ids $ne filter clears a $inc', () => {
    const e = one(`${pre}const id = 'evt';\nawait Member.updateOne({ _id: 'm', applied: { $ne: id } }, { $inc: { points: 5 }, $push: { applied: id } }); // <-`);
    expect(e.kind).toBe('increment');
    expect(harmful(e)).toBe(false);
  });
  it('create and the native driver insertOne are inserts', () => {
    expect(one(`${pre}await Member.create({ a: 1 }); // <-`).kind).toBe('insert');
    expect(one(`import { MongoClient } from 'mongodb';\nconst db = new MongoClient('x').db();\nawait db.collection('audit').insertOne({ a: 1 }); // <-`)).toMatchObject({ kind: 'insert', target: 'audit' });
  });
});

describe('Knex', () => {
  const pre = `import knex from 'knex';\nconst db = knex({ client: 'pg' });\n`;
  it('insert, onConflict().ignore(), merge with a raw increment, increment()', () => {
    expect(one(`${pre}await db('events').insert({ a: 1 }); // <-`)).toMatchObject({ kind: 'insert', target: 'events' });
    expect(harmful(one(`${pre}await db('events').insert({ id: 'e' }).onConflict('id').ignore(); // <-`))).toBe(false);
    expect(one(`${pre}await db('balances').insert({ a: 'x', b: 1 }).onConflict('a').merge({ b: db.raw('balances.b + excluded.b') }); // <-`).kind).toBe('increment');
    expect(one(`${pre}await db('balances').where({ a: 'x' }).increment('b', 1); // <-`).kind).toBe('increment');
    expect(one(`${pre}await db('balances').where({ a: 'x' }).update({ b: 2 }); // <-`).kind).toBe('absolute-write');
  });
  it('the transaction callback parameter is Knex too', () => {
    expect(one(`${pre}await db.transaction(async (trx) => {\n  await trx('lines').insert({ a: 1 }); // <-\n});`).kind).toBe('insert');
  });
});

describe('Drizzle', () => {
  const pre = `import { drizzle } from 'drizzle-orm/node-postgres';\nimport { sql } from 'drizzle-orm';\nimport { pgTable, text, integer } from 'drizzle-orm/pg-core';\nconst points = pgTable('points', { id: text('id'), n: integer('n') });\nconst db = drizzle({} as never);\n`;
  it('insert, onConflictDoNothing, update with an sql increment', () => {
    expect(one(`${pre}await db.insert(points).values({ id: 'x', n: 1 }); // <-`)).toMatchObject({ kind: 'insert', target: 'points' });
    expect(harmful(one(`${pre}await db.insert(points).values({ id: 'x', n: 1 }).onConflictDoNothing(); // <-`))).toBe(false);
    expect(one(`${pre}await db.update(points).set({ n: sql\`\${points.n} + 1\` }); // <-`).kind).toBe('increment');
  });
});

describe('MikroORM', () => {
  const pre = `import { EntityManager } from '@mikro-orm/postgresql';\nimport { Order } from './order';\nasync function run(em: EntityManager) {\n`;
  it('persisting a created entity is an insert; nativeUpdate an absolute write', () => {
    expect(one(`${pre}await em.persistAndFlush(em.create(Order, { a: 1 })); // <-\n}`).kind).toBe('insert');
    expect(one(`${pre}await em.nativeUpdate(Order, { id: 1 }, { a: 2 }); // <-\n}`).kind).toBe('absolute-write');
    expect(one(`${pre}await em.upsert(Order, { id: 1, a: 2 }); // <-\n}`).kind).toBe('upsert');
  });
});

describe('raw SQL (pg, mysql2)', () => {
  it('pg: INSERT, ON CONFLICT DO NOTHING, SET x = x + $1, template literals, QueryConfig', () => {
    const pre = `import { Pool } from 'pg';\nconst pool = new Pool();\n`;
    expect(one(`${pre}await pool.query('INSERT INTO payments (order_id) VALUES ($1)', ['o']); // <-`)).toMatchObject({ kind: 'insert', target: 'payments' });
    expect(harmful(one(`${pre}await pool.query(\`INSERT INTO payments (id) VALUES ($1) ON CONFLICT (id) DO NOTHING\`, ['o']); // <-`))).toBe(false);
    expect(one(`${pre}await pool.query('UPDATE wallets SET balance = balance + $1 WHERE id = $2', [1, 'w']); // <-`).kind).toBe('increment');
    expect(one(`${pre}await pool.query({ text: 'UPDATE wallets SET balance = $1 WHERE id = $2', values: [1, 'w'] }); // <-`).kind).toBe('absolute-write');
    expect(one(`${pre}await pool.query('INSERT INTO s (k, n) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = s.n + EXCLUDED.n', ['k', 1]); // <-`).kind).toBe('increment');
    const guarded = one(`${pre}await pool.query('UPDATE t SET a = $2 WHERE id = $1 AND version < $3', [1, 2, 3]); // <-`);
    expect(guarded.conditional).toBeTruthy();
  });
  it('mysql2: execute INSERT, INSERT IGNORE, ON DUPLICATE KEY UPDATE x = x + VALUES(x)', () => {
    const pre = `import mysql from 'mysql2/promise';\nconst conn = await mysql.createConnection({});\n`;
    expect(one(`${pre}await conn.execute('INSERT INTO orders (a) VALUES (?)', [1]); // <-`).kind).toBe('insert');
    expect(harmful(one(`${pre}await conn.execute('INSERT IGNORE INTO orders (id) VALUES (?)', [1]); // <-`))).toBe(false);
    expect(one(`${pre}await conn.execute('INSERT INTO c (k, n) VALUES (?, ?) ON DUPLICATE KEY UPDATE n = n + VALUES(n)', [1, 2]); // <-`).kind).toBe('increment');
  });
  it('a query on an unknown client is still read from its SQL text', () => {
    expect(one(`declare const db: any;\nawait db.query('DELETE FROM sessions WHERE id = $1', [1]); // <-`).kind).toBe('delete');
  });
});

describe('DynamoDB', () => {
  const pre = `import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient, PutCommand, UpdateCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';\nimport { randomUUID } from 'node:crypto';\nconst ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));\n`;
  it('ADD is an increment; attribute_not_exists makes a put idempotent; a fresh key is not', () => {
    expect(one(`${pre}await ddb.send(new UpdateCommand({ TableName: 'm', Key: { pk: 'x' }, UpdateExpression: 'ADD points :p' })); // <-`).kind).toBe('increment');
    expect(one(`${pre}await ddb.send(new UpdateItemCommand({ TableName: 'm', Key: {}, UpdateExpression: 'SET n = n + :one' })); // <-`).kind).toBe('increment');
    expect(harmful(one(`${pre}await ddb.send(new PutCommand({ TableName: 't', Item: { pk: 'evt' }, ConditionExpression: 'attribute_not_exists(pk)' })); // <-`))).toBe(false);
    expect(one(`${pre}await ddb.send(new PutCommand({ TableName: 't', Item: { pk: randomUUID() } })); // <-`).kind).toBe('fresh-id');
    expect(one(`${pre}await ddb.send(new PutCommand({ TableName: 't', Item: { pk: 'a' } })); // <-`).kind).toBe('absolute-write');
  });
  it('a conditional claim in the same TransactWrite makes the increment idempotent', () => {
    const e = one(
      `${pre}await ddb.send(new TransactWriteCommand({ TransactItems: [ // <-\n  { Put: { TableName: 'processed', Item: { pk: 'evt' }, ConditionExpression: 'attribute_not_exists(pk)' } },\n  { Update: { TableName: 'm', Key: { pk: 'x' }, UpdateExpression: 'ADD points :p' } },\n] }));`,
    );
    expect(e.kind).toBe('increment');
    expect(harmful(e)).toBe(false);
  });
});

describe('Redis', () => {
  const pre = `import { Redis } from 'ioredis';\nconst redis = new Redis();\n`;
  it('INCR, LPUSH, XADD are harmful; SET NX is a claim; SET and DEL are not', () => {
    expect(one(`${pre}await redis.incrby('points:m', 5); // <-`).kind).toBe('increment');
    expect(one(`${pre}await redis.lpush('feed:m', 'x'); // <-`).kind).toBe('append');
    expect(one(`${pre}await redis.xadd('orders', '*', 'a', '1'); // <-`).kind).toBe('publish');
    expect(harmful(one(`${pre}await redis.set('seen:evt', '1', 'EX', 60, 'NX'); // <-`))).toBe(false);
    expect(one(`${pre}await redis.set('k', 'v'); // <-`).kind).toBe('absolute-write');
    expect(one(`${pre}await redis.del('k'); // <-`).kind).toBe('delete');
  });
  it('node-redis object options: SET NX', () => {
    expect(harmful(one(`import { createClient } from 'redis';\nconst c = createClient();\nawait c.set('seen:e', '1', { NX: true }); // <-`))).toBe(false);
  });
});

describe('HTTP (fetch, axios, got)', () => {
  it('POST is harmful, GET is a read; an Idempotency-Key header clears it', () => {
    expect(one(`await fetch('http://ledger/postings', { method: 'POST', body: '{}' }); // <-`)).toMatchObject({ kind: 'http', library: 'http' });
    expect(one(`await fetch('http://ledger/postings'); // <-`).kind).toBe('read');
    expect(harmful(one(`await fetch('http://ledger/postings', { method: 'POST', headers: { 'Idempotency-Key': 'k' } }); // <-`))).toBe(false);
    const ax = `import axios from 'axios';\nconst api = axios.create({ baseURL: process.env.API_URL });\n`;
    expect(one(`${ax}await api.post('/v1/push', { a: 1 }); // <-`).kind).toBe('http');
    expect(harmful(one(`${ax}await axios.post('http://x/y', {}, { headers: { 'idempotency-key': 'k' } }); // <-`))).toBe(false);
    expect(one(`${ax}await axios.get('http://x/y'); // <-`).kind).toBe('read');
    expect(one(`import got from 'got';\nawait got.post('http://x/y', { json: {} }); // <-`).kind).toBe('http');
  });
  it('a random idempotency key is no key at all', () => {
    expect(harmful(one(`import { randomUUID } from 'node:crypto';\nawait fetch('http://x', { method: 'POST', headers: { 'Idempotency-Key': randomUUID() } }); // <-`))).toBe(true);
  });
});

describe('email, SMS and push providers', () => {
  it('nodemailer, SES, SendGrid, Twilio', () => {
    expect(one(`import nodemailer from 'nodemailer';\nconst t = nodemailer.createTransport({});\nawait t.sendMail({ to: 'a', subject: 's' }); // <-`).kind).toBe('email');
    expect(one(`import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';\nconst ses = new SESv2Client({});\nawait ses.send(new SendEmailCommand({})); // <-`).kind).toBe('email');
    expect(one(`import sgMail from '@sendgrid/mail';\nawait sgMail.send({ to: 'a' }); // <-`).kind).toBe('email');
    expect(one(`import twilio from 'twilio';\nconst sms = twilio('a', 'b');\nawait sms.messages.create({ to: '+1', body: 'x' }); // <-`).kind).toBe('sms');
  });
  it('firebase-admin messaging is a push', () => {
    expect(one(`import admin from 'firebase-admin';\nawait admin.messaging().send({ token: 't' }); // <-`).kind).toBe('push');
  });
});

describe('Stripe and payment SDKs', () => {
  const pre = `import Stripe from 'stripe';\nconst stripe = new Stripe('sk');\n`;
  it('a charge is a payment; an idempotencyKey clears it; webhooks and retrieve are not effects', () => {
    expect(one(`${pre}await stripe.paymentIntents.create({ amount: 1, currency: 'eur' }); // <-`).kind).toBe('payment');
    expect(harmful(one(`${pre}await stripe.refunds.create({ payment_intent: 'p' }, { idempotencyKey: 'refund-1' }); // <-`))).toBe(false);
    expect(one(`${pre}await stripe.paymentIntents.retrieve('pi'); // <-`).kind).toBe('read');
    expect(classify(`${pre}stripe.webhooks.constructEvent('a', 'b', 'c'); // <-`)).toHaveLength(0);
  });
  it('Square createPayment with its idempotencyKey', () => {
    expect(harmful(one(`import { Client } from 'square';\nconst sq = new Client({});\nawait sq.paymentsApi.createPayment({ idempotencyKey: 'k', amountMoney: {} }); // <-`))).toBe(false);
  });
});

describe('producers', () => {
  it('Kafka, AMQP, SNS, SQS, EventBridge, Pub/Sub are publishes', () => {
    expect(one(`import { Kafka } from 'kafkajs';\nconst p = new Kafka({ brokers: [] }).producer();\nawait p.send({ topic: 't', messages: [] }); // <-`)).toMatchObject({ kind: 'publish', target: 't' });
    expect(one(`import amqp from 'amqplib';\nconst ch = await (await amqp.connect('x')).createChannel();\nch.publish('ex', 'rk', Buffer.from('x')); // <-`).kind).toBe('publish');
    expect(one(`import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nconst sns = new SNSClient({});\nawait sns.send(new PublishCommand({ TopicArn: 'arn', Message: 'x' })); // <-`).kind).toBe('publish');
    expect(one(`import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';\nconst sns = new SNSClient({});\nawait sns.send(new PublishCommand({ PhoneNumber: '+1', Message: 'x' })); // <-`).kind).toBe('sms');
    expect(one(`import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nawait sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'x' })); // <-`).kind).toBe('publish');
    expect(one(`import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';\nconst eb = new EventBridgeClient({});\nawait eb.send(new PutEventsCommand({ Entries: [] })); // <-`).kind).toBe('publish');
    expect(one(`import { PubSub } from '@google-cloud/pubsub';\nconst ps = new PubSub();\nawait ps.topic('t').publishMessage({ json: {} }); // <-`)).toMatchObject({ kind: 'publish', target: 't' });
  });
  it('dedup ids handed to the broker: SQS MessageDeduplicationId, JetStream msgID, BullMQ jobId', () => {
    expect(harmful(one(`import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';\nconst sqs = new SQSClient({});\nawait sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'x', MessageDeduplicationId: 'evt' })); // <-`))).toBe(false);
    expect(harmful(one(`import { connect } from 'nats';\nconst js = (await connect()).jetstream();\nawait js.publish('s', new Uint8Array(), { msgID: 'evt' }); // <-`))).toBe(false);
    expect(harmful(one(`import { Queue } from 'bullmq';\nconst q = new Queue('q');\nawait q.add('job', {}, { jobId: 'evt' }); // <-`))).toBe(false);
    expect(harmful(one(`import { Queue } from 'bullmq';\nconst q = new Queue('q');\nawait q.add('job', {}); // <-`))).toBe(true);
  });
});

describe('promise and Observable tails', () => {
  const nest = `import { Injectable } from '@nestjs/common';\nimport { ClientKafka } from '@nestjs/microservices';\n@Injectable()\nexport class Producer {\n  constructor(private readonly client: ClientKafka) {}\n  emit(topic: string, m: unknown) {\n`;
  it('a NestJS client emit whose Observable is subscribed to is one publish', () => {
    expect(one(`${nest}    return new Promise((res, rej) => this.client.emit(topic, m).subscribe({ error: rej, next: res })); // <-\n  }\n}`)).toMatchObject({ kind: 'publish', library: 'nest-client', op: 'emit' });
    expect(one(`${nest}    return this.client.send(topic, m).pipe(); // <-\n  }\n}`)).toMatchObject({ kind: 'publish', op: 'send' });
  });
  it('a .catch tail does not make a second effect', () => {
    expect(classify(`import { Kafka } from 'kafkajs';\nconst p = new Kafka({ brokers: [] }).producer();\nawait p.send({ topic: 't', messages: [] }).catch(() => undefined); // <-`)).toHaveLength(1);
  });
  it('subscribe on a client itself is not a tail', () => {
    expect(classify(`import Redis from 'ioredis';\nconst r = new Redis();\nawait r.subscribe('ch'); // <-`)).toHaveLength(0);
  });
});

describe('unknown calls and configuration', () => {
  it('an unknown call is not an effect, unless config.sideEffects names it', () => {
    expect(classify(`declare const svc: any;\nawait svc.create({ a: 1 }); // <-`)).toHaveLength(0);
    expect(one(`declare const audit: any;\nawait audit.record({ a: 1 }); // <-`, {}, { sideEffects: [{ name: 'audit.record', kind: 'insert' }] }).kind).toBe('insert');
  });
});
