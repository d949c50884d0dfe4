#!/usr/bin/env node
// Benchmark project generator for event-audit.
//
// generateProject(dir, { files: 5000, seed: 1 }) writes a TypeScript monorepo-like tree
// (packages/<domain>/src/...) of exactly `files` .ts files: entities, repositories
// (Prisma / Knex / TypeORM style), services, HTTP controllers (Express / NestJS), utilities,
// types, and ~3% event handlers of mixed frameworks (kafkajs, amqplib, AWS Lambda SQS,
// bullmq, NestJS @EventPattern, Google Pub/Sub, sqs-consumer) that call into the services,
// some with typical defects (no dedup before inserts, empty catch, un-awaited calls).
//
// Output depends only on (files, seed): a seeded PRNG (mulberry32), no clock, no
// Math.random, no environment. Running it twice gives byte-identical trees.
//
// Script use: node bench/generate.mjs <dir> [--files 5000] [--seed 1] [--force]

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------
// PRNG and small helpers

function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeRng(seed) {
  const next = mulberry32(seed);
  const rng = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    shuffle: (arr) => {
      const a = arr.slice();
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
    sample: (arr, n) => rng.shuffle(arr).slice(0, Math.min(n, arr.length)),
  };
  return rng;
}

const BT = '`';
const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const snake = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const camel = (s) => s[0].toLowerCase() + s.slice(1);
const pascal = (s) => s.split(/[-_ ]/).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
const constCase = (s) => snake(s).toUpperCase();
const plural = (s) => (s.endsWith('s') ? s + 'es' : s.endsWith('y') && !/[aeiou]y$/.test(s) ? s.slice(0, -1) + 'ies' : s + 's');

function relImport(fromFile, toFile) {
  let rel = path.posix.relative(path.posix.dirname(fromFile), toFile).replace(/\.ts$/, '');
  if (!rel.startsWith('.')) rel = './' + rel;
  return rel.replace(/\/index$/, '');
}

// Line-count target: 40..250, skewed towards small files (mean ~110-120 lines).
function targetLines(rng) {
  return 40 + Math.floor(210 * Math.pow(rng.next(), 2.0));
}
const MAX_LINES = 250;

// Appends chunks from make(i) before `tail` until the file reaches `target` lines,
// never exceeding MAX_LINES.
function fill(lines, tailLen, target, make) {
  for (let i = 0; i < 40 && lines.length + tailLen < target; i++) {
    const chunk = make(i);
    if (!chunk) break;
    if (lines.length + chunk.length + tailLen > MAX_LINES) break;
    lines.push(...chunk);
  }
}

// ---------------------------------------------------------------------------------------
// Vocabulary

