// Odd input never crashes the run and is never skipped in silence: every file that could not be
// analysed (or only partly) is named in a notification, and everything else is still analysed.
import { spawnSync } from 'node:child_process';
import { chmodSync, renameSync, rmSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringText, ts } from '../../src/analysis/ast.js';
import type { AuditResult } from '../../src/audit.js';
import { ADAPTERS } from '../../src/frameworks/index.js';
import type { FrameworkAdapter } from '../../src/frameworks/types.js';
import { findingsOf } from '../helpers/audit.js';
import { runCli } from '../helpers/cli.js';
import { REPO, addToTree, auditTree, cleanupTrees, faults, kafkaConsumer, notes, renderAll, runBuiltCli, sarifProblems, tree } from './support.js';

afterAll(cleanupTrees);

/** No internal fault, every renderer works and the SARIF is valid. */
function expectHealthy(result: AuditResult, dir: string) {
  expect(faults(result), JSON.stringify(faults(result), null, 1)).toEqual([]);
  const out = renderAll(result, dir);
  expect(sarifProblems(out.sarif)).toEqual([]);
  return out;
}

const handlerNames = (r: AuditResult) => r.handlers.map((h) => h.name).sort();
const noteFor = (r: AuditResult, file: string) => r.notifications.filter((n) => n.file === file);
const effectLines = (r: AuditResult, dir: string, file: string) =>
  findingsOf(r, 'no-dedup')
    .filter((f) => f.span.file === join(dir, file))
    .map((f) => `${f.span.start.line}:${f.span.start.column}`);

describe('syntax errors', () => {
  it('analyses what the parser recovers and says so, with the first error position', () => {
    const broken = `${kafkaConsumer('handleOrder')}\nexport function half( {\n  const x = ;\n  if (x ==== 2) {{\n`;
    const dir = tree({ 'src/broken.ts': broken, 'src/garbage.js': 'consumer.run({ eachMessage: }}}{{{ ))) @@@ => => ;;; <div> </span>\n', 'src/ok.ts': kafkaConsumer('handlePayment') });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleOrder', 'handlePayment']);
    expect(effectLines(r, dir, 'src/broken.ts')).toEqual(['6:3']);
    const n = noteFor(r, join(dir, 'src/broken.ts'));
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ id: 'syntax-error', level: 'warning' });
    expect(n[0]!.message).toMatch(/broken\.ts:17:\d+: syntax error .*analysed what the parser recovered/);
    expect(noteFor(r, join(dir, 'src/garbage.js'))[0]).toMatchObject({ id: 'syntax-error' });
    expect(noteFor(r, join(dir, 'src/ok.ts'))).toEqual([]);
  });

  it('survives TypeScript syntax in a .js file and JSX in .ts', () => {
    const dir = tree({
      'src/typed.js': kafkaConsumer('handleTyped'),
      'src/view.ts': `export const View = () => <div className="x">{items.map((i) => <Item key={i} />)}</div>;\n`,
      'src/view.jsx': `export const View = ({ a }) => <div>{a}</div>;\n${kafkaConsumer('handleJsx').replace(/: \{ message[^)]*\}\)/, ')').replace('declare function effect(x?: unknown): void;', '')}`,
    });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toContain('handleJsx');
  });
});

