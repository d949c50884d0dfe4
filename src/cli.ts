// Command line: flags -> options; runs the audit; picks the reporter; sets the exit code.
// A user's mistake is one line on stderr and exit 2, never a stack trace.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { UsageError, describeError } from './errors.js';
import type { AuditReport, Level } from './model.js';
import { toolVersion } from './version.js';

const RULE_LEVELS = ['off', 'note', 'warning', 'error'];

export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

interface RawOptions {
  format: string;
  output?: string;
  config?: string;
  rule?: string[];
  maxWarnings?: string;
  quiet?: boolean;
  ignore?: string[];
  listHandlers?: boolean;
  baseline?: string;
  writeBaseline?: string;
  pruneBaseline?: boolean;
  includeSuppressed?: boolean;
  reportUnusedDisableDirectives?: boolean;
  cache?: boolean;
  cacheLocation?: string;
  color?: boolean;
  category?: string;
  stats?: boolean;
}

const EXAMPLES = `
Examples:
  $ event-audit ./src                               audit every handler under src/
  $ event-audit --list-handlers ./src               list the handlers found, and how each is delivered
  $ event-audit --format sarif -o event-audit.sarif .   SARIF for GitHub code scanning
  $ event-audit --rule wall-clock-dependence=off --max-warnings 0 src
  $ event-audit src/consumers/order.ts              audit the handlers in one file (pre-commit), following their calls
  $ event-audit --write-baseline .event-audit-baseline.json .   record today's findings
  $ event-audit --baseline .event-audit-baseline.json .         report only new findings

Exit codes: 0 no error-level findings (and warnings within --max-warnings), 1 findings that fail
the run, 2 the tool could not do its job (bad flag, bad config, unreadable path, analysis fault).
Rules: ${'no-dedup, ack-before-process, swallowed-error, floating-promise, unbounded-retry, order-dependent, assumes-prior-event, unordered-batch, dual-write, missing-correlation-id, wall-clock-dependence'}
Docs: https://github.com/event-audit/event-audit#readme
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('event-audit')
    .description('Finds message, event, job and webhook handlers that break under duplicate, reordered, partial or replayed delivery.')
    .argument('[paths...]', 'files, folders or globs to audit (default: the current folder)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'use this config file instead of searching for one')
    .option('--rule <id=level>', 'set a rule level: off, note, warning or error (repeatable)', collect)
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings')
    .option('--quiet', 'report errors only (warning and note rules are not run)')
    .option('--ignore <glob>', 'skip files matching a glob (repeatable)', collect)
    .option('--list-handlers', 'list the handlers found and how each is delivered, then exit')
    .option('--baseline <file>', 'report only findings that are not in this baseline')
    .option('--write-baseline <file>', "record today's findings in a baseline file")
    .option('--prune-baseline', 'with --baseline: drop entries that no longer match and rewrite the file')
    .option('--include-suppressed', 'keep suppressed findings in the output (SARIF: with a suppressions entry)')
    .option('--report-unused-disable-directives', 'report inline disable comments that suppress nothing')
    .option('--cache', 'reuse results for unchanged files (content-hashed)')
    .option('--cache-location <path>', 'where the cache lives (default node_modules/.cache/event-audit)')
    .option('--category <name>', 'SARIF automationDetails category', 'event-audit')
    .option('--no-color', 'never colour the text output')
    .option('--stats', 'print timing and counts of the audit on stderr')
    .version(toolVersion, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: () => {
        /* printed by run() as one line */
      },
    });
  return program;
}

function parseRuleLevels(specs: string[], known: readonly string[]): Record<string, Level> {
  const out: Record<string, Level> = {};
  for (const s of specs) {
    const m = /^([\w-]+)\s*[=:]\s*(\w+)$/.exec(s);
    if (!m) throw new UsageError(`--rule ${s}: expected id=level, e.g. --rule no-dedup=warning`);
    const [, id, level] = m as unknown as [string, string, string];
    if (!known.includes(id)) throw new UsageError(`--rule ${s}: unknown rule '${id}' (rules: ${known.join(', ')})`);
    if (!RULE_LEVELS.includes(level)) throw new UsageError(`--rule ${s}: level must be one of ${RULE_LEVELS.join(', ')}`);
    out[id] = level as Level;
  }
  return out;
}

/** Runs the CLI and returns the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  let paths: string[];
  let o: RawOptions;
  try {
    program.parse(argv, { from: 'user' });
    paths = program.args;
    o = program.opts<RawOptions>();
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      io.stderr.write(`event-audit: ${e.message.replace(/^error:\s*/, '')} (see event-audit --help)\n`);
      return 2;
    }
    throw e;
  }
  try {
    return await execute(paths, o, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`event-audit: ${e.message}\n`);
      return 2;
    }
    io.stderr.write(`event-audit: internal error: ${describeError(e)}\n  please report it with the stack below\n${e instanceof Error ? (e.stack ?? '') : ''}\n`);
    return 2;
  }
}

async function execute(paths: string[], o: RawOptions, io: CliIo): Promise<number> {
  let maxWarnings = -1;
  if (o.maxWarnings !== undefined) {
    if (!/^-?\d+$/.test(o.maxWarnings)) throw new UsageError(`--max-warnings ${o.maxWarnings}: expected a whole number`);
    maxWarnings = Number(o.maxWarnings);
  }
  if (o.pruneBaseline && !o.baseline) throw new UsageError('--prune-baseline needs --baseline FILE');
  if (o.baseline && o.writeBaseline) throw new UsageError('--baseline and --write-baseline cannot be used together');

  const { loadConfig } = await import('./config.js');
  const config = await loadConfig(io.cwd, o.config);
  const { selectFiles } = await import('./files.js');
  const selection = selectFiles({ cwd: io.cwd, paths, ignore: [...config.ignore, ...(o.ignore ?? [])], ignoreBase: config.root });
  if (!selection.files.length && !selection.notifications.length && o.format === 'text' && !o.baseline && !o.writeBaseline) {
    // Hooks often pass only non-source files: answer before loading the compiler.
    io.stdout.write(o.listHandlers ? '0 handlers in 0 files\n' : '✔ no source files to audit\n');
    return 0;
  }
  const ruleIds = (await import('./rule-ids.js')).RULE_IDS;
  const ruleLevels = parseRuleLevels(o.rule ?? [], ruleIds);
  let report: AuditReport | undefined;
  let sourceText: (file: string) => string | undefined = readSource;
  const cache = o.cache ? await import('./cache.js') : undefined;
  const cacheLocation = o.cacheLocation ? resolve(io.cwd, o.cacheLocation) : cache?.defaultCacheLocation(io.cwd);
  const key = cache?.cacheKey({ cwd: io.cwd, paths, config, ignore: o.ignore ?? [], ruleLevels, quiet: !!o.quiet });
  if (cache && cacheLocation && key) report = cache.loadCachedReport(cacheLocation, key, selection.files);
  if (!report) {
    // The compiler and the rules load only when there is something to audit.
    const { audit, toReport } = await import('./audit.js');
    const result = audit({ cwd: io.cwd, paths, config, ignore: o.ignore ?? [], ruleLevels, includeWarnings: !o.quiet, selection });
    report = toReport(result);
    sourceText = (f) => result.sourceText(f) ?? readSource(f);
    if (cache && cacheLocation && key && !report.notifications.some((n) => n.level === 'error')) {
      cache.saveCachedReport(cacheLocation, key, selection.files, result.inputFiles, report);
    }
  }
  const result = report;

  const { baselineStage } = await import('./baseline.js');
  const baselineOutcome = baselineStage(result, io.cwd, { baseline: o.baseline, writeBaseline: o.writeBaseline, prune: o.pruneBaseline });

  if (o.quiet) result.findings = result.findings.filter((f) => f.level === 'error');

  let output: string;
  if (o.listHandlers) {
    const { renderHandlersJson } = await import('./report/json.js');
    const { renderHandlersText } = await import('./report/text.js');
    output = o.format === 'json' ? renderHandlersJson(result, io.cwd) : o.format === 'sarif' ? renderHandlersJson(result, io.cwd) : renderHandlersText(result, io.cwd);
  } else if (o.format === 'json') {
    const { renderJson } = await import('./report/json.js');
    output = renderJson(result, io.cwd, { includeSuppressed: o.includeSuppressed });
  } else if (o.format === 'sarif') {
    const { renderSarif } = await import('./report/sarif.js');
    output = renderSarif(result, { includeSuppressed: o.includeSuppressed, category: o.category });
  } else {
    const { renderText, colorLevel } = await import('./report/text.js');
    const target = o.output ? {} : io.stdout;
    const color = o.color === false ? 0 : colorLevel(target, io.env);
    output = renderText(result, io.cwd, sourceText, color);
  }

  if (o.output) {
    try {
      writeFileSync(resolve(io.cwd, o.output), output);
    } catch (e) {
      throw new UsageError(`cannot write ${o.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (o.format !== 'text' && !o.listHandlers) {
      const errors = result.findings.filter((f) => f.level === 'error').length;
      io.stderr.write(`event-audit: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in ${result.handlers.length} handlers; written to ${o.output}\n`);
    }
  } else {
    io.stdout.write(output);
  }

  for (const line of baselineOutcome.messages) io.stderr.write(`event-audit: ${line}\n`);
  if (o.reportUnusedDisableDirectives) {
    for (const u of result.unusedDirectives) {
      io.stderr.write(`event-audit: ${relative(io.cwd, u.file) || u.file}:${u.line}:${u.column}: unused event-audit-disable directive${u.rules.length ? ` (${u.rules.join(', ')})` : ''}\n`);
    }
  }
  if (o.format !== 'text' || o.output || o.listHandlers) {
    // Machine formats (and the handler list) keep stdout clean; faults still reach a human.
    for (const n of result.notifications) if (n.level === 'error') io.stderr.write(`event-audit: ${n.message}\n`);
  }

  if (o.stats) {
    const st = result.stats;
    const stages = Object.entries(st.stages ?? {}).map(([k, v]) => `${k} ${v} ms`).join(', ');
    io.stderr.write(`event-audit: ${st.files} files, ${st.searched} searched for handlers, ${st.parsed} parsed, ${st.handlers} handlers; ${Math.round(st.ms)} ms${st.cached ? ' (from the cache)' : ''}${stages ? ` (${stages})` : ''}\n`);
  }
  if (result.notifications.some((n) => n.level === 'error')) return 2;
  if (baselineOutcome.failed) return 1;
  if (o.listHandlers) return 0;
  const errors = result.findings.filter((f) => f.level === 'error').length;
  const warnings = result.findings.filter((f) => f.level === 'warning').length;
  if (errors > 0) return 1;
  if (maxWarnings >= 0 && warnings > maxWarnings) return 1;
  if (o.reportUnusedDisableDirectives && result.unusedDirectives.length) return 1;
  return 0;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch {
    return undefined;
  }
}
