import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectFiles } from '../src/files.js';
import { writeProject } from './helpers/audit.js';

const tree = {
  'src/a.ts': '',
  'src/b.mjs': '',
  'src/c.d.ts': '',
  'src/legacy/old.ts': '',
  'src/readme.md': '',
  'node_modules/lib/index.ts': '',
  'dist/a.js': '',
  'build/x.ts': '',
  'coverage/y.js': '',
  '.next/z.js': '',
  'packages/p/src/q.tsx': '',
  'packages/p/package.json': '{}',
  'packages/p/dist/q.js': '',
  'packages/p/src/build/steps.ts': '',
};

const rel = (dir: string, files: string[]) => files.map((f) => f.slice(dir.length + 1));

describe('file selection', () => {
  it('skips dependencies, build output beside a package.json and declaration files, keeps a src/build/ folder, in sorted order', () => {
    const dir = writeProject(tree);
    const s = selectFiles({ cwd: dir, paths: ['.'], ignore: [], ignoreBase: dir });
    expect(rel(dir, s.files)).toEqual(['packages/p/src/build/steps.ts', 'packages/p/src/q.tsx', 'src/a.ts', 'src/b.mjs', 'src/legacy/old.ts']);
    expect(s.explicitFiles).toBe(false);
  });

  it('applies --ignore globs and expands glob paths', () => {
    const dir = writeProject(tree);
    expect(rel(dir, selectFiles({ cwd: dir, paths: ['src'], ignore: ['src/legacy/**'], ignoreBase: dir }).files)).toEqual(['src/a.ts', 'src/b.mjs']);
    expect(rel(dir, selectFiles({ cwd: dir, paths: ['**/*.tsx'], ignore: [], ignoreBase: dir }).files)).toEqual(['packages/p/src/q.tsx']);
  });

  it('takes files named one by one as a file list (a hook run), skipping non-source ones', () => {
    const dir = writeProject(tree);
    const s = selectFiles({ cwd: dir, paths: ['src/a.ts', join(dir, 'src/readme.md'), 'src/a.ts'], ignore: [], ignoreBase: dir });
    expect(rel(dir, s.files)).toEqual(['src/a.ts']);
    expect(s.explicitFiles).toBe(true);
  });
});
