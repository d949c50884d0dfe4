#!/usr/bin/env node
// event-audit benchmark driver (a benchmark, not a test).
//
// usage: node bench/run.mjs [--files N | --sizes 5000,10000] [--seed 1] [--dir FOLDER]
//                           [--no-eslint] [--eslint-sizes LIST|all] [--repeat 3]
//                           [--eslint-heap-mb 8192] [--keep] [--check]
//
// For each size it generates a project (bench/generate.mjs) into a folder under
// os.tmpdir() (or uses --dir as is) and measures, each as its own child process so wall
// time and peak memory are per process:
//   floor             bench/floor.mjs: read + ts.createSourceFile every file once (trees dropped)
//   floor, kept       the same with every tree kept alive (informative only)
//   full              node bin/event-audit.js <dir> --format json --output FILE
//   5 changed         node bin/event-audit.js <5 handler files> --format json --output FILE
//   cache cold/warm   the full audit with --cache --cache-location <fresh dir>, twice
//   ESLint typed      ESLint 9 + typescript-eslint: @typescript-eslint/no-floating-promises
//                     (typed) + no-empty; flat config written to the temp folder; typed info from
//                     projectService (generated projects) or a bench tsconfig listing every
//                     .ts file (--dir); run with --max-old-space-size=8192 (--eslint-heap-mb)
// Peak memory is GNU time's %M (max RSS) when /usr/bin/time works, else maxRSS reported by
// the child itself through a preloaded module. Wall time is measured here, spawn to exit,
// so it includes Node start-up and module loading for every tool alike.
//
// Prints a table and the targets (pass/fail) and writes bench/results/latest.json.
// Exit code: 0 when the benchmark ran (targets may fail; add --check to exit 1 then), 2 when
// the benchmark itself could not run.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateProject } from './generate.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(BENCH_DIR, '..');
const ROOT_BIN = path.join(ROOT, 'bin', 'event-audit.js');
// The audits run from a snapshot of bin/ + dist/ taken at start (see snapshotTool), so a
// rebuild during a long run (tsc --watch, a teammate's npm run build) cannot mix builds.
let BIN = ROOT_BIN;
const require = createRequire(import.meta.url);

const TARGETS = {
  floorRatio: 1.5, // full audit wall <= 1.5x the parse floor (5,000 files)
  eslintRatio: 10, // ESLint typed wall >= 10x the full audit (5,000 files)
  peakMB: 1024, // full audit peak RSS < 1 GiB (5,000 files)
  linear: 2.2, // 10,000 files <= 2.2x the time of 5,000
  changedS: 1.5, // 5 changed files, cold, wall incl. Node start < 1.5 s
  warmRatio: 0.2, // warm --cache rerun < 20% of the cold --cache run
};
const TARGET_SIZE = 5000;

// ---------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const a = { sizes: null, seed: 1, dir: null, eslint: true, eslintSizes: null, repeat: 3, eslintHeapMB: 8192, keep: false, check: false };
  const need = (i, flag) => {
    if (i >= argv.length) throw new UsageError(`${flag} needs a value`);
    return argv[i];
  };
  const intList = (s, flag) => {
    const list = s.split(',').map((x) => Number(x.trim()));
    if (list.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`${flag} takes positive integers, got "${s}"`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case '--files': a.sizes = intList(need(++i, f), f).slice(0, 1); break;
      case '--sizes': a.sizes = intList(need(++i, f), f); break;
      case '--seed': a.seed = intList(need(++i, f), f)[0]; break;
      case '--dir': a.dir = path.resolve(need(++i, f)); break;
      case '--no-eslint': a.eslint = false; break;
      case '--eslint-sizes': { const v = need(++i, f); a.eslintSizes = v === 'all' ? 'all' : intList(v, f); break; }
      case '--repeat': a.repeat = intList(need(++i, f), f)[0]; break;
      case '--eslint-heap-mb': a.eslintHeapMB = intList(need(++i, f), f)[0]; break;
      case '--keep': a.keep = true; break;
      case '--check': a.check = true; break;
      case '-h': case '--help':
        process.stdout.write(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 30).filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n') + '\n');
        process.exit(0);
        break;
      default: throw new UsageError(`unknown argument ${f}`);
    }
  }
  if (a.dir && a.sizes) throw new UsageError('--dir and --files/--sizes are exclusive');
  if (a.dir && !fs.existsSync(a.dir)) throw new UsageError(`--dir ${a.dir} does not exist`);
  if (!a.dir && !a.sizes) a.sizes = [5000, 10000];
  if (a.sizes) a.sizes = [...new Set(a.sizes)].sort((x, y) => x - y);
  return a;
}
class UsageError extends Error {}

