// The whole pipeline as one function a library user can call:
// files -> program -> handlers -> reach -> rules -> suppress -> (report is the caller's).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ts, enclosingFunction, functionName, isFunctionNode, snippet, spanOf } from './analysis/ast.js';
import type { Project } from './analysis/project.js';
import { computeReach, type Reach, type ReachedFunction } from './analysis/reach.js';
import type { ResolvedConfig } from './config.js';
import { findProjectRoot, findRepoRoot, selectFiles, walkDir, isSourceFile, type FileSelection } from './files.js';
import { ADAPTERS } from './frameworks/index.js';
import type { FrameworkAdapter } from './frameworks/types.js';
import { customAdapters } from './frameworks/custom.js';
import { discoverHandlers } from './handlers.js';
import type { AuditReport, Finding, Handler, HandlerInfo, Level, Notification, RelatedLocation, ReportLevel, UnusedDirective } from './model.js';
import { createProgram } from './program.js';
import type { Rule, RuleContext } from './rule.js';
import { RULES } from '../rules/index.js';
import { applyInlineSuppressions } from './suppress.js';
import { describeError } from './errors.js';
import picomatch from 'picomatch';

export interface AuditOptions {
  cwd: string;
  paths: string[];
  config: ResolvedConfig;
  /** Extra ignore globs from the command line (relative to cwd). */
  ignore?: string[];
  /** Rule levels from the command line; they win over the config. */
  ruleLevels?: Record<string, Level>;
  /** Analyse warning-level rules at all (false with --quiet). */
  includeWarnings?: boolean;
  rules?: readonly Rule[];
  adapters?: readonly FrameworkAdapter[];
  /** Files already selected by the caller (the CLI selects before loading the compiler). */
  selection?: FileSelection;
}

export interface AuditStats {
  files: number;
  parsed: number;
  searched: number;
  handlers: number;
  ms: number;
  /** Wall time of each stage, in milliseconds. */
  stages?: Record<string, number>;
}

export interface AuditResult {
  /** Repository root: SARIF paths, fingerprints and baselines are relative to it. */
  root: string;
  files: string[];
  handlers: Handler[];
  findings: Finding[];
  /** Findings that inline comments suppressed (kept for --include-suppressed and unused-directive checks). */
  suppressed: Finding[];
  notifications: Notification[];
  /** Unused inline suppression directives. */
  unusedDirectives: UnusedDirective[];
  rules: readonly Rule[];
  levels: Record<string, Level>;
  /** The text of a file as the audit read it (for code frames). */
  sourceText(file: string): string | undefined;
  /** Every file the audit read: its inputs, for the cache. */
  inputFiles: string[];
  stats: AuditStats;
}

export function effectiveLevels(rules: readonly Rule[], config: ResolvedConfig, cli: Record<string, Level> = {}): Record<string, Level> {
  const out: Record<string, Level> = {};
  for (const r of rules) out[r.id] = cli[r.id] ?? config.rules[r.id] ?? r.defaultLevel;
  return out;
}

