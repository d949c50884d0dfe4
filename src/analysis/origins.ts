// Which npm library a value comes from, read from the syntax alone: `new PrismaClient()`,
// `knex({...})`, `axios.create()`, an injected `Repository<X>` typed from 'typeorm', the `tx`
// of `prisma.$transaction(async (tx) => ...)`. The side-effect classifier asks this to tell a
// Prisma `create` from any other `create`.
import { ts, isInside, propertyNameText, returnedExpressions, thisClass, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';

export interface Origin {
  /** Module specifier the value was imported from ('pg', '@prisma/client', 'fetch' for the global). */
  module: string;
  /** Imported name ('PrismaClient', 'default', '*'). */
  name?: string;
}

const cache = new WeakMap<ts.Node, Origin | null>();

/** The library a value comes from, or undefined when syntax does not say. */
export function originOf(project: Project, expr: ts.Node, depth = 0): Origin | undefined {
  if (depth > 14) return undefined;
  const hit = cache.get(expr);
  if (hit !== undefined) return hit ?? undefined;
  let out: Origin | undefined;
  try {
    out = compute(project, expr, depth);
  } catch {
    out = undefined;
  }
  cache.set(expr, out ?? null);
  return out;
}

function compute(project: Project, node: ts.Node, depth: number): Origin | undefined {
  if (!ts.isExpression(node)) return undefined;
  const e = unwrapExpression(node);
  if (ts.isIdentifier(e)) return identifierOrigin(project, e, depth);
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    const recv = unwrapExpression(e.expression);
    if (recv.kind === ts.SyntaxKind.ThisKeyword) {
      const name = ts.isPropertyAccessExpression(e) ? e.name.text : propertyNameText(e.argumentExpression as ts.StringLiteral);
      const cls = thisClass(recv);
      return cls && name ? memberOrigin(project, cls, name, depth) : undefined;
    }
    return originOf(project, recv, depth + 1);
  }
  if (ts.isCallExpression(e)) {
    if (ts.isIdentifier(e.expression) && e.expression.text === 'require' && e.arguments[0] && ts.isStringLiteral(e.arguments[0])) {
      return { module: e.arguments[0].text, name: '*' };
    }
    return originOf(project, e.expression, depth + 1) ?? returnedOrigin(project, e, depth + 1);
  }
  if (ts.isNewExpression(e)) return originOf(project, e.expression, depth + 1);
  if (ts.isAwaitExpression(e)) return originOf(project, e.expression, depth + 1);
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(e.operatorToken.kind)) {
    return originOf(project, e.left, depth + 1) ?? originOf(project, e.right, depth + 1);
  }
  if (ts.isConditionalExpression(e)) return originOf(project, e.whenTrue, depth + 1) ?? originOf(project, e.whenFalse, depth + 1);
  return undefined;
}

function identifierOrigin(project: Project, id: ts.Identifier, depth: number): Origin | undefined {
  const b = project.lookup(id);
  if (!b) return id.text === 'fetch' ? { module: 'fetch' } : undefined;
  switch (b.kind) {
    case 'import': {
      if (b.file) {
        // A project module: follow what it exports (`export const prisma = new PrismaClient()`).
        const d = project.exported(b.file, b.name === '*' ? 'default' : b.name);
        if (!d) return undefined;
        if (ts.isVariableDeclaration(d)) return declOrigin(project, d, depth);
        if (ts.isClassDeclaration(d)) return classOrigin(project, d, depth);
        if (ts.isExpression(d)) return originOf(project, d, depth + 1);
        return undefined;
      }
      return { module: b.module, name: b.name };
    }
    case 'var':
      return declOrigin(project, b.decl, depth);
    case 'param': {
      if (b.decl.type) {
        const t = typeOrigin(project, b.decl.type, depth);
        if (t) return t;
      }
      // The callback parameter of a library method: prisma.$transaction(async (tx) => ...)
      const fn = b.fn;
      const call = fn.parent;
      if (call && ts.isCallExpression(call) && call.arguments.includes(fn as ts.Expression)) {
        const callee = unwrapExpression(call.expression);
        if (ts.isPropertyAccessExpression(callee) && /^(\$?transaction|runTransaction|transactional|withTransaction|tx|task|begin|getConnection|connect|withSession)$/.test(callee.name.text)) {
          return originOf(project, callee.expression, depth + 1);
        }
      }
      return undefined;
    }
    case 'class':
      return classOrigin(project, b.node, depth);
    default:
      return undefined;
  }
}

function declOrigin(project: Project, d: ts.VariableDeclaration, depth: number): Origin | undefined {
  if (d.type) {
    const t = typeOrigin(project, d.type, depth);
    if (t) return t;
  }
  return d.initializer ? originOf(project, d.initializer, depth + 1) : undefined;
}