// ---------------------------------------------------------------------------------------
// Child process measurement

let currentChild = null;

function gnuTimeWorks() {
  if (process.env.EVENT_AUDIT_BENCH_NO_GNU_TIME === '1') return false; // to test the fallback
  if (!fs.existsSync('/usr/bin/time')) return false;
  const out = path.join(os.tmpdir(), `event-audit-bench-timecheck-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, '-e', '0'], { stdio: 'ignore' });
  let ok = false;
  try {
    ok = r.status === 0 && /^\d+\s*$/.test(fs.readFileSync(out, 'utf8'));
  } catch {}
  fs.rmSync(out, { force: true });
  return ok;
}
const USE_GNU_TIME = gnuTimeWorks();
// Fallback: a preloaded module that writes the process' own maxRSS (KiB) at exit.
const RSS_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    "import fs from 'node:fs'; process.on('exit', () => { try { fs.writeFileSync(process.env.EVENT_AUDIT_BENCH_RSS, String(process.resourceUsage().maxRSS)); } catch {} });",
  );

/**
 * Runs `node [nodeFlags] script args` and measures wall time and peak RSS.
 * Resolves { code, signal, wallS, peakMB, stdout, stderr, timedOut }.
 */
function measure(script, args, { cwd = ROOT, nodeFlags = [], timeoutS = 1800, env = {} } = {}) {
  return new Promise((resolve) => {
    const rssFile = path.join(os.tmpdir(), `event-audit-bench-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    let cmd;
    let argv;
    const childEnv = { ...process.env, ...env, NO_COLOR: '1' };
    delete childEnv.FORCE_COLOR;
    if (USE_GNU_TIME) {
      cmd = '/usr/bin/time';
      argv = ['-f', '%M', '-o', rssFile, process.execPath, ...nodeFlags, script, ...args];
    } else {
      cmd = process.execPath;
      argv = ['--import', RSS_PRELOAD, ...nodeFlags, script, ...args];
      childEnv.EVENT_AUDIT_BENCH_RSS = rssFile;
    }
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    currentChild = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout = (stdout + d).slice(-200_000); });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-20_000); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    }, timeoutS * 1000);
    const finish = (code, signal, spawnError) => {
      clearTimeout(timer);
      currentChild = null;
      const wallS = (performance.now() - t0) / 1000;
      let peakMB = null;
      try {
        const kb = Number(fs.readFileSync(rssFile, 'utf8').trim().split(/\s+/).pop());
        if (Number.isFinite(kb) && kb > 0) peakMB = kb / 1024;
      } catch {}
      fs.rmSync(rssFile, { force: true });
      // GNU time reports a signalled child as "Command terminated by signal N" and exits 128+N.
      const sig = /terminated by signal (\d+)/.exec(stderr);
      if (USE_GNU_TIME && sig) signal = `signal ${sig[1]}`;
      resolve({ code, signal, wallS, peakMB, stdout, stderr: stderr.replace(/^Command (exited with non-zero status|terminated by signal) \d+\n?/m, ''), timedOut, spawnError });
    };
    child.on('error', (err) => finish(null, null, err.message));
    child.on('close', (code, signal) => finish(code, signal, null));
  });
}

function lastLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /error|cannot|not found|unknown/i.test(l)) ?? lines[lines.length - 1] ?? '';
  return line.length > 160 ? line.slice(0, 157) + '...' : line;
}

function median(xs) {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// Runs a step `repeat` times; returns { ok, wallS (median), peakMB (max), runs, reason?, detail? }.
// check(result) returns null when the run is acceptable, else the failure reason.
async function step(repeat, run, check, before) {
  const runs = [];
  for (let i = 0; i < repeat; i++) {
    if (before) before(i);
    const r = await run();
    const reason =
      r.spawnError ? `could not start: ${r.spawnError}`
      : r.timedOut ? 'timed out'
      : r.signal ? `killed by ${r.signal}${r.peakMB ? ` at ${Math.round(r.peakMB)} MB` : ''}`
      : check(r);
    runs.push({ wallS: r.wallS, peakMB: r.peakMB, code: r.code });
    if (reason) return { ok: false, reason, runs };
    runs[runs.length - 1].result = r;
  }
  return {
    ok: true,
    wallS: median(runs.map((r) => r.wallS)),
    peakMB: Math.max(...runs.map((r) => r.peakMB ?? 0)) || null,
    runs: runs.map(({ wallS, peakMB, code }) => ({ wallS, peakMB, code })),
    last: runs[runs.length - 1].result,
  };
}

// ---------------------------------------------------------------------------------------
// Steps

function floorStep(dir, repeat, keep) {
  const args = [dir, '--json', ...(keep ? ['--keep'] : [])];
  return step(repeat, () => measure(path.join(BENCH_DIR, 'floor.mjs'), args), (r) => {
    if (r.code !== 0) return `exit ${r.code}: ${lastLine(r.stderr)}`;
    try {
      JSON.parse(r.stdout.trim().split('\n').pop());
      return null;
    } catch {
      return 'floor printed no JSON';
    }
  });
}

function countFindings(file) {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8'));
    const list = Array.isArray(j) ? j : j.findings ?? j.results ?? j.runs?.[0]?.results ?? null;
    return Array.isArray(list) ? list.length : null;
  } catch {
    return null;
  }
}

function auditPrecheck() {
  if (!fs.existsSync(BIN)) return 'bin/event-audit.js not found';
  return null;
}