const DOMAINS = [
  'billing', 'inventory', 'orders', 'shipping', 'catalog', 'customers', 'notifications',
  'payments', 'accounts', 'analytics', 'search', 'pricing', 'returns', 'loyalty', 'reviews',
  'subscriptions', 'fulfillment', 'tax', 'promotions', 'identity', 'media', 'reporting',
  'warehouse', 'support', 'ledger', 'onboarding', 'scheduling', 'compliance', 'marketing', 'partners',
];
const NOUNS = [
  'Invoice', 'Order', 'Payment', 'Refund', 'Shipment', 'Parcel', 'Product', 'Variant', 'Price',
  'Customer', 'Address', 'Account', 'Ledger', 'Transfer', 'Coupon', 'Discount', 'Review', 'Rating',
  'Subscription', 'Plan', 'Quota', 'Reservation', 'Allocation', 'Stock', 'Warehouse', 'Carrier',
  'Return', 'Claim', 'Ticket', 'Message', 'Template', 'Campaign', 'Segment', 'Report', 'Export',
  'Import', 'Tenant', 'Member', 'Role', 'Session', 'Device', 'Asset', 'Document', 'Contract',
  'Vendor', 'Partner', 'Payout', 'Fee', 'Charge', 'Batch', 'Slot', 'Booking', 'Lead', 'Quote',
];
const QUALIFIERS = [
  '', 'Line', 'Item', 'Attempt', 'Schedule', 'Snapshot', 'Adjustment', 'Entry', 'Rule', 'Event',
  'Request', 'Record', 'Summary', 'Note', 'Link', 'Policy', 'Setting', 'Group', 'Window', 'Limit',
];
const FEATURE_WORDS = [
  'core', 'checkout', 'lifecycle', 'admin', 'sync', 'settlement', 'intake', 'planning', 'audit',
  'catalogue', 'dispatch', 'engagement', 'risk', 'rates', 'claims', 'routing', 'ops', 'directory',
];
const STATUSES = ['ACTIVE', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED', 'ARCHIVED', 'DRAFT', 'PUBLISHED', 'REFUNDED', 'SHIPPED', 'EXPIRED', 'ON_HOLD'];
const FIELD_POOL = {
  string: ['name', 'title', 'description', 'reference', 'externalId', 'currency', 'email', 'sku', 'code', 'notes', 'region', 'channel', 'locale', 'slug', 'ownerId', 'source'],
  number: ['amount', 'quantity', 'total', 'price', 'weight', 'priority', 'attempts', 'discount', 'balance', 'score', 'taxRate', 'position'],
  Date: ['processedAt', 'expiresAt', 'scheduledAt', 'cancelledAt', 'publishedAt', 'dueAt'],
  boolean: ['isArchived', 'isDefault', 'verified', 'enabled', 'taxable', 'requiresReview'],
};
const SERVICE_SUFFIXES = ['Sync', 'Pricing', 'Export', 'Lifecycle', 'Reconciliation', 'Notification', 'Import', 'Audit', 'Scheduling', 'Reporting', 'Cleanup', 'Projection'];
const UTIL_AREAS = ['common', 'format', 'io', 'domain', 'internal', 'http', 'time', 'data'];
const FRAMEWORKS = ['kafka-each-message', 'kafka-each-batch', 'amqplib', 'lambda-sqs', 'bullmq', 'nest-event-pattern', 'pubsub', 'sqs-consumer'];

// ---------------------------------------------------------------------------------------
// Core package (fixed set of shared infrastructure files)

const CORE = 'packages/core/src';
const corePath = (p) => `${CORE}/${p}.ts`;

function coreFiles() {
  const f = {};
  f[corePath('logger')] = `export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function currentLevel(): LogLevel {
  const value = (process.env.LOG_LEVEL ?? 'info').toLowerCase();
  return value in LEVELS ? (value as LogLevel) : 'info';
}

export function createLogger(scope: string): Logger {
  const threshold = LEVELS[currentLevel()];
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[level] < threshold) return;
    const line = JSON.stringify({ level, scope, message, ...fields, time: new Date().toISOString() });
    if (level === 'error' || level === 'warn') process.stderr.write(line + '\\n');
    else process.stdout.write(line + '\\n');
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (child) => createLogger(${BT}\${scope}.\${child}${BT}),
  };
}

export const rootLogger = createLogger('app');
`;
  f[corePath('errors')] = `export class AppError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status = 500,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, id: string) {
    super(${BT}\${entity} \${id} not found${BT}, 'not_found', 404, { entity, id });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 'conflict', 409, details);
  }
}

export class ValidationError extends AppError {
  constructor(message: string, readonly field?: string) {
    super(message, 'validation_failed', 400, field ? { field } : undefined);
  }
}

export class UpstreamError extends AppError {
  constructor(service: string, status: number, body?: string) {
    super(${BT}upstream \${service} answered \${status}${BT}, 'upstream_failed', 502, { service, status, body });
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

export function toErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
`;
  f[corePath('config')] = `export interface AppConfig {
  env: 'development' | 'test' | 'production';
  databaseUrl: string;
  kafkaBrokers: string[];
  amqpUrl: string;
  redisHost: string;
  redisPort: number;
  httpTimeoutMs: number;
}

function readEnv(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(${BT}missing environment variable \${name}${BT});
  return value;
}

let cached: AppConfig | undefined;

export function loadConfig(): AppConfig {
  if (cached) return cached;
  const env = readEnv('NODE_ENV', 'development');
  cached = {
    env: env === 'production' || env === 'test' ? env : 'development',
    databaseUrl: readEnv('DATABASE_URL', 'postgres://localhost:5432/app'),
    kafkaBrokers: readEnv('KAFKA_BROKERS', 'localhost:9092').split(','),
    amqpUrl: readEnv('AMQP_URL', 'amqp://localhost'),
    redisHost: readEnv('REDIS_HOST', 'localhost'),
    redisPort: Number(readEnv('REDIS_PORT', '6379')),
    httpTimeoutMs: Number(readEnv('HTTP_TIMEOUT_MS', '5000')),
  };
  return cached;
}

export function resetConfigForTests(): void {
  cached = undefined;
}
`;
  f[corePath('http/http-client')] = `import { UpstreamError } from '../errors';
import { createLogger } from '../logger';

export interface HttpClientOptions {
  baseUrl: string;
  timeoutMs?: number;
  retries?: number;
  headers?: Record<string, string>;
}

const log = createLogger('http');

export class HttpClient {
  private readonly timeoutMs: number;
  private readonly retries: number;

  constructor(private readonly options: HttpClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.retries = options.retries ?? 2;
  }

  async get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    const url = new URL(path, this.options.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return this.request<T>('GET', url);
  }

  async post<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', new URL(path, this.options.baseUrl), body);
  }

  async put<T = unknown>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', new URL(path, this.options.baseUrl), body);
  }

  async delete(path: string): Promise<void> {
    await this.request<void>('DELETE', new URL(path, this.options.baseUrl));
  }

  private async request<T>(method: string, url: URL, body?: unknown): Promise<T> {
    let attempt = 0;
    for (;;) {
      attempt += 1;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      try {
        const response = await fetch(url, {
          method,
          headers: { 'content-type': 'application/json', ...this.options.headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: controller.signal,
        });
        if (!response.ok) throw new UpstreamError(url.host, response.status, await response.text());
        if (response.status === 204) return undefined as T;
        return (await response.json()) as T;
      } catch (error) {
        if (attempt > this.retries) throw error;
        log.warn('retrying request', { method, url: url.toString(), attempt });
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
`;
  f[corePath('db/prisma')] = `import { PrismaClient } from '@prisma/client';

export const prisma = new PrismaClient({
  log: process.env.PRISMA_LOG === '1' ? ['query', 'warn', 'error'] : ['error'],
});

export async function disconnectPrisma(): Promise<void> {
  await prisma.$disconnect();
}

export type Tx = Parameters<Parameters<typeof prisma.$transaction>[0]>[0];
`;
  f[corePath('db/knex')] = `import createKnex, { type Knex } from 'knex';
import { loadConfig } from '../config';

let instance: Knex | undefined;

export function knex(): Knex {
  if (!instance) {
    instance = createKnex({
      client: 'pg',
      connection: loadConfig().databaseUrl,
      pool: { min: 1, max: 10 },
    });
  }
  return instance;
}

export async function destroyKnex(): Promise<void> {
  if (instance) {
    await instance.destroy();
    instance = undefined;
  }
}
`;
  f[corePath('db/data-source')] = `import { DataSource } from 'typeorm';
import { loadConfig } from '../config';

export const dataSource = new DataSource({
  type: 'postgres',
  url: loadConfig().databaseUrl,
  synchronize: false,
  logging: false,
  entities: [],
});

export async function initDataSource(): Promise<DataSource> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  return dataSource;
}
`;
  f[corePath('messaging/kafka')] = `import { Kafka, logLevel, type Producer } from 'kafkajs';
import { loadConfig } from '../config';

export const kafka = new Kafka({
  clientId: process.env.SERVICE_NAME ?? 'app',
  brokers: loadConfig().kafkaBrokers,
  logLevel: logLevel.WARN,
});

let producer: Producer | undefined;

export async function getProducer(): Promise<Producer> {
  if (!producer) {
    producer = kafka.producer({ idempotent: true });
    await producer.connect();
  }
  return producer;
}

export async function publish(topic: string, key: string, value: unknown): Promise<void> {
  const p = await getProducer();
  await p.send({ topic, messages: [{ key, value: JSON.stringify(value) }] });
}
`;
  f[corePath('messaging/outbox')] = `import { prisma } from '../db/prisma';

export interface OutboxRecord {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  createdAt: Date;
}

export async function enqueueOutbox(topic: string, key: string, payload: unknown): Promise<void> {
  await prisma.outbox.create({ data: { topic, key, payload: JSON.stringify(payload) } });
}

export async function drainOutbox(limit = 100): Promise<OutboxRecord[]> {
  const rows = await prisma.outbox.findMany({ take: limit, orderBy: { createdAt: 'asc' } });
  return rows.map((row: { id: string; topic: string; key: string; payload: string; createdAt: Date }) => ({
    ...row,
    payload: JSON.parse(row.payload) as unknown,
  }));
}
`;
  f[corePath('idempotency/processed-messages')] = `import { prisma } from '../db/prisma';

export async function isProcessed(key: string): Promise<boolean> {
  const row = await prisma.processedMessage.findUnique({ where: { key } });
  return row !== null;
}

export async function markProcessed(key: string): Promise<void> {
  await prisma.processedMessage.upsert({
    where: { key },
    create: { key, processedAt: new Date() },
    update: {},
  });
}

export async function withIdempotency<T>(key: string, work: () => Promise<T>): Promise<T | undefined> {
  if (await isProcessed(key)) return undefined;
  const result = await work();
  await markProcessed(key);
  return result;
}
`;
  f[corePath('metrics')] = `const counters = new Map<string, number>();
const timings = new Map<string, number[]>();

export function increment(name: string, by = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + by);
}

export function observe(name: string, ms: number): void {
  const list = timings.get(name) ?? [];
  list.push(ms);
  if (list.length > 1000) list.shift();
  timings.set(name, list);
}

export async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    observe(name, performance.now() - start);
  }
}

export function snapshot(): Record<string, number> {
  return Object.fromEntries(counters);
}
`;
  f[corePath('index')] = `export * from './logger';
export * from './errors';
export * from './config';
export * from './http/http-client';
export * from './metrics';
export { prisma } from './db/prisma';
export { knex } from './db/knex';
export { dataSource } from './db/data-source';
export { kafka, publish } from './messaging/kafka';
export { enqueueOutbox } from './messaging/outbox';
export { isProcessed, markProcessed, withIdempotency } from './idempotency/processed-messages';
`;
  return f;
}

// ---------------------------------------------------------------------------------------
// Utility topics. Each util file exports the topic's functions; services call `use`.

const UTIL_TOPICS = {
  money: {
    code: () => [
      'export function roundMoney(value: number, digits = 2): number {',
      '  const factor = 10 ** digits;',
      '  return Math.round(value * factor) / factor;',
      '}',
      '',
      'export function sumMoney(values: readonly number[]): number {',
      '  return roundMoney(values.reduce((acc, v) => acc + v, 0));',
      '}',
      '',
      'export function formatMoney(amount: number, currency = \'EUR\', locale = \'en-GB\'): string {',
      '  return new Intl.NumberFormat(locale, { style: \'currency\', currency }).format(amount);',
      '}',
      '',
      'export function applyPercentage(amount: number, percent: number): number {',
      '  return roundMoney(amount * (1 + percent / 100));',
      '}',
    ],
    use: 'sumMoney',
  },
  dates: {
    code: () => [
      'const DAY_MS = 24 * 60 * 60 * 1000;',
      '',
      'export function addDays(date: Date, days: number): Date {',
      '  return new Date(date.getTime() + days * DAY_MS);',
      '}',
      '',
      'export function startOfDay(date: Date): Date {',
      '  const copy = new Date(date);',
      '  copy.setUTCHours(0, 0, 0, 0);',
      '  return copy;',
      '}',
      '',
      'export function isExpired(date: Date | null | undefined, now = new Date()): boolean {',
      '  return date !== null && date !== undefined && date.getTime() <= now.getTime();',
      '}',
      '',
      'export function toIsoDate(date: Date): string {',
      '  return date.toISOString().slice(0, 10);',
      '}',
    ],
    use: 'addDays',
  },
  strings: {
    code: () => [
      'export function slugify(value: string): string {',
      '  return value',
      '    .normalize(\'NFKD\')',
      '    .replace(/[\\u0300-\\u036f]/g, \'\')',
      '    .toLowerCase()',
      '    .replace(/[^a-z0-9]+/g, \'-\')',
      '    .replace(/^-+|-+$/g, \'\');',
      '}',
      '',
      'export function truncate(value: string, max = 80): string {',
      '  return value.length <= max ? value : value.slice(0, max - 1) + \'\\u2026\';',
      '}',
      '',
      'export function maskEmail(email: string): string {',
      '  const [user, domain] = email.split(\'@\');',
      '  if (!domain) return \'***\';',
      '  return ' + BT + '${user.slice(0, 1)}***@${domain}' + BT + ';',
      '}',
    ],
    use: 'slugify',
  },
  retry: {
    code: () => [
      'export interface RetryOptions {',
      '  attempts?: number;',
      '  baseDelayMs?: number;',
      '  shouldRetry?: (error: unknown) => boolean;',
      '}',
      '',
      'export function sleep(ms: number): Promise<void> {',
      '  return new Promise((resolve) => setTimeout(resolve, ms));',
      '}',
      '',
      'export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {',
      '  const attempts = options.attempts ?? 3;',
      '  let lastError: unknown;',
      '  for (let attempt = 1; attempt <= attempts; attempt++) {',
      '    try {',
      '      return await work();',
      '    } catch (error) {',
      '      lastError = error;',
      '      if (options.shouldRetry && !options.shouldRetry(error)) break;',
      '      await sleep((options.baseDelayMs ?? 50) * 2 ** attempt);',
      '    }',
      '  }',
      '  throw lastError;',
      '}',
    ],
    use: 'withRetry',
  },
  collections: {
    code: () => [
      'export function chunk<T>(items: readonly T[], size: number): T[][] {',
      '  const out: T[][] = [];',
      '  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));',
      '  return out;',
      '}',
      '',
      'export function groupBy<T, K extends string | number>(items: readonly T[], key: (item: T) => K): Record<K, T[]> {',
      '  const out = {} as Record<K, T[]>;',
      '  for (const item of items) {',
      '    const k = key(item);',
      '    (out[k] ??= []).push(item);',
      '  }',
      '  return out;',
      '}',
      '',
      'export function uniqBy<T>(items: readonly T[], key: (item: T) => unknown): T[] {',
      '  const seen = new Set<unknown>();',
      '  return items.filter((item) => {',
      '    const k = key(item);',
      '    if (seen.has(k)) return false;',
      '    seen.add(k);',
      '    return true;',
      '  });',
      '}',
    ],
    use: 'chunk',
  },
  validation: {
    code: () => [
      'import { ValidationError } from \'@@CORE@@/errors\';',
      '',
      'const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;',
      '',
      'export function isUuid(value: unknown): value is string {',
      '  return typeof value === \'string\' && UUID_RE.test(value);',
      '}',
      '',
      'export function assertNonEmpty(value: string | undefined | null, field: string): string {',
      '  if (!value || value.trim() === \'\') throw new ValidationError(' + BT + '${field} is required' + BT + ', field);',
      '  return value.trim();',
      '}',
      '',
      'export function assertPositive(value: number, field: string): number {',
      '  if (!Number.isFinite(value) || value <= 0) throw new ValidationError(' + BT + '${field} must be positive' + BT + ', field);',
      '  return value;',
      '}',
    ],
    use: 'assertNonEmpty',
  },
  batch: {
    code: () => [
      'export async function processInBatches<T, R>(',
      '  items: readonly T[],',
      '  size: number,',
      '  work: (batch: T[]) => Promise<R[]>,',
      '): Promise<R[]> {',
      '  const results: R[] = [];',
      '  for (let i = 0; i < items.length; i += size) {',
      '    const batch = items.slice(i, i + size);',
      '    results.push(...(await work(batch)));',
      '  }',
      '  return results;',
      '}',
      '',
      'export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {',
      '  const results = new Array<R>(items.length);',
      '  let index = 0;',
      '  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {',
      '    while (index < items.length) {',
      '      const current = index++;',
      '      results[current] = await fn(items[current]);',
      '    }',
      '  });',
      '  await Promise.all(workers);',
      '  return results;',
      '}',
    ],
    use: 'processInBatches',
  },
  hashing: {
    code: () => [
      'import { createHash } from \'node:crypto\';',
      '',
      'export function stableStringify(value: unknown): string {',
      '  if (value === null || typeof value !== \'object\') return JSON.stringify(value);',
      '  if (Array.isArray(value)) return \'[\' + value.map(stableStringify).join(\',\') + \']\';',
      '  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));',
      '  return \'{\' + entries.map(([k, v]) => JSON.stringify(k) + \':\' + stableStringify(v)).join(\',\') + \'}\';',
      '}',
      '',
      'export function sha256(value: string): string {',
      '  return createHash(\'sha256\').update(value).digest(\'hex\');',
      '}',
      '',
      'export function fingerprint(value: unknown): string {',
      '  return sha256(stableStringify(value)).slice(0, 16);',
      '}',
    ],
    use: 'fingerprint',
  },
  cache: {
    code: () => [
      'interface Entry<V> {',
      '  value: V;',
      '  expiresAt: number;',
      '}',
      '',
      'export class TtlCache<K, V> {',
      '  private readonly entries = new Map<K, Entry<V>>();',
      '',
      '  constructor(private readonly ttlMs = 60_000, private readonly maxSize = 1000) {}',
      '',
      '  get(key: K): V | undefined {',
      '    const entry = this.entries.get(key);',
      '    if (!entry) return undefined;',
      '    if (entry.expiresAt < Date.now()) {',
      '      this.entries.delete(key);',
      '      return undefined;',
      '    }',
      '    return entry.value;',
      '  }',
      '',
      '  set(key: K, value: V): void {',
      '    if (this.entries.size >= this.maxSize) {',
      '      const oldest = this.entries.keys().next();',
      '      if (!oldest.done) this.entries.delete(oldest.value);',
      '    }',
      '    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs });',
      '  }',
      '',
      '  async getOrLoad(key: K, load: () => Promise<V>): Promise<V> {',
      '    const hit = this.get(key);',
      '    if (hit !== undefined) return hit;',
      '    const value = await load();',
      '    this.set(key, value);',
      '    return value;',
      '  }',
      '}',
    ],
    use: 'TtlCache',
  },
  csv: {
    code: () => [
      'export function escapeCsv(value: unknown): string {',
      '  const text = value === null || value === undefined ? \'\' : String(value);',
      '  return /[",\\n]/.test(text) ? \'"\' + text.replace(/"/g, \'""\') + \'"\' : text;',
      '}',
      '',
      'export function toCsv(rows: ReadonlyArray<Record<string, unknown>>, columns?: string[]): string {',
      '  if (rows.length === 0) return \'\';',
      '  const header = columns ?? Object.keys(rows[0]);',
      '  const lines = [header.join(\',\')];',
      '  for (const row of rows) lines.push(header.map((c) => escapeCsv(row[c])).join(\',\'));',
      '  return lines.join(\'\\n\');',
      '}',
    ],
    use: 'toCsv',
  },
  env: {
    code: () => [
      'export function envInt(name: string, fallback: number): number {',
      '  const raw = process.env[name];',
      '  if (raw === undefined || raw === \'\') return fallback;',
      '  const parsed = Number.parseInt(raw, 10);',
      '  return Number.isNaN(parsed) ? fallback : parsed;',
      '}',
      '',
      'export function envBool(name: string, fallback = false): boolean {',
      '  const raw = process.env[name];',
      '  if (raw === undefined) return fallback;',
      '  return [\'1\', \'true\', \'yes\', \'on\'].includes(raw.toLowerCase());',
      '}',
      '',
      'export function envList(name: string, separator = \',\'): string[] {',
      '  return (process.env[name] ?? \'\').split(separator).map((s) => s.trim()).filter(Boolean);',
      '}',
    ],
    use: 'envInt',
  },
  files: {
    code: () => [
      'import { promises as fs } from \'node:fs\';',
      'import path from \'node:path\';',
      '',
      'export async function ensureDir(dir: string): Promise<void> {',
      '  await fs.mkdir(dir, { recursive: true });',
      '}',
      '',
      'export async function writeJson(file: string, value: unknown): Promise<void> {',
      '  await ensureDir(path.dirname(file));',
      '  await fs.writeFile(file, JSON.stringify(value, null, 2));',
      '}',
      '',
      'export async function tryUnlink(file: string): Promise<void> {',
      '  try {',
      '    await fs.unlink(file);',
      '  } catch {}',
      '}',
    ],
    use: 'writeJson',
  },
};
const UTIL_TOPIC_NAMES = Object.keys(UTIL_TOPICS);

function utilUse(topic, svc) {
  // Lines of a service method that uses the topic's main export.
  const m = svc.model;
  const V = camel(m.name);
  const n = svc.nextFillerIndex++;
  switch (topic) {
    case 'money':
      return [`  async totalFor${n}(ids: string[]): Promise<number> {`, `    const items = await Promise.all(ids.map((id) => this.repo.getById(id)));`, `    return sumMoney(items.map((item) => item.version));`, '  }'];
    case 'dates':
      return [`  async listRecent${n}(days = 7): Promise<${m.name}Dto[]> {`, `    const since = addDays(new Date(), -days);`, `    const rows = await this.repo.findMany({ createdAfter: since, limit: 200 });`, `    return rows.map(to${m.name}Dto);`, '  }'];
    case 'strings':
      return [`  describeKey${n}(${V}: ${m.name}): string {`, `    return slugify(${BT}\${${V}.id}-\${${V}.status}${BT});`, '  }'];
    case 'retry':
      return [`  async fetchRemote${n}(id: string): Promise<Partial<${m.name}Input>> {`, `    return withRetry(() => this.http.get<Partial<${m.name}Input>>(${BT}/${m.route}/\${id}${BT}), { attempts: 4 });`, '  }'];
    case 'collections':
      return [`  async refreshAll${n}(ids: string[]): Promise<void> {`, `    for (const group of chunk(ids, 25)) {`, `      await Promise.all(group.map((id) => this.syncFromRemote(id)));`, '    }', '  }'];
    case 'validation':
      return [`  async findByIdChecked${n}(id: string | undefined): Promise<${m.name}Dto | null> {`, `    return this.findById(assertNonEmpty(id, 'id'));`, '  }'];
    case 'batch':
      return [`  async archiveMany${n}(ids: string[]): Promise<boolean[]> {`, `    return processInBatches(ids, 50, (batch) =>`, `      Promise.all(batch.map((id) => this.repo.updateStatus(id, ${m.name}Status.${m.lastStatusKey}))),`, '    );', '  }'];
    case 'hashing':
      return [`  fingerprintOf${n}(${V}: ${m.name}Dto): string {`, `    return fingerprint(${V});`, '  }'];
    case 'cache':
      return [`  private readonly cache${n} = new TtlCache<string, ${m.name}Dto | null>(30_000);`, '', `  async cachedFindById${n}(id: string): Promise<${m.name}Dto | null> {`, `    return this.cache${n}.getOrLoad(id, () => this.findById(id));`, '  }'];
    case 'csv':
      return [`  async exportCsv${n}(): Promise<string> {`, `    const rows = await this.list({ limit: 500 });`, `    return toCsv(rows.map((row) => ({ ...row })));`, '  }'];
    case 'env':
      return [`  async listPage${n}(): Promise<${m.name}Dto[]> {`, `    return this.list({ limit: envInt('${constCase(m.name)}_PAGE_SIZE', 50) });`, '  }'];
    case 'files':
      return [`  async dumpToDisk${n}(dir: string): Promise<void> {`, `    const rows = await this.list({ limit: 1000 });`, `    await writeJson(${BT}\${dir}/${m.route}.json${BT}, rows);`, '  }'];
    default:
      throw new Error('unknown topic ' + topic);
  }
}

// ---------------------------------------------------------------------------------------
// Planning: decide every package, file, name and dependency before emitting code.

function allocate(total, weights) {
  // Integer split of `total` proportional to weights (largest remainder, deterministic).
  const sum = weights.reduce((a, b) => a + b, 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k][1]]++;
  return out;
}