describe('binary files and odd encodings', () => {
  it('skips binary files and NUL bytes with a note naming the file, and analyses the rest', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0xff, 0xd8]);
    const withNul = Buffer.concat([Buffer.from(kafkaConsumer('handleNul')), Buffer.from([0]), Buffer.from('\n')]);
    const dir = tree({ 'src/logo.ts': png, 'src/nul.ts': withNul, 'src/ok.ts': kafkaConsumer() });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleOrder']);
    for (const f of ['src/logo.ts', 'src/nul.ts']) {
      const n = noteFor(r, join(dir, f));
      expect(n).toHaveLength(1);
      expect(n[0]).toMatchObject({ id: 'binary-file', level: 'warning' });
      expect(n[0]!.message).toContain(f);
    }
  });

  it('analyses invalid UTF-8 with replacement characters and keeps positions', () => {
    const text = kafkaConsumer();
    const bad = Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9, 0xff, 0xc3]), Buffer.from(' latin-1 header\n'), Buffer.from(text.replace("String(message.value)", "String(message.value) + '\u00e9'"))]);
    const dir = tree({ 'src/latin1.ts': bad });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleOrder']);
    expect(effectLines(r, dir, 'src/latin1.ts')).toEqual(['7:3']);
  });

  it('reads a UTF-8 BOM, CRLF and lone CR line ends with the same positions and code frames as LF', () => {
    const lf = kafkaConsumer();
    const dir = tree({
      'src/bom-crlf.ts': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf.replace(/\n/g, '\r\n'))]),
      'src/cr.ts': lf.replace(/\n/g, '\r'),
      'src/lf.ts': lf,
    });
    const r = auditTree(dir);
    const out = expectHealthy(r, dir);
    for (const f of ['src/bom-crlf.ts', 'src/cr.ts', 'src/lf.ts']) expect(effectLines(r, dir, f), f).toEqual(['6:3']);
    expect(out.text).not.toContain('\r');
    expect(out.text.match(/ {4}6 \| {3}effect\(order\);/g)).toHaveLength(3);
  });

  it('keeps inline suppressions on the right line with CRLF and lone CR line ends', () => {
    const src = kafkaConsumer().replace('  effect(order);', '  // event-audit-disable-next-line no-dedup -- replay-safe\n  effect(order);');
    const dir = tree({ 'src/crlf.ts': src.replace(/\n/g, '\r\n'), 'src/cr.ts': src.replace(/\n/g, '\r') });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(findingsOf(r, 'no-dedup')).toEqual([]);
    expect(r.suppressed).toHaveLength(2);
  });

  it('decodes UTF-16 files that start with a byte order mark', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(kafkaConsumer('handleUtf16le'), 'utf16le')]);
    const beBody = Buffer.from(kafkaConsumer('handleUtf16be'), 'utf16le');
    for (let i = 0; i + 1 < beBody.length; i += 2) [beBody[i], beBody[i + 1]] = [beBody[i + 1]!, beBody[i]!];
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]);
    const dir = tree({ 'src/le.ts': le, 'src/be.ts': be });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleUtf16be', 'handleUtf16le']);
    expect(effectLines(r, dir, 'src/le.ts')).toEqual(['6:3']);
  });
});

describe('empty and trivial files', () => {
  it('passes over empty, blank, comment-only, BOM-only and shebang files quietly', () => {
    const dir = tree({
      'src/empty.ts': '',
      'src/blank.ts': '\n\n   \n\t\n',
      'src/comment.js': '// nothing here\n/* nor here */\n',
      'src/bom.ts': Buffer.from([0xef, 0xbb, 0xbf]),
      'src/exports.mts': 'export {};\n',
      'src/cli.cjs': `#!/usr/bin/env node\n${kafkaConsumer('handleCli').replace(/: \{ message[^)]*\}\)/, ')').replace('declare function effect(x?: unknown): void;', '')}`,
      'src/.ts': 'export const dot = 1;\n',
    });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(r.notifications).toEqual([]);
    expect(handlerNames(r)).toEqual(['handleCli']);
  });

  it('audits a tree with no source file at all', () => {
    const dir = tree({ 'README.md': '# hi\n', 'data.json': '{}' });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(r.files).toEqual([]);
  });
});