// Copies the built tool (bin, dist, rules, schema, package.json) into the temp folder and
// links node_modules, so every audit of this run uses the same build.
function snapshotTool(work) {
  if (!fs.existsSync(ROOT_BIN)) return null;
  const dest = path.join(work, 'tool');
  for (const entry of ['bin', 'dist', 'rules', 'schema', 'package.json']) {
    const src = path.join(ROOT, entry);
    if (fs.existsSync(src)) fs.cpSync(src, path.join(dest, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
  return path.join(dest, 'bin', 'event-audit.js');
}

function gitState() {
  const git = (args) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const head = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'src', 'rules', 'bin']);
  return { head, uncommittedSourceChanges: dirty === null ? null : dirty.split('\n').filter(Boolean).length };
}

// The audit runs; exit 0/1 = it did its job, anything else = failed.
function auditStep(cwd, repeat, args, outFile, before) {
  const pre = auditPrecheck();
  if (pre) return Promise.resolve({ ok: false, reason: pre, runs: [] });
  return step(
    repeat,
    () => {
      fs.rmSync(outFile, { force: true });
      return measure(BIN, [...args, '--format', 'json', '--output', outFile], { cwd, timeoutS: 900 });
    },
    (r) => {
      if (r.code !== 0 && r.code !== 1) return `exit ${r.code}${lastLine(r.stderr) ? ': ' + lastLine(r.stderr) : ''}`;
      if (!fs.existsSync(outFile)) return `exit ${r.code} but no report written to --output`;
      return null;
    },
    before,
  ).then((res) => {
    if (res.ok) res.findings = countFindings(outFile);
    return res;
  });
}

async function listHandlers(dir, outFile) {
  if (auditPrecheck()) return null;
  fs.rmSync(outFile, { force: true });
  const r = await measure(BIN, [dir, '--list-handlers', '--format', 'json', '--output', outFile], { cwd: dir, timeoutS: 600 });
  try {
    const j = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    return Array.isArray(j.handlers) ? j.handlers.length : null;
  } catch {
    void r;
    return null;
  }
}

function writeEslintConfig(work, dir, useProjectService) {
  const tseslintUrl = pathToFileURL(require.resolve('typescript-eslint')).href;
  let parserOptions;
  if (useProjectService) {
    parserOptions = `{ projectService: true, tsconfigRootDir: ${JSON.stringify(dir)} }`;
  } else {
    // Any folder: a tsconfig of our own that includes exactly the TypeScript files linted.
    const tsconfig = path.join(work, 'tsconfig.eslint.json');
    const g = (p) => path.join(dir, p).split(path.sep).join('/');
    fs.writeFileSync(
      tsconfig,
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', strict: true, noEmit: true,
            skipLibCheck: true, experimentalDecorators: true, jsx: 'preserve', allowJs: false,
          },
          include: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'].map(g),
          exclude: ['node_modules', 'dist', 'build', 'out', '.next', 'coverage'].map((d) => g(`**/${d}`)).concat([g('**/*.d.ts')]),
        },
        null,
        2,
      ),
    );
    parserOptions = `{ project: [${JSON.stringify(tsconfig)}], tsconfigRootDir: ${JSON.stringify(dir)} }`;
  }
  const config = path.join(work, 'eslint.config.mjs');
  fs.writeFileSync(
    config,
    `// written by bench/run.mjs
import tseslint from ${JSON.stringify(tseslintUrl)};

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', '**/out/**', '**/.next/**', '**/coverage/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'],
    languageOptions: { parser: tseslint.parser, parserOptions: ${parserOptions} },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: { '@typescript-eslint/no-floating-promises': 'error', 'no-empty': 'error' },
  },
];
`,
  );
  return config;
}

async function eslintStep(work, dir, useProjectService, heapMB) {
  const config = writeEslintConfig(work, dir, useProjectService);
  const out = path.join(work, 'eslint.json');
  const eslintBin = path.join(path.dirname(require.resolve('eslint/package.json')), 'bin', 'eslint.js');
  const res = await step(
    1,
    () => measure(eslintBin, ['--config', config, '--no-warn-ignored', '--format', 'json', '--output-file', out, dir], { cwd: dir, nodeFlags: [`--max-old-space-size=${heapMB}`], timeoutS: 3600 }),
    (r) => (r.code === 0 || r.code === 1 ? null : `exit ${r.code}: ${lastLine(r.stderr)}`),
  );
  if (res.ok) {
    try {
      const report = JSON.parse(fs.readFileSync(out, 'utf8'));
      const counts = { files: report.length, floating: 0, empty: 0, fatal: 0 };
      for (const f of report) {
        for (const m of f.messages) {
          if (m.fatal || !m.ruleId) counts.fatal++;
          else if (m.ruleId === '@typescript-eslint/no-floating-promises') counts.floating++;
          else if (m.ruleId === 'no-empty') counts.empty++;
        }
      }
      res.eslint = counts;
    } catch {}
  }
  return res;
}

// ---------------------------------------------------------------------------------------
// One size (or one folder)

