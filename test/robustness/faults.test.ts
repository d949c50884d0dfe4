// A fault in one adapter or rule, on one file or handler, never stops the run: the rest is still
// analysed and reported, the fault is named (stderr, SARIF toolExecutionNotifications with
// executionSuccessful false) and the exit code is 2, so CI cannot pass on an incomplete analysis.
import { afterAll, describe, expect, it } from 'vitest';
import { ts, walk } from '../../src/analysis/ast.js';
import { Project } from '../../src/analysis/project.js';
import { SourceStore } from '../../src/analysis/sources.js';
import { walkOwn } from '../../src/analysis/reach.js';
import { ADAPTERS } from '../../src/frameworks/index.js';
import { delivery, type FrameworkAdapter, type Registration } from '../../src/frameworks/types.js';
import type { Rule } from '../../src/rule.js';
import { findingsOf } from '../helpers/audit.js';
import { runCli } from '../helpers/cli.js';
import { RULES } from '../../rules/index.js';
import { effectCallRule } from '../helpers/test-rule.js';
import { busAdapter, busConsumer, crashProbeRule } from './probes.js';
import { auditTree, cleanupTrees, faults, kafkaConsumer, renderAll, sarifProblems, tree } from './support.js';

// The CLI loads its adapters and rules itself: the probe adapter and rule are added to the real
// lists for the duration of a test (test files share modules, so nothing is mocked for good).
async function withProbes<T>(fn: () => Promise<T>): Promise<T> {
  const adapters = ADAPTERS as FrameworkAdapter[];
  const rules = RULES as Rule[];
  adapters.push(busAdapter);
  rules.push(crashProbeRule);
  try {
    return await fn();
  } finally {
    adapters.splice(adapters.indexOf(busAdapter), 1);
    rules.splice(rules.indexOf(crashProbeRule), 1);
  }
}

/** Patches a method for the duration of `fn`. */
async function patched<T extends object, K extends keyof T, R>(target: T, key: K, replacement: T[K], fn: () => R | Promise<R>): Promise<R> {
  const orig = target[key];
  target[key] = replacement;
  try {
    return await fn();
  } finally {
    target[key] = orig;
  }
}

afterAll(cleanupTrees);

function adapter(name: string, overrides: Partial<FrameworkAdapter>): FrameworkAdapter {
  return { name, mayRegister: () => true, discover: () => [], ...overrides };
}

function rule(id: string, check: Rule['check']): Rule {
  return { id, defaultLevel: 'warning', description: `probe ${id}`, tags: ['test'], precision: 'low', check };
}

describe('a fault in an adapter', () => {
  it('is named with the adapter and the file, and the same adapter still runs on other files', () => {
    const dir = tree({ 'src/a.ts': busConsumer('handleA'), 'src/b.ts': `${busConsumer('handleB')}// CRASH_ADAPTER\n`, 'src/c.ts': busConsumer('handleC'), 'src/k.ts': kafkaConsumer() });
    const r = auditTree(dir, { adapters: [...ADAPTERS, busAdapter] });
    expect(r.handlers.map((h) => h.name).sort()).toEqual(['handleA', 'handleC', 'handleOrder']);
    expect(findingsOf(r, 'no-dedup').map((f) => f.handler.name).sort()).toEqual(['handleA', 'handleC', 'handleOrder']);
    expect(faults(r)).toHaveLength(1);
    expect(faults(r)[0]).toMatchObject({ id: 'adapter-crash', level: 'error', file: `${dir}/src/b.ts` });
    expect(faults(r)[0]!.message).toMatch(/the bus adapter failed on .*src\/b\.ts: adapter probe; its handlers in this file were not analysed/);
    const out = renderAll(r, dir);
    expect(sarifProblems(out.sarif)).toEqual([]);
    const inv = JSON.parse(out.sarif).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toEqual([
      expect.objectContaining({ level: 'error', descriptor: { id: 'adapter-crash' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'src/b.ts', uriBaseId: '%SRCROOT%' } } }] }),
    ]);
    expect(out.text).toMatch(/✖ the bus adapter failed on src\/b\.ts/);
    expect(JSON.parse(out.json).notifications).toEqual([expect.objectContaining({ id: 'adapter-crash', file: 'src/b.ts' })]);
  });

  it('is reported when mayRegister, enabled or discover throws, or discover returns no list', () => {
    const dir = tree({ 'src/k.ts': kafkaConsumer(), 'src/other.ts': kafkaConsumer('handleOther') });
    const broken = [
      adapter('throws-in-mayRegister', { mayRegister: (t) => (t.includes('handleOther') ? (() => { throw new TypeError('mayRegister probe'); })() : false) }),
      adapter('throws-in-enabled', { enabled: () => { throw new Error('enabled probe'); } }),
      adapter('returns-undefined', { discover: () => undefined as unknown as Registration[] }),
      adapter('returns-object', { discover: () => ({ length: 1 }) as unknown as Registration[] }),
      adapter('throws-null', { discover: () => { throw null; } }),
      adapter('throws-string', { discover: () => { throw 'a string'; } }),
    ];
    const r = auditTree(dir, { adapters: [...ADAPTERS, ...broken] });
    expect(r.handlers.map((h) => h.name).sort()).toEqual(['handleOrder', 'handleOther']);
    const msgs = faults(r).map((n) => n.message);
    for (const name of ['throws-in-mayRegister', 'throws-in-enabled', 'returns-undefined', 'returns-object', 'throws-null', 'throws-string']) {
      expect(msgs.some((m) => m.includes(`the ${name} adapter`)), name).toBe(true);
    }
    expect(msgs.join('\n')).toContain('mayRegister probe');
    expect(msgs.join('\n')).toContain(': null;');
    expect(msgs.join('\n')).toContain(': a string;');
    expect(sarifProblems(renderAll(r, dir).sarif)).toEqual([]);
  });

  it('is reported for registrations that make no sense, and the good ones are kept', () => {
    const dir = tree({ 'src/k.ts': kafkaConsumer(), 'src/other.ts': 'export const other = () => 1;\n' });
    const junk = adapter('junk', {
      discover(ctx) {
        const good = ctx.sf.statements.find(ts.isFunctionDeclaration)!;
        const base = { node: ctx.sf, framework: 'junk', kind: 'junk', delivery: delivery({}) };
        return [
          { ...base, handler: undefined as unknown as ts.Node },
          { ...base, handler: null as unknown as ts.Node },
          { ...base, handler: ctx.sf },
          { ...base, handler: ts.factory.createIdentifier('synthetic') },
          { ...base, handler: good, delivery: undefined as unknown as Registration['delivery'] },
          { ...base, handler: good, extraBodies: [undefined as unknown as ts.Node] },
        ];
      },
    });
    const r = auditTree(dir, { adapters: [...ADAPTERS, junk] });
    expect(r.handlers.map((h) => h.name)).toContain('handleOrder');
    expect(sarifProblems(renderAll(r, dir).sarif)).toEqual([]);
    // Whatever it made of them, nothing was dropped in silence: each fault names its file.
    expect(faults(r).some((f) => f.file === `${dir}/src/k.ts`)).toBe(true);
    for (const f of faults(r)) expect(f.message).toContain(f.file!);
  });
});