describe('generated files', () => {
  const N = 100_000;

  it('audits a file of 100,000 functions; call following stops at maxCallDepth', () => {
    // f0 -> f1 -> ... -> f99999 -> effect(): the effect is far beyond the call depth bound.
    const fns: string[] = [];
    for (let i = 0; i < N - 1; i++) fns.push(`function f${i}(){f${i + 1}()}`);
    fns.push(`function f${N - 1}(){effect()}`);
    const gen = `${fns.join('\n')}\ndeclare function effect(): void;\n`;
    const consumer = kafkaConsumer().replace('  effect(order);', '  f0();').replace("import { Kafka } from 'kafkajs';", "import { Kafka } from 'kafkajs';\nimport { f0 } from './generated';") + '';
    const dir = tree({ 'src/generated.ts': gen.replace('function f0(', 'export function f0('), 'src/consumer.ts': consumer });
    const started = Date.now();
    const r = auditTree(dir, { config: { maxCallDepth: 20 } });
    expect(Date.now() - started).toBeLessThan(60_000);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleOrder']);
    expect(findingsOf(r, 'no-dedup')).toEqual([]);
  });

  it('bounds the functions analysed for one handler that calls thousands of the 100,000 functions', () => {
    const fns: string[] = [];
    const calls: string[] = [];
    for (let i = 0; i < N; i++) {
      fns.push(`function g${i}(){effect()}`);
      if (i % 20 === 0) calls.push(`g${i}();`);
    }
    const src = `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
${fns.join('\n')}
consumer.run({ eachMessage: async () => {
${calls.join('\n')}
} });
declare function effect(): void;
`;
    const dir = tree({ 'src/generated.ts': src });
    const started = Date.now();
    const r = auditTree(dir, { config: { maxFunctionsPerHandler: 50, maxFileBytes: 10_000_000 } });
    expect(Date.now() - started).toBeLessThan(60_000);
    expectHealthy(r, dir);
    expect(r.handlers).toHaveLength(1);
    const found = findingsOf(r, 'no-dedup').length;
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThan(50);
  }, 120_000);

  it('skips a file over maxFileBytes with a note that says how to raise the limit', () => {
    const big = `${kafkaConsumer('handleBig')}${'// padding\n'.repeat(200)}`;
    const small = kafkaConsumer('handleSmall');
    const dir = tree({ 'src/big.ts': big, 'src/small.ts': small, 'src/exact.ts': small.replace(/handleSmall/g, 'handleExact') });
    const limit = Buffer.byteLength(small);
    const r = auditTree(dir, { config: { maxFileBytes: limit } });
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleExact', 'handleSmall']);
    const n = noteFor(r, join(dir, 'src/big.ts'));
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ id: 'file-too-large', level: 'warning' });
    expect(n[0]!.message).toContain(`over the limit of ${limit}`);
    expect(n[0]!.message).toContain('maxFileBytes');
  });

  it('takes maxFileBytes from the config file and exits 0 with the note shown', async () => {
    const dir = tree({ '.event-auditrc.json': '{ "maxFileBytes": 100 }', 'src/big.ts': kafkaConsumer() });
    const r = await runCli(['src'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped src\/big\.ts: \d+ bytes is over the limit of 100/);
  });

  it('audits a minified one-line file and keeps the code frame short', () => {
    const oneLine = `${kafkaConsumer().replace(/\n/g, ' ')} ${'const pad = [1,2,3].map(x => x * 2);'.repeat(20_000)}`;
    const dir = tree({ 'src/min.js': oneLine.replace(/: \{ message[^)]*\}\)/, ')').replace('declare function effect(x?: unknown): void;', '') });
    const r = auditTree(dir);
    const out = expectHealthy(r, dir);
    expect(effectLines(r, dir, 'src/min.js')).toHaveLength(1);
    for (const line of out.text.split('\n')) expect(line.length).toBeLessThan(600);
  });
});

