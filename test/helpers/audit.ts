// Audits an in-memory project: writes the files to a temporary folder and runs the pipeline.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { audit, type AuditResult } from '../../src/audit.js';
import { resolveConfig } from '../../src/config.js';
import type { Finding, Level } from '../../src/model.js';

export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

export interface AuditSourcesOptions {
  /** Raw config object, validated like a config file. */
  config?: unknown;
  ruleLevels?: Record<string, Level>;
  /** Paths to audit, relative to the project (default: the whole project). */
  paths?: string[];
}

/** Audits `files` (name -> source text) and returns the result; `dir` is the temporary root. */
export function auditSources(files: Record<string, string>, opts: AuditSourcesOptions = {}): AuditResult & { dir: string } {
  const dir = writeProject(files);
  const config = resolveConfig(opts.config ?? {}, undefined, dir);
  const result = audit({ cwd: dir, paths: opts.paths ?? ['.'], config, ruleLevels: opts.ruleLevels });
  return Object.assign(result, { dir });
}

/** Rule ids reported, sorted and unique. */
export function ruleIds(findings: Finding[]): string[] {
  return [...new Set(findings.map((f) => f.ruleId))].sort();
}

/** Findings of one rule. */
export function findingsOf(result: AuditResult, ruleId: string): Finding[] {
  return result.findings.filter((f) => f.ruleId === ruleId);
}
