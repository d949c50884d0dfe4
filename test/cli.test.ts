import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const KAFKA = `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export async function start() {
  await consumer.run({ eachMessage: async ({ message }) => { console.log(message.offset); } });
}
`;

describe('command line', () => {
  it('exits 2 with one line for an unknown flag', async () => {
    const r = await runCli(['--bogus'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it('exits 2 with one line for a missing path', async () => {
    const r = await runCli(['does-not-exist'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('event-audit: no such file or folder: does-not-exist\n');
  });

  it('rejects an unknown rule and a bad level in --rule', async () => {
    expect((await runCli(['--rule', 'nope=off', '.'], process.cwd())).stderr).toContain("unknown rule 'nope'");
    const bad = await runCli(['--rule', 'no-dedup=fatal', '.'], process.cwd());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('level must be one of off, note, warning, error');
  });

  it('rejects a non-numeric --max-warnings', async () => {
    const r = await runCli(['--max-warnings', 'lots', '.'], process.cwd());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-warnings lots');
  });

  it('lists handlers as JSON with paths relative to the current folder', async () => {
    const dir = project({ 'src/consumer.ts': KAFKA, 'src/util.ts': 'export const x = 1;\n' });
    const r = await runCli(['--list-handlers', '--format', 'json', 'src'], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { handlers: { file: string; line: number; framework: string; kind: string; delivery: { ordered: boolean } }[] };
    expect(doc.handlers).toHaveLength(1);
    expect(doc.handlers[0]).toMatchObject({ file: 'src/consumer.ts', line: 4, framework: 'kafkajs', kind: 'eachMessage', delivery: { ordered: true } });
  });

  it('prints --version and --help with examples, exit 0', async () => {
    const v = await runCli(['--version'], process.cwd());
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const h = await runCli(['--help'], process.cwd());
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--list-handlers');
  });

  it('reports unused disable directives with --report-unused-disable-directives (exit 1), relative to the current folder', async () => {
    const dir = project({ 'src/consumer.ts': KAFKA.replace('  await consumer.run', '  // event-audit-disable-next-line no-dedup -- nothing to dedup here\n  await consumer.run') });
    const plain = await runCli(['src'], dir);
    expect(plain.code).toBe(0);
    const r = await runCli(['src', '--report-unused-disable-directives'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('event-audit: src/consumer.ts:4:3: unused event-audit-disable directive (no-dedup)');
  });
});