describe('expressions nested 20,000 deep', () => {
  const D = 20_000;
  // A registration, so that the file is parsed (files no adapter is interested in are never parsed).
  const REG = `import { Kafka } from 'kafkajs';\nconst consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\nconsumer.run({ eachMessage: async () => {} });\n`;
  const deep: Record<string, string> = {
    parens: `export const x = ${'('.repeat(D)}1${')'.repeat(D)};\n`,
    arrays: `export const x = ${'['.repeat(D)}${']'.repeat(D)};\n`,
    objects: `export const x = ${'{a:'.repeat(D)}1${'}'.repeat(D)};\n`,
    calls: `export const x = ${'f('.repeat(D)}1${')'.repeat(D)};\n`,
    arrows: `export const x = ${'() => '.repeat(D)}1;\n`,
    blocks: `${'{'.repeat(D)}${'}'.repeat(D)}\n`,
    ifs: `${'if (a) '.repeat(D)}b();\n`,
    ternary: `export const x = ${'a ? b : '.repeat(D)}c;\n`,
    generics: `type X = ${'A<'.repeat(D)}B${'>'.repeat(D)};\n`,
    unclosed: `export const x = ${'('.repeat(D)}\n`,
    templates: `export const x = ${'`${'.repeat(D)}1${'}`'.repeat(D)};\n`,
    members: `export const x = a${'.b'.repeat(D)};\n`,
    plus: `export const x = ${Array(D).fill("'a'").join(' + ')};\n`,
    callChain: `export const x = a${'.b()'.repeat(D)};\n`,
  };

  it('never overflows the stack: a file the parser cannot take is named as not analysed, the rest is analysed', () => {
    const files: Record<string, string> = { 'src/ok.ts': kafkaConsumer() };
    for (const [k, v] of Object.entries(deep)) files[`src/deep/${k}.ts`] = REG + v;
    files['src/deep/jsx.tsx'] = `${REG}export const x = ${'<a>'.repeat(D)}${'</a>'.repeat(D)};\n`;
    const dir = tree(files);
    const started = Date.now();
    const r = auditTree(dir);
    expect(Date.now() - started).toBeLessThan(90_000);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toContain('handleOrder');
    expect(effectLines(r, dir, 'src/ok.ts')).toEqual(['6:3']);
    // Chains parse without recursion: their files are analysed and their handlers found.
    for (const k of ['members', 'plus', 'callChain']) expect(r.handlers.some((h) => h.file === join(dir, `src/deep/${k}.ts`)), k).toBe(true);
    for (const f of Object.keys(files).filter((f) => f.includes('/deep/'))) {
      const n = noteFor(r, join(dir, f)).filter((x) => x.id !== 'syntax-error');
      if (n.length) {
        expect(n, f).toHaveLength(1);
        expect(n[0], f).toMatchObject({ id: 'too-deeply-nested', level: 'warning' });
        expect(n[0]!.message).toContain(f);
        expect(n[0]!.message).toMatch(/not analysed/);
      }
    }
    // Chains parse without recursion: they must be analysed, not skipped.
    for (const k of ['members', 'plus', 'callChain']) expect(noteFor(r, join(dir, `src/deep/${k}.ts`)), k).toEqual([]);
    expect(notes(r, 'too-deeply-nested').length).toBeGreaterThan(5);
  }, 120_000);

  it('analyses a handler whose body holds 20,000-long chains, in every adapter and rule', () => {
    const body = (expr: string) => kafkaConsumer().replace('  effect(order);', `  const deep = ${expr};\n  effect(order);`);
    const dir = tree({
      'src/members.ts': body(`order${'.next'.repeat(D)}`),
      'src/plus.ts': body(Array(D).fill("'a'").join(' + ')),
      // Fewer links: every call in a chain is looked at, and each look walks up the chain (quadratic, but no overflow).
      'src/calls.ts': body(`db.query()${'.then(() => db.insert(order))'.repeat(D / 10)}`),
      'src/bus.ts': `bus${'.x'.repeat(D)}.subscribe('orders', async (msg) => { effect(msg); });\ndeclare function effect(x?: unknown): void;\n`,
    });
    const started = Date.now();
    const r = auditTree(dir, { config: { handlers: [{ call: 'bus.subscribe' }, { call: 'x.subscribe' }] } });
    expect(Date.now() - started).toBeLessThan(90_000);
    expectHealthy(r, dir);
    expect(r.notifications).toEqual([]);
    for (const f of ['src/members.ts', 'src/plus.ts', 'src/calls.ts']) expect(effectLines(r, dir, f), f).toEqual(['7:3']);
  }, 120_000);

  it('reads 20,000-part qualified type names and 20,000 concatenated strings without recursion', () => {
    const dir = tree({
      'src/typed.ts': `export const h: Handlers${'.a'.repeat(D)}.OrderHandler = async (m) => { effect(m); };\ndeclare function effect(x?: unknown): void;\n`,
    });
    const r = auditTree(dir, { config: { handlers: [{ type: 'OrderHandler' }] } });
    expectHealthy(r, dir);
    expect(r.handlers).toHaveLength(1);
    const sf = ts.createSourceFile('x.ts', `const q = ${Array(D).fill("'INSERT INTO t VALUES (1); '").join(' + ')};`, ts.ScriptTarget.Latest, true);
    const init = (sf.statements[0] as ts.VariableStatement).declarationList.declarations[0]!.initializer!;
    expect(stringText(init)).toBe('INSERT INTO t VALUES (1); '.repeat(D));
  });

  it('parses normally after a file overflowed the parser', () => {
    const dir = tree({ 'src/a-deep.ts': REG + deep.parens!, 'src/b-ok.ts': kafkaConsumer(), 'src/c-broken.ts': `${REG}export function x( {\n` });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['eachMessage', 'handleOrder']);
    expect(noteFor(r, join(dir, 'src/a-deep.ts'))[0]!.id).toBe('too-deeply-nested');
    expect(noteFor(r, join(dir, 'src/b-ok.ts'))).toEqual([]);
    expect(noteFor(r, join(dir, 'src/c-broken.ts'))[0]!.message).toMatch(/c-broken\.ts:5:1: syntax error/);
  });
});