export function audit(opts: AuditOptions): AuditResult {
  const started = performance.now();
  const rules = opts.rules ?? RULES;
  const config = opts.config;
  const root = findRepoRoot(opts.cwd) ?? opts.cwd;
  const levels = effectiveLevels(rules, config, opts.ruleLevels);

  const selection = opts.selection ?? selectFiles({ cwd: opts.cwd, paths: opts.paths, ignore: [...config.ignore, ...(opts.ignore ?? [])], ignoreBase: config.root });
  const files = selection.files;

  // The rest of the project is listed only if an analysis asks (class index, wrapper call sites).
  const projectRoot = findProjectRoot(files[0] ? files[0] : opts.cwd) ?? opts.cwd;
  const listProjectFiles = () => {
    if (!selection.explicitFiles) return files;
    // walkDir never enters the default-ignored folders; isSourceFile refuses declaration files.
    const ignore = config.ignore.map((g) => picomatch(g, { dot: true }));
    const all = walkDir(projectRoot, []).filter((f) => isSourceFile(f) && (!ignore.length || !ignore.some((m) => m(relative(projectRoot, f)))));
    return [...new Set([...files, ...all])].sort();
  };
  const project = createProgram({ root: projectRoot, maxFileBytes: config.maxFileBytes, listProjectFiles, workspaceRoot: root });
  const notifications: Notification[] = [...selection.notifications];

  const adapters = [...(opts.adapters ?? ADAPTERS), ...customAdapters(config)];
  const stages: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    stages[name] = Math.round(now - mark);
    mark = now;
  };
  lap('files');
  const { handlers, searched } = discoverHandlers(project, files, config, adapters, root);
  lap('handlers');

  const active = rules.filter((r) => {
    const lvl = levels[r.id];
    if (lvl === 'off') return false;
    if (opts.includeWarnings === false && lvl !== 'error') return false;
    return true;
  });

  const findings: Finding[] = [];
  const ruleMs: Record<string, number> = {};
  for (const h of handlers) {
    let reach: Reach;
    try {
      reach = computeReach(project, h, config.maxCallDepth, config.maxFunctionsPerHandler);
    } catch (e) {
      project.sources.fault('reach-crash', h.file, `following the calls of handler ${h.name} in ${h.file} failed: ${describeError(e)}; its rules did not run`);
      continue;
    }
    if (reach.truncated) {
      project.sources.limited(
        'reach-truncated',
        h.file,
        `following the calls of handler ${h.name} in ${h.file} stopped at maxCallDepth ${config.maxCallDepth} or maxFunctionsPerHandler ${config.maxFunctionsPerHandler}: problems deeper in its calls are not reported (raise the limits in the config to follow them)`,
      );
    }
    for (const rule of active) {
      const ctx = ruleContext(project, config, h, reach, rule, levels[rule.id] as ReportLevel, root, findings);
      const t0 = performance.now();
      try {
        rule.check(ctx);
      } catch (e) {
        project.sources.fault('rule-crash', h.file, `rule ${rule.id} failed on handler ${h.name} in ${h.file}: ${describeError(e)}; the other rules still ran`);
      }
      ruleMs[rule.id] = (ruleMs[rule.id] ?? 0) + performance.now() - t0;
    }
  }

  lap('reach+rules');
  for (const [id, ms] of Object.entries(ruleMs).sort((a, b) => b[1] - a[1])) stages[`rule ${id}`] = Math.round(ms);
  dedupeFingerprints(findings);
  const { kept, suppressed, unused } = applyInlineSuppressions(findings, project, files);
  kept.sort(compareFindings);
  suppressed.sort(compareFindings);
  notifications.push(...project.sources.notifications);
  // Code-unit order, never localeCompare: the output must not depend on the machine's locale.
  const byText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  notifications.sort((a, b) => byText(a.file ?? '', b.file ?? '') || byText(a.id, b.id) || byText(a.message, b.message));

  return {
    root,
    files,
    handlers,
    findings: kept,
    suppressed,
    notifications,
    unusedDirectives: unused,
    rules,
    levels,
    sourceText: (file) => project.sources.text(file),
    inputFiles: [...project.sources.readFiles(), ...configInputs(projectRoot, config)],
    stats: { files: files.length, parsed: project.sources.parseCount, searched, handlers: handlers.length, ms: performance.now() - started, stages },
  };
}

function ruleContext(
  project: Project,
  config: ResolvedConfig,
  handler: Handler,
  reach: Reach,
  rule: Rule,
  level: ReportLevel,
  root: string,
  sink: Finding[],
): RuleContext {
  return {
    handler,
    reach,
    project,
    config,
    report(node, message, options) {
      sink.push(makeFinding(project, handler, reach, rule.id, level, node, message, options?.related ?? [], root));
    },
  };
}

/** The reached function a node belongs to (the innermost enclosing function that the reach holds). */
function reachedFor(reach: Reach, node: ts.Node): ReachedFunction | undefined {
  let n: ts.Node | undefined = node;
  while (n) {
    const r = reach.reachedOf(n);
    if (r) return r;
    n = n.parent;
  }
  return undefined;
}

