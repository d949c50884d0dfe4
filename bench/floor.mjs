#!/usr/bin/env node
// The parse floor: find every source file under the given paths, read it, and parse it once
// with ts.createSourceFile from the TypeScript that ts-morph bundles. Nothing else: no
// binding, no type checking, no tree walk. By default each tree is dropped after parsing
// (the cheapest way to see every file once; this is the floor the targets use). With
// --keep every tree stays alive to the end, as a program holding all files would: on large
// inputs that roughly doubles the time (garbage collection) and multiplies peak memory.
//
// usage: node bench/floor.mjs <paths...> [--keep] [--set-parents] [--json]
//   --keep         retain every parsed SourceFile until the end.
//   --set-parents  parse with setParentNodes = true (what ts-morph and most tree walks need);
//                  default false, the cheapest possible parse.
//   --json         print one JSON object instead of a human line.
//
// File selection mirrors event-audit's defaults: .ts .tsx .mts .cts .js .jsx .mjs .cjs,
// skipping declaration files and node_modules, dist, build, out, .next, coverage, .git.

import fs from 'node:fs';
import path from 'node:path';
import { ts } from 'ts-morph';

const SOURCE_EXT = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;
const DECL = /\.d\.[cm]?ts$/;
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', '.next', 'coverage', '.git']);

export function listSourceFiles(roots) {
  const out = [];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.isFile() && SOURCE_EXT.test(e.name) && !DECL.test(e.name)) {
        out.push(p);
      }
    }
  };
  for (const r of roots) {
    const st = fs.statSync(r);
    if (st.isDirectory()) walk(r);
    else out.push(r);
  }
  return out;
}

function main(argv) {
  const roots = [];
  let setParents = false;
  let json = false;
  let keep = false;
  for (const a of argv) {
    if (a === '--set-parents') setParents = true;
    else if (a === '--keep') keep = true;
    else if (a === '--json') json = true;
    else if (a.startsWith('-')) {
      process.stderr.write(`floor: unknown flag ${a}\n`);
      return 2;
    } else roots.push(a);
  }
  if (roots.length === 0) roots.push('.');

  const t0 = performance.now();
  const files = listSourceFiles(roots);
  const t1 = performance.now();
  const kept = keep ? new Array(files.length) : null;
  let parsed = 0;
  let bytes = 0;
  let readMs = 0;
  for (let i = 0; i < files.length; i++) {
    const r0 = performance.now();
    const text = fs.readFileSync(files[i], 'utf8');
    readMs += performance.now() - r0;
    bytes += text.length;
    const sf = ts.createSourceFile(files[i], text, ts.ScriptTarget.Latest, setParents);
    if (kept) kept[i] = sf;
    if (sf.statements) parsed++;
  }
  const t2 = performance.now();
  const result = {
    files: files.length,
    chars: bytes,
    setParentNodes: setParents,
    keep,
    typescript: ts.version,
    listMs: Math.round(t1 - t0),
    readMs: Math.round(readMs),
    parseMs: Math.round(t2 - t1 - readMs),
    totalMs: Math.round(t2 - t0),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (parsed !== files.length || (kept && kept.length !== files.length)) throw new Error('floor: not every file parsed');
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      `floor: ${result.files} files, ${(result.chars / 1e6).toFixed(1)} M chars, TypeScript ${result.typescript}` +
        `${setParents ? ' (setParentNodes)' : ''}${keep ? ' (trees kept)' : ''}: list ${result.listMs} ms, read ${result.readMs} ms, parse ${result.parseMs} ms, ` +
        `total ${(result.totalMs / 1000).toFixed(2)} s, max RSS ${result.maxRssMB} MB\n`,
    );
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
