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
  return new Project(sources, opts.listProjectFiles, new PathAliases(opts.workspaceRoot ?? opts.root), opts.workspaceRoot);
}

export interface PathAlias {
  prefix: string;
  /** The key has no `*`: only the specifier equal to it matches. */
  exact: boolean;
  /** Absolute target patterns; a `*` stands for what the key's `*` matched. */
  targets: string[];
}

/**
 * compilerOptions.paths that apply to a file: those of its nearest tsconfig.json, with `extends`
 * followed (monorepos keep paths in a shared tsconfig.base.json). Each tsconfig is read once.
 */
export class PathAliases {
  private readonly byDir = new Map<string, PathAlias[]>();
  private readonly byConfig = new Map<string, PathAlias[]>();

  constructor(private readonly stopAt: string) {}

  for(file: string): PathAlias[] {
    return this.forDir(dirname(file));
  }

  private forDir(dir: string): PathAlias[] {
    const hit = this.byDir.get(dir);
    if (hit) return hit;
    let out: PathAlias[];
    const config = join(dir, 'tsconfig.json');
    if (existsSync(config)) out = this.read(config);
    else {
      const up = dirname(dir);
      out = up === dir || !dir.startsWith(this.stopAt) || dir === this.stopAt ? [] : this.forDir(up);
    }
    this.byDir.set(dir, out);
    return out;
  }

  private read(file: string): PathAlias[] {
    const hit = this.byConfig.get(file);
    if (hit) return hit;
    let out: PathAlias[] = [];
    try {
      const read = ts.readConfigFile(file, ts.sys.readFile);
      if (!read.error && read.config && typeof read.config === 'object') {
        // readDirectory is stubbed: only the options are wanted, not the file list.
        const host = { ...ts.sys, readDirectory: () => [] as string[] };
        const parsed = ts.parseJsonConfigFileContent(read.config, host, dirname(file), undefined, file);
        const paths = parsed.options.paths;
        const base = parsed.options.baseUrl ?? (parsed.options as { pathsBasePath?: string }).pathsBasePath ?? dirname(file);
        if (paths && typeof paths === 'object') {
          for (const [key, targets] of Object.entries(paths)) {
            if (!Array.isArray(targets)) continue;
            // `@libs/*` -> `libs/*/src`: the part the key's `*` matched replaces the target's `*`.
            const wildcard = key.endsWith('*');
            out.push({
              prefix: wildcard ? key.slice(0, -1) : key,
              exact: !wildcard,
              targets: targets.filter((t) => typeof t === 'string').map((t) => resolve(base, t.replace(/\/?\*$/, '/*')).replace(/\/\*$/, '/*')),
            });
          }
        }
      }
    } catch {
      out = []; // a tsconfig we cannot read is never required
    }
    // Longest prefix first, as TypeScript matches.
    out.sort((a, b) => b.prefix.length - a.prefix.length);
    this.byConfig.set(file, out);
    return out;
  }
}
