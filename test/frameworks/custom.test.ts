import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>, handlers: unknown[]) => auditSources(files, { config: { handlers } }).handlers;

describe('handlers declared in config', () => {
  it('call: the last argument by default, `arg` picks another, a dotted name pins the receiver', () => {
    const files = {
      'src/subs.ts': `import { bus, audit } from './infra';
bus.subscribe('order.placed', async (evt: { id: string }) => { await save(evt.id); });
bus.subscribe('order.cancelled', onCancelled, { group: 'billing' });
audit.subscribe('x', async () => undefined);
async function onCancelled(evt: { id: string }) { await save(evt.id); }
declare function save(id: string): Promise<void>;
`,
      'src/infra.ts': `export const bus: any = {}; export const audit: any = {};\n`,
    };
    expect(handlersOf(files, [{ call: 'bus.subscribe', arg: 1 }]).map((h) => `${h.framework} ${h.kind} ${h.name}`)).toEqual([
      'custom bus.subscribe order.placed',
      'custom bus.subscribe onCancelled',
    ]);
    // Without arg the last argument is taken: the options object of the second call is not a function.
    expect(handlersOf(files, [{ call: 'subscribe', framework: 'inhouse-bus' }]).map((h) => `${h.framework} ${h.name}`)).toEqual([
      'inhouse-bus order.placed',
      'inhouse-bus x',
    ]);
  });

  it('call + property: the handler under a property of the argument, also through a constant; `new` works too', () => {
    const hs = handlersOf(
      {
        'src/jobs.ts': `import { JobRunner } from './runner';
const sendEmail = { name: 'send-email', handler: async (job: { id: string }) => { await mail(job.id); } };
new JobRunner({ name: 'charge', handler: async (job: { id: string }) => { await mail(job.id); }, retries: 3 });
new JobRunner(sendEmail);
declare function mail(id: string): Promise<void>;
`,
        'src/runner.ts': `export class JobRunner { constructor(readonly def: unknown) {} }\n`,
      },
      [{ call: 'JobRunner', arg: 0, property: 'handler', acksOnReturn: true, redeliversOnThrow: true, idFields: ['jobKey'] }],
    );
    expect(hs.map((h) => h.name)).toEqual(['handler', 'handler']);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true });
    expect(hs[0]!.delivery.idFields[0]).toBe('jobKey');
  });

  it('decorator: decorated methods and decorated function properties', () => {
    const hs = handlersOf(
      {
        'src/handlers.ts': `import { OnMessage } from './bus';
export class Handlers {
  @OnMessage('a') async onA(m: unknown) { console.log(m); }
  @OnMessage('b') onB = async (m: unknown) => { console.log(m); };
  plain(m: unknown) { console.log(m); }
}
`,
        'src/bus.ts': `export const OnMessage = (t: string): any => () => undefined;\n`,
      },
      [{ decorator: 'OnMessage', ordered: true, batched: false }],
    );
    expect(hs.map((h) => `${h.kind} ${h.name}`)).toEqual(['@OnMessage onA', '@OnMessage onB']);
    expect(hs[0]!.delivery.ordered).toBe(true);
  });

  it('type: annotated variables, qualified and generic types, class properties and satisfies', () => {
    const hs = handlersOf(
      {
        'src/h.ts': `import type * as bus from './bus';
import type { EventHandler } from './bus';
export const a: EventHandler<{ id: string }> = async (e) => { console.log(e.id); };
export const b: bus.EventHandler = async (e) => { console.log(e); };
export const c = (async (e: unknown) => { console.log(e); }) satisfies EventHandler;
export class K { d: EventHandler = async (e) => { console.log(e); }; }
export const notOne: OtherHandler = async (e) => { console.log(e); };
type OtherHandler = (e: unknown) => Promise<void>;
`,
        'src/bus.ts': `export type EventHandler<T = unknown> = (e: T) => Promise<void>;\n`,
      },
      [{ type: 'EventHandler' }],
    );
    expect(hs.map((h) => h.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a handler declared twice (two entries, or two registrations) counts once', () => {
    const hs = handlersOf(
      {
        'src/x.ts': `import { bus } from './infra';
import type { EventHandler } from './infra';
export const onPaid: EventHandler = async (e) => { console.log(e); };
bus.subscribe('paid', onPaid);
bus.subscribe('paid.v2', onPaid);
`,
        'src/infra.ts': `export const bus: any = {};\nexport type EventHandler = (e: unknown) => Promise<void>;\n`,
      },
      [{ call: 'bus.subscribe' }, { type: 'EventHandler' }],
    );
    expect(hs.map((h) => h.name)).toEqual(['onPaid']);
  });
});

describe('config validation of handlers entries', () => {
  const err = (handlers: unknown) => {
    try {
      resolveConfig({ handlers }, '/repo/.event-auditrc.json', '/repo');
    } catch (e) {
      return (e as Error).message;
    }
    return 'valid';
  };

  it('names the file, the entry and what is allowed', () => {
    expect(err([{}])).toBe('/repo/.event-auditrc.json: handlers.0: give exactly one of call, decorator or type');
    expect(err([{ call: 'a', decorator: 'B' }])).toBe('/repo/.event-auditrc.json: handlers.0: give exactly one of call, decorator or type');
    expect(err([{ call: 'a' }, { calls: 'x' }])).toMatch(/^\/repo\/\.event-auditrc\.json: handlers\.1\.calls: unknown key \(allowed: call, arg, property, decorator, type/);
    expect(err([{ decorator: 'X', arg: 1 }])).toBe('/repo/.event-auditrc.json: handlers.0.arg: only allowed together with call');
    expect(err([{ type: 'T', property: 'handler' }])).toBe('/repo/.event-auditrc.json: handlers.0.property: only allowed together with call');
    expect(err([{ call: '' }])).toBe('/repo/.event-auditrc.json: handlers.0.call: must not be empty');
    expect(err([{ call: 'x', arg: 1.5 }])).toBe('/repo/.event-auditrc.json: handlers.0.arg: must be a whole number (got 1.5)');
    expect(err([{ call: 'x', ordered: 'yes' }])).toBe('/repo/.event-auditrc.json: handlers.0.ordered: must be a boolean (got "yes")');
    expect(err({ call: 'x' })).toBe('/repo/.event-auditrc.json: handlers: must be an array (got {"call":"x"})');
    expect(err([{ call: 'bus.subscribe', arg: 1, property: 'handler', framework: 'bus', idFields: ['key'] }])).toBe('valid');
  });
});
