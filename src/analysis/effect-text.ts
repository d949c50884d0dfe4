// Words for effects in findings: what the call does, and what a duplicate delivery makes of it.
import type { Effect } from './effects.js';

const LIB: Record<string, string> = {
  prisma: 'Prisma', typeorm: 'TypeORM', sequelize: 'Sequelize', mongoose: 'Mongoose', mongodb: 'MongoDB', knex: 'Knex', drizzle: 'Drizzle',
  'mikro-orm': 'MikroORM', sql: 'SQL', dynamodb: 'DynamoDB', 'aws-v2': 'AWS SDK', firestore: 'Firestore', 'firebase-admin': 'Firebase', redis: 'Redis',
  http: 'HTTP', 'nest-http': 'HTTP', nodemailer: 'nodemailer', ses: 'SES', email: 'email', sms: 'SMS', push: 'push', stripe: 'Stripe', payment: 'payment',
  kafka: 'Kafka', amqp: 'AMQP', sns: 'SNS', sqs: 'SQS', eventbridge: 'EventBridge', kinesis: 'Kinesis', pubsub: 'Pub/Sub', servicebus: 'Service Bus',
  eventhubs: 'Event Hubs', nats: 'NATS', queue: 'queue', 'nest-client': 'Nest client', golevelup: 'RabbitMQ', mqtt: 'MQTT', config: 'configured',
};

export function libraryName(e: Effect): string {
  return LIB[e.library] ?? e.library;
}

function short(s: string | undefined, max = 50): string | undefined {
  if (!s) return undefined;
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** "inserts a wallet_transactions row (Prisma create)". */
export function describeEffect(e: Effect): string {
  const t = short(e.target);
  const via = `${libraryName(e)} ${e.op}`;
  switch (e.kind) {
    case 'insert':
      return `inserts a row${t ? ` into ${t}` : ''} (${via})`;
    case 'fresh-id':
      return `inserts a row${t ? ` into ${t}` : ''} with a freshly generated id (${via})`;
    case 'increment':
      return `increments ${t ?? 'a stored value'} (${via})`;
    case 'append':
      return `appends to ${t ?? 'a stored list'} (${via})`;
    case 'payment':
      return `makes a payment call${t ? ` (${t}.${e.op})` : ` (${via})`}`;
    case 'email':
      return `sends an email (${via})`;
    case 'sms':
      return `sends an SMS (${via})`;
    case 'push':
      return `sends a push notification (${via})`;
    case 'publish':
      return `publishes a message${t ? ` to ${t}` : ''} (${via})`;
    case 'http':
      return `sends an HTTP ${e.http?.method ?? 'POST'}${t ? ` to ${t}` : ''}`;
    case 'upsert':
      return `upserts ${t ?? 'a row'} (${via})`;
    case 'delete':
      return `deletes ${t ?? 'a row'} (${via})`;
    case 'absolute-write':
      return `writes ${t ?? 'state'} (${via})`;
    default:
      return `reads ${t ?? 'state'} (${via})`;
  }
}

/** What a second delivery of the same message does: "inserts a second wallet_transactions row". */
export function repeatConsequence(e: Effect): string {
  const t = short(e.target);
  switch (e.kind) {
    case 'insert':
      return `inserts a second row${t ? ` into ${t}` : ''}`;
    case 'fresh-id':
      return `inserts a second row${t ? ` into ${t}` : ''} under a new id`;
    case 'increment':
      return `applies the increment to ${t ?? 'the stored value'} twice`;
    case 'append':
      return `appends the same entry to ${t ?? 'the list'} again`;
    case 'payment':
      return e.op === 'create' && /refund/i.test(e.target ?? '') ? 'issues the refund twice' : /transfer|payout/i.test(e.target ?? '') ? 'moves the money twice' : 'charges twice';
    case 'email':
      return 'sends the email twice';
    case 'sms':
      return 'sends the SMS twice';
    case 'push':
      return 'sends the push notification twice';
    case 'publish':
      return `publishes a second ${t ? `${t} ` : ''}message`;
    case 'http':
      return `repeats the ${e.http?.method ?? 'POST'}${t ? ` to ${t}` : ''}`;
    default:
      return 'repeats the write';
  }
}