describe('symbolic links', () => {
  it('terminates on link loops, names dangling and looping file links, and does not leave the audited folder', () => {
    const dir = tree({
      'src/consumer.ts': kafkaConsumer(),
      'src/loop': { symlink: '.' },
      'src/up': { symlink: '..' },
      'src/ping': { symlink: 'pong' },
      'src/pong': { symlink: 'ping' },
      'src/self.ts': { symlink: 'self.ts' },
      'src/gone.ts': { symlink: 'missing.ts' },
      'src/nested/deeper/back': { symlink: '../..' },
      'outside/other.ts': kafkaConsumer('handleOutside'),
    });
    const r = auditTree(dir, { paths: ['src'] });
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleOrder']);
    expect(r.files.every((f) => !f.includes('outside'))).toBe(true);
    for (const f of ['src/self.ts', 'src/gone.ts']) {
      const n = noteFor(r, join(dir, f));
      expect(n, f).toHaveLength(1);
      expect(n[0]!.level).toBe('warning');
      expect(n[0]!.message).toContain(f);
    }
  });

  it('notes a dangling link once when its folder is walked twice, and not at all under an ignore', () => {
    const dir = tree({ 'src/a/consumer.ts': kafkaConsumer(), 'src/a/gone.ts': { symlink: 'missing.ts' }, 'src/vendor/gone.ts': { symlink: 'missing.ts' } });
    const r = auditTree(dir, { paths: ['src', 'src/a'], config: { ignore: ['src/vendor/**'] } });
    expectHealthy(r, dir);
    expect(r.notifications.map((n) => n.file)).toEqual([join(dir, 'src/a/gone.ts')]);
  });

  it('follows a link to a folder or file outside the tree once', () => {
    const dir = tree({ 'shared/handler.ts': kafkaConsumer('handleShared'), 'app/consumer.ts': kafkaConsumer() });
    addToTree(dir, { 'app/shared': { symlink: '../shared' }, 'app/again': { symlink: '../shared' } });
    const r = auditTree(dir, { paths: ['app'] });
    expectHealthy(r, dir);
    expect(handlerNames(r).filter((n) => n === 'handleShared').length).toBeGreaterThanOrEqual(1);
    expect(handlerNames(r)).toContain('handleOrder');
  });
});