function pickChangedFiles(dir, manifest) {
  if (manifest) {
    // Spread over frameworks: the first handler of each framework, then the rest.
    const byFw = new Map();
    for (const h of manifest.handlers) if (!byFw.has(h.framework)) byFw.set(h.framework, h.path);
    const picked = [...byFw.values()];
    for (const h of manifest.handlers) if (!picked.includes(h.path)) picked.push(h.path);
    return picked.slice(0, 5).map((p) => path.join(dir, p));
  }
  const hint = /consumer\.run|eachMessage|eachBatch|SQSHandler|new Worker|@EventPattern|\.on\(\s*['"]message['"]|Consumer\.create|\.consume\(/;
  const files = listTsAndJs(dir);
  const handlers = files.filter((f) => hint.test(fs.readFileSync(f, 'utf8')));
  return (handlers.length >= 5 ? handlers : handlers.concat(files.filter((f) => !handlers.includes(f)))).slice(0, 5);
}

function listTsAndJs(dir) {
  const out = [];
  const skip = new Set(['node_modules', 'dist', 'build', 'out', '.next', 'coverage', '.git']);
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (!skip.has(e.name)) walk(p); }
      else if (/\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/.test(e.name) && !/\.d\.[cm]?ts$/.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function benchOne({ label, size, dir, work, manifest, opts, runEslint, log }) {
  const r = { label, size, dir: manifest ? '(generated, removed)' : dir, steps: {} };
  const files = manifest ? manifest.files.length : listTsAndJs(dir).length;
  r.files = files;
  if (manifest) Object.assign(r, { seed: opts.seed, lines: manifest.lines, bytes: manifest.bytes, handlers: manifest.handlers.length, generateS: manifest.generateS });

  log(`  floor (x${opts.repeat})`);
  r.steps.floor = await floorStep(dir, opts.repeat, false);
  if (r.steps.floor.ok) r.steps.floor.detail = JSON.parse(r.steps.floor.last.stdout.trim().split('\n').pop());
  log('  floor, trees kept (x1)');
  r.steps.floorKept = await floorStep(dir, 1, true);

  log(`  event-audit full (x${opts.repeat})`);
  r.steps.full = await auditStep(dir, opts.repeat, [dir], path.join(work, 'full.json'));
  const changed = pickChangedFiles(dir, manifest);
  r.changedFiles = changed.map((f) => path.relative(dir, f));
  log(`  event-audit 5 changed files (x${opts.repeat})`);
  r.steps.changed = await auditStep(dir, opts.repeat, changed, path.join(work, 'changed.json'));
  const cacheDir = path.join(work, 'cache');
  log(`  event-audit --cache cold (x${opts.repeat})`);
  r.steps.cacheCold = await auditStep(dir, opts.repeat, [dir, '--cache', '--cache-location', cacheDir], path.join(work, 'cold.json'), () => fs.rmSync(cacheDir, { recursive: true, force: true }));
  log(`  event-audit --cache warm (x${opts.repeat})`);
  r.steps.cacheWarm = r.steps.cacheCold.ok
    ? await auditStep(dir, opts.repeat, [dir, '--cache', '--cache-location', cacheDir], path.join(work, 'warm.json'))
    : { ok: false, reason: 'cold --cache run failed', runs: [] };
  if (r.steps.full.ok) r.handlersFound = await listHandlers(dir, path.join(work, 'handlers.json'));

  if (runEslint) {
    log('  ESLint typed (x1; this is the slow one)');
    r.steps.eslint = await eslintStep(work, dir, Boolean(manifest), opts.eslintHeapMB);
  } else {
    r.steps.eslint = { ok: false, skipped: true, reason: opts.eslint ? 'not run at this size (see --eslint-sizes)' : 'skipped (--no-eslint)', runs: [] };
  }

  const w = (s) => (r.steps[s].ok ? r.steps[s].wallS : null);
  const div = (a, b) => (a !== null && b !== null && b > 0 ? a / b : null);
  r.ratios = {
    auditOverFloor: div(w('full'), w('floor')),
    eslintOverAudit: div(w('eslint'), w('full')),
    eslintOverFloor: div(w('eslint'), w('floor')),
    warmOverCold: div(w('cacheWarm'), w('cacheCold')),
  };
  return r;
}

// ---------------------------------------------------------------------------------------
// Report

const fmt = {
  s: (x) => (x === null || x === undefined ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1)),
  int: (x) => (x === null || x === undefined ? '-' : Math.round(x).toLocaleString('en-US')),
  x: (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2) + 'x'),
};
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

function printSize(r, out) {
  const head = r.size
    ? `${r.files.toLocaleString('en-US')} files generated (seed ${r.seed}; ${(r.bytes / 1e6).toFixed(1)} MB, ${r.lines.toLocaleString('en-US')} lines, ${r.handlers} handlers; generation ${r.generateS.toFixed(1)} s)`
    : `${r.files.toLocaleString('en-US')} source files in ${r.label}`;
  out.push('', head);
  out.push(`  ${pad('step', 30)}${lpad('wall s', 8)}${lpad('files/s', 10)}${lpad('peak MB', 9)}  note`);
  const rows = [
    ['floor (read + parse)', 'floor', r.files],
    ['floor, trees kept', 'floorKept', r.files],
    ['event-audit full', 'full', r.files],
    ['event-audit 5 changed files', 'changed', 5],
    ['event-audit --cache cold', 'cacheCold', r.files],
    ['event-audit --cache warm', 'cacheWarm', r.files],
    ['ESLint typed (2 rules)', 'eslint', r.steps.eslint?.eslint?.files ?? r.files],
  ];
  for (const [name, key, n] of rows) {
    const s = r.steps[key];
    if (!s) continue;
    let note = '';
    if (!s.ok) note = s.skipped ? s.reason : `failed: ${s.reason}`;
    else {
      const parts = [];
      if (s.runs.length > 1) parts.push(`median of ${s.runs.length}`);
      if (key === 'floor' && s.detail) parts.push(`parse ${(s.detail.parseMs / 1000).toFixed(2)} s in-process, TS ${s.detail.typescript}`);
      if (s.findings !== undefined && s.findings !== null) parts.push(`${s.findings} findings`);
      if (key === 'full' && r.handlersFound !== undefined && r.handlersFound !== null) parts.push(`--list-handlers: ${r.handlersFound}${r.handlers ? ` of ${r.handlers} generated` : ''}`);
      if (s.eslint) parts.push(`${s.eslint.floating} floating, ${s.eslint.empty} empty${s.eslint.fatal ? `, ${s.eslint.fatal} FATAL (typed lint broken?)` : ''}`);
      note = parts.join('; ');
    }
    const ok = s.ok;
    out.push(`  ${pad(name, 30)}${lpad(ok ? fmt.s(s.wallS) : '-', 8)}${lpad(ok ? fmt.int(n / s.wallS) : '-', 10)}${lpad(ok ? fmt.int(s.peakMB) : '-', 9)}  ${note}`);
  }
  out.push(`  ratios: event-audit/floor ${fmt.x(r.ratios.auditOverFloor)}, ESLint/event-audit ${fmt.x(r.ratios.eslintOverAudit)}, ESLint/floor ${fmt.x(r.ratios.eslintOverFloor)}, warm/cold cache ${fmt.x(r.ratios.warmOverCold)}`);
}

function evaluateTargets(results) {
  const gen = results.filter((r) => r.size);
  const at = gen.find((r) => r.size === TARGET_SIZE) ?? null;
  const base = at ?? gen[gen.length - 1] ?? results[0];
  const where = at ? '' : base ? ` (measured at ${base.files} files, target is for ${TARGET_SIZE})` : '';
  const t = [];
  const add = (name, value, pass, shown) => t.push({ name, value, pass, shown });
  const st = (r, k) => (r && r.steps[k]?.ok ? r.steps[k] : null);

  const full = st(base, 'full');
  const floor = st(base, 'floor');
  const eslint = st(base, 'eslint');
  const changed = st(base, 'changed');
  const cold = st(base, 'cacheCold');
  const warm = st(base, 'cacheWarm');
  const why = (k) => (base?.steps[k]?.reason ? `n/a (${k}: ${base.steps[k].reason})` : 'n/a');

  add(`full audit <= ${TARGETS.floorRatio}x parse floor${where}`, base?.ratios.auditOverFloor ?? null,
    full && floor ? base.ratios.auditOverFloor <= TARGETS.floorRatio : null, full && floor ? fmt.x(base.ratios.auditOverFloor) : why(full ? 'floor' : 'full'));
  add(`ESLint typed >= ${TARGETS.eslintRatio}x slower than full audit${where}`, base?.ratios.eslintOverAudit ?? null,
    full && eslint ? base.ratios.eslintOverAudit >= TARGETS.eslintRatio : null, full && eslint ? fmt.x(base.ratios.eslintOverAudit) : why(full ? 'eslint' : 'full'));
  add(`full audit peak memory < ${TARGETS.peakMB} MB${where}`, full?.peakMB ?? null,
    full && full.peakMB ? full.peakMB < TARGETS.peakMB : null, full?.peakMB ? `${fmt.int(full.peakMB)} MB` : why('full'));

  let pair = null;
  for (const a of gen) for (const b of gen) if (b.size === 2 * a.size && (!pair || a.size === TARGET_SIZE)) pair = [a, b];
  if (pair) {
    const [a, b] = pair;
    const ok = st(a, 'full') && st(b, 'full');
    const ratio = ok ? b.steps.full.wallS / a.steps.full.wallS : null;
    add(`${b.size} files <= ${TARGETS.linear}x the time of ${a.size}`, ratio, ok ? ratio <= TARGETS.linear : null, ok ? fmt.x(ratio) : 'n/a (full audit failed)');
  } else {
    add(`${2 * TARGET_SIZE} files <= ${TARGETS.linear}x the time of ${TARGET_SIZE}`, null, null, 'n/a (needs --sizes N,2N)');
  }
  add(`5 changed files, cold, < ${TARGETS.changedS} s wall${where}`, changed?.wallS ?? null,
    changed ? changed.wallS < TARGETS.changedS : null, changed ? `${fmt.s(changed.wallS)} s` : why('changed'));
  const wr = cold && warm ? warm.wallS / cold.wallS : null;
  add(`warm --cache rerun < ${TARGETS.warmRatio * 100}% of cold${where}`, wr, wr !== null ? wr < TARGETS.warmRatio : null,
    wr !== null ? `${(wr * 100).toFixed(0)}% (${fmt.s(warm.wallS)} s / ${fmt.s(cold.wallS)} s)` : why(cold ? 'cacheWarm' : 'cacheCold'));
  return t;
}

// ---------------------------------------------------------------------------------------
// Main

function versionOf(pkg) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const eslintAvailable = versionOf('eslint') && versionOf('typescript-eslint');
  if (opts.eslint && !eslintAvailable) {
    process.stderr.write('bench: eslint / typescript-eslint not installed (npm install); continuing with --no-eslint\n');
    opts.eslint = false;
  }
  const log = (msg) => process.stderr.write(msg + '\n');
  const load = os.loadavg()[0];
  const env = {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? null,
    memoryGB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvg1m: +load.toFixed(2),
    typescriptInTsMorph: null,
    tsMorph: versionOf('ts-morph'),
    eslint: versionOf('eslint'),
    typescriptEslint: versionOf('typescript-eslint'),
    typescriptForEslint: versionOf('typescript'),
    peakMemoryFrom: USE_GNU_TIME ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS (preload)',
  };
  try {
    env.typescriptInTsMorph = (await import('ts-morph')).ts.version;
  } catch {}
  log(`event-audit bench: node ${env.node}, ${env.cpus} CPUs, ${env.memoryGB} GB, load ${env.loadAvg1m}${load > env.cpus * 0.5 ? '  (machine busy: timings will be noisy)' : ''}`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'event-audit-bench-'));
  env.git = gitState();
  try {
    const snap = snapshotTool(work);
    if (snap) BIN = snap;
    env.toolSnapshot = Boolean(snap);
  } catch (e) {
    log(`bench: could not snapshot the built tool (${e.message}); running bin/event-audit.js in place`);
    env.toolSnapshot = false;
  }
  const cleanup = () => {
    if (!opts.keep) fs.rmSync(work, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    if (currentChild) try { process.kill(-currentChild.pid, 'SIGKILL'); } catch {}
    cleanup();
    process.stderr.write(`\nbench: interrupted (${sig}); temp folder removed\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results = [];
  try {
    if (opts.dir) {
      log(`folder ${opts.dir}`);
      results.push(await benchOne({ label: opts.dir, size: null, dir: opts.dir, work, manifest: null, opts, runEslint: opts.eslint, log }));
    } else {
      const eslintSizes = opts.eslintSizes === 'all' ? opts.sizes : opts.eslintSizes ?? [opts.sizes.includes(TARGET_SIZE) ? TARGET_SIZE : opts.sizes[0]];
      for (const size of opts.sizes) {
        const dir = path.join(work, `project-${size}`);
        const sizeWork = path.join(work, `work-${size}`);
        fs.mkdirSync(sizeWork, { recursive: true });
        log(`${size} files: generating (seed ${opts.seed})`);
        const g0 = performance.now();
        const manifest = generateProject(dir, { files: size, seed: opts.seed });
        manifest.generateS = (performance.now() - g0) / 1000;
        results.push(await benchOne({ label: `${size} files`, size, dir, work: sizeWork, manifest, opts, runEslint: opts.eslint && eslintSizes.includes(size), log }));
        if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    cleanup();
  }

  env.loadAvg1mAtEnd = +os.loadavg()[0].toFixed(2);
  const out = [];
  out.push(`event-audit benchmark  (node ${env.node}, ${env.cpus} CPUs, TypeScript ${env.typescriptInTsMorph} via ts-morph ${env.tsMorph}, ESLint ${env.eslint ?? '-'} + typescript-eslint ${env.typescriptEslint ?? '-'}; peak = max RSS)`);
  for (const r of results) printSize(r, out);
  const targets = evaluateTargets(results);
  if (Math.max(env.loadAvg1m, env.loadAvg1mAtEnd) > env.cpus * 0.5) {
    out.push('', `warning: the machine was busy (load average ${env.loadAvg1m} at start, ${env.loadAvg1mAtEnd} at end on ${env.cpus} CPUs); timings are noisy`);
  }
  out.push('', 'targets');
  const width = Math.max(...targets.map((t) => t.name.length)) + 2;
  for (const t of targets) out.push(`  [${t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL'}] ${pad(t.name, width)}${t.shown}`);
  process.stdout.write(out.join('\n') + '\n');

  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const strip = (r) => ({
    ...r,
    steps: Object.fromEntries(Object.entries(r.steps).map(([k, s]) => [k, { ok: s.ok, wallS: s.wallS ?? null, peakMB: s.peakMB ?? null, reason: s.reason ?? null, findings: s.findings ?? null, eslint: s.eslint ?? null, detail: s.detail ?? null, runs: s.runs }])),
  });
  const json = { date: new Date().toISOString(), args: process.argv.slice(2), env, targetsDefinition: TARGETS, results: results.map(strip), targets };
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  log(`\nresults written to ${path.relative(process.cwd(), path.join(resultsDir, 'latest.json')) || 'bench/results/latest.json'}${opts.keep ? `; temp folder kept: ${work}` : ''}`);
  if (opts.check && targets.some((t) => t.pass === false || t.pass === null)) return 1;
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`bench: ${err.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