function makeFinding(
  project: Project,
  handler: Handler,
  reach: Reach,
  ruleId: string,
  level: ReportLevel,
  node: ts.Node,
  message: string,
  extra: { node: ts.Node; message: string }[],
  root: string,
): Finding {
  const reached = reachedFor(reach, node);
  const nodeFile = node.getSourceFile().fileName;
  // Primary location: in the handler's file. A problem deeper in the call chain is reported
  // at the call in the handler that leads to it.
  let primary: ts.Node = node;
  const chain: RelatedLocation[] = [];
  const related: RelatedLocation[] = [];
  if (reached && reached.depth > 0) {
    primary = reached.chain[0]!.call;
    for (const edge of reached.chain) {
      chain.push({ span: spanOf(edge.call, edge.call.getSourceFile().fileName), message: `calls ${functionName(edge.target) ?? 'function'}` });
    }
    chain.push({ span: spanOf(node, nodeFile), message: snippet(node, 80) });
    related.push({ span: spanOf(node, nodeFile), message: `${snippet(node, 60)} (in ${functionName(enclosingFunction(node) ?? node) ?? 'callee'})` });
  } else if (nodeFile !== handler.file) {
    // An extra body written in another file: anchor at the handler itself.
    primary = isFunctionNode(handler.body) ? handler.body : handler.body;
    related.push({ span: spanOf(node, nodeFile), message: snippet(node, 60) });
  }
  for (const r of extra) related.push({ span: spanOf(r.node, r.node.getSourceFile().fileName), message: r.message });
  const primaryFile = primary.getSourceFile().fileName;
  const relFile = relative(root, primaryFile).split('\\').join('/');
  const normalised = snippet(primary, 200).replace(/\s+/g, '');
  const fingerprint = createHash('sha256').update(`${ruleId}\0${relFile}\0${handler.key}\0${normalised}`).digest('hex').slice(0, 32);
  void project;
  return {
    ruleId,
    level,
    message,
    span: spanOf(primary, primaryFile),
    handler: { key: handler.key, name: handler.name, framework: handler.framework, kind: handler.kind },
    related,
    chain,
    fingerprint,
  };
}

/** Two findings with the same rule, handler and snippet get distinct fingerprints, in source order. */
function dedupeFingerprints(findings: Finding[]): void {
  const sorted = [...findings].sort(compareFindings);
  const count = new Map<string, number>();
  for (const f of sorted) {
    const n = (count.get(f.fingerprint) ?? 0) + 1;
    count.set(f.fingerprint, n);
    if (n > 1) f.fingerprint = `${f.fingerprint}:${n}`;
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  if (a.span.file !== b.span.file) return a.span.file < b.span.file ? -1 : 1;
  return (
    a.span.start.line - b.span.start.line ||
    a.span.start.column - b.span.start.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export function handlerInfo(h: Handler): HandlerInfo {
  const lc = h.sourceFile.getLineAndCharacterOfPosition(h.body.getStart(h.sourceFile));
  const d = h.delivery;
  return {
    file: h.file,
    line: lc.line + 1,
    column: lc.character + 1,
    framework: h.framework,
    kind: h.kind,
    name: h.name,
    key: h.key,
    registeredIn: h.registration.file,
    delivery: {
      acksOnReturn: d.acksOnReturn,
      redeliversOnThrow: d.redeliversOnThrow,
      ordered: d.ordered,
      batched: d.batched,
      autoAck: d.autoAck ? (d.autoAck.byDefault ? `${d.autoAck.reason} (the default; a manual ack in the handler means manual mode)` : d.autoAck.reason) : null,
      retryBound: d.retryBound?.reason ?? null,
      inProcess: !!d.inProcess,
    },
    wrappers: h.wrappers,
  };
}

/** The plain-data report of an audit, for reporters, baselines and the cache. */
export function toReport(result: AuditResult): AuditReport {
  return {
    root: result.root,
    files: result.files,
    handlers: result.handlers.map(handlerInfo),
    findings: result.findings,
    suppressed: result.suppressed,
    notifications: result.notifications,
    unusedDirectives: result.unusedDirectives,
    rules: result.rules.map((r) => ({ id: r.id, defaultLevel: r.defaultLevel, description: r.description, tags: r.tags, precision: r.precision })),
    stats: result.stats,
  };
}

/** Files outside the sources that change what the audit finds. */
function configInputs(projectRoot: string, config: ResolvedConfig): string[] {
  const out = [join(projectRoot, 'tsconfig.json')].filter((f) => existsSync(f));
  if (config.file) out.push(config.file);
  return out;
}
