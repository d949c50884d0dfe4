import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { baselineStage } from '../src/baseline.js';
import { resolveConfig } from '../src/config.js';
import { writeProject } from './helpers/audit.js';
import { effectCallRule } from './helpers/test-rule.js';

const handler = (body: string) => `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export async function start() {
  await consumer.run({
    eachMessage: async ({ message }) => {
${body}
    },
  });
}
declare function effect(x?: unknown): void;
`;

function runWith(dir: string, opts: { baseline?: string; writeBaseline?: string; prune?: boolean }) {
  const result = audit({ cwd: dir, paths: ['.'], config: resolveConfig({}, undefined, dir), rules: [effectCallRule] });
  const outcome = baselineStage(result, dir, opts);
  return { findings: result.findings, outcome };
}

describe('baseline', () => {
  it('runs the whole adoption flow: write, new problem, move, fix, stale, prune', () => {
    const dir = writeProject({ 'src/c.ts': handler("      effect('a');\n      effect('b');") });
    const file = join(dir, '.event-audit-baseline.json');

    const written = runWith(dir, { writeBaseline: file });
    expect(written.findings).toHaveLength(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.entries).toHaveLength(2);
    expect(doc.entries[0]).toMatchObject({ ruleId: 'no-dedup', file: 'src/c.ts', handler: 'src/c.ts#eachMessage' });
    expect(JSON.stringify(doc)).not.toContain('"line"');

    // Nothing new: nothing reported.
    expect(runWith(dir, { baseline: file }).findings).toHaveLength(0);

    // A new problem is reported, the old ones stay baselined, even after moving within the file.
    writeFileSync(join(dir, 'src/c.ts'), `// moved down\n\n${handler("      effect('b');\n      effect('c');\n      effect('a');")}`);
    const withNew = runWith(dir, { baseline: file });
    expect(withNew.findings.map((f) => f.span.start.line)).toEqual([9]);
    expect(withNew.outcome.baselined).toBe(2);
    expect(withNew.outcome.stale).toHaveLength(0);

    // Fixing an old one leaves a stale entry, reported until pruned.
    writeFileSync(join(dir, 'src/c.ts'), handler("      effect('c');\n      effect('a');"));
    const fixed = runWith(dir, { baseline: file });
    expect(fixed.outcome.stale.map((s) => s.ruleId)).toEqual(['no-dedup']);
    expect(fixed.outcome.messages.join('\n')).toContain('--prune-baseline');

    const pruned = runWith(dir, { baseline: file, prune: true });
    expect(pruned.outcome.messages.join('\n')).toContain('pruned 1 stale baseline entry');
    expect(JSON.parse(readFileSync(file, 'utf8')).entries).toHaveLength(1);
    expect(runWith(dir, { baseline: file }).outcome.stale).toHaveLength(0);
  });

  it('rejects a broken baseline file with one clear line', () => {
    const dir = writeProject({ 'src/c.ts': handler("      effect('a');"), 'b.json': '{"version": 1, "entries": [{"ruleId": 3}]}' });
    expect(() => runWith(dir, { baseline: join(dir, 'b.json') })).toThrow(/entries\[0\] needs string ruleId/);
    expect(() => runWith(dir, { baseline: join(dir, 'missing.json') })).toThrow(/no such file/);
  });
});
