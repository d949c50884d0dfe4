// Pipeline stage "files": paths, folders and globs -> the sorted list of source files to audit.
import { existsSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { SOURCE_EXTENSIONS } from './source-extensions.js';
import { UsageError } from './errors.js';
import type { Notification } from './model.js';

/** Folders and files never audited unless named explicitly. */
export const DEFAULT_IGNORES = ['**/node_modules/**', '**/dist/**', '**/build/**', '**/out/**', '**/.next/**', '**/coverage/**', '**/.git/**', '**/*.d.ts', '**/*.d.mts', '**/*.d.cts'];
const SKIP_DIRS = new Set(['node_modules', '.next', 'coverage', '.git', '.hg', '.svn']);
/** Build output folders: skipped beside a package.json or tsconfig.json (a `src/build/` domain folder is source). */
const OUTPUT_DIRS = new Set(['dist', 'build', 'out']);

export interface FileSelection {
  files: string[];
  notifications: Notification[];
  /** True when the user named files one by one (a hook): their handlers only, the rest is reachable. */
  explicitFiles: boolean;
}

export function isSourceFile(path: string): boolean {
  const lower = path.toLowerCase();
  if (/\.d\.(m|c)?ts$/.test(lower)) return false;
  return SOURCE_EXTENSIONS.some((e) => lower.endsWith(e));
}

function hasGlobChars(p: string): boolean {
  return /[*?[\]{}]/.test(p) || /(^|[^\\])!\(/.test(p);
}

export interface SelectOptions {
  cwd: string;
  paths: string[];
  /** Extra ignore globs (from --ignore and config), relative to `ignoreBase`. */
  ignore: string[];
  ignoreBase: string;
}

export function selectFiles(opts: SelectOptions): FileSelection {
  const notifications: Notification[] = [];
  const out = new Set<string>();
  // The default ignores are folders the walk never enters and declaration files isSourceFile
  // refuses, so only the user's own patterns are matched file by file.
  const ignoreMatchers = opts.ignore.map((g) => picomatch(g, { dot: true }));
  const userIgnore = ignoreMatchers;
  const ignoredBy = (abs: string, matchers: picomatch.Matcher[]) => {
    if (!matchers.length) return false;
    const relCwd = toPosix(relative(opts.cwd, abs));
    const relBase = opts.ignoreBase === opts.cwd ? relCwd : toPosix(relative(opts.ignoreBase, abs));
    return matchers.some((m) => m(relCwd) || m(relBase) || m(toPosix(abs)));
  };
  let explicitFiles = opts.paths.length > 0;

  for (const raw of opts.paths.length ? opts.paths : ['.']) {
    if (hasGlobChars(raw) && !existsSync(resolve(opts.cwd, raw))) {
      explicitFiles = false;
      const pattern = toPosix(isAbsolute(raw) ? relative(opts.cwd, raw) : raw).replace(/^\.\//, '');
      const match = picomatch(pattern, { dot: false });
      const base = globBase(pattern);
      const start = resolve(opts.cwd, base);
      if (!existsSync(start)) continue;
      for (const f of walkDir(start, notifications)) {
        if (match(toPosix(relative(opts.cwd, f))) && isSourceFile(f) && !ignoredBy(f, ignoreMatchers)) out.add(f);
      }
      continue;
    }
    const abs = resolve(opts.cwd, raw);
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'ENOENT' ? `no such file or folder: ${raw}` : `cannot read ${raw}: ${code ?? String(e)}`);
    }
    if (st.isDirectory()) {
      explicitFiles = false;
      for (const f of walkDir(abs, notifications)) if (isSourceFile(f) && !ignoredBy(f, ignoreMatchers)) out.add(f);
    } else if (st.isFile()) {
      // A file named explicitly is audited even under a default ignore, but not under the user's own ignores.
      if (isSourceFile(abs) && !ignoredBy(abs, userIgnore)) out.add(abs);
    } else if (isSourceFile(abs) && !ignoredBy(abs, userIgnore)) {
      notifications.push(notAFile(abs, st));
    }
  }
  // Notes of the walk under the user's ignores are dropped (an unreadable folder they ignore is no
  // fault), and a folder walked twice (`src src/a`) is noted once.
  const noted = new Set<string>();
  const kept = notifications.filter((n) => {
    const key = `${n.id}|${n.file ?? ''}|${n.message}`;
    if (noted.has(key)) return false;
    noted.add(key);
    return !n.file || !(ignoredBy(n.file, ignoreMatchers) || ignoredBy(join(n.file, '_'), ignoreMatchers));
  });
  return { files: [...out].sort(), notifications: kept, explicitFiles };
}

/** All files under a folder, following symlinks once (loops and dangling links are passed over). */
export function walkDir(root: string, notifications: Notification[]): string[] {
  const files: string[] = [];
  const seenDirs = new Set<string>();
  const stack = [root];
  let rootReal: string | undefined;
  try {
    rootReal = realpathSync(root);
  } catch {
    /* reported when the folder is read */
  }
  while (stack.length) {
    const dir = stack.pop()!;
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      notifications.push(code === 'ENOENT' ? { id: 'file-vanished', level: 'warning', file: dir, message: `skipped folder ${dir}: it was deleted or moved during the run` } : { id: 'unreadable-folder', level: 'error', file: dir, message: `cannot read folder ${dir}: ${code ?? String(e)}` });
      continue;
    }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      notifications.push({ id: 'unreadable-folder', level: 'error', file: dir, message: `cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const packageRoot = dir === root || entries.some((e) => e.name === 'package.json' || e.name === 'tsconfig.json');
    const skipDir = (name: string) => SKIP_DIRS.has(name) || (packageRoot && OUTPUT_DIRS.has(name));
    for (const ent of entries) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) {
        if (!skipDir(ent.name)) stack.push(p);
      } else if (ent.isFile()) {
        files.push(p);
      } else if (ent.isSymbolicLink()) {
        let st;
        try {
          st = statSync(p);
        } catch (e) {
          const loops = (e as NodeJS.ErrnoException).code === 'ELOOP';
          if (isSourceFile(p)) notifications.push({ id: 'dangling-link', level: 'warning', file: p, message: `skipped ${p}: a symbolic link whose target ${loops ? 'links back to itself' : 'does not exist'}` });
          continue;
        }
        if (st.isDirectory()) {
          // A link back to the audited folder or above it is a loop: following it would leave the folder.
          if (!skipDir(ent.name) && !linksAbove(p, rootReal)) stack.push(p);
        } else if (st.isFile()) files.push(p);
        else if (isSourceFile(p)) notifications.push(notAFile(p, st));
      } else if (isSourceFile(p)) {
        // A FIFO, socket or device named like source: never opened (reading could block or never end).
        notifications.push(notAFile(p, ent));
      }
    }
  }
  return files;
}

/** What a path is when it is not a regular file, for notifications. */
export function kindOf(st: Pick<Stats, 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket' | 'isDirectory'>): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'a special file';
}

function notAFile(p: string, st: Parameters<typeof kindOf>[0]): Notification {
  return { id: 'not-a-file', level: 'warning', file: p, message: `skipped ${p}: ${kindOf(st)}, not a regular file` };
}

/** True when the symbolic link `p` points at `rootReal` or one of its ancestors. */
function linksAbove(p: string, rootReal: string | undefined): boolean {
  if (!rootReal) return false;
  let target: string;
  try {
    target = realpathSync(p);
  } catch {
    return true;
  }
  return rootReal === target || rootReal.startsWith(target.endsWith(sep) ? target : target + sep);
}

function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const base: string[] = [];
  for (const p of parts) {
    if (hasGlobChars(p)) break;
    base.push(p);
  }
  if (base.length === parts.length) base.pop();
  return base.join('/') || '.';
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** The repository root (nearest folder with .git), or undefined. */
export function findRepoRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The project root for following calls: nearest folder with package.json or tsconfig.json, else the repo root. */
export function findProjectRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.json'))) return dir;
    if (existsSync(join(dir, '.git'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) return undefined;
    dir = up;
  }
}