function planProject(totalFiles, rng) {
  const core = coreFiles();
  const coreCount = Object.keys(core).length;
  const rest = totalFiles - coreCount;
  if (rest < 30) throw new Error(`--files must be at least ${coreCount + 30}`);
  const pkgCount = Math.max(1, Math.round(rest / 250));
  const weights = Array.from({ length: pkgCount }, () => 0.7 + rng.next() * 0.6);
  const sizes = allocate(rest, weights);
  const packages = sizes.map((n, i) => {
    const base = DOMAINS[i % DOMAINS.length];
    const name = i < DOMAINS.length ? base : `${base}-${Math.floor(i / DOMAINS.length) + 1}`;
    return planPackage(name, n, rng);
  });
  // Cross-package calls: some handlers call a service of another package.
  for (const pkg of packages) {
    for (const h of pkg.handlers) {
      if (packages.length > 1 && rng.chance(0.2)) {
        const other = rng.pick(packages.filter((p) => p !== pkg));
        h.extraService = rng.pick(other.services.filter((s) => s.primary));
      }
    }
  }
  return { core, packages };
}

function planPackage(name, n, rng) {
  const root = `packages/${name}/src`;
  const handlerCount = Math.max(1, Math.round(n * 0.03));
  const rest = n - 1 - handlerCount; // minus index.ts
  // models, repositories, services, controllers, utils, types
  const [nModels, , nServicesExtra, nControllers, nUtils, nTypes] = allocate(rest, [17, 17, 22, 14, 15, 15]);
  const nRepos = nModels;
  // allocate() gave repos the same share as models; keep the sum exact.
  const nServices = rest - nModels - nRepos - nControllers - nUtils - nTypes;
  void nServicesExtra;

  const featureCount = Math.max(1, Math.ceil(nModels / 5));
  const featureNames = rng.sample(FEATURE_WORDS, Math.min(featureCount, FEATURE_WORDS.length));
  while (featureNames.length < featureCount) featureNames.push(`${rng.pick(FEATURE_WORDS)}-${featureNames.length}`);
  const features = featureNames.map((f) => ({ name: f, dir: `${root}/modules/${f}` }));

  const used = new Set();
  const models = [];
  for (let i = 0; i < nModels; i++) {
    let nm;
    for (let tries = 0; ; tries++) {
      nm = rng.pick(NOUNS) + (tries > 50 ? String(tries) : rng.pick(QUALIFIERS));
      if (!used.has(nm)) break;
    }
    used.add(nm);
    const feature = features[i % features.length];
    const statuses = ['PENDING', ...rng.sample(STATUSES, rng.int(2, 4))];
    const fields = [];
    const fieldNames = new Set(['id', 'status', 'version', 'createdAt', 'updatedAt']);
    const nFields = rng.int(3, 9);
    for (let k = 0; k < nFields; k++) {
      const type = rng.pick(['string', 'string', 'number', 'number', 'Date', 'boolean']);
      const fname = rng.pick(FIELD_POOL[type]);
      if (fieldNames.has(fname)) continue;
      fieldNames.add(fname);
      fields.push({ name: fname, type, optional: type === 'Date' || rng.chance(0.25) });
    }
    const style = rng.pick(['prisma', 'prisma', 'knex', 'typeorm']);
    const k = kebab(nm);
    models.push({
      name: nm,
      kebab: k,
      route: plural(k),
      table: plural(snake(nm)),
      feature,
      statuses,
      lastStatusKey: pascal(statuses[statuses.length - 1].toLowerCase()),
      fields,
      style,
      path: `${feature.dir}/entities/${k}.entity.ts`,
      repoPath: `${feature.dir}/repositories/${k}.repository.ts`,
      typesPath: null,
    });
  }
  for (let i = 0; i < nTypes; i++) {
    const m = models[i % models.length];
    if (i < models.length) m.typesPath = `${m.feature.dir}/types/${m.kebab}.types.ts`;
  }
  const extraTypes = Math.max(0, nTypes - models.length); // more types files than models: shared ones
  const sharedTypes = Array.from({ length: extraTypes }, (_, i) => ({ path: `${root}/types/shared-${i + 1}.types.ts`, index: i }));

  const services = [];
  for (let i = 0; i < nServices; i++) {
    const m = models[i % models.length];
    const primary = i < models.length;
    const suffix = primary ? '' : SERVICE_SUFFIXES[Math.floor(i / models.length - 1) % SERVICE_SUFFIXES.length] + (i >= models.length * (SERVICE_SUFFIXES.length + 1) ? String(i) : '');
    const sname = `${m.name}${suffix}Service`;
    const others = rng.sample(models.filter((o) => o !== m), rng.int(0, 2));
    services.push({
      name: sname,
      model: m,
      primary,
      path: `${m.feature.dir}/services/${kebab(m.name + suffix)}.service.ts`,
      others,
      utils: [],
      floatingDefect: rng.chance(0.06),
      emptyCatchDefect: rng.chance(0.05),
      nextFillerIndex: 1,
    });
  }

  const areaOf = new Map();
  const utils = [];
  for (let i = 0; i < nUtils; i++) {
    const topic = UTIL_TOPIC_NAMES[i % UTIL_TOPIC_NAMES.length];
    const area = UTIL_AREAS[Math.floor(i / UTIL_TOPIC_NAMES.length) % UTIL_AREAS.length];
    const round = Math.floor(i / (UTIL_TOPIC_NAMES.length * UTIL_AREAS.length));
    const p = `${root}/utils/${area}/${topic}${round ? '-' + (round + 1) : ''}.ts`;
    utils.push({ topic, path: p, area });
    areaOf.set(p, area);
  }
  for (const s of services) {
    s.utils = rng.sample(utils, rng.int(0, 2));
    // At most one import per topic (same export names).
    const seen = new Set();
    s.utils = s.utils.filter((u) => (seen.has(u.topic) ? false : (seen.add(u.topic), true)));
  }

  const controllers = [];
  for (let i = 0; i < nControllers; i++) {
    const s = services[i % services.length];
    const style = rng.chance(0.5) ? 'express' : 'nest';
    const base = kebab(s.name.replace(/Service$/, ''));
    const dup = controllers.filter((c) => c.base === base).length;
    controllers.push({
      service: s,
      style,
      base,
      name: s.name.replace(/Service$/, '') + (dup ? `V${dup + 1}` : '') + 'Controller',
      path: `${s.model.feature.dir}/controllers/${base}${dup ? '-v' + (dup + 1) : ''}.controller.ts`,
    });
  }

  const handlerModels = models.filter((m) => m.typesPath);
  const handlers = [];
  const fwOrder = rng.shuffle(FRAMEWORKS);
  for (let i = 0; i < handlerCount; i++) {
    const framework = fwOrder[i % fwOrder.length];
    const m = handlerModels.length ? handlerModels[i % handlerModels.length] : models[0];
    const service = services.find((s) => s.primary && s.model === m);
    const clean = rng.chance(0.4);
    const defects = clean
      ? []
      : rng.sample(['no-dedup', 'empty-catch', 'unawaited'], rng.chance(0.6) ? 1 : 2);
    const dir = {
      'kafka-each-message': 'consumers',
      'kafka-each-batch': 'consumers',
      amqplib: 'consumers',
      'lambda-sqs': 'lambdas',
      bullmq: 'workers',
      'nest-event-pattern': 'events',
      pubsub: 'subscribers',
      'sqs-consumer': 'queues',
    }[framework];
    const suffix = {
      'kafka-each-message': 'kafka-consumer',
      'kafka-each-batch': 'kafka-batch-consumer',
      amqplib: 'amqp-consumer',
      'lambda-sqs': 'sqs-lambda',
      bullmq: 'worker',
      'nest-event-pattern': 'events.controller',
      pubsub: 'subscriber',
      'sqs-consumer': 'queue-consumer',
    }[framework];
    const dup = handlers.filter((h) => h.model === m && h.framework === framework).length;
    handlers.push({
      framework,
      model: m,
      service,
      defects,
      path: `${root}/${dir}/${m.kebab}${dup ? '-' + (dup + 1) : ''}.${suffix}.ts`,
      extraService: null,
      pkgName: name,
    });
  }

  return { name, root, n, models, services, controllers, utils, sharedTypes, handlers, index: `${root}/index.ts` };
}