describe('a fault in a rule', () => {
  const dir = tree({ 'src/a.ts': kafkaConsumer('handleA'), 'src/poison.ts': kafkaConsumer('poisonHandler'), 'src/z.ts': kafkaConsumer('handleZ') });

  it('stops that rule on that handler only: other handlers and other rules still report', () => {
    const poisoned = rule('swallowed-error', (ctx) => {
      if (ctx.handler.name.startsWith('poison')) throw new Error('rule probe');
      for (const r of ctx.reach.functions) walkOwn(r.fn, (n) => (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'effect' ? ctx.report(n, 'probe finding') : undefined));
    });
    const r = auditTree(dir, { rules: [poisoned, effectCallRule] });
    expect(findingsOf(r, 'swallowed-error').map((f) => f.handler.name)).toEqual(['handleA', 'handleZ']);
    expect(findingsOf(r, 'no-dedup').map((f) => f.handler.name)).toEqual(['handleA', 'poisonHandler', 'handleZ']);
    expect(faults(r)).toEqual([expect.objectContaining({ id: 'rule-crash', level: 'error', file: `${dir}/src/poison.ts` })]);
    expect(faults(r)[0]!.message).toMatch(/rule swallowed-error failed on handler poisonHandler in .*poison\.ts: rule probe; the other rules still ran/);
    const sarif = JSON.parse(renderAll(r, dir).sarif);
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
    expect(sarif.runs[0].results).toHaveLength(5);
  });

  it('survives a rule that overflows the stack, throws odd values or reports bogus nodes, and names every one', () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const rules = [
      rule('no-dedup', () => void recurse(0)),
      rule('ack-before-process', () => { throw null; }),
      rule('swallowed-error', () => { throw undefined; }),
      rule('floating-promise', () => { throw { toString: () => { throw new Error('no'); } }; }),
      rule('unbounded-retry', (ctx) => ctx.report(ts.factory.createIdentifier('synthetic'), 'a node the parser never made')),
      rule('order-dependent', (ctx) => ctx.report(undefined as unknown as ts.Node, 'no node at all')),
      rule('dual-write', (ctx) => {
        walk(ctx.handler.sourceFile, (n) => (ts.isCallExpression(n) ? ctx.report(n, 'kept before the throw') : undefined));
        throw new Error('after reporting');
      }),
      effectCallRule.id === 'no-dedup' ? rule('wall-clock-dependence', effectCallRule.check) : effectCallRule,
    ];
    const r = auditTree(dir, { rules });
    const byRule = (id: string) => faults(r).filter((f) => f.message.startsWith(`rule ${id} `));
    for (const id of ['no-dedup', 'ack-before-process', 'swallowed-error', 'floating-promise', 'unbounded-retry', 'order-dependent', 'dual-write']) {
      expect(byRule(id), id).toHaveLength(3); // once per handler
    }
    expect(byRule('no-dedup')[0]!.message).toMatch(/Maximum call stack size exceeded/);
    expect(findingsOf(r, 'wall-clock-dependence')).toHaveLength(3);
    expect(findingsOf(r, 'dual-write').length).toBeGreaterThan(3);
    expect(sarifProblems(renderAll(r, dir).sarif)).toEqual([]);
  });

  it('is reported when following a handler\u2019s calls fails, and the rest is still analysed', async () => {
    const d2 = tree({
      'src/a.ts': kafkaConsumer('handleA'),
      'src/p.ts': kafkaConsumer('handleP').replace('  effect(order);', '  new PoisonReach();\n  effect(order);'),
      'src/q.ts': kafkaConsumer('handleQ').replace('  effect(order);', '  poisonCall();\n  effect(order);'),
    });
    const orig = Project.prototype.classFromExpression;
    const origResolve = Project.prototype.resolveFunctions;
    const r = await patched(
      Project.prototype,
      'classFromExpression',
      function (this: Project, expr: ts.Expression, ...rest: unknown[]) {
        if (ts.isIdentifier(expr) && expr.text === 'PoisonReach') throw new Error('reach probe');
        return (orig as (...a: unknown[]) => ReturnType<typeof orig>).call(this, expr, ...rest);
      } as typeof orig,
      () =>
        patched(
          Project.prototype,
          'resolveFunctions',
          function (this: Project, expr: ts.Node, ...rest: unknown[]) {
            if (ts.isIdentifier(expr) && expr.text === 'poisonCall') throw new Error('resolve probe');
            return (origResolve as (...a: unknown[]) => ReturnType<typeof origResolve>).call(this, expr, ...rest);
          } as typeof origResolve,
          () => auditTree(d2),
        ),
    );
    // handleP lost its rules; handleQ lost one call, not its rules.
    expect(findingsOf(r, 'no-dedup').map((f) => f.handler.name)).toEqual(['handleA', 'handleQ']);
    expect(faults(r).map((f) => [f.id, f.file])).toEqual([
      ['reach-crash', `${d2}/src/p.ts`],
      ['reach-crash', `${d2}/src/q.ts`],
    ]);
    const text = faults(r).map((f) => f.message).join('\n');
    expect(text).toMatch(/resolving the call poisonCall\(\) in .*q\.ts failed: resolve probe; it was not followed/);
    expect(text).toMatch(/following the calls of handler handleP in .*p\.ts failed: reach probe; its rules did not run/);
  });
});

