// Monorepo workspace packages: `import { x } from '@acme/billing'` resolves to the package's
// source in the same repository, so calls are followed across packages without node_modules.
import { existsSync, readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

const SKIP = new Set(['node_modules', 'dist', 'build', 'out', '.next', 'coverage', '.git', '.turbo', '.cache']);
const MAX_DEPTH = 6;

interface WorkspacePackage {
  name: string;
  dir: string;
  entries: string[];
}

export class WorkspacePackages {
  private packages?: Map<string, WorkspacePackage>;

  constructor(
    private readonly root: string,
    private readonly resolveFile: (base: string) => string | undefined,
  ) {}

  private scan(): Map<string, WorkspacePackage> {
    const out = new Map<string, WorkspacePackage>();
    const visit = (dir: string, depth: number) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      if (entries.some((e) => e.isFile() && e.name === 'package.json')) {
        try {
          const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
          if (typeof pkg.name === 'string' && !out.has(pkg.name)) {
            const entries = ['source', 'types', 'typings', 'module', 'main'].map((k) => pkg[k]).filter((v): v is string => typeof v === 'string');
            out.set(pkg.name, { name: pkg.name, dir, entries });
          }
        } catch {
          /* not a package we can read */
        }
      }
      if (depth >= MAX_DEPTH) return;
      for (const e of entries) if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) visit(join(dir, e.name), depth + 1);
    };
    visit(this.root, 0);
    return out;
  }

  /** The source file a bare specifier of a workspace package names, if the package is in the repository. */
  resolve(spec: string): string | undefined {
    this.packages ??= this.scan();
    if (!this.packages.size) return undefined;
    const parts = spec.split('/');
    const nameLen = spec.startsWith('@') ? 2 : 1;
    const pkg = this.packages.get(parts.slice(0, nameLen).join('/'));
    if (!pkg) return undefined;
    const sub = parts.slice(nameLen).join('/');
    if (sub) return this.resolveFile(join(pkg.dir, 'src', sub)) ?? this.resolveFile(join(pkg.dir, sub));
    // Prefer the source over built output: declared entries point at dist/ or build/ more often than not.
    for (const e of pkg.entries) {
      const asSource = e.replace(/^\.?\/?(dist|build|lib|out)\//, 'src/').replace(/\.d\.ts$|\.js$|\.mjs$|\.cjs$/, '');
      const hit = this.resolveFile(join(pkg.dir, asSource)) ?? this.resolveFile(join(pkg.dir, e.replace(/\.d\.ts$/, '')));
      if (hit) return hit;
    }
    return this.resolveFile(join(pkg.dir, 'src/index')) ?? this.resolveFile(join(pkg.dir, 'index'));
  }

  static exists(root: string): boolean {
    return existsSync(root);
  }
}
