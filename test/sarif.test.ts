import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, toReport } from '../src/audit.js';
import { resolveConfig } from '../src/config.js';
import { renderSarif } from '../src/report/sarif.js';
import { writeProject } from './helpers/audit.js';
import { runCli } from './helpers/cli.js';
import { corpusCases, hasCorpus } from './helpers/shared.js';
import { githubProblems, sarifValidators } from './helpers/sarif-schema.js';
import { effectCallRule } from './helpers/test-rule.js';

const validators = sarifValidators();

function expectValid(doc: unknown) {
  for (const v of validators) expect(v.validate(doc), v.name).toEqual([]);
  expect(githubProblems(doc)).toEqual([]);
}

const CONSUMER = `import { Kafka } from 'kafkajs';
import { recordPayment } from './payments';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
export async function start() {
  await consumer.run({
    eachMessage: async ({ message }) => {
      effect();
      await recordPayment(message);
    },
  });
}
declare function effect(): void;
`;
const PAYMENTS = `export async function recordPayment(m: unknown) {
  effect();
}
declare function effect(): void;
`;

function run(dir: string, opts: { includeSuppressed?: boolean } = {}) {
  const result = audit({ cwd: dir, paths: ['.'], config: resolveConfig({}, undefined, dir), rules: [effectCallRule] });
  return { result, sarif: JSON.parse(renderSarif(toReport(result), opts)) };
}

describe('SARIF output', () => {
  it('is valid against the SARIF 2.1.0 schemas and has what GitHub reads', () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/payments.ts': PAYMENTS });
    const { sarif } = run(dir);
    expectValid(sarif);
    const r = sarif.runs[0];
    expect(r.columnKind).toBe('utf16CodeUnits');
    expect(r.automationDetails.id).toBe('event-audit/');
    expect(r.originalUriBaseIds['%SRCROOT%'].uri).toMatch(/^file:\/\/\/.*\/$/);
    expect(r.invocations[0].executionSuccessful).toBe(true);
    expect(r.results).toHaveLength(2);
    for (const res of r.results) {
      expect(res.locations[0].physicalLocation.artifactLocation).toEqual({ uri: 'src/consumer.ts', uriBaseId: '%SRCROOT%' });
      expect(res.partialFingerprints['eventAudit/v1']).toMatch(/^[0-9a-f]{32}/);
    }
  });

  it('reports a problem in a callee at the call in the handler, with the callee as related location and a code flow', () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/payments.ts': PAYMENTS });
    const { sarif } = run(dir);
    const deep = sarif.runs[0].results.find((x: any) => x.relatedLocations);
    expect(deep.locations[0].physicalLocation.region.startLine).toBe(8); // await recordPayment(message)
    expect(deep.relatedLocations[0].physicalLocation.artifactLocation.uri).toBe('src/payments.ts');
    expect(deep.relatedLocations[0].physicalLocation.region.startLine).toBe(2);
    expect(deep.message.text).toContain('](1)');
    const flow = deep.codeFlows[0].threadFlows[0].locations.map((l: any) => l.location.physicalLocation.artifactLocation.uri);
    expect(flow).toEqual(['src/consumer.ts', 'src/payments.ts']);
  });

  it('keeps fingerprints when lines are inserted above a finding', () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/payments.ts': PAYMENTS });
    const before = run(dir).sarif.runs[0].results.map((x: any) => x.partialFingerprints['eventAudit/v1']);
    writeFileSync(join(dir, 'src/consumer.ts'), `// a new header comment\n\nimport './polyfills';\n${CONSUMER}`);
    writeFileSync(join(dir, 'src/payments.ts'), `\n\n${PAYMENTS}`);
    const after = run(dir).sarif.runs[0];
    expect(after.results[0].locations[0].physicalLocation.region.startLine).toBe(10);
    expect(after.results.map((x: any) => x.partialFingerprints['eventAudit/v1'])).toEqual(before);
  });

  it('leaves suppressed findings out by default and marks every result with --include-suppressed', () => {
    const dir = writeProject({
      'src/consumer.ts': CONSUMER.replace('      effect();', '      // event-audit-disable-next-line no-dedup -- audit log only\n      effect();'),
      'src/payments.ts': PAYMENTS,
    });
    const plain = run(dir).sarif;
    expect(plain.runs[0].results).toHaveLength(1);
    const all = run(dir, { includeSuppressed: true }).sarif;
    expectValid(all);
    expect(all.runs[0].results).toHaveLength(2);
    for (const res of all.runs[0].results) expect(Array.isArray(res.suppressions)).toBe(true);
    const sup = all.runs[0].results.find((x: any) => x.suppressions.length);
    expect(sup.suppressions[0]).toEqual({ kind: 'inSource', status: 'accepted', justification: 'audit log only' });
  });

  it('describes every rule with its help page', () => {
    const dir = writeProject({ 'src/a.ts': 'export const a = 1;\n' });
    const r = audit({ cwd: dir, paths: ['.'], config: resolveConfig({}, undefined, dir) });
    const sarif = JSON.parse(renderSarif(toReport(r)));
    const rules = sarif.runs[0].tool.driver.rules;
    expect(rules.map((x: any) => x.id)).toContain('no-dedup');
    for (const rule of rules) {
      expect(rule.helpUri).toContain(`rules/${rule.id}.md`);
      expect(rule.defaultConfiguration.level).toMatch(/^(note|warning|error)$/);
      expect(Number(rule.properties['security-severity'])).toBeGreaterThan(0);
    }
    expectValid(sarif);
  });

  it('writes valid SARIF for the bundled example through the CLI', async () => {
    for (const target of ['examples/shop']) {
      const out = join(writeProject({}), 'out.sarif');
      const r = await runCli([target, '--format', 'sarif', '--output', out], process.cwd());
      expect(r.code, r.stderr).not.toBe(2);
      expectValid(JSON.parse(readFileSync(out, 'utf8')));
    }
  });

  it.skipIf(!hasCorpus)('writes valid SARIF for the whole acceptance corpus through the CLI', async () => {
    const out = join(writeProject({}), 'out.sarif');
    const r = await runCli([corpusCases, '--format', 'sarif', '--output', out], process.cwd());
    expect(r.code, r.stderr).not.toBe(2);
    expectValid(JSON.parse(readFileSync(out, 'utf8')));
  });
});
