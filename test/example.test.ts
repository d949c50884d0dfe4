// The bundled example is the README's first command: it must show every rule, exactly as
// examples/shop/EXPECTED.md says, file by file.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_IDS } from '../src/rule-ids.js';
import { runCli } from './helpers/cli.js';

const repo = resolve(import.meta.dirname, '..');

function expected() {
  const rows = new Map<string, { handlers: number; rules: string[] }>();
  for (const line of readFileSync(join(repo, 'examples/shop/EXPECTED.md'), 'utf8').split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|\s*([^|]*)\|/.exec(line);
    if (!m) continue;
    const rules = [...m[3]!.matchAll(/`([a-z-]+)`/g)].map((x) => x[1]!);
    rows.set(`examples/shop/${m[1]}`, { handlers: Number(m[2]), rules: rules.sort() });
  }
  return rows;
}

describe('bundled example', () => {
  it('reports exactly the rules EXPECTED.md lists for each file, and every rule at least once', async () => {
    const r = await runCli(['examples/shop', '--format', 'json'], repo);
    const doc = JSON.parse(r.stdout);
    const got = new Map<string, Set<string>>();
    for (const f of doc.findings) got.set(f.file, (got.get(f.file) ?? new Set()).add(f.ruleId));
    const want = expected();
    expect(want.size).toBeGreaterThan(10);
    for (const [file, row] of want) expect([...(got.get(file) ?? [])].sort(), file).toEqual(row.rules);
    for (const file of got.keys()) expect(want.has(file), `unexpected findings in ${file}`).toBe(true);
    const seen = new Set(doc.findings.map((f: { ruleId: string }) => f.ruleId));
    expect([...seen].sort()).toEqual([...RULE_IDS].sort());
  });

  it('lists the handlers EXPECTED.md counts, and none in the look-alikes', async () => {
    const r = await runCli(['examples/shop', '--list-handlers', '--format', 'json'], repo);
    const doc = JSON.parse(r.stdout);
    const count = new Map<string, number>();
    for (const h of doc.handlers) count.set(h.file, (count.get(h.file) ?? 0) + 1);
    for (const [file, row] of expected()) expect(count.get(file) ?? 0, file).toBe(row.handlers);
  });
});
