// Fuzz: mutants of realistic handler projects (tokens deleted, inserted and replaced, lines
// duplicated and dropped, files truncated) never make the pipeline throw or fault, and the SARIF
// stays valid. Seeded: the same mutants on every run; a failure names the seed to replay it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import type { AuditResult } from '../../src/audit.js';
import { FIXTURES } from './fuzz-fixtures.js';
import { auditTree, cleanupTrees, faults, prng, renderAll, sarifProblems, tree } from './support.js';

afterAll(cleanupTrees);

// EA_FUZZ_MUTANTS / EA_FUZZ_SEED run a longer or different campaign by hand.
const MUTANTS = Number(process.env.EA_FUZZ_MUTANTS) || 150;
const SEED = Number(process.env.EA_FUZZ_SEED) || 20_261_127;

const POOL = [
  '{', '}', '(', ')', '[', ']', '=>', ';', ',', '.', '?.', '...', '=', ':', '?', '!', '<', '>', '</div>', '<T>',
  'async', 'await', 'function', 'class', 'extends', 'return', 'throw', 'try', 'catch', 'finally', 'new', 'this', 'super',
  'yield', 'export', 'import', 'default', 'const', 'let', 'var', 'if', 'else', 'for (;;)', 'while', 'switch', 'case',
  'null', 'undefined', 'void', 'typeof', 'as any', 'satisfies', 'declare', '@Decorator()', '#private', 'static',
  "'", '"', '`', '${', '/*', '*/', '//', '/re/g', '\\', '0x', '1e', '1_000n', '\u2028', '\r', '\t', '\uFEFF',
  'ack()', 'nack(msg)', 'effect()', 'consumer.run', 'eachMessage', 'ch.consume', 'new Worker', 'bus.subscribe',
  'await pool.query(\'INSERT INTO t VALUES (1)\')', 'message.offset', 'job.data', 'record.body', 'Date.now()',
  '(m) => m', 'function () {}', 'class X {}', 'x'.repeat(300),
];

interface Mutant {
  fixture: (typeof FIXTURES)[number];
  file: string;
  text: string;
  steps: string[];
}

/** Token boundaries of a source text (approximate: the scanner runs without the parser's context). */
function tokens(text: string): { start: number; end: number }[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.JSX, text);
  const out: { start: number; end: number }[] = [];
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken && out.length < 100_000; k = scanner.scan()) {
    out.push({ start: scanner.getTokenStart(), end: scanner.getTokenEnd() });
  }
  return out;
}

function mutate(text: string, rnd: () => number, steps: string[]): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const toks = tokens(text);
  const lines = text.split('\n');
  const op = Math.floor(rnd() * 7);
  if (!toks.length && op < 4) return `${pick(POOL)} ${text}`;
  switch (op) {
    case 0: {
      const t = pick(toks);
      steps.push(`delete token ${JSON.stringify(text.slice(t.start, t.end))} at ${t.start}`);
      return text.slice(0, t.start) + text.slice(t.end);
    }
    case 1: {
      const t = pick(toks);
      const ins = pick(POOL);
      steps.push(`insert ${JSON.stringify(ins)} at ${t.start}`);
      return `${text.slice(0, t.start)}${ins} ${text.slice(t.start)}`;
    }
    case 2: {
      const t = pick(toks);
      const ins = pick(POOL);
      steps.push(`replace ${JSON.stringify(text.slice(t.start, t.end))} at ${t.start} by ${JSON.stringify(ins)}`);
      return text.slice(0, t.start) + ins + text.slice(t.end);
    }
    case 3: {
      // Delete a run of tokens (a half-written edit).
      const i = Math.floor(rnd() * toks.length);
      const j = Math.min(toks.length - 1, i + 1 + Math.floor(rnd() * 12));
      steps.push(`delete tokens ${i}..${j}`);
      return text.slice(0, toks[i]!.start) + text.slice(toks[j]!.end);
    }
    case 4: {
      const at = Math.floor(rnd() * (text.length + 1));
      steps.push(`truncate at ${at}`);
      return text.slice(0, at);
    }
    case 5: {
      const i = Math.floor(rnd() * lines.length);
      const n = 1 + Math.floor(rnd() * 4);
      steps.push(`duplicate lines ${i + 1}..${i + n}`);
      return [...lines.slice(0, i + n), ...lines.slice(i, i + n), ...lines.slice(i + n)].join('\n');
    }
    default: {
      const i = Math.floor(rnd() * lines.length);
      steps.push(`drop line ${i + 1}`);
      return [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n');
    }
  }
}

function makeMutant(seed: number): Mutant {
  const rnd = prng(seed);
  const fixture = FIXTURES[Math.floor(rnd() * FIXTURES.length)]!;
  const names = Object.keys(fixture.files);
  const file = names[Math.floor(rnd() * names.length)]!;
  let text = fixture.files[file]!;
  const steps: string[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) text = mutate(text, rnd, steps);
  return { fixture, file, text, steps };
}

function check(result: AuditResult, dir: string): string[] {
  const problems: string[] = faults(result).map((f) => `fault: ${f.id}: ${f.message}`);
  const out = renderAll(result, dir);
  problems.push(...sarifProblems(out.sarif).map((p) => `sarif: ${p}`));
  JSON.parse(out.json);
  return problems;
}

describe('fuzz: mutated handler projects', () => {
  it('every fixture is sound before mutation: handlers found, no fault, valid SARIF', () => {
    for (const f of FIXTURES) {
      const dir = tree(f.files);
      const r = auditTree(dir, { config: f.config });
      expect(r.handlers.length, f.name).toBeGreaterThan(0);
      expect(check(r, dir), f.name).toEqual([]);
    }
  });

  it(`${MUTANTS} mutants: the pipeline never throws, never faults, and the SARIF validates`, () => {
    const dirs = new Map(FIXTURES.map((f) => [f.name, tree(f.files)]));
    const failures: string[] = [];
    let withSyntaxErrors = 0;
    for (let i = 0; i < MUTANTS; i++) {
      const seed = SEED + i;
      const m = makeMutant(seed);
      const dir = dirs.get(m.fixture.name)!;
      writeFileSync(join(dir, m.file), m.text);
      try {
        const r = auditTree(dir, { config: m.fixture.config });
        if (r.notifications.some((n) => n.id === 'syntax-error')) withSyntaxErrors++;
        const problems = check(r, dir);
        if (problems.length) failures.push(`seed ${seed} (${m.fixture.name}, ${m.file}: ${m.steps.join('; ')}):\n  ${problems.join('\n  ')}`);
      } catch (e) {
        failures.push(`seed ${seed} (${m.fixture.name}, ${m.file}: ${m.steps.join('; ')}) threw: ${(e as Error)?.stack ?? String(e)}`);
      } finally {
        writeFileSync(join(dir, m.file), m.fixture.files[m.file]!);
      }
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
    // The mutants did reach the parser's recovery paths.
    expect(withSyntaxErrors).toBeGreaterThan(MUTANTS / 4);
  }, Math.max(180_000, MUTANTS * 1_000));
});