/** `class Order extends Model` takes the origin of Model (Sequelize, Objection). */
function classOrigin(project: Project, cls: ts.ClassLikeDeclaration, depth: number): Origin | undefined {
  const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  return ext ? originOf(project, ext.expression, depth + 1) : undefined;
}

/** The origin of a type annotation: `Pool` imported from 'pg', `Repository<X>` from 'typeorm'. */
export function typeOrigin(project: Project, type: ts.TypeNode, depth = 0): Origin | undefined {
  if (ts.isUnionTypeNode(type)) {
    for (const t of type.types) {
      const o = typeOrigin(project, t, depth);
      if (o) return o;
    }
    return undefined;
  }
  if (!ts.isTypeReferenceNode(type)) return undefined;
  let name: ts.EntityName = type.typeName;
  while (ts.isQualifiedName(name)) name = name.left;
  const b = project.lookup(name);
  if (b?.kind === 'import' && !b.file) return { module: b.module, name: b.name };
  if (b?.kind === 'import' && b.file) {
    const d = project.exported(b.file, b.name);
    if (d && ts.isClassDeclaration(d)) return classOrigin(project, d, depth + 1);
  }
  if (b?.kind === 'class') return classOrigin(project, b.node, depth + 1);
  return undefined;
}

/** The origin of `this.<name>`: a property's type or initializer, a constructor parameter, a constructor assignment. */
export function memberOrigin(project: Project, cls: ts.ClassLikeDeclaration, name: string, depth: number): Origin | undefined {
  if (depth > 14) return undefined;
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) {
      const t = m.type && typeOrigin(project, m.type, depth);
      if (t) return t;
      if (m.initializer) return originOf(project, m.initializer, depth + 1);
    }
    if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === name && p.type) {
          const t = typeOrigin(project, p.type, depth);
          if (t) return t;
        }
      }
      for (const st of m.body?.statements ?? []) {
        if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression)) continue;
        const b = st.expression;
        if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
        const l = unwrapExpression(b.left);
        if (ts.isPropertyAccessExpression(l) && l.expression.kind === ts.SyntaxKind.ThisKeyword && l.name.text === name) {
          return originOf(project, b.right, depth + 1);
        }
      }
    }
  }
  const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (ext) {
    const base = project.classFromExpression(ext.expression);
    if (base && base !== cls) return memberOrigin(project, base, name, depth + 1);
  }
  return undefined;
}

/** The member declaration behind `this.<name>` when it is a constructor parameter property: its index. */
export function constructorParamIndex(cls: ts.ClassLikeDeclaration, name: string): number | undefined {
  const ctor = cls.members.find(ts.isConstructorDeclaration);
  if (!ctor) return undefined;
  const i = ctor.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === name);
  return i >= 0 ? i : undefined;
}

/** Library families the classifier knows, by module specifier. */
export type Family =
  | 'prisma'
  | 'typeorm'
  | 'sequelize'
  | 'mongoose'
  | 'mongodb'
  | 'knex'
  | 'drizzle'
  | 'mikro-orm'
  | 'sql'
  | 'dynamodb'
  | 'aws-v2'
  | 'firestore'
  | 'firebase-admin'
  | 'redis'
  | 'http'
  | 'nest-http'
  | 'nodemailer'
  | 'ses'
  | 'email'
  | 'sms'
  | 'push'
  | 'stripe'
  | 'payment'
  | 'kafka'
  | 'amqp'
  | 'sns'
  | 'sqs'
  | 'eventbridge'
  | 'kinesis'
  | 'pubsub'
  | 'servicebus'
  | 'eventhubs'
  | 'nats'
  | 'queue'
  | 'nest-client'
  | 'golevelup'
  | 'mqtt';

