import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const EMITTERS = {
  'src/bus.ts': `import { EventEmitter } from 'node:events';
export const bus = new EventEmitter();
`,
  'src/orders.ts': `import { bus } from './bus';
import { EventEmitter2 } from 'eventemitter2';
bus.on('order.placed', async (order: { id: string }) => { await reserve(order.id); });
bus.once('ready', () => console.log('ready'));
bus.on('error', (err: Error) => console.error(err));
const ee2 = new EventEmitter2({ wildcard: true });
ee2.on('invoice.*', onInvoice);
async function onInvoice(inv: { id: string }) { await reserve(inv.id); }
declare function reserve(id: string): Promise<void>;
`,
  'src/upload.ts': `import EventEmitter from 'events';
export class TrackedUpload extends EventEmitter {
  start() { this.on('progress', (p: number) => console.log(p)); }
}
export class Reporter {
  constructor(private readonly upload: TrackedUpload) {}
  attach() { this.upload.on('done', async () => { await fetch('https://t.example', { method: 'POST' }); }); }
}
`,
  'src/other.ts': `import { Kafka } from 'kafkajs';
import { createServer } from 'node:http';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
consumer.on(consumer.events.CRASH, (e) => console.log(e));
createServer().on('request', (req, res) => res.end());
process.on('SIGTERM', () => process.exit(0));
declare const $: any;
$('#b').on('click', () => console.log('clicked'));
`,
};

describe('in-process emitters', () => {
  it('lists no emitter listener by default', () => {
    expect(auditSources(EMITTERS).handlers).toEqual([]);
  });

  it('with emitterListeners: true, lists EventEmitter / EventEmitter2 listeners except lifecycle events', () => {
    const hs = auditSources(EMITTERS, { config: { emitterListeners: true } }).handlers;
    expect(hs.map((h) => `${h.file.split('/src/')[1]} ${h.kind} ${h.name}`)).toEqual([
      'orders.ts on on order.placed',
      'orders.ts on onInvoice',
      'upload.ts on on progress',
      'upload.ts on on done',
    ]);
    expect(hs[0]!.framework).toBe('node-events');
    expect(hs[0]!.delivery).toMatchObject({ inProcess: true, acksOnReturn: false, redeliversOnThrow: false, params: [0] });
  });
});
