// SARIF 2.1.0 schema validators: the schema shipped by the @microsoft/jest-sarif dev dependency,
// and the OASIS errata01 schema from ../shared/reference when it is present.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { sharedDir } from './shared.js';
import addFormats from 'ajv-formats';

const require = createRequire(import.meta.url);

export interface SarifValidator {
  name: string;
  validate(doc: unknown): string[];
}

function compile(name: string, schema: object): SarifValidator {
  // The schema's language pattern is not valid with the `u` flag (a known erratum).
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const fn = ajv.compile(schema);
  return {
    name,
    validate(doc) {
      return fn(doc) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    },
  };
}

export function sarifValidators(): SarifValidator[] {
  const out: SarifValidator[] = [];
  const pkgSchema = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
  out.push(compile('@microsoft/jest-sarif rtm.5', JSON.parse(readFileSync(pkgSchema, 'utf8')) as object));
  const oasis = resolve(sharedDir, 'reference/sarif-schema-2.1.0.json');
  if (existsSync(oasis)) out.push(compile('OASIS 2.1.0 errata01', JSON.parse(readFileSync(oasis, 'utf8')) as object));
  return out;
}

/** What GitHub needs beyond the schema (docs: SARIF support for code scanning). */
export function githubProblems(doc: any): string[] {
  const problems: string[] = [];
  if (!doc.$schema) problems.push('missing $schema');
  if (!Array.isArray(doc.runs) || doc.runs.length !== 1) problems.push('expected exactly one run');
  const run = doc.runs?.[0];
  if (!Array.isArray(run?.results)) problems.push('run has no results array');
  for (const r of run?.tool?.driver?.rules ?? []) {
    if (!r.shortDescription?.text || !r.fullDescription?.text || !r.help?.text) problems.push(`rule ${r.id} lacks descriptions or help`);
    const sev = r.properties?.['security-severity'];
    if (sev !== undefined && Number.isNaN(Number(sev))) problems.push(`rule ${r.id} security-severity is not numeric`);
  }
  for (const res of run?.results ?? []) {
    const loc = res.locations?.[0]?.physicalLocation;
    if (!loc?.artifactLocation?.uri) problems.push(`result ${res.ruleId} has no artifact uri`);
    else if (loc.artifactLocation.uri.startsWith('..') || loc.artifactLocation.uri.startsWith('/')) problems.push(`result uri not relative: ${loc.artifactLocation.uri}`);
    if (!loc?.region?.startLine) problems.push(`result ${res.ruleId} has no startLine`);
    if (!res.message?.text) problems.push('result without message.text');
    if (run.tool.driver.rules[res.ruleIndex]?.id !== res.ruleId) problems.push(`ruleIndex does not match ruleId ${res.ruleId}`);
  }
  return problems;
}
