// Pipeline stage "program": the source store and name resolution over the selected files.
// No type-checked program is built: the analyses are syntactic, and a tsconfig is read only
// for the path aliases that imports use (`@app/*`), when one is present.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ts } from './analysis/ast.js';
import { Project } from './analysis/project.js';
import { SourceStore } from './analysis/sources.js';

export interface ProgramOptions {
  root: string;
  maxFileBytes: number;
  /** Lists every source file of the project, for searches beyond the audited files. */
  listProjectFiles: () => readonly string[];
  /** The repository root, searched for monorepo workspace packages. */
  workspaceRoot?: string;
}

export function createProgram(opts: ProgramOptions): Project {
  const sources = new SourceStore({ maxFileBytes: opts.maxFileBytes });
  return new Project(sources, opts.listProjectFiles, readPathAliases(opts.root), opts.workspaceRoot);
}

/** compilerOptions.paths of the nearest tsconfig.json, as prefix -> absolute targets. */
export function readPathAliases(root: string): { prefix: string; targets: string[] }[] {
  const file = join(root, 'tsconfig.json');
  if (!existsSync(file)) return [];
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error || !read.config || typeof read.config !== 'object') return [];
  const co = (read.config as { compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } }).compilerOptions;
  if (!co?.paths || typeof co.paths !== 'object') return [];
  const base = resolve(dirname(file), co.baseUrl ?? '.');
  const out: { prefix: string; targets: string[] }[] = [];
  for (const [key, targets] of Object.entries(co.paths)) {
    if (!Array.isArray(targets)) continue;
    const prefix = key.replace(/\*$/, '');
    // A wildcard target keeps its trailing separator so the matched rest is appended inside it.
    out.push({ prefix, targets: targets.filter((t) => typeof t === 'string').map((t) => (t.endsWith('*') ? `${resolve(base, t.slice(0, -1))}/` : resolve(base, t))) });
  }
  // Longest prefix first, as TypeScript matches.
  return out.sort((a, b) => b.prefix.length - a.prefix.length);
}