describe('the command line after a fault', () => {
  const dir = tree({
    'src/a.ts': busConsumer('handleA'),
    'src/b.ts': `${busConsumer('handleB')}// CRASH_ADAPTER\n`,
    'src/k.ts': kafkaConsumer('crashProbeTarget'),
  });

  for (const format of ['text', 'json', 'sarif']) {
    it(`exits 2 and names each fault (--format ${format})`, async () => {
      const r = await withProbes(() => runCli(['--format', format, 'src'], dir));
      expect(r.code).toBe(2);
      const shown = format === 'text' ? r.stdout : r.stderr;
      expect(shown).toMatch(/the bus adapter failed on .*src\/b\.ts/);
      expect(shown).toMatch(/rule crash-probe failed on handler crashProbeTarget/);
      if (format === 'sarif') {
        expect(sarifProblems(r.stdout)).toEqual([]);
        const inv = JSON.parse(r.stdout).runs[0].invocations[0];
        expect(inv.executionSuccessful).toBe(false);
        expect(inv.toolExecutionNotifications.map((n: { descriptor: { id: string } }) => n.descriptor.id).sort()).toEqual(['adapter-crash', 'rule-crash']);
      }
      if (format === 'json') expect(JSON.parse(r.stdout).handlers.map((h: { name: string }) => h.name).sort()).toEqual(['crashProbeTarget', 'handleA']);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  }

  it('exits 2 with --list-handlers, --quiet, --max-warnings and --output too', async () => {
    for (const args of [['--list-handlers'], ['--list-handlers', '--format', 'json'], ['--quiet'], ['--max-warnings', '1000'], ['--format', 'sarif', '--output', `${dir}/../out-${Date.now()}.sarif`]]) {
      const r = await withProbes(() => runCli([...args, 'src'], dir));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout + r.stderr, args.join(' ')).toMatch(/bus adapter failed/);
    }
  });

  it('turns an unexpected exception into one "internal error" line and exit 2, whatever is thrown', async () => {
    // Listing the files the audit read is outside every guarded stage: a throw there is a bug of ours.
    for (const thrown of [new Error('internal probe'), null, 'a string', 42]) {
      const r = await patched(
        SourceStore.prototype,
        'readFiles',
        () => {
          throw thrown;
        },
        () => runCli(['--format', 'sarif', 'src/a.ts'], dir),
      );
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toBe(`event-audit: internal error: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    }
  });
});