// ---------------------------------------------------------------------------------------
// Emitters

function tsType(f) {
  return f.type;
}
function sampleValue(f) {
  switch (f.type) {
    case 'string': return `'${f.name}-value'`;
    case 'number': return '1';
    case 'Date': return 'new Date()';
    default: return 'false';
  }
}

function emitModel(m, rng) {
  const target = targetLines(rng);
  const typeorm = m.style === 'typeorm';
  const L = [];
  L.push(`import { randomUUID } from 'node:crypto';`);
  if (typeorm) L.push(`import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';`);
  L.push('');
  L.push(`export enum ${m.name}Status {`);
  for (const s of m.statuses) L.push(`  ${pascal(s.toLowerCase())} = '${s}',`);
  L.push('}', '');
  L.push(`export interface ${m.name}Input {`);
  for (const f of m.fields) L.push(`  ${f.name}${f.optional ? '?' : ''}: ${tsType(f)};`);
  if (m.fields.length === 0) L.push('  notes?: string;');
  L.push('}', '');
  L.push(`const TRANSITIONS: Record<${m.name}Status, ${m.name}Status[]> = {`);
  for (let i = 0; i < m.statuses.length; i++) {
    const nexts = m.statuses.slice(i + 1).map((s) => `${m.name}Status.${pascal(s.toLowerCase())}`);
    L.push(`  [${m.name}Status.${pascal(m.statuses[i].toLowerCase())}]: [${nexts.join(', ')}],`);
  }
  L.push('};', '');
  if (typeorm) L.push(`@Entity({ name: '${m.table}' })`);
  L.push(`export class ${m.name} {`);
  if (typeorm) L.push(`  @PrimaryColumn('uuid')`);
  L.push('  id!: string;', '');
  if (typeorm) L.push(`  @Column({ type: 'varchar', length: 32 })`);
  L.push(`  status!: ${m.name}Status;`, '');
  for (const f of m.fields) {
    if (typeorm) {
      const col = f.type === 'Date' ? `'timestamptz'` : f.type === 'number' ? `'numeric'` : f.type === 'boolean' ? `'boolean'` : `'text'`;
      L.push(`  @Column({ type: ${col}, nullable: ${f.optional} })`);
    }
    L.push(`  ${f.name}${f.optional ? '?' : '!'}: ${tsType(f)};`);
  }
  if (m.fields.length === 0) L.push('  notes?: string;');
  L.push('');
  if (typeorm) L.push('  @VersionColumn()');
  L.push('  version!: number;', '');
  if (typeorm) L.push('  @CreateDateColumn()');
  L.push('  createdAt!: Date;', '');
  if (typeorm) L.push('  @UpdateDateColumn()');
  L.push('  updatedAt!: Date;', '');
  L.push(`  constructor(init?: Partial<${m.name}>) {`, '    if (init) Object.assign(this, init);', '  }', '');
  L.push(`  static create(input: ${m.name}Input): ${m.name} {`);
  L.push('    const now = new Date();');
  L.push(`    return new ${m.name}({ ...input, id: randomUUID(), status: ${m.name}Status.Pending, version: 1, createdAt: now, updatedAt: now });`);
  L.push('  }', '');
  L.push(`  canTransitionTo(next: ${m.name}Status): boolean {`, '    return TRANSITIONS[this.status].includes(next);', '  }', '');
  L.push('  isTerminal(): boolean {', '    return TRANSITIONS[this.status].length === 0;', '  }', '');
  L.push('  touch(): void {', '    this.updatedAt = new Date();', '    this.version += 1;', '  }');
  const classTailAt = L.length;
  L.push('}', '');
  L.push(`export interface ${m.name}Dto {`, '  id: string;', '  status: string;', '  version: number;');
  for (const f of m.fields) L.push(`  ${f.name}${f.optional ? '?' : ''}: ${f.type === 'Date' ? 'string' : f.type};`);
  L.push('  createdAt: string;', '  updatedAt: string;', '}', '');
  L.push(`export function to${m.name}Dto(entity: ${m.name}): ${m.name}Dto {`, '  return {', '    id: entity.id,', '    status: entity.status,', '    version: entity.version,');
  for (const f of m.fields) {
    if (f.type === 'Date') L.push(`    ${f.name}: entity.${f.name}?.toISOString(),`);
    else L.push(`    ${f.name}: entity.${f.name},`);
  }
  L.push('    createdAt: entity.createdAt.toISOString(),', '    updatedAt: entity.updatedAt.toISOString(),', '  };', '}');
  // Filler: extra entity methods inserted into the class.
  const head = L.slice(0, classTailAt);
  const tail = L.slice(classTailAt);
  const nums = m.fields.filter((f) => f.type === 'number');
  const strs = m.fields.filter((f) => f.type === 'string');
  const dates = m.fields.filter((f) => f.type === 'Date');
  fill(head, tail.length, target, (i) => {
    const kind = i % 4;
    if (kind === 0 && nums.length) {
      const f = nums[i % nums.length];
      return ['', `  has${pascal(f.name)}Above${i}(threshold: number): boolean {`, `    return (this.${f.name} ?? 0) > threshold;`, '  }'];
    }
    if (kind === 1 && strs.length) {
      const f = strs[i % strs.length];
      return ['', `  matches${pascal(f.name)}${i}(query: string): boolean {`, `    const value = this.${f.name};`, '    if (value === undefined) return false;', '    return value.toLowerCase().includes(query.toLowerCase());', '  }'];
    }
    if (kind === 2 && dates.length) {
      const f = dates[i % dates.length];
      return ['', `  is${pascal(f.name)}Before${i}(when: Date = new Date()): boolean {`, `    return this.${f.name} !== undefined && this.${f.name}.getTime() < when.getTime();`, '  }'];
    }
    return ['', `  describe${i}(): string {`, `    return ${BT}${m.name}(\${this.id}, \${this.status}, v\${this.version})${BT};`, '  }', '', `  equals${i}(other: ${m.name}): boolean {`, '    return this.id === other.id && this.version === other.version;', '  }'];
  });
  return head.concat(tail).join('\n') + '\n';
}

