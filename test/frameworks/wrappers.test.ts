// Handlers passed by reference and the project's own registration wrappers (src/handlers.ts).
import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers;
const rel = (f: string) => f.slice(f.indexOf('/src/') + 1);
const where = (files: Record<string, string>) => handlersOf(files).map((h) => `${rel(h.file)} ${h.name} ${h.framework}`);

describe('handlers passed by reference and registration wrappers', () => {
  it('counts a handler passed by reference to a registration in another file where its body is', () => {
    const hs = handlersOf({
      'src/handlers/order-placed.ts': `import type { EachMessagePayload } from 'kafkajs';
export async function handleOrderPlaced({ message }: EachMessagePayload) {
  await save(message.value!.toString());
}
declare function save(x: string): Promise<void>;
`,
      'src/consumer.ts': `import { Kafka } from 'kafkajs';
import { handleOrderPlaced } from './handlers/order-placed';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'orders' });
export const start = () => consumer.run({ eachMessage: handleOrderPlaced });
`,
    });
    expect(hs.map((h) => `${rel(h.file)} ${h.name} ${h.kind}`)).toEqual(['src/handlers/order-placed.ts handleOrderPlaced eachMessage']);
    expect(rel(hs[0]!.registration.file)).toBe('src/consumer.ts');
  });

  it('follows a createWorker(name, processor) wrapper to each function passed to it, with BullMQ semantics', () => {
    const hs = handlersOf({
      'src/queue/create-worker.ts': `import { Worker, type Processor } from 'bullmq';
export function createWorker(name: string, processor: Processor) {
  return new Worker(name, processor, { connection: { host: 'redis' } });
}
`,
      'src/jobs/email.ts': `import { createWorker } from '../queue/create-worker';
export const emailWorker = createWorker('email', async (job) => { await send(job.data); });
declare function send(x: unknown): Promise<void>;
`,
      'src/jobs/invoice.ts': `import { createWorker } from '../queue/create-worker';
async function renderInvoice(job: { id?: string; data: unknown }) { await render(job.data); }
export const invoiceWorker = createWorker('invoice', renderInvoice);
declare function render(x: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${rel(h.file)} ${h.name} ${h.framework}`)).toEqual(['src/jobs/email.ts Worker bullmq', 'src/jobs/invoice.ts renderInvoice bullmq']);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true });
    expect(hs[0]!.delivery.idFields).toContain('id');
    expect(rel(hs[0]!.registration.file)).toBe('src/queue/create-worker.ts');
  });

  it('follows a kafkajs startConsumer(handler) wrapper', () => {
    expect(
      where({
        'src/kafka.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export async function startConsumer(handler: (p: any) => Promise<void>) {
  await consumer.run({ eachMessage: handler });
}
`,
        'src/main.ts': `import { startConsumer } from './kafka';
import { onPayment } from './payments';
startConsumer(onPayment);
`,
        'src/payments.ts': `export async function onPayment(p: any) { await credit(p.message.value); }
declare function credit(x: unknown): Promise<void>;
`,
      }),
    ).toEqual(['src/payments.ts onPayment kafkajs']);
  });

  it('registers the `handler` properties of a job catalog that a wrapper loops over', () => {
    const catalog = `export const jobs = {
  sendEmail: { handler: async (job: any) => { await mail(job.data); }, attempts: 3 },
  chargeCard: { handler: chargeCard },
};
async function chargeCard(job: any) { await charge(job.data); }
declare function mail(x: unknown): Promise<void>;
declare function charge(x: unknown): Promise<void>;
`;
    // The wrapper takes the catalog as a parameter.
    expect(
      where({
        'src/jobs/catalog.ts': catalog,
        'src/jobs/register.ts': `import { Worker } from 'bullmq';
export function registerJobs(catalog: Record<string, { handler: (job: any) => Promise<void> }>) {
  for (const [name, def] of Object.entries(catalog)) new Worker(name, def.handler);
}
`,
        'src/main.ts': `import { registerJobs } from './jobs/register';
import { jobs } from './jobs/catalog';
registerJobs(jobs);
`,
      }),
    ).toEqual(['src/jobs/catalog.ts handler bullmq', 'src/jobs/catalog.ts chargeCard bullmq']);
    // The loop reads the imported catalog directly.
    expect(
      where({
        'src/jobs/catalog.ts': catalog,
        'src/jobs/register.ts': `import { Worker } from 'bullmq';
import { jobs } from './catalog';
for (const [name, def] of Object.entries(jobs)) new Worker(name, def.handler);
for (const def of Object.values(jobs)) new Worker('again', def.handler);
`,
      }),
    ).toEqual(['src/jobs/catalog.ts handler bullmq', 'src/jobs/catalog.ts chargeCard bullmq']);
  });

  it('counts a class method registered as this.handle.bind(this) or (m) => this.handle(m), once', () => {
    const hs = handlersOf({
      'src/payments.consumer.ts': `import { Kafka } from 'kafkajs';
export class PaymentsConsumer {
  private readonly consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'payments' });
  private readonly audit = new Kafka({ brokers: [] }).consumer({ groupId: 'audit' });
  async start() {
    await this.consumer.run({ eachMessage: this.handle.bind(this) });
    await this.audit.run({ eachMessage: (payload) => this.handle(payload) });
  }
  async handle({ message }: any) { await book(message.value); }
}
declare function book(x: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.name} ${h.kind}`)).toEqual(['handle eachMessage']);
  });

  it('a forwarding arrow to a project method in another file counts where the method is', () => {
    expect(
      where({
        'src/service.ts': `export class LedgerService {
  async apply(payload: any) { await post(payload.message.value); }
}
declare function post(x: unknown): Promise<void>;
`,
        'src/consumer.ts': `import { Kafka } from 'kafkajs';
import { LedgerService } from './service';
const ledger = new LedgerService();
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export const start = () => consumer.run({ eachMessage: async (p) => ledger.apply(p) });
`,
      }),
    ).toEqual(['src/service.ts apply kafkajs']);
  });

  it('keeps an inline arrow that does more than forward as the handler', () => {
    expect(
      where({
        'src/consumer.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export const start = () => consumer.run({ eachMessage: async (p) => { console.log(p.topic); await apply(p.message); } });
async function apply(m: unknown) { console.log(m); }
`,
      }),
    ).toEqual(['src/consumer.ts eachMessage kafkajs']);
  });

  it('counts the same function registered twice, directly and through a wrapper, once', () => {
    expect(
      where({
        'src/kafka.ts': `import { Kafka } from 'kafkajs';
const kafka = new Kafka({ brokers: [] });
export async function startConsumer(group: string, handler: (p: any) => Promise<void>) {
  await kafka.consumer({ groupId: group }).run({ eachMessage: handler });
}
`,
        'src/main.ts': `import { Kafka } from 'kafkajs';
import { startConsumer } from './kafka';
import { onOrder } from './orders';
startConsumer('a', onOrder);
startConsumer('b', onOrder);
new Kafka({ brokers: [] }).consumer({ groupId: 'c' }).run({ eachMessage: onOrder });
`,
        'src/orders.ts': `export async function onOrder(p: any) { await save(p.message.value); }
declare function save(x: unknown): Promise<void>;
`,
      }),
    ).toEqual(['src/orders.ts onOrder kafkajs']);
  });
});
