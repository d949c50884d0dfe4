// --cache: reuse the last report when nothing it was computed from has changed. The key holds
// the tool version, the resolved config and the options that change the analysis; the entry
// holds every file the audit read (audited files and the files their calls reached) with size,
// mtime and a content hash. Unchanged metadata skips the hash; changed metadata re-hashes, so a
// fresh checkout (new mtimes, same content) still hits. A miss re-audits and rewrites the entry.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AuditReport } from './model.js';
import { UsageError } from './errors.js';
import { toolVersion } from './version.js';

const CACHE_FORMAT = 1;

interface FileStamp {
  size: number;
  mtimeMs: number;
  sha1: string;
}

interface CacheEntry {
  format: number;
  version: string;
  key: string;
  files: string[];
  inputs: Record<string, FileStamp>;
  report: AuditReport;
}

export function defaultCacheLocation(cwd: string): string {
  return join(cwd, 'node_modules', '.cache', 'event-audit');
}

export function cacheKey(parts: unknown): string {
  return createHash('sha1').update(JSON.stringify({ toolVersion, CACHE_FORMAT, parts })).digest('hex');
}

function entryPath(location: string, key: string): string {
  return join(location, `report-${key.slice(0, 20)}.json`);
}

function sha1(buf: Buffer | string): string {
  return createHash('sha1').update(buf).digest('hex');
}

function stampOf(file: string): FileStamp | undefined {
  try {
    const st = statSync(file);
    if (!st.isFile()) return undefined; // a FIFO or device read by mistake would block
    const content = readFileSync(file);
    return { size: st.size, mtimeMs: st.mtimeMs, sha1: sha1(content) };
  } catch {
    return undefined;
  }
}

function unchanged(file: string, stamp: FileStamp): boolean {
  let st;
  try {
    st = statSync(file);
  } catch {
    return false;
  }
  if (st.size !== stamp.size) return false;
  if (st.mtimeMs === stamp.mtimeMs) return true;
  try {
    return sha1(readFileSync(file)) === stamp.sha1;
  } catch {
    return false;
  }
}

/** The cached report for `key`, when the same files were selected and none of the inputs changed. */
export function loadCachedReport(location: string, key: string, files: readonly string[]): AuditReport | undefined {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(readFileSync(entryPath(location, key), 'utf8')) as CacheEntry;
  } catch {
    return undefined; // no entry, or a broken one: audit afresh
  }
  if (entry.format !== CACHE_FORMAT || entry.version !== toolVersion || entry.key !== key) return undefined;
  if (entry.files.length !== files.length || entry.files.some((f, i) => f !== files[i])) return undefined;
  for (const [file, stamp] of Object.entries(entry.inputs)) if (!unchanged(file, stamp)) return undefined;
  return { ...entry.report, stats: { ...entry.report.stats, cached: true } };
}

export function saveCachedReport(
  location: string,
  key: string,
  files: readonly string[],
  inputs: readonly string[],
  report: AuditReport,
): void {
  const stamps: Record<string, FileStamp> = {};
  for (const f of [...inputs].sort()) {
    const s = stampOf(f);
    if (s) stamps[f] = s;
  }
  const entry: CacheEntry = { format: CACHE_FORMAT, version: toolVersion, key, files: [...files], inputs: stamps, report };
  const target = entryPath(location, key);
  try {
    mkdirSync(location, { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, target); // atomic: parallel hook runs never read half a file
  } catch (e) {
    throw new UsageError(`cannot write the cache in ${resolve(location)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