function emitRepository(m, rng) {
  const target = targetLines(rng);
  const file = m.repoPath;
  const E = m.name;
  const L = [];
  const tail = [];
  const coreErr = relImport(file, corePath('errors'));
  L.push(`import { ${E}, type ${E}Input, ${E}Status } from '${relImport(file, m.path)}';`);
  L.push(`import { NotFoundError } from '${coreErr}';`);
  if (m.style === 'prisma') {
    L.unshift(`import type { PrismaClient } from '@prisma/client';`);
    L.push(`import { prisma } from '${relImport(file, corePath('db/prisma'))}';`);
  } else if (m.style === 'knex') {
    L.unshift(`import type { Knex } from 'knex';`);
    L.push(`import { knex } from '${relImport(file, corePath('db/knex'))}';`);
  } else {
    L.unshift(`import type { DataSource, Repository } from 'typeorm';`);
    L.push(`import { dataSource } from '${relImport(file, corePath('db/data-source'))}';`);
  }
  L.push('');
  L.push(`export interface ${E}Filter {`, `  status?: ${E}Status;`, '  createdAfter?: Date;', '  limit?: number;', '  cursor?: string;', '}', '');
  const d = camel(E);
  if (m.style === 'knex') {
    L.push(`interface ${E}Row {`, '  id: string;', '  status: string;', '  version: number;');
    for (const f of m.fields) L.push(`  ${snake(f.name)}: ${f.type === 'Date' ? 'Date | null' : f.type + (f.optional ? ' | null' : '')};`);
    L.push('  created_at: Date;', '  updated_at: Date;', '}', '');
    L.push(`function fromRow(row: ${E}Row): ${E} {`, `  return new ${E}({`, '    id: row.id,', `    status: row.status as ${E}Status,`, '    version: row.version,');
    for (const f of m.fields) L.push(`    ${f.name}: row.${snake(f.name)} ?? undefined,`);
    L.push('    createdAt: row.created_at,', '    updatedAt: row.updated_at,', '  });', '}', '');
    L.push(`function toRow(entity: ${E}): ${E}Row {`, '  return {', '    id: entity.id,', '    status: entity.status,', '    version: entity.version,');
    for (const f of m.fields) L.push(`    ${snake(f.name)}: entity.${f.name} ?? null,`);
    L.push('    created_at: entity.createdAt,', '    updated_at: entity.updatedAt,', '  };', '}', '');
    L.push(`const TABLE = '${m.table}';`, '');
    L.push(`export class ${E}Repository {`);
    L.push('  constructor(private readonly db: Knex = knex()) {}', '');
    L.push(`  async findById(id: string): Promise<${E} | null> {`, `    const row = await this.db<${E}Row>(TABLE).where({ id }).first();`, '    return row ? fromRow(row) : null;', '  }', '');
    L.push(`  async findMany(filter: ${E}Filter = {}): Promise<${E}[]> {`, `    const query = this.db<${E}Row>(TABLE).orderBy('created_at', 'asc').limit(filter.limit ?? 50);`);
    L.push('    if (filter.status) query.where({ status: filter.status });', `    if (filter.createdAfter) query.where('created_at', '>', filter.createdAfter);`, `    if (filter.cursor) query.where('id', '>', filter.cursor);`, '    const rows = await query;', '    return rows.map(fromRow);', '  }', '');
    L.push(`  async insert(entity: ${E}): Promise<${E}> {`, `    const [row] = await this.db<${E}Row>(TABLE).insert(toRow(entity)).returning('*');`, '    return fromRow(row);', '  }', '');
    L.push(`  async update(id: string, patch: Partial<${E}Input>): Promise<${E}> {`, '    const current = await this.getById(id);', '    Object.assign(current, patch);', '    current.touch();');
    L.push(`    const [row] = await this.db<${E}Row>(TABLE).where({ id }).update(toRow(current)).returning('*');`, '    return fromRow(row);', '  }', '');
    L.push(`  async updateStatus(id: string, status: ${E}Status, expectedVersion?: number): Promise<boolean> {`, `    const query = this.db<${E}Row>(TABLE).where({ id });`);
    L.push('    if (expectedVersion !== undefined) query.andWhere({ version: expectedVersion });', `    const count = await query.update({ status, updated_at: new Date() }).increment('version', 1);`, '    return count > 0;', '  }', '');
    L.push(`  async upsert(entity: ${E}): Promise<void> {`, `    await this.db<${E}Row>(TABLE).insert(toRow(entity)).onConflict('id').merge();`, '  }', '');
    L.push('  async delete(id: string): Promise<void> {', `    await this.db(TABLE).where({ id }).delete();`, '  }', '');
    L.push(`  async count(filter: ${E}Filter = {}): Promise<number> {`, `    const query = this.db(TABLE).count<{ count: string }[]>('id as count');`, '    if (filter.status) query.where({ status: filter.status });', '    const [result] = await query;', '    return Number(result?.count ?? 0);', '  }');
  } else if (m.style === 'prisma') {
    L.push(`export class ${E}Repository {`);
    L.push('  constructor(private readonly db: PrismaClient = prisma) {}', '');
    L.push(`  async findById(id: string): Promise<${E} | null> {`, `    const row = await this.db.${d}.findUnique({ where: { id } });`, `    return row ? new ${E}(row) : null;`, '  }', '');
    L.push(`  async findMany(filter: ${E}Filter = {}): Promise<${E}[]> {`, `    const rows = await this.db.${d}.findMany({`, '      where: {', '        status: filter.status,', '        createdAt: filter.createdAfter ? { gt: filter.createdAfter } : undefined,', '      },');
    L.push('      take: filter.limit ?? 50,', '      ...(filter.cursor ? { cursor: { id: filter.cursor }, skip: 1 } : {}),', `      orderBy: { createdAt: 'asc' },`, '    });', `    return rows.map((row: Partial<${E}>) => new ${E}(row));`, '  }', '');
    L.push(`  async insert(entity: ${E}): Promise<${E}> {`, `    const row = await this.db.${d}.create({ data: { ...entity } });`, `    return new ${E}(row);`, '  }', '');
    L.push(`  async update(id: string, patch: Partial<${E}Input>): Promise<${E}> {`, `    const row = await this.db.${d}.update({`, '      where: { id },', '      data: { ...patch, updatedAt: new Date(), version: { increment: 1 } },', '    });', `    return new ${E}(row);`, '  }', '');
    L.push(`  async updateStatus(id: string, status: ${E}Status, expectedVersion?: number): Promise<boolean> {`, `    const result = await this.db.${d}.updateMany({`, '      where: { id, ...(expectedVersion !== undefined ? { version: expectedVersion } : {}) },', '      data: { status, version: { increment: 1 } },', '    });', '    return result.count > 0;', '  }', '');
    L.push(`  async upsert(entity: ${E}): Promise<void> {`, `    await this.db.${d}.upsert({`, '      where: { id: entity.id },', '      create: { ...entity },', '      update: { ...entity, version: { increment: 1 } },', '    });', '  }', '');
    L.push('  async delete(id: string): Promise<void> {', `    await this.db.${d}.delete({ where: { id } });`, '  }', '');
    L.push(`  async count(filter: ${E}Filter = {}): Promise<number> {`, `    return this.db.${d}.count({ where: { status: filter.status } });`, '  }');
  } else {
    L.push(`export class ${E}Repository {`);
    L.push(`  private readonly repo: Repository<${E}>;`, '');
    L.push('  constructor(private readonly source: DataSource = dataSource) {', `    this.repo = source.getRepository(${E});`, '  }', '');
    L.push(`  async findById(id: string): Promise<${E} | null> {`, '    return this.repo.findOne({ where: { id } });', '  }', '');
    L.push(`  async findMany(filter: ${E}Filter = {}): Promise<${E}[]> {`, `    const qb = this.repo.createQueryBuilder('${d}').orderBy('${d}.createdAt', 'ASC').take(filter.limit ?? 50);`);
    L.push(`    if (filter.status) qb.andWhere('${d}.status = :status', { status: filter.status });`, `    if (filter.createdAfter) qb.andWhere('${d}.createdAt > :after', { after: filter.createdAfter });`, `    if (filter.cursor) qb.andWhere('${d}.id > :cursor', { cursor: filter.cursor });`, '    return qb.getMany();', '  }', '');
    L.push(`  async insert(entity: ${E}): Promise<${E}> {`, '    return this.repo.save(entity);', '  }', '');
    L.push(`  async update(id: string, patch: Partial<${E}Input>): Promise<${E}> {`, '    return this.source.transaction(async (manager) => {', `      const current = await manager.findOneOrFail(${E}, { where: { id } });`, '      Object.assign(current, patch);', '      return manager.save(current);', '    });', '  }', '');
    L.push(`  async updateStatus(id: string, status: ${E}Status, expectedVersion?: number): Promise<boolean> {`, `    const result = await this.repo.update(expectedVersion !== undefined ? { id, version: expectedVersion } : { id }, { status });`, '    return (result.affected ?? 0) > 0;', '  }', '');
    L.push(`  async upsert(entity: ${E}): Promise<void> {`, `    await this.repo.upsert(entity, ['id']);`, '  }', '');
    L.push('  async delete(id: string): Promise<void> {', '    await this.repo.delete({ id });', '  }', '');
    L.push(`  async count(filter: ${E}Filter = {}): Promise<number> {`, '    return this.repo.count({ where: filter.status ? { status: filter.status } : {} });', '  }');
  }
  L.push('', `  async getById(id: string): Promise<${E}> {`, '    const found = await this.findById(id);', `    if (!found) throw new NotFoundError('${E}', id);`, '    return found;', '  }');
  tail.push('}');
  const strs = m.fields.filter((f) => f.type === 'string');
  fill(L, tail.length, target, (i) => {
    if (i % 2 === 0 && strs.length) {
      const f = strs[i % strs.length];
      const by = `findBy${pascal(f.name)}${i ? i : ''}`;
      if (m.style === 'prisma') return ['', `  async ${by}(value: string): Promise<${E}[]> {`, `    const rows = await this.db.${d}.findMany({ where: { ${f.name}: value }, take: 100 });`, `    return rows.map((row: Partial<${E}>) => new ${E}(row));`, '  }'];
      if (m.style === 'knex') return ['', `  async ${by}(value: string): Promise<${E}[]> {`, `    const rows = await this.db<${E}Row>(TABLE).where({ ${snake(f.name)}: value }).limit(100);`, '    return rows.map(fromRow);', '  }'];
      return ['', `  async ${by}(value: string): Promise<${E}[]> {`, `    return this.repo.find({ where: { ${f.name}: value }, take: 100 });`, '  }'];
    }
    const st = m.statuses[i % m.statuses.length];
    const fn = `findStale${pascal(st.toLowerCase())}${i}`;
    return ['', `  async ${fn}(olderThan: Date, limit = 100): Promise<${E}[]> {`, `    const candidates = await this.findMany({ status: ${E}Status.${pascal(st.toLowerCase())}, limit });`, '    return candidates.filter((entity) => entity.updatedAt.getTime() < olderThan.getTime());', '  }'];
  });
  return L.concat(tail).join('\n') + '\n';
}

function emitService(s, pkg, rng) {
  const target = targetLines(rng);
  const m = s.model;
  const E = m.name;
  const file = s.path;
  const L = [];
  L.push(`import { ${E}, type ${E}Dto, type ${E}Input, ${E}Status, to${E}Dto } from '${relImport(file, m.path)}';`);
  L.push(`import { ${E}Repository, type ${E}Filter } from '${relImport(file, m.repoPath)}';`);
  for (const o of s.others) L.push(`import { ${o.name}Repository } from '${relImport(file, o.repoPath)}';`);
  L.push(`import { HttpClient } from '${relImport(file, corePath('http/http-client'))}';`);
  L.push(`import { createLogger } from '${relImport(file, corePath('logger'))}';`);
  L.push(`import { ConflictError } from '${relImport(file, corePath('errors'))}';`);
  const publishes = rng.chance(0.5);
  if (publishes) L.push(`import { enqueueOutbox } from '${relImport(file, corePath('messaging/outbox'))}';`);
  const utilImports = {
    money: 'sumMoney', dates: 'addDays', strings: 'slugify', retry: 'withRetry', collections: 'chunk', validation: 'assertNonEmpty',
    batch: 'processInBatches', hashing: 'fingerprint', cache: 'TtlCache', csv: 'toCsv', env: 'envInt', files: 'writeJson',
  };
  for (const u of s.utils) L.push(`import { ${utilImports[u.topic]} } from '${relImport(file, u.path)}';`);
  L.push('');
  L.push(`const log = createLogger('${pkg.name}.${kebab(s.name)}');`, '');
  L.push(`export class ${s.name} {`);
  L.push('  constructor(');
  L.push(`    private readonly repo: ${E}Repository = new ${E}Repository(),`);
  L.push(`    private readonly http: HttpClient = new HttpClient({ baseUrl: process.env.${constCase(E)}_API_URL ?? 'http://localhost:8080' }),`);
  for (const o of s.others) L.push(`    private readonly ${camel(o.name)}Repo: ${o.name}Repository = new ${o.name}Repository(),`);
  L.push('  ) {}', '');
  L.push(`  async findById(id: string): Promise<${E}Dto | null> {`, '    const entity = await this.repo.findById(id);', `    return entity ? to${E}Dto(entity) : null;`, '  }', '');
  L.push(`  async list(filter: ${E}Filter = {}): Promise<${E}Dto[]> {`, '    const rows = await this.repo.findMany(filter);', `    return rows.map(to${E}Dto);`, '  }', '');
  L.push(`  async create(input: ${E}Input): Promise<${E}Dto> {`, `    const entity = ${E}.create(input);`, '    const saved = await this.repo.insert(entity);');
  if (publishes) L.push(`    await enqueueOutbox('${pkg.name}.${m.kebab}.created', saved.id, to${E}Dto(saved));`);
  if (s.floatingDefect) L.push(`    this.http.post('/${m.route}/created', { id: saved.id });`);
  L.push(`    log.info('${m.kebab} created', { id: saved.id });`, `    return to${E}Dto(saved);`, '  }', '');
  L.push(`  async update(id: string, patch: Partial<${E}Input>): Promise<${E}Dto> {`, '    const updated = await this.repo.update(id, patch);', `    return to${E}Dto(updated);`, '  }', '');
  L.push(`  async changeStatus(id: string, status: ${E}Status): Promise<boolean> {`, '    const current = await this.repo.getById(id);', '    if (current.status === status) return false;');
  L.push('    if (!current.canTransitionTo(status)) {', `      throw new ConflictError(${BT}cannot move ${m.kebab} \${id} from \${current.status} to \${status}${BT});`, '    }');
  L.push('    const changed = await this.repo.updateStatus(id, status, current.version);', `    if (!changed) throw new ConflictError(${BT}${m.kebab} \${id} was modified concurrently${BT});`);
  if (publishes) L.push(`    await enqueueOutbox('${pkg.name}.${m.kebab}.status-changed', id, { id, status });`);
  L.push('    return changed;', '  }', '');
  L.push('  async syncFromRemote(id: string): Promise<void> {', `    const remote = await this.http.get<Partial<${E}Input>>(${BT}/${m.route}/\${id}${BT});`, '    await this.repo.update(id, remote);', '  }', '');
  L.push('  async notifyChanged(id: string, reason: string): Promise<void> {');
  if (s.emptyCatchDefect) L.push('    try {', `      await this.http.post('/notifications', { entity: '${m.kebab}', id, reason });`, '    } catch (error) {}');
  else L.push(`    await this.http.post('/notifications', { entity: '${m.kebab}', id, reason });`);
  L.push('  }', '');
  L.push('  async remove(id: string): Promise<void> {', '    await this.repo.delete(id);', `    log.info('${m.kebab} removed', { id });`, '  }');
  for (const o of s.others) {
    L.push('', `  async reconcileWith${o.name}(id: string, ${camel(o.name)}Id: string): Promise<void> {`, `    const [own, other] = await Promise.all([this.repo.getById(id), this.${camel(o.name)}Repo.getById(${camel(o.name)}Id)]);`);
    L.push('    if (own.updatedAt < other.updatedAt) {', '      own.touch();', `      await this.repo.upsert(own);`, '    }', '  }');
  }
  for (const u of s.utils) L.push('', ...utilUse(u.topic, s));
  const tail = ['}'];
  fill(L, tail.length, target, (i) => {
    const n = s.nextFillerIndex++;
    switch (i % 4) {
      case 0:
        return ['', `  async countByStatus${n}(): Promise<Record<string, number>> {`, '    const out: Record<string, number> = {};', `    for (const status of Object.values(${E}Status)) {`, '      out[status] = await this.repo.count({ status });', '    }', '    return out;', '  }'];
      case 1:
        return ['', `  async exportAll${n}(pageSize = 200): Promise<${E}Dto[]> {`, `    const out: ${E}Dto[] = [];`, '    let cursor: string | undefined;', '    for (;;) {', '      const page = await this.repo.findMany({ cursor, limit: pageSize });', `      out.push(...page.map(to${E}Dto));`, '      if (page.length < pageSize) return out;', '      cursor = page[page.length - 1].id;', '    }', '  }'];
      case 2:
        return ['', `  async pushToPartner${n}(id: string): Promise<void> {`, '    const entity = await this.repo.getById(id);', `    await this.http.put(${BT}/partners/${m.route}/\${id}${BT}, to${E}Dto(entity));`, `    log.debug('pushed to partner', { id, version: entity.version });`, '  }'];
      default:
        return ['', `  async expireStale${n}(before: Date): Promise<number> {`, `    const stale = await this.repo.findMany({ status: ${E}Status.Pending, limit: 500 });`, '    let count = 0;', '    for (const entity of stale) {', '      if (entity.createdAt >= before) continue;', `      if (await this.repo.updateStatus(entity.id, ${E}Status.${m.lastStatusKey}, entity.version)) count++;`, '    }', '    return count;', '  }'];
    }
  });
  return L.concat(tail).join('\n') + '\n';
}

