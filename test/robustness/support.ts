// Shared pieces of the robustness suite: temporary trees, an audit with the test rule beside the
// real rules, the three renderers, SARIF validation and a run of the built CLI as another user.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { audit, toReport, type AuditOptions, type AuditResult } from '../../src/audit.js';
import { resolveConfig } from '../../src/config.js';
import type { FrameworkAdapter } from '../../src/frameworks/types.js';
import { ADAPTERS } from '../../src/frameworks/index.js';
import type { Rule } from '../../src/rule.js';
import { renderJson } from '../../src/report/json.js';
import { renderSarif } from '../../src/report/sarif.js';
import { renderText } from '../../src/report/text.js';
import { RULES } from '../../rules/index.js';
import { githubProblems, sarifValidators } from '../helpers/sarif-schema.js';
import { effectCallRule } from '../helpers/test-rule.js';

export const REPO = resolve(import.meta.dirname, '../..');

/** The test rule (reports effect() calls, as no-dedup) beside every other real rule: odd input reaches real rule code too. */
export const SUITE_RULES: readonly Rule[] = [effectCallRule, ...RULES.filter((r) => r.id !== effectCallRule.id)];

/** Notification ids that mean the tool itself failed on something (a bug, never an expected outcome). */
export const FAULT_IDS = ['adapter-crash', 'rule-crash', 'reach-crash', 'internal-error'];

/** A KafkaJS consumer whose handler calls effect() once. */
export const kafkaConsumer = (handlerName = 'handleOrder') => `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ clientId: 'orders', brokers: ['kafka:9092'] }).consumer({ groupId: 'orders' });

export async function ${handlerName}({ message }: { message: { offset: string; value: Buffer | null } }) {
  const order = JSON.parse(String(message.value));
  effect(order);
}

export async function start() {
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: false });
  await consumer.run({ eachMessage: ${handlerName} });
}
declare function effect(x?: unknown): void;
`;

const made: string[] = [];

export type TreeEntry = string | Buffer | { symlink: string } | { dir: true };

/** Writes a tree under a fresh temporary folder (readable by every user, for the unprivileged CLI runs). */
export function tree(files: Record<string, TreeEntry>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ea-robust-'));
  chmodSync(dir, 0o755);
  made.push(dir);
  addToTree(dir, files);
  return dir;
}

export function addToTree(dir: string, files: Record<string, TreeEntry>): void {
  for (const [name, entry] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) writeFileSync(p, entry);
    else if ('symlink' in entry) symlinkSync(entry.symlink, p);
    else mkdirSync(p, { recursive: true });
  }
}

/** Removes the trees this worker made (restoring permissions first). */
export function cleanupTrees(): void {
  for (const d of made.splice(0)) {
    spawnSync('chmod', ['-R', 'u+rwx', d]);
    rmSync(d, { recursive: true, force: true });
  }
}

export interface RunOptions {
  paths?: string[];
  config?: unknown;
  rules?: readonly Rule[];
  adapters?: readonly FrameworkAdapter[];
  selection?: AuditOptions['selection'];
}

/** Audits a folder with the suite's rules (and, by default, the real adapters). */
export function auditTree(dir: string, opts: RunOptions = {}): AuditResult {
  return audit({
    cwd: dir,
    paths: opts.paths ?? ['.'],
    config: resolveConfig(opts.config ?? {}, undefined, dir),
    rules: opts.rules ?? SUITE_RULES,
    adapters: opts.adapters ?? ADAPTERS,
    selection: opts.selection,
  });
}

export function renderAll(result: AuditResult, cwd: string): { text: string; json: string; sarif: string } {
  const report = toReport(result);
  return {
    text: renderText(report, cwd, (f) => result.sourceText(f), 0),
    json: renderJson(report, cwd),
    sarif: renderSarif(report),
  };
}

let validators: ReturnType<typeof sarifValidators> | undefined;

/** Schema and GitHub problems of a SARIF text (empty when it is valid). */
export function sarifProblems(sarif: string): string[] {
  validators ??= sarifValidators();
  let doc: unknown;
  try {
    doc = JSON.parse(sarif);
  } catch (e) {
    return [`not JSON: ${(e as Error).message}`];
  }
  return [...validators.flatMap((v) => v.validate(doc).map((p) => `${v.name}: ${p}`)), ...githubProblems(doc)];
}

/** Notifications with an id, as `id file-basename` strings, for compact assertions. */
export function notes(result: AuditResult, id?: string) {
  return result.notifications.filter((n) => !id || n.id === id);
}

export function faults(result: AuditResult) {
  return result.notifications.filter((n) => FAULT_IDS.includes(n.id));
}

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

export const IS_ROOT = process.getuid?.() === 0;

/**
 * Runs the built CLI in a child process, as the unprivileged user `nobody` when the suite runs as
 * root (root reads files whatever their mode, so permission tests need another user).
 */
export function runBuiltCli(args: string[], cwd: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): ProcessRun {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/event-audit.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
    env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...opts.env },
    ...(IS_ROOT ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', signal: r.signal };
}

/** A small seeded PRNG (mulberry32): the fuzz cases are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
