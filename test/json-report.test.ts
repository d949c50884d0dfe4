import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { corpusCases, hasCorpus } from './helpers/shared.js';

const repo = resolve(import.meta.dirname, '..');
const schema = JSON.parse(readFileSync(join(repo, 'schema/report.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

function expectValid(doc: unknown) {
  const ok = validate(doc);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
}

describe('JSON report', () => {
  it('matches its published schema for the bundled example, with handlers and findings', async () => {
    const r = await runCli(['examples/shop', '--format', 'json'], repo);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expectValid(doc);
    expect(doc.version).toBe(1);
    expect(doc.findings.length).toBeGreaterThan(0);
    expect(doc.summary.handlers).toBe(doc.handlers.length);
    expect(doc.findings[0].file.startsWith('examples/shop/')).toBe(true);
  });

  it.skipIf(!hasCorpus)('matches its schema for the handler inventory of the acceptance corpus (--list-handlers)', async () => {
    const r = await runCli([corpusCases, '--list-handlers', '--format', 'json'], repo);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expectValid(doc);
    expect(doc.handlers.length).toBeGreaterThan(50);
    for (const h of doc.handlers) expect(typeof h.delivery.acksOnReturn).toBe('boolean');
  });
});