describe('paths with spaces and non-ASCII names', () => {
  const names = ['src/my handlers/überweisung ✓.ts', 'src/日本語/注文.ts', 'src/a b/c%20d.ts', 'src/[id]/route.ts', 'src/(group)/page #1.ts'];

  it('audits them and writes paths that round-trip in every format', () => {
    const files: Record<string, string> = {};
    names.forEach((n, i) => (files[n] = kafkaConsumer(`handle${i}`)));
    const dir = tree(files);
    const r = auditTree(dir);
    const out = expectHealthy(r, dir);
    expect(handlerNames(r)).toHaveLength(names.length);
    const sarif = JSON.parse(out.sarif);
    const uris = sarif.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => decodeURIComponent(x.locations[0]!.physicalLocation.artifactLocation.uri));
    expect(uris.sort()).toEqual([...names].sort());
    const json = JSON.parse(out.json);
    expect(json.findings.map((f: { file: string }) => f.file).sort()).toEqual([...names].sort());
    for (const n of names) expect(out.text).toContain(n);
  });

  it('takes them as explicit command-line paths', async () => {
    const files: Record<string, string> = {};
    names.forEach((n, i) => (files[n] = kafkaConsumer(`handle${i}`)));
    const dir = tree(files);
    const r = await runCli(['--list-handlers', '--format', 'json', ...names], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).handlers.map((h: { file: string }) => h.file).sort()).toEqual([...names].sort());
    const folder = await runCli(['--list-handlers', '--format', 'json', 'src/[id]'], dir);
    expect(JSON.parse(folder.stdout).handlers.map((h: { file: string }) => h.file)).toEqual(['src/[id]/route.ts']);
  });
});

describe('unreadable files and folders', () => {
  it('names each one, analyses the rest and exits 2', () => {
    const dir = tree({ 'src/consumer.ts': kafkaConsumer(), 'src/secret.ts': kafkaConsumer('handleSecret'), 'src/locked/inner.ts': kafkaConsumer('handleLocked'), 'src/noexec/x.ts': kafkaConsumer('handleNoExec') });
    chmodSync(join(dir, 'src/secret.ts'), 0o000);
    chmodSync(join(dir, 'src/locked'), 0o000);
    chmodSync(join(dir, 'src/noexec'), 0o644);
    const sarif = runBuiltCli(['--format', 'sarif', 'src'], dir);
    expect(sarif.signal).toBeNull();
    expect(sarif.code).toBe(2);
    expect(sarifProblems(sarif.stdout)).toEqual([]);
    const inv = JSON.parse(sarif.stdout).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    const texts = inv.toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text).join('\n');
    for (const p of ['secret.ts', 'locked', 'noexec']) {
      expect(texts).toContain(p);
      expect(sarif.stderr).toContain(p);
    }
    const list = runBuiltCli(['--list-handlers', '--format', 'json', 'src'], dir);
    expect(list.code).toBe(2);
    expect(JSON.parse(list.stdout).handlers.map((h: { name: string }) => h.name)).toEqual(['handleOrder']);
    expect(list.stderr).toContain('secret.ts');
    const text = runBuiltCli(['--list-handlers', 'src'], dir);
    expect(text.code).toBe(2);
    expect(text.stdout + text.stderr).toContain('secret.ts');
  });

  it('says nothing about an unreadable folder the user ignores, and exits 0', () => {
    const dir = tree({ '.event-auditrc.json': '{ "ignore": ["data/**", "**/*.gen.ts"] }', 'src/consumer.ts': kafkaConsumer(), 'data/pg/x.ts': 'export {};\n', 'src/locked.gen.ts': 'export {};\n' });
    chmodSync(join(dir, 'data/pg'), 0o000);
    chmodSync(join(dir, 'src/locked.gen.ts'), 0o000);
    const r = runBuiltCli(['--format', 'json', '.'], dir);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).notifications).toEqual([]);
    expect([0, 1]).toContain(r.code);
  });

  it('names an unreadable file given explicitly', () => {
    const dir = tree({ 'src/secret.ts': kafkaConsumer() });
    chmodSync(join(dir, 'src/secret.ts'), 0o000);
    const r = runBuiltCli(['src/secret.ts'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/cannot read .*secret\.ts: EACCES/);
  });
});