function emitController(c, rng) {
  const target = targetLines(rng);
  const s = c.service;
  const m = s.model;
  const E = m.name;
  const file = c.path;
  const L = [];
  const svcImport = `import { ${s.name} } from '${relImport(file, s.path)}';`;
  const entImport = `import { type ${E}Input, ${E}Status } from '${relImport(file, m.path)}';`;
  const tail = [];
  if (c.style === 'express') {
    L.push(`import { Router, type NextFunction, type Request, type Response } from 'express';`, svcImport, entImport, '');
    L.push(`const STATUSES = new Set<string>(Object.values(${E}Status));`, '');
    L.push('function parseLimit(value: unknown): number {', `  const n = typeof value === 'string' ? Number.parseInt(value, 10) : NaN;`, '  return Number.isFinite(n) && n > 0 && n <= 500 ? n : 50;', '}', '');
    L.push(`export function create${c.name.replace(/Controller$/, '')}Router(service = new ${s.name}()): Router {`, '  const router = Router();', '');
    L.push(`  router.get('/${m.route}/:id', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', '      const dto = await service.findById(req.params.id);', `      if (!dto) {`, `        res.status(404).json({ error: 'not_found' });`, '        return;', '      }', '      res.json(dto);', '    } catch (error) {', '      next(error);', '    }', '  });', '');
    L.push(`  router.get('/${m.route}', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', `      const status = typeof req.query.status === 'string' && STATUSES.has(req.query.status) ? (req.query.status as ${E}Status) : undefined;`, '      const items = await service.list({ status, limit: parseLimit(req.query.limit) });', '      res.json({ items });', '    } catch (error) {', '      next(error);', '    }', '  });', '');
    L.push(`  router.post('/${m.route}', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', `      const created = await service.create(req.body as ${E}Input);`, '      res.status(201).json(created);', '    } catch (error) {', '      next(error);', '    }', '  });', '');
    L.push(`  router.patch('/${m.route}/:id', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', `      res.json(await service.update(req.params.id, req.body as Partial<${E}Input>));`, '    } catch (error) {', '      next(error);', '    }', '  });');
    tail.push('', '  return router;', '}');
    fill(L, tail.length, target, (i) => {
      if (i % 2 === 0) {
        const st = m.statuses[(i / 2 + 1) % m.statuses.length];
        const action = st.toLowerCase().replace(/_/g, '-');
        return ['', `  router.post('/${m.route}/:id/${action}', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', `      const changed = await service.changeStatus(req.params.id, ${E}Status.${pascal(st.toLowerCase())});`, '      res.status(changed ? 200 : 204).end();', '    } catch (error) {', '      next(error);', '    }', '  });'];
      }
      return ['', `  router.delete('/${m.route}/:id${i > 1 ? '/v' + i : ''}', async (req: Request, res: Response, next: NextFunction) => {`, '    try {', '      await service.remove(req.params.id);', '      res.status(204).end();', '    } catch (error) {', '      next(error);', '    }', '  });'];
    });
  } else {
    L.push(`import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';`, svcImport, entImport, '');
    L.push(`@Controller('${m.route}')`, `export class ${c.name} {`, `  constructor(private readonly service: ${s.name}) {}`, '');
    L.push(`  @Get(':id')`, '  async findOne(@Param(\'id\') id: string) {', '    const dto = await this.service.findById(id);', `    if (!dto) throw new NotFoundException(${BT}${m.kebab} \${id} not found${BT});`, '    return dto;', '  }', '');
    L.push('  @Get()', `  async list(@Query('status') status?: ${E}Status, @Query('limit') limit?: string) {`, '    const items = await this.service.list({ status, limit: limit ? Number(limit) : undefined });', '    return { items };', '  }', '');
    L.push('  @Post()', `  async create(@Body() body: ${E}Input) {`, '    return this.service.create(body);', '  }', '');
    L.push(`  @Patch(':id')`, `  async update(@Param('id') id: string, @Body() body: Partial<${E}Input>) {`, '    return this.service.update(id, body);', '  }', '');
    L.push(`  @Delete(':id')`, '  @HttpCode(204)', `  async remove(@Param('id') id: string): Promise<void> {`, '    await this.service.remove(id);', '  }');
    tail.push('}');
    fill(L, tail.length, target, (i) => {
      const st = m.statuses[(i + 1) % m.statuses.length];
      const action = st.toLowerCase().replace(/_/g, '-');
      if (i % 2 === 0) return ['', `  @Post(':id/${action}${i > 1 ? '-' + i : ''}')`, '  @HttpCode(200)', `  async mark${pascal(st.toLowerCase())}${i}(@Param('id') id: string) {`, `    const changed = await this.service.changeStatus(id, ${E}Status.${pascal(st.toLowerCase())});`, '    return { changed };', '  }'];
      return ['', `  @Post(':id/sync${i}')`, `  async sync${i}(@Param('id') id: string) {`, '    await this.service.syncFromRemote(id);', '    return this.service.findById(id);', '  }'];
    });
  }
  return L.concat(tail).join('\n') + '\n';
}

function emitUtil(u, rng) {
  const target = targetLines(rng);
  const t = UTIL_TOPICS[u.topic];
  const L = t.code().map((line) => line.replace('@@CORE@@', relImport(u.path, `${CORE}/x.ts`).replace(/\/x$/, '')));
  fill(L, 0, target, (i) => {
    switch (i % 5) {
      case 0:
        return ['', `/** Clamps \`value\` into [min, max] (variant ${i}). */`, `export function clamp${i}(value: number, min: number, max: number): number {`, '  if (min > max) [min, max] = [max, min];', '  return Math.min(Math.max(value, min), max);', '}'];
      case 1:
        return ['', `export function pick${i}<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {`, '  const out = {} as Pick<T, K>;', '  for (const key of keys) {', '    if (key in source) out[key] = source[key];', '  }', '  return out;', '}'];
      case 2:
        return ['', `export function isRecord${i}(value: unknown): value is Record<string, unknown> {`, `  return typeof value === 'object' && value !== null && !Array.isArray(value);`, '}', '', `export function safeParse${i}<T>(text: string, fallback: T): T {`, '  try {', '    return JSON.parse(text) as T;', '  } catch {', '    return fallback;', '  }', '}'];
      case 3:
        return ['', `export async function timeout${i}<T>(work: Promise<T>, ms: number, label = 'operation'): Promise<T> {`, '  let timer: NodeJS.Timeout | undefined;', '  const expired = new Promise<never>((_, reject) => {', `    timer = setTimeout(() => reject(new Error(${BT}\${label} timed out after \${ms}ms${BT})), ms);`, '  });', '  try {', '    return await Promise.race([work, expired]);', '  } finally {', '    if (timer) clearTimeout(timer);', '  }', '}'];
      default:
        return ['', `export function memoize${i}<A extends string | number, R>(fn: (arg: A) => R): (arg: A) => R {`, '  const cache = new Map<A, R>();', '  return (arg: A) => {', '    if (cache.has(arg)) return cache.get(arg) as R;', '    const result = fn(arg);', '    cache.set(arg, result);', '    return result;', '  };', '}'];
    }
  });
  return L.join('\n') + '\n';
}

function emitTypes(m, rng) {
  const target = targetLines(rng);
  const E = m.name;
  const file = m.typesPath;
  const L = [];
  L.push(`import type { ${E}Input, ${E}Status } from '${relImport(file, m.path)}';`, '');
  L.push(`export interface ${E}EventBase {`, '  eventId: string;', '  id: string;', '  occurredAt: string;', '  source?: string;', '}', '');
  L.push(`export interface ${E}CreatedEvent extends ${E}EventBase {`, `  type: 'created';`, `  payload: ${E}Input;`, '}', '');
  L.push(`export interface ${E}StatusChangedEvent extends ${E}EventBase {`, `  type: 'status_changed';`, `  status: ${E}Status;`, `  previous?: ${E}Status;`, '}', '');
  L.push(`export interface ${E}DeletedEvent extends ${E}EventBase {`, `  type: 'deleted';`, '  reason?: string;', '}', '');
  L.push(`export type ${E}Event = ${E}CreatedEvent | ${E}StatusChangedEvent | ${E}DeletedEvent;`, '');
  L.push(`const EVENT_TYPES = new Set<string>(['created', 'status_changed', 'deleted']);`, '');
  L.push(`export function is${E}Event(value: unknown): value is ${E}Event {`, `  if (typeof value !== 'object' || value === null) return false;`, '  const candidate = value as Record<string, unknown>;');
  L.push(`  return typeof candidate.eventId === 'string' && typeof candidate.id === 'string' && EVENT_TYPES.has(String(candidate.type));`, '}', '');
  L.push(`export function parse${E}Event(raw: string | Buffer | null | undefined): ${E}Event | null {`, '  if (raw === null || raw === undefined) return null;', '  try {', `    const value: unknown = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));`, `    return is${E}Event(value) ? value : null;`, '  } catch {', '    return null;', '  }', '}');
  fill(L, 0, target, (i) => {
    switch (i % 4) {
      case 0:
        return ['', `export interface ${E}Summary${i} {`, '  id: string;', `  status: ${E}Status;`, '  updatedAt: string;', '  tags: readonly string[];', '}'];
      case 1:
        return ['', `export interface ${E}SearchParams${i} {`, '  query?: string;', `  statuses?: ${E}Status[];`, '  from?: Date;', '  to?: Date;', `  sort?: 'createdAt' | 'updatedAt';`, `  direction?: 'asc' | 'desc';`, '}'];
      case 2:
        return ['', `export type ${E}Page${i}<T = ${E}Summary${i > 0 ? i - 2 : 0}> = {`, '  items: T[];', '  nextCursor: string | null;', '  total?: number;', '};'];
      default:
        return ['', `export const ${constCase(E)}_LIMITS_${i} = {`, '  maxBatch: 500,', '  maxRetries: 5,', '  visibilityTimeoutSeconds: 30,', '} as const;', '', `export type ${E}Limits${i} = typeof ${constCase(E)}_LIMITS_${i};`];
    }
  });
  return L.join('\n') + '\n';
}

function emitSharedTypes(t, rng) {
  const target = targetLines(rng);
  const L = ['export type Brand<T, B extends string> = T & { readonly __brand: B };', '', `export type Id${t.index} = Brand<string, 'Id${t.index}'>;`, ''];
  L.push('export interface Paginated<T> {', '  items: T[];', '  nextCursor: string | null;', '}', '');
  L.push('export type Result<T, E = Error> = { ok: true; value: T } | { ok: false; error: E };', '');
  L.push('export function ok<T>(value: T): Result<T, never> {', '  return { ok: true, value };', '}', '');
  L.push('export function err<E>(error: E): Result<never, E> {', '  return { ok: false, error };', '}');
  fill(L, 0, target, (i) => ['', `export interface AuditFields${i} {`, '  createdBy: string;', '  updatedBy?: string;', '  correlationId?: string;', '  tags?: Record<string, string>;', '}', '', `export type WithAudit${i}<T> = T & AuditFields${i};`]);
  return L.join('\n') + '\n';
}

// ---- handlers -------------------------------------------------------------------------

const ind = (lines, n) => lines.map((l) => (l === '' ? l : ' '.repeat(n) + l));

function handlerCore(h, v, opts = {}) {
  // v: { event, key, svc, extra } expressions. Returns the processing statements, unindented.
  const E = h.model.name;
  const dedup = !h.defects.includes('no-dedup');
  const unawaited = h.defects.includes('unawaited');
  const out = [];
  if (dedup) out.push(`if (await isProcessed(${v.key})) {`, `  log.debug('duplicate delivery skipped', { key: ${v.key} });`, ...ind((opts.skip ?? 'return;').split('\n'), 2), '}');
  out.push(`switch (${v.event}.type) {`);
  out.push(`  case 'created':`, `    await ${v.svc}.create(${v.event}.payload);`, '    break;');
  out.push(`  case 'status_changed':`, `    await ${v.svc}.changeStatus(${v.event}.id, ${v.event}.status);`, '    break;');
  out.push(`  case 'deleted':`, `    await ${v.svc}.remove(${v.event}.id);`, '    break;');
  out.push('  default:', `    log.warn('unknown ${h.model.kebab} event', { event: ${v.event} as ${E}Event });`, '}');
  if (h.extraService) out.push(`await ${v.extra}.syncFromRemote(${v.event}.id);`);
  if (unawaited) out.push(`${v.svc}.notifyChanged(${v.event}.id, ${v.event}.type);`);
  else out.push(`await ${v.svc}.notifyChanged(${v.event}.id, ${v.event}.type);`);
  if (dedup) out.push(`await markProcessed(${v.key});`);
  return out;
}

// Wraps unindented body lines in try/catch (empty catch for the 'empty-catch' defect).
function wrapCatch(h, body, onError) {
  if (h.defects.includes('empty-catch')) return ['try {', ...ind(body, 2), '} catch (error) {}'];
  return ['try {', ...ind(body, 2), '} catch (error) {', ...ind(onError, 2), '}'];
}

function emitHandler(h, pkg, rng) {
  const target = targetLines(rng);
  const file = h.path;
  const m = h.model;
  const E = m.name;
  const S = h.service.name;
  const V = camel(E);
  const L = [];
  const imports = [];
  imports.push(`import { ${S} } from '${relImport(file, h.service.path)}';`);
  imports.push(`import { type ${E}Event, parse${E}Event } from '${relImport(file, m.typesPath ?? m.path)}';`);
  imports.push(`import { createLogger } from '${relImport(file, corePath('logger'))}';`);
  if (!h.defects.includes('no-dedup')) imports.push(`import { isProcessed, markProcessed } from '${relImport(file, corePath('idempotency/processed-messages'))}';`);
  if (h.extraService) imports.push(`import { ${h.extraService.name} } from '${relImport(file, h.extraService.path)}';`);
  const logLine = `const log = createLogger('${pkg.name}.${path.posix.basename(file, '.ts')}');`;
  const extraDecl = h.extraService ? `const ${camel(h.extraService.name)} = new ${h.extraService.name}();` : null;
  const extraRef = h.extraService ? camel(h.extraService.name) : null;
  const topic = `${pkg.name}.${m.kebab}.events`;
  const tail = [];

  const core = (svc, extra, key, skip) => handlerCore(h, { event: 'event', key, svc, extra }, { skip });
  const catchOr = (body, onError) => (h.defects.includes('empty-catch') ? wrapCatch(h, body, []) : onError ? wrapCatch(h, body, onError) : body);
  switch (h.framework) {
    case 'kafka-each-message': {
      L.push(`import type { Consumer, EachMessagePayload } from 'kafkajs';`, `import { kafka } from '${relImport(file, corePath('messaging/kafka'))}';`, ...imports, '', logLine, `const TOPIC = '${topic}';`);
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push(`export async function start${E}Consumer(service = new ${S}()): Promise<Consumer> {`, `  const consumer = kafka.consumer({ groupId: '${pkg.name}-${m.kebab}' });`, '  await consumer.connect();', '  await consumer.subscribe({ topic: TOPIC, fromBeginning: false });', '  await consumer.run({');
      L.push('    eachMessage: async ({ topic, partition, message }: EachMessagePayload) => {', `      const event = parse${E}Event(message.value);`, '      if (!event) {', `        log.warn('dropping malformed message', { topic, partition, offset: message.offset });`, '        return;', '      }');
      L.push(...ind(catchOr(core('service', extraRef, 'event.eventId')), 6));
      L.push('    },', '  });', '  return consumer;', '}');
      break;
    }
    case 'kafka-each-batch': {
      L.push(`import type { Consumer, EachBatchPayload } from 'kafkajs';`, `import { kafka } from '${relImport(file, corePath('messaging/kafka'))}';`, ...imports, '', logLine, `const TOPIC = '${topic}';`);
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push(`async function handle${E}Event(event: ${E}Event, service: ${S}): Promise<void> {`, ...ind(core('service', extraRef, 'event.eventId'), 2), '}', '');
      L.push(`export async function start${E}BatchConsumer(service = new ${S}()): Promise<Consumer> {`, `  const consumer = kafka.consumer({ groupId: '${pkg.name}-${m.kebab}-batch', maxBytesPerPartition: 1_048_576 });`, '  await consumer.connect();', '  await consumer.subscribe({ topic: TOPIC });', '  await consumer.run({', '    eachBatchAutoResolve: false,');
      L.push('    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {', '      for (const message of batch.messages) {', '        if (!isRunning() || isStale()) break;', `        const event = parse${E}Event(message.value);`, '        if (event) {');
      L.push(...ind(catchOr([`await handle${E}Event(event, service);`], [`log.error('batch item failed', { offset: message.offset, error: String(error) });`, 'throw error;']), 10));
      L.push('        }', '        resolveOffset(message.offset);', '        await heartbeat();', '      }', '    },', '  });', '  return consumer;', '}');
      break;
    }
    case 'amqplib': {
      L.push(`import amqp, { type Channel, type ConsumeMessage } from 'amqplib';`, ...imports, '', logLine, `const QUEUE = '${pkg.name}.${m.kebab}';`);
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push(`export async function consume${E}Queue(service = new ${S}(), url = process.env.AMQP_URL ?? 'amqp://localhost'): Promise<Channel> {`, '  const connection = await amqp.connect(url);', '  const ch = await connection.createChannel();', `  await ch.assertQueue(QUEUE, { durable: true, deadLetterExchange: 'dlx' });`, '  await ch.prefetch(10);');
      L.push('  await ch.consume(', '    QUEUE,', '    async (msg: ConsumeMessage | null) => {', '      if (!msg) return;');
      const body = [`const event = parse${E}Event(msg.content);`, 'if (!event) {', '  ch.nack(msg, false, false);', '  return;', '}', ...core('service', extraRef, 'event.eventId', 'ch.ack(msg);\nreturn;'), 'ch.ack(msg);'];
      L.push(...ind(catchOr(body, [`log.error('${m.kebab} message failed', { error: String(error) });`, 'ch.nack(msg, false, !msg.fields.redelivered);']), 6));
      L.push('    },', '    { noAck: false },', '  );', '  return ch;', '}');
      break;
    }
    case 'lambda-sqs': {
      const clean = !h.defects.includes('empty-catch');
      L.push(`import type { SQSBatchItemFailure, SQSHandler, SQSRecord } from 'aws-lambda';`, ...imports, '', logLine, `const service = new ${S}();`);
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push('async function processRecord(record: SQSRecord): Promise<void> {', `  const event = parse${E}Event(record.body);`, '  if (!event) {', `    log.warn('skipping malformed record', { messageId: record.messageId });`, '    return;', '  }');
      L.push(...ind(core('service', extraRef, 'record.messageId'), 2), '}', '');
      if (clean) {
        L.push('export const handler: SQSHandler = async (event) => {', '  const batchItemFailures: SQSBatchItemFailure[] = [];', '  for (const record of event.Records) {', '    try {', '      await processRecord(record);', '    } catch (error) {', `      log.error('record failed', { messageId: record.messageId, error: String(error) });`, '      batchItemFailures.push({ itemIdentifier: record.messageId });', '    }', '  }', '  return { batchItemFailures };', '};');
      } else {
        L.push('export const handler: SQSHandler = async (event) => {', '  for (const record of event.Records) {', '    try {', '      await processRecord(record);', '    } catch (error) {}', '  }', '};');
      }
      break;
    }
    case 'bullmq': {
      L.push(`import { Worker, type Job } from 'bullmq';`, ...imports, '', logLine, `const service = new ${S}();`);
      if (extraDecl) L.push(extraDecl);
      L.push('', `export interface ${E}JobData {`, '  raw: string;', '  attempt?: number;', '}', '');
      L.push(`export const ${V}Worker = new Worker<${E}JobData>(`, `  '${pkg.name}-${m.kebab}',`, `  async (job: Job<${E}JobData>) => {`, `    const event = parse${E}Event(job.data.raw);`, `    if (!event) throw new Error(${BT}malformed job \${job.id}${BT});`);
      L.push(...ind(catchOr(core('service', extraRef, `${BT}job:\${job.id}${BT}`)), 4));
      L.push('  },', `  { connection: { host: process.env.REDIS_HOST ?? 'localhost', port: 6379 }, concurrency: 5 },`, ');', '');
      L.push(`${V}Worker.on('failed', (job, error) => {`, `  log.error('job failed', { id: job?.id, error: error.message });`, '});');
      break;
    }
    case 'nest-event-pattern': {
      L.push(`import { Controller } from '@nestjs/common';`, `import { Ctx, EventPattern, type KafkaContext, Payload } from '@nestjs/microservices';`, ...imports, '', logLine, '');
      L.push('@Controller()', `export class ${E}EventsController {`, `  constructor(private readonly service: ${S}${h.extraService ? `, private readonly ${extraRef}: ${h.extraService.name}` : ''}) {}`, '');
      L.push(`  @EventPattern('${topic}')`, `  async on${E}Event(@Payload() payload: unknown, @Ctx() context: KafkaContext): Promise<void> {`, `    const event = parse${E}Event(JSON.stringify(payload));`, '    if (!event) {', `      log.warn('malformed event', { partition: context.getPartition() });`, '      return;', '    }');
      L.push(...ind(catchOr(core('this.service', `this.${extraRef}`, 'event.eventId')), 4));
      L.push('  }');
      tail.push('}');
      break;
    }
    case 'pubsub': {
      L.push(`import { PubSub, type Message, type Subscription } from '@google-cloud/pubsub';`, ...imports, '', logLine, 'const pubsub = new PubSub();');
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push(`export function listenFor${E}Events(service = new ${S}()): Subscription {`, `  const subscription = pubsub.subscription('${pkg.name}-${m.kebab}-sub', { flowControl: { maxMessages: 20 } });`, '');
      L.push(`  subscription.on('message', async (message: Message) => {`, `    const event = parse${E}Event(message.data);`, '    if (!event) {', '      message.ack();', '      return;', '    }');
      const body = [...core('service', extraRef, 'message.id', 'message.ack();\nreturn;'), 'message.ack();'];
      L.push(...ind(catchOr(body, [`log.error('pubsub message failed', { id: message.id, error: String(error) });`, 'message.nack();']), 4));
      L.push('  });', '', `  subscription.on('error', (error) => log.error('subscription error', { error: error.message }));`, '  return subscription;', '}');
      break;
    }
    case 'sqs-consumer': {
      L.push(`import { Consumer } from 'sqs-consumer';`, `import { SQSClient, type Message } from '@aws-sdk/client-sqs';`, ...imports, '', logLine, `const service = new ${S}();`);
      if (extraDecl) L.push(extraDecl);
      L.push('');
      L.push(`export const ${V}QueueConsumer = Consumer.create({`, `  queueUrl: process.env.${constCase(E)}_QUEUE_URL ?? '',`, `  sqs: new SQSClient({ region: process.env.AWS_REGION ?? 'eu-west-1' }),`, '  batchSize: 10,', '  visibilityTimeout: 60,', '  handleMessage: async (message: Message) => {', `    const event = parse${E}Event(message.Body);`, '    if (!event) return message;');
      const body = [...core('service', extraRef, 'message.MessageId ?? event.eventId', 'return message;'), 'return message;'];
      if (h.defects.includes('empty-catch')) L.push(...ind(wrapCatch(h, body, []), 4), '    return undefined;');
      else L.push(...ind(body, 4));
      L.push('  },', '});', '', `${V}QueueConsumer.on('processing_error', (error) => {`, `  log.error('processing error', { error: error.message });`, '});');
      break;
    }
    default:
      throw new Error('unknown framework ' + h.framework);
  }
  // Helper functions to reach realistic sizes.
  fill(L, tail.length, target, (i) => {
    if (tail.length) {
      if (i % 2 === 0) return ['', `  private describe${i}(event: ${E}Event): string {`, `    return ${BT}\${event.type}:\${event.id}:\${event.eventId}${BT};`, '  }'];
      return ['', `  private metricTags${i}(event: ${E}Event, context: KafkaContext): Record<string, string> {`, '    return {', `      topic: context.getTopic(),`, '      partition: String(context.getPartition()),', '      type: event.type,', `      source: event.source ?? 'unknown',`, '    };', '  }'];
    }
    switch (i % 3) {
      case 0:
        return ['', `export function eventKey${i}(event: ${E}Event): string {`, `  return ${BT}${m.kebab}:\${event.id}:\${event.eventId}${BT};`, '}'];
      case 1:
        return ['', `export function isRecent${i}(event: ${E}Event, maxAgeMs = 15 * 60_000): boolean {`, '  const occurred = Date.parse(event.occurredAt);', '  return Number.isFinite(occurred) && Date.now() - occurred < maxAgeMs;', '}'];
      default:
        return ['', `export function summarize${i}(events: readonly ${E}Event[]): Record<string, number> {`, '  const counts: Record<string, number> = {};', '  for (const event of events) counts[event.type] = (counts[event.type] ?? 0) + 1;', '  return counts;', '}'];
    }
  });
  return L.concat(tail).join('\n') + '\n';
}

function emitIndex(pkg) {
  const L = [];
  for (const s of pkg.services) L.push(`export * from '${relImport(pkg.index, s.path)}';`);
  for (const m of pkg.models) L.push(`export * from '${relImport(pkg.index, m.path)}';`);
  return L.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------
// Public API

export function generateProject(dir, { files = 5000, seed = 1 } = {}) {
  if (!Number.isInteger(files) || files <= 0) throw new Error('files must be a positive integer');
  const rng = makeRng(seed);
  const plan = planProject(files, rng);
  const out = new Map(Object.entries(plan.core));
  const handlers = [];
  for (const pkg of plan.packages) {
    // Each package gets its own PRNG stream so its content does not depend on emit order.
    const prng = makeRng((seed * 7919 + pkg.name.length * 104729 + pkg.n) >>> 0);
    for (const m of pkg.models) {
      out.set(m.path, emitModel(m, prng));
      out.set(m.repoPath, emitRepository(m, prng));
      if (m.typesPath) out.set(m.typesPath, emitTypes(m, prng));
    }
    for (const t of pkg.sharedTypes) out.set(t.path, emitSharedTypes(t, prng));
    for (const s of pkg.services) out.set(s.path, emitService(s, pkg, prng));
    for (const c of pkg.controllers) out.set(c.path, emitController(c, prng));
    for (const u of pkg.utils) out.set(u.path, emitUtil(u, prng));
    for (const h of pkg.handlers) {
      out.set(h.path, emitHandler(h, pkg, prng));
      handlers.push({ path: h.path, framework: h.framework, defects: h.defects.slice() });
    }
    out.set(pkg.index, emitIndex(pkg));
  }
  if (out.size !== files) throw new Error(`internal: planned ${files} files but produced ${out.size} (path collision)`);

  const pkgJson = {
    name: 'bench-monorepo',
    private: true,
    version: '0.0.0',
    workspaces: ['packages/*'],
    scripts: { build: 'tsc -p tsconfig.json' },
    dependencies: {
      '@aws-sdk/client-sqs': '^3.600.0', '@google-cloud/pubsub': '^4.5.0', '@nestjs/common': '^10.3.0', '@nestjs/microservices': '^10.3.0',
      '@prisma/client': '^5.15.0', amqplib: '^0.10.4', bullmq: '^5.8.0', express: '^4.19.2', kafkajs: '^2.2.4', knex: '^3.1.0',
      'sqs-consumer': '^10.3.0', typeorm: '^0.3.20',
    },
    devDependencies: { '@types/aws-lambda': '^8.10.140', '@types/express': '^4.17.21', '@types/node': '^20.14.0', typescript: '^5.5.0' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2023', 'DOM'], strict: true,
      experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true, skipLibCheck: true,
      noEmit: true, forceConsistentCasingInFileNames: true,
    },
    include: ['packages/*/src/**/*.ts'],
  };
  const extras = new Map([
    ['package.json', JSON.stringify(pkgJson, null, 2) + '\n'],
    ['tsconfig.json', JSON.stringify(tsconfig, null, 2) + '\n'],
    ['.gitignore', 'node_modules/\ndist/\n'],
  ]);
  for (const pkg of plan.packages) {
    extras.set(`packages/${pkg.name}/package.json`, JSON.stringify({ name: `@bench/${pkg.name}`, private: true, version: '0.0.0', main: 'src/index.ts' }, null, 2) + '\n');
  }
  extras.set('packages/core/package.json', JSON.stringify({ name: '@bench/core', private: true, version: '0.0.0', main: 'src/index.ts' }, null, 2) + '\n');

  let bytes = 0;
  let lines = 0;
  const madeDirs = new Set();
  const write = (rel, text) => {
    const abs = path.join(dir, rel);
    const d = path.dirname(abs);
    if (!madeDirs.has(d)) {
      fs.mkdirSync(d, { recursive: true });
      madeDirs.add(d);
    }
    fs.writeFileSync(abs, text);
  };
  const tsFiles = [...out.keys()].sort();
  for (const rel of tsFiles) {
    const text = out.get(rel);
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    write(rel, text);
  }
  for (const [rel, text] of extras) write(rel, text);
  handlers.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { dir, files: tsFiles, handlers, packages: plan.packages.length + 1, bytes, lines };
}

// ---------------------------------------------------------------------------------------
// Script entry

function main(argv) {
  const args = { files: 5000, seed: 1, force: false, dir: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--files') args.files = Number(argv[++i]);
    else if (a === '--seed') args.seed = Number(argv[++i]);
    else if (a === '--force') args.force = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node bench/generate.mjs <dir> [--files 5000] [--seed 1] [--force]\n');
      return 0;
    } else if (!a.startsWith('-') && !args.dir) args.dir = a;
    else {
      process.stderr.write(`generate: unknown argument ${a}\n`);
      return 2;
    }
  }
  if (!args.dir) {
    process.stderr.write('generate: missing <dir>\n');
    return 2;
  }
  if (!Number.isInteger(args.files) || !Number.isInteger(args.seed)) {
    process.stderr.write('generate: --files and --seed must be integers\n');
    return 2;
  }
  if (fs.existsSync(args.dir) && fs.readdirSync(args.dir).length > 0 && !args.force) {
    process.stderr.write(`generate: ${args.dir} is not empty (use --force to write into it anyway)\n`);
    return 2;
  }
  const t0 = performance.now();
  const r = generateProject(args.dir, { files: args.files, seed: args.seed });
  const ms = performance.now() - t0;
  const fw = {};
  for (const h of r.handlers) fw[h.framework] = (fw[h.framework] ?? 0) + 1;
  process.stdout.write(
    `generated ${r.files.length} .ts files (${r.packages} packages, ${r.lines} lines, ${(r.bytes / 1e6).toFixed(1)} MB) in ${args.dir} in ${(ms / 1000).toFixed(1)} s\n` +
      `handlers: ${r.handlers.length} (${Object.entries(fw).map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
      `clean ${r.handlers.filter((h) => h.defects.length === 0).length}\n`,
  );
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`generate: ${error.message}\n`);
    process.exitCode = 2;
  }
}
