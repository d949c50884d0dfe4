// The tool never writes into the user's tree: only --output, the baseline and the cache, and only
// where asked. Every file and folder's kind, size, mode and mtime is compared before and after.
import { lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupTrees, kafkaConsumer, runBuiltCli, tree } from './support.js';

afterAll(cleanupTrees);

type Snapshot = Map<string, string>;

function snapshot(root: string): Snapshot {
  const out: Snapshot = new Map();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const kind = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.isFile() ? 'file' : 'other';
      out.set(relative(root, p), `${kind} ${kind === 'dir' ? '' : st.size} ${st.mode.toString(8)} ${st.mtimeMs}`);
      if (kind === 'dir') visit(p);
    }
  };
  visit(root);
  return out;
}

/** Paths added, removed or changed between two snapshots. */
function changes(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const [p, v] of after) if (before.get(p) !== v) out.push(before.has(p) ? `changed ${p}` : `added ${p}`);
  for (const p of before.keys()) if (!after.has(p)) out.push(`removed ${p}`);
  return out.sort();
}

function userTree(): string {
  return tree({
    '.git/HEAD': 'ref: refs/heads/main\n',
    'package.json': '{ "name": "shop", "type": "module" }',
    'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@app/*": ["src/*"] } } }',
    'event-audit.config.js': "export default { rules: { 'wall-clock-dependence': 'off' }, ignore: ['src/generated/**'] };\n",
    'src/consumers/orders.ts': kafkaConsumer('handleOrder').replace("import { Kafka } from 'kafkajs';", "import { Kafka } from 'kafkajs';\nimport { audit } from '@app/lib/audit';"),
    'src/lib/audit.ts': 'export function audit(x: unknown) { return x; }\n',
    'src/consumers/broken.ts': `${kafkaConsumer('handleBroken')}\nexport function half( {\n`,
    'src/generated/big.ts': 'export const x = 1;\n',
    'src/blob.ts': Buffer.from([0, 1, 2, 3]),
    'src/link.ts': { symlink: 'consumers/orders.ts' },
    'src/dangling.ts': { symlink: 'nowhere.ts' },
    'node_modules/kafkajs/package.json': '{ "name": "kafkajs", "main": "index.js" }',
    'baseline.json': '{ "version": 1, "tool": "event-audit", "entries": [] }\n',
  });
}

const RUNS: string[][] = [
  [],
  ['--format', 'json'],
  ['--format', 'sarif'],
  ['--list-handlers'],
  ['--list-handlers', '--format', 'json'],
  ['--quiet', '--max-warnings', '0'],
  ['--include-suppressed', '--report-unused-disable-directives', '--format', 'sarif'],
  ['--baseline', 'baseline.json'],
  ['--rule', 'no-dedup=off', '--ignore', 'src/consumers/broken.ts'],
  ['--config', 'event-audit.config.js'],
  ['src/consumers/orders.ts'],
];

describe('the user\u2019s tree is left alone', () => {
  const dir = userTree();

  for (const args of RUNS) {
    it(`writes nothing with ${args.join(' ') || 'no flags'}`, async () => {
      const before = snapshot(dir);
      const r = await runCli(args.some((a) => a.startsWith('src/')) ? args : [...args, '.'], dir);
      expect([0, 1, 2]).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(changes(before, snapshot(dir))).toEqual([]);
    });
  }

  it('writes nothing in a separate process either', () => {
    const before = snapshot(dir);
    const r = runBuiltCli(['--format', 'sarif', '.'], dir);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(changes(before, snapshot(dir))).toEqual([]);
  });

  it('writes only the --output file, where it was asked', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ea-robust-out-'));
    let before = snapshot(dir);
    await runCli(['--format', 'sarif', '--output', join(outside, 'report.sarif'), '.'], dir);
    expect(changes(before, snapshot(dir))).toEqual([]);
    expect(readdirSync(outside)).toEqual(['report.sarif']);
    before = snapshot(dir);
    await runCli(['--format', 'json', '--output', 'reports/out.json', '.'], dir).catch(() => undefined);
    // A missing folder for --output is the user's mistake: nothing is created for it.
    expect(changes(before, snapshot(dir))).toEqual([]);
    before = snapshot(dir);
    await runCli(['--format', 'json', '--output', 'out.json', '.'], dir);
    expect(changes(before, snapshot(dir))).toEqual(['added out.json']);
  });

  it('writes only the baseline file with --write-baseline', async () => {
    const before = snapshot(dir);
    await runCli(['--write-baseline', 'new-baseline.json', '.'], dir);
    expect(changes(before, snapshot(dir))).toEqual(['added new-baseline.json']);
  });

  it('writes only under the cache location with --cache', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ea-robust-cache-'));
    let before = snapshot(dir);
    await runCli(['--cache', '--cache-location', outside, '.'], dir);
    expect(changes(before, snapshot(dir))).toEqual([]);
    before = snapshot(dir);
    await runCli(['--cache', '.'], dir);
    expect(changes(before, snapshot(dir)).every((c) => /^(added|changed) node_modules(\/\.cache(\/event-audit(\/.*)?)?)?$/.test(c))).toBe(true);
  });
});