describe('files that vanish or change kind during the run', () => {
  it('names a listed file that is gone by the time it is read', () => {
    const dir = tree({ 'src/a.ts': kafkaConsumer('handleA'), 'src/b.ts': kafkaConsumer('handleB') });
    const files = [join(dir, 'src/a.ts'), join(dir, 'src/b.ts'), join(dir, 'src/gone.ts')];
    const r = auditTree(dir, { selection: { files, notifications: [], explicitFiles: false } });
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleA', 'handleB']);
    const n = noteFor(r, join(dir, 'src/gone.ts'));
    expect(n).toHaveLength(1);
    expect(n[0]!.message).toContain('gone.ts');
  });

  it('keeps going when files are deleted, replaced by a folder or by a FIFO while the audit runs', () => {
    const dir = tree({ 'src/a.ts': kafkaConsumer('handleA'), 'src/b.ts': kafkaConsumer('handleB'), 'src/c.ts': kafkaConsumer('handleC'), 'src/d.ts': kafkaConsumer('handleD'), 'src/e.ts': kafkaConsumer('handleE') });
    let done = false;
    // An adapter that changes the tree the first time it is asked about a file.
    const saboteur: FrameworkAdapter = {
      name: 'saboteur',
      mayRegister() {
        if (!done) {
          done = true;
          rmSync(join(dir, 'src/b.ts'));
          rmSync(join(dir, 'src/c.ts'));
          mkdirSync(join(dir, 'src/c.ts'));
          rmSync(join(dir, 'src/d.ts'));
          spawnSync('mkfifo', [join(dir, 'src/d.ts')]);
        }
        return false;
      },
      discover: () => [],
    };
    const r = auditTree(dir, { adapters: [saboteur, ...ADAPTERS] });
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleA', 'handleE']);
    for (const f of ['src/b.ts', 'src/c.ts', 'src/d.ts']) expect(noteFor(r, join(dir, f)), f).toHaveLength(1);
  });
});