const FAMILIES: [RegExp, Family][] = [
  [/^@prisma\/client|^\.prisma\/client/, 'prisma'],
  [/^(typeorm|@nestjs\/typeorm)$/, 'typeorm'],
  [/^(sequelize|sequelize-typescript)$/, 'sequelize'],
  [/^(mongoose|@nestjs\/mongoose|@typegoose\/typegoose)$/, 'mongoose'],
  [/^mongodb$/, 'mongodb'],
  [/^knex$/, 'knex'],
  [/^drizzle-orm(\/|$)/, 'drizzle'],
  [/^@mikro-orm\//, 'mikro-orm'],
  [/^(pg|pg-pool|postgres|pg-promise|slonik|@neondatabase\/serverless|@vercel\/postgres|mysql|mysql2|mysql2\/promise|mariadb|better-sqlite3|sqlite3|sqlite|@libsql\/client|@planetscale\/database|kysely)$/, 'sql'],
  [/^@aws-sdk\/(lib-dynamodb|client-dynamodb)$/, 'dynamodb'],
  [/^aws-sdk(\/|$)/, 'aws-v2'],
  [/^(@google-cloud\/firestore|firebase-admin\/firestore)$/, 'firestore'],
  [/^firebase-admin$/, 'firebase-admin'],
  [/^firebase-admin\/messaging$/, 'push'],
  [/^(ioredis|redis|@redis\/client|@upstash\/redis|@nestjs-modules\/ioredis|@liaoliaots\/nestjs-redis)$/, 'redis'],
  [/^(axios|got|ky|node-fetch|undici|cross-fetch|isomorphic-fetch|superagent|needle|request|request-promise|fetch)$/, 'http'],
  [/^@nestjs\/axios$/, 'nest-http'],
  [/^nodemailer$/, 'nodemailer'],
  [/^@aws-sdk\/client-sesv?2?$/, 'ses'],
  [/^(@sendgrid\/mail|postmark|mailgun\.js|mailgun-js|resend|@nestjs-modules\/mailer|@mailchimp\/mailchimp_transactional|@getbrevo\/brevo|sib-api-v3-sdk)$/, 'email'],
  [/^(twilio|@vonage\/server-sdk|vonage|nexmo|messagebird|plivo|telnyx)$/, 'sms'],
  [/^(web-push|expo-server-sdk|apn|@parse\/node-apn|onesignal-node|@onesignal\/node-onesignal)$/, 'push'],
  [/^stripe$/, 'stripe'],
  [/^(braintree|@adyen\/api-library|square|@mollie\/api-client|razorpay|@paypal\/checkout-server-sdk|@paypal\/paypal-server-sdk|@paddle\/paddle-node-sdk|checkout-sdk-node|@checkout\.com\/checkout-sdk-node)$/, 'payment'],
  [/^(kafkajs|@confluentinc\/kafka-javascript|node-rdkafka)$/, 'kafka'],
  [/^(amqplib|amqplib\/callback_api|amqp-connection-manager|rascal)$/, 'amqp'],
  [/^@aws-sdk\/client-sns$/, 'sns'],
  [/^@aws-sdk\/client-sqs$/, 'sqs'],
  [/^@aws-sdk\/client-eventbridge$/, 'eventbridge'],
  [/^@aws-sdk\/client-(kinesis|firehose)$/, 'kinesis'],
  [/^@google-cloud\/pubsub$/, 'pubsub'],
  [/^@azure\/service-bus$/, 'servicebus'],
  [/^@azure\/event-hubs$/, 'eventhubs'],
  [/^(nats|nats\.ws|@nats-io\/.*)$/, 'nats'],
  [/^(bullmq|bull|@nestjs\/bullmq|@nestjs\/bull|bee-queue|pg-boss|graphile-worker)$/, 'queue'],
  [/^@nestjs\/microservices$/, 'nest-client'],
  [/^@golevelup\/nestjs-rabbitmq$/, 'golevelup'],
  [/^(mqtt|async-mqtt)$/, 'mqtt'],
];

export function familyOf(origin: Origin | undefined): Family | undefined {
  if (!origin) return undefined;
  for (const [re, f] of FAMILIES) if (re.test(origin.module)) return f;
  return undefined;
}

/**
 * The origin of what a project function returns: `getQueue(name).add(...)` where getQueue returns a
 * cached `new Queue(...)`. A returned local `let` counts with every value assigned to it in the function.
 */
function returnedOrigin(project: Project, call: ts.CallExpression, depth: number): Origin | undefined {
  if (depth > 10) return undefined;
  for (const t of project.resolveFunctions(call.expression)) {
    if (t.kind !== 'function') continue;
    for (const r of returnedExpressions(t.fn)) {
      const o = originOf(project, r, depth + 1) ?? localAssignmentOrigin(project, t.fn, r, depth + 1);
      if (o) return o;
    }
  }
  return undefined;
}

function localAssignmentOrigin(project: Project, fn: ts.Node, returned: ts.Expression, depth: number): Origin | undefined {
  const id = unwrapExpression(returned);
  if (!ts.isIdentifier(id)) return undefined;
  const b = project.lookup(id);
  if (b?.kind !== 'var' || !isInside(b.decl, fn)) return undefined;
  let out: Origin | undefined;
  walk(fn, (n) => {
    if (out) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === id.text) {
      out = originOf(project, n.right, depth + 1);
    }
    return undefined;
  });
  return out;
}
