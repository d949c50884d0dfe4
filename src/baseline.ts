// Pipeline stage "suppress" (external part): a baseline of accepted findings for adopting the
// tool on a legacy codebase. Entries are keyed by rule, file, handler and fingerprint, never by
// line, so code that moves within its file stays baselined.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { UsageError } from './errors.js';
import type { AuditReport, Finding } from './model.js';

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  ruleId: string;
  file: string;
  handler: string;
  fingerprint: string;
  message?: string;
}

interface BaselineFile {
  version: number;
  tool: 'event-audit';
  entries: BaselineEntry[];
}

function entryOf(f: Finding, root: string): BaselineEntry {
  return { ruleId: f.ruleId, file: relative(root, f.span.file).split('\\').join('/'), handler: f.handler.key, fingerprint: f.fingerprint, message: f.message };
}

const keyOf = (e: BaselineEntry) => `${e.ruleId}\0${e.file}\0${e.handler}\0${e.fingerprint}`;

function sortEntries(entries: BaselineEntry[]): BaselineEntry[] {
  return [...entries].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function write(file: string, entries: BaselineEntry[]): void {
  const doc: BaselineFile = { version: BASELINE_VERSION, tool: 'event-audit', entries: sortEntries(entries) };
  try {
    writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (e) {
    throw new UsageError(`cannot write baseline ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readBaseline(file: string): BaselineEntry[] {
  if (!existsSync(file)) throw new UsageError(`baseline ${file}: no such file (create it with --write-baseline)`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`baseline ${file}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const d = doc as Partial<BaselineFile>;
  if (!d || typeof d !== 'object' || !Array.isArray(d.entries)) throw new UsageError(`baseline ${file}: expected an object with an "entries" array`);
  if (d.version !== BASELINE_VERSION) throw new UsageError(`baseline ${file}: version ${String(d.version)} is not supported (expected ${BASELINE_VERSION})`);
  for (const [i, e] of d.entries.entries()) {
    if (!e || typeof e.ruleId !== 'string' || typeof e.file !== 'string' || typeof e.handler !== 'string' || typeof e.fingerprint !== 'string') {
      throw new UsageError(`baseline ${file}: entries[${i}] needs string ruleId, file, handler and fingerprint`);
    }
  }
  return d.entries;
}

export interface BaselineOutcome {
  messages: string[];
  failed: boolean;
  baselined: number;
  stale: BaselineEntry[];
}

export function baselineStage(
  result: AuditReport,
  cwd: string,
  opts: { baseline?: string; writeBaseline?: string; prune?: boolean },
): BaselineOutcome {
  const outcome: BaselineOutcome = { messages: [], failed: false, baselined: 0, stale: [] };
  if (opts.writeBaseline) {
    const file = resolve(cwd, opts.writeBaseline);
    write(file, result.findings.map((f) => entryOf(f, result.root)));
    outcome.messages.push(`wrote ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} to baseline ${opts.writeBaseline}`);
    result.findings = [];
    return outcome;
  }
  if (!opts.baseline) return outcome;
  const file = resolve(cwd, opts.baseline);
  const entries = readBaseline(file);
  const remaining = new Map<string, BaselineEntry[]>();
  for (const e of entries) {
    const list = remaining.get(keyOf(e)) ?? [];
    list.push(e);
    remaining.set(keyOf(e), list);
  }
  const fresh: Finding[] = [];
  for (const f of result.findings) {
    const list = remaining.get(keyOf(entryOf(f, result.root)));
    if (list?.length) {
      list.pop();
      outcome.baselined++;
    } else fresh.push(f);
  }
  result.findings = fresh;
  outcome.stale = [...remaining.values()].flat();
  if (outcome.baselined) outcome.messages.push(`${outcome.baselined} finding${outcome.baselined === 1 ? '' : 's'} in baseline ${opts.baseline} not reported`);
  if (outcome.stale.length) {
    if (opts.prune) {
      const staleSet = new Set(outcome.stale);
      write(file, entries.filter((e) => !staleSet.has(e)));
      outcome.messages.push(`pruned ${outcome.stale.length} stale baseline entr${outcome.stale.length === 1 ? 'y' : 'ies'} from ${opts.baseline}`);
    } else {
      outcome.messages.push(`${outcome.stale.length} baseline entr${outcome.stale.length === 1 ? 'y no longer matches' : 'ies no longer match'} (fixed or changed); run with --prune-baseline to drop ${outcome.stale.length === 1 ? 'it' : 'them'}:`);
      for (const s of sortEntries(outcome.stale)) outcome.messages.push(`  stale: ${s.ruleId} ${s.file} ${s.handler}`);
    }
  }
  return outcome;
}