describe('FIFOs and devices', () => {
  it('never blocks on a FIFO or a device, given in a folder or by name, and names each', () => {
    const dir = tree({ 'src/consumer.ts': kafkaConsumer(), 'src/zero.ts': { symlink: '/dev/zero' }, 'src/null.js': { symlink: '/dev/null' } });
    expect(spawnSync('mkfifo', [join(dir, 'src/pipe.ts')]).status).toBe(0);
    const folder = runBuiltCli(['--format', 'json', 'src'], dir, { timeoutMs: 20_000 });
    expect(folder.signal).toBeNull();
    const doc = JSON.parse(folder.stdout);
    expect(doc.handlers.map((h: { name: string }) => h.name)).toEqual(['handleOrder']);
    const noted = doc.notifications.map((n: { file: string }) => n.file).sort();
    expect(noted).toEqual(['src/null.js', 'src/pipe.ts', 'src/zero.ts']);
    const named = runBuiltCli(['--format', 'json', 'src/pipe.ts', 'src/zero.ts', 'src/consumer.ts'], dir, { timeoutMs: 20_000 });
    expect(named.signal).toBeNull();
    expect(JSON.parse(named.stdout).notifications.map((n: { file: string }) => n.file).sort()).toEqual(['src/pipe.ts', 'src/zero.ts']);
  });

  it('does not block when a listed file turns out to be a FIFO or a device at read time', () => {
    const dir = tree({});
    expect(spawnSync('mkfifo', [join(dir, 'pipe.ts')]).status).toBe(0);
    const script = `
      const { SourceStore } = await import(${JSON.stringify(join(REPO, 'dist/src/analysis/sources.js'))});
      const s = new SourceStore({ maxFileBytes: 1e6 });
      const out = [s.text(${JSON.stringify(join(dir, 'pipe.ts'))}), s.text('/dev/zero'), s.text('/dev/null')];
      console.log(JSON.stringify({ out, notes: s.notifications.map((n) => n.file) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    const res = JSON.parse(r.stdout);
    expect(res.out).toEqual([null, null, null]);
    expect(res.notes).toEqual([join(dir, 'pipe.ts'), '/dev/zero', '/dev/null']);
  });
});

describe('code that loops name resolution', () => {
  it('terminates on cyclic aliases, self-referencing members, inheritance and re-export cycles', () => {
    const dir = tree({
      'src/cycles.ts': `import { Kafka } from 'kafkajs';
import { fromB } from './b';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
const A = B; const B = A;
let p = q; let q = p;
class Self { x = this.x; y = this.y.z; run() { this.x.go(); this.y.z.go(); } }
class P extends Q { } class Q extends P { }
const h = h;
const wrap = (fn) => wrap(fn);
export async function handleCycle({ message }) {
  new A(); new Self().run(); new P().go(); p.go(); q(); h(); fromB(); wrap(wrap)(message);
  effect(message);
}
consumer.run({ eachMessage: handleCycle });
consumer.run({ eachMessage: h });
consumer.run({ eachMessage: wrap(handleCycle) });
declare function effect(x?: unknown): void;
`,
      'src/b.ts': `export * from './c';\nexport { fromC as fromB } from './c';\n`,
      'src/c.ts': `export * from './b';\nexport { fromB as fromC } from './b';\nimport * as self from './c';\nexport const loop = self.loop;\n`,
    });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(handlerNames(r)).toContain('handleCycle');
    expect(effectLines(r, dir, 'src/cycles.ts')).toContain('12:3');
  });

  it('survives registrations with missing, computed and odd arguments', () => {
    const dir = tree({
      'src/odd.ts': `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
const key = 'each' + 'Message';
consumer.run();
consumer.run(undefined);
consumer.run({ eachMessage });
consumer.run({ [key]: async () => effect() });
consumer.run(...args);
consumer.run({ ...opts, eachMessage: undefined });
consumer.run({ eachMessage: 42 });
consumer.run({ eachMessage: handlers[0] });
consumer.run({ eachMessage: cond ? a : b });
consumer.run({ get eachMessage() { return async () => effect(); } });
consumer.run({ eachMessage: async function* () { effect(); } });
consumer.run({ eachMessage: class {} });
consumer.run({ eachMessage: async ({ message: { value = effect() } = {} }) => {} });
new consumer.run({ eachMessage: async () => effect() });
consumer['run']({ eachMessage: async () => { effect(); } });
declare function effect(x?: unknown): void;
`,
    });
    const r = auditTree(dir);
    expectHealthy(r, dir);
  });

  it('survives odd identifiers, escapes and very long names', () => {
    const long = `h${'x'.repeat(100_000)}`;
    const dir = tree({
      'src/names.ts': kafkaConsumer(long).replace('  effect(order);', '  \\u0065ffect(order); const ñ = 1, 𝒳 = ñ; void 𝒳;'),
    });
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(r.handlers).toHaveLength(1);
  });
});

describe('many files', () => {
  it('audits 400 small files in file order, whatever the folder nesting', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`src/${i % 7}/${i % 3}/m${i}.ts`] = i % 20 === 0 ? kafkaConsumer(`handle${i}`) : `export const v${i} = ${i};\n`;
    const dir = tree(files);
    const r = auditTree(dir);
    expectHealthy(r, dir);
    expect(r.files).toHaveLength(400);
    expect(r.files).toEqual([...r.files].sort());
    expect(r.handlers).toHaveLength(20);
  });
});

describe('rename races in the tree walk', () => {
  it('does not stop when a folder is renamed while it is listed', () => {
    const dir = tree({ 'src/a/x.ts': kafkaConsumer('handleX'), 'src/b/y.ts': kafkaConsumer('handleY') });
    let moved = false;
    const mover: FrameworkAdapter = {
      name: 'mover',
      mayRegister() {
        if (!moved) {
          moved = true;
          renameSync(join(dir, 'src/b'), join(dir, 'src/b2'));
          writeFileSync(join(dir, 'src/late.ts'), kafkaConsumer('handleLate'));
          symlinkSync('nowhere', join(dir, 'src/late-link.ts'));
        }
        return false;
      },
      discover: () => [],
    };
    const r = auditTree(dir, { adapters: [mover, ...ADAPTERS] });
    expectHealthy(r, dir);
    expect(handlerNames(r)).toEqual(['handleX']);
    expect(noteFor(r, join(dir, 'src/b/y.ts'))).toHaveLength(1);
  });
});

