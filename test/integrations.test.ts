import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { resolveConfig } from '../src/config.js';
import { writeProject } from './helpers/audit.js';
import { runCli } from './helpers/cli.js';
import { sarifValidators } from './helpers/sarif-schema.js';
import { effectCallRule } from './helpers/test-rule.js';

const repo = resolve(import.meta.dirname, '..');

const CONSUMER = `import { Kafka } from 'kafkajs';
import { chargeCard } from '../billing/charge';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export async function start() {
  await consumer.run({ eachMessage: async ({ message }) => { await chargeCard(message); } });
}
`;
const CHARGE = `export async function chargeCard(m: unknown) { effect(); }
declare function effect(): void;
`;

describe('pre-commit framework manifest', () => {
  const hooks = yaml.load(readFileSync(join(repo, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  const hook = hooks[0]!;

  it('declares a serial node hook on the bin', () => {
    expect(hook).toMatchObject({ id: 'event-audit', entry: 'event-audit', language: 'node', require_serial: true });
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.bin)).toContain(hook.entry);
    expect(pkg.scripts.prepare).toContain('tsc');
  });

  it('matches every source extension and no declaration file', () => {
    const files = new RegExp(hook.files as string);
    const exclude = new RegExp(hook.exclude as string);
    const take = (f: string) => files.test(f) && !exclude.test(f);
    for (const f of ['a.ts', 'b.tsx', 'c.mts', 'd.cts', 'e.js', 'f.jsx', 'g.mjs', 'h.cjs']) expect(take(`src/${f}`), f).toBe(true);
    for (const f of ['README.md', 'types.d.ts', 'x.d.mts', 'style.css', 'a.json']) expect(take(f), f).toBe(false);
  });
});

describe('audit of a list of files (pre-commit, lint-staged)', () => {
  it('audits the handlers of the given files and follows their calls into the rest of the project', () => {
    const dir = writeProject({ 'package.json': '{}', 'src/consumers/payments.ts': CONSUMER, 'src/billing/charge.ts': CHARGE, 'src/other.ts': CONSUMER.replace('../billing', './billing') });
    for (const path of ['src/consumers/payments.ts', join(dir, 'src/consumers/payments.ts')]) {
      const r = audit({ cwd: dir, paths: [path], config: resolveConfig({}, undefined, dir), rules: [effectCallRule] });
      expect(r.handlers.map((h) => h.key)).toEqual(['src/consumers/payments.ts#eachMessage']);
      expect(r.findings).toHaveLength(1);
      expect(r.findings[0]!.related[0]!.span.file).toBe(join(dir, 'src/billing/charge.ts'));
    }
  });

  it('exits 0 at once when no given file is source code', async () => {
    const dir = writeProject({ 'README.md': '# x\n', 'a.json': '{}' });
    const r = await runCli(['README.md', 'a.json'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no source files to audit');
  });
});

describe('GitHub Action', () => {
  const action = yaml.load(readFileSync(join(repo, 'action.yml'), 'utf8')) as any;

  it('is a composite action that uploads with codeql-action/upload-sarif and passes inputs through env', () => {
    expect(action.runs.using).toBe('composite');
    const steps = action.runs.steps as any[];
    expect(steps.some((s) => String(s.uses).startsWith('github/codeql-action/upload-sarif@'))).toBe(true);
    for (const s of steps) if (s.run) expect(s.run).not.toMatch(/\$\{\{\s*inputs\./);
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['paths', 'sarif-file', 'category', 'upload']));
  });

  it("runs event-audit with the action's command line and writes valid SARIF and outputs", () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/billing/charge.ts': CHARGE });
    const outputs = join(dir, 'gh-output.txt');
    const env = { ...process.env, EA_BIN: `node ${join(repo, 'bin/event-audit.js')}`, EA_PATHS: 'src', EA_SARIF: 'out.sarif', EA_CATEGORY: 'event-audit/backend', GITHUB_OUTPUT: outputs };
    execFileSync('bash', [join(repo, 'scripts/action-run.sh')], { cwd: dir, env, stdio: 'pipe' });
    const out = readFileSync(outputs, 'utf8');
    expect(out).toMatch(/^exit-code=[01]$/m);
    expect(out).toContain('sarif-file=out.sarif');
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8'));
    for (const v of sarifValidators()) expect(v.validate(sarif)).toEqual([]);
    expect(sarif.runs[0].automationDetails.id).toBe('event-audit/backend/');
  });

  it('fails the step with exit 2, before any upload, when the audit cannot run', () => {
    const dir = writeProject({ 'src/a.ts': 'export {}\n' });
    const env = { ...process.env, EA_BIN: `node ${join(repo, 'bin/event-audit.js')}`, EA_PATHS: 'no-such-folder', GITHUB_OUTPUT: join(dir, 'o.txt') };
    const r = spawnSync('bash', [join(repo, 'scripts/action-run.sh')], { cwd: dir, env, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(readFileSync(join(dir, 'o.txt'), 'utf8')).toContain('exit-code=2');
  });
});
