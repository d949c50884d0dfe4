// Pipeline stage "handlers": runs the adapters over candidate files and turns their
// registrations into Handler records, following handlers passed by reference and the
// project's own registration wrappers (a function that hands its parameter to a registration).
import { relative } from 'node:path';
import {
  ts,
  calleeName,
  functionName,
  isFunctionNode,
  objectProperty,
  unwrapExpression,
  walk,
  type FunctionNode,
} from './analysis/ast.js';
import type { Project, FunctionTarget } from './analysis/project.js';
import type { ResolvedConfig } from './config.js';
import type { AdapterContext, FrameworkAdapter, Registration } from './frameworks/types.js';
import { describeError } from './errors.js';
import type { Handler, HandlerBody } from './model.js';

interface WrapperUse {
  fn: FunctionNode;
  index: number;
  path: string[];
  reg: Registration;
  registrationFile: string;
  wrappers: string[];
}

const MAX_WRAPPER_LEVELS = 5;

export function makeAdapterContext(project: Project, file: string, config: ResolvedConfig): AdapterContext | undefined {
  const p = project.parsed(file);
  if (!p) return undefined;
  const imports = project.imports(file);
  const matches = (spec: string | RegExp, m: string) => (typeof spec === 'string' ? m === spec || m.startsWith(`${spec}/`) : spec.test(m));
  return {
    file,
    sf: p.sf,
    text: p.text,
    project,
    config,
    imports,
    importsModule: (spec) => [...imports.values()].some((i) => matches(spec, i.module)),
    localNames: (spec, name) => [...imports].filter(([, i]) => matches(spec, i.module) && i.name === name).map(([local]) => local),
  };
}

export interface DiscoveryResult {
  handlers: Handler[];
  /** Files that were searched for registrations (passed a pre-filter). */
  searched: number;
}

export function discoverHandlers(
  project: Project,
  files: readonly string[],
  config: ResolvedConfig,
  adapters: readonly FrameworkAdapter[],
  root: string,
): DiscoveryResult {
  const byBody = new Map<ts.Node, Handler>();
  const wrapperUses: WrapperUse[] = [];
  let searched = 0;
  adapters = adapters.filter((a) => {
    if (!a.enabled) return true;
    try {
      return a.enabled(config);
    } catch (e) {
      project.sources.fault('adapter-crash', undefined, `the ${a.name} adapter failed to read the configuration: ${describeError(e)}; it did not run`);
      return false;
    }
  });

  const addTarget = (t: FunctionTarget, reg: Registration, registrationFile: string) => {
    if (t.kind === 'param') {
      wrapperUses.push({ fn: t.fn, index: t.index, path: t.path, reg, registrationFile, wrappers: t.wrappers });
      return;
    }
    addHandler(t.fn, reg, registrationFile, t.wrappers);
  };

  const addHandler = (body: HandlerBody, reg: Registration, registrationFile: string, wrappers: string[], hops = 0) => {
    // `(m) => this.handle(m)` only forwards the delivery: the function it calls is the handler.
    const forwarded = hops < 3 ? forwardTargets(project, body) : [];
    if (forwarded.length) {
      for (const t of forwarded) {
        if (t.kind === 'param') wrapperUses.push({ fn: t.fn, index: t.index, path: t.path, reg, registrationFile, wrappers: [...wrappers, ...t.wrappers] });
        else addHandler(t.fn, reg, registrationFile, [...wrappers, ...t.wrappers], hops + 1);
      }
      return;
    }
    if (byBody.has(body)) return; // one function registered many times counts once
    const sf = body.getSourceFile();
    const file = sf.fileName;
    const extraBodies: ts.FunctionLikeDeclaration[] = [];
    for (const e of reg.extraBodies ?? []) {
      for (const t of project.resolveFunctions(e)) if (t.kind === 'function' && t.fn !== body) extraBodies.push(t.fn);
    }
    const name = (isFunctionNode(body) ? functionName(body) : undefined) ?? reg.name ?? reg.kind;
    byBody.set(body, {
      key: '',
      file,
      sourceFile: sf,
      body,
      name,
      framework: reg.framework,
      kind: reg.kind,
      delivery: reg.delivery,
      registration: { file: registrationFile, node: reg.node },
      wrappers: [...new Set(wrappers.filter(Boolean))],
      extraBodies,
    });
  };

  for (const file of files) {
    const text = project.sources.text(file);
    if (text === undefined) continue;
    const candidates = adapters.filter((a) => {
      try {
        return a.mayRegister(text);
      } catch (e) {
        project.sources.fault('adapter-crash', file, `the ${a.name} adapter failed on ${file}: ${describeError(e)}; its handlers in this file were not analysed`);
        return false;
      }
    });
    if (!candidates.length) continue;
    let ctx: AdapterContext | undefined;
    try {
      ctx = makeAdapterContext(project, file, config);
    } catch (e) {
      project.sources.fault('internal-error', file, `reading the imports of ${file} failed: ${describeError(e)}; its handlers were not analysed`);
      continue;
    }
    if (!ctx) continue;
    searched++;
    for (const adapter of candidates) {
      let regs: Registration[];
      try {
        regs = adapter.discover(ctx);
      } catch (e) {
        project.sources.fault('adapter-crash', file, `the ${adapter.name} adapter failed on ${file}: ${describeError(e)}; its handlers in this file were not analysed`);
        continue;
      }
      if (!Array.isArray(regs)) {
        project.sources.fault('adapter-crash', file, `the ${adapter.name} adapter returned no list of registrations for ${file}; its handlers in this file were not analysed`);
        continue;
      }
      for (const reg of regs) {
        try {
          if (isIteration(reg.handler)) {
            addHandler(reg.handler, reg, file, []);
            continue;
          }
          for (const t of project.resolveFunctions(reg.handler)) addTarget(t, reg, file);
        } catch (e) {
          project.sources.fault('adapter-crash', file, `resolving a ${adapter.name} handler in ${file} failed: ${describeError(e)}; that handler was not analysed`);
        }
      }
    }
  }

  // Registration wrappers: follow the functions passed to them, a few levels deep.
  let pending = wrapperUses;
  const seenWrappers = new Set<string>();
  for (let level = 0; level < MAX_WRAPPER_LEVELS && pending.length; level++) {
    const next: WrapperUse[] = [];
    for (const use of pending) {
      const k = `${use.fn.pos}:${use.fn.getSourceFile().fileName}:${use.index}:${use.path.join('.')}`;
      if (seenWrappers.has(k)) continue;
      seenWrappers.add(k);
      try {
        for (const call of wrapperCallSites(project, use.fn)) {
          const arg = call.arguments?.[use.index];
          if (!arg) continue;
          for (const v of pathValues(project, arg, use.path)) {
            for (const t of project.resolveFunctions(v, 0, use.wrappers)) {
              if (t.kind === 'param') next.push({ ...use, fn: t.fn, index: t.index, path: t.path, wrappers: t.wrappers });
              else addHandler(t.fn, use.reg, use.registrationFile, t.wrappers);
            }
          }
        }
      } catch (e) {
        project.sources.fault('adapter-crash', use.registrationFile, `following the registration wrapper ${functionName(use.fn) ?? 'function'} from ${use.registrationFile} failed: ${describeError(e)}; handlers registered through it may be missing`);
      }
    }
    pending = next;
  }

  const handlers = [...byBody.values()].sort(compareHandlers);
  const seen = new Map<string, number>();
  for (const h of handlers) {
    const base = `${relative(root, h.file).split('\\').join('/')}#${h.name}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    h.key = n === 1 ? base : `${base}~${n}`;
  }
  return { handlers, searched };
}

function compareHandlers(a: Handler, b: Handler): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.body.getStart(a.sourceFile) - b.body.getStart(b.sourceFile);
}

function isIteration(n: ts.Node): n is ts.IterationStatement {
  return ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isForStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n);
}

function safe<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/**
 * When `fn` is an inline function that only hands its parameters, unchanged and in order, to one
 * call (`(m) => this.handle(m)`, `async (p, ctx) => { await svc.apply(p, ctx); }`), the single
 * project function (or wrapper parameter) that call resolves to; otherwise nothing.
 */
function forwardTargets(project: Project, fn: HandlerBody): FunctionTarget[] {
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return [];
  let e: ts.Node | undefined = fn.body;
  if (e && ts.isBlock(e)) {
    const only = e.statements.length === 1 ? e.statements[0] : undefined;
    e = only && (ts.isReturnStatement(only) || ts.isExpressionStatement(only)) ? only.expression : undefined;
  }
  if (!e || !ts.isExpression(e)) return [];
  e = unwrapExpression(e);
  if (ts.isAwaitExpression(e)) e = unwrapExpression(e.expression);
  if (!ts.isCallExpression(e) || !e.arguments.length || e.arguments.length > fn.parameters.length) return [];
  const call = e;
  const forwards = call.arguments.every((a, i) => {
    const p = fn.parameters[i]!;
    const x = unwrapExpression(a);
    return ts.isIdentifier(p.name) && !p.dotDotDotToken && ts.isIdentifier(x) && x.text === p.name.text;
  });
  if (!forwards) return [];
  const targets = safe(() => project.resolveFunctions(call.expression), []);
  return targets.length === 1 && targets[0]!.fn !== fn ? targets : [];
}

/** Calls (and `new`s) anywhere in the project whose callee resolves to `fn`. */
function wrapperCallSites(project: Project, fn: FunctionNode): (ts.CallExpression | ts.NewExpression)[] {
  const name = functionName(fn);
  if (!name) return [];
  const out: (ts.CallExpression | ts.NewExpression)[] = [];
  const needle = new RegExp(`\\b${name.replace(/[$]/g, '\\$')}\\s*(<[^>]*>)?\\s*\\(`);
  for (const file of project.files) {
    const text = project.sources.text(file);
    if (!text || !needle.test(text)) continue;
    const p = project.parsed(file);
    if (!p) continue;
    walk(p.sf, (n) => {
      if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && calleeName(n) === name) {
        const targets = safe(() => project.resolveFunctions(n.expression), []);
        if (targets.some((t) => t.fn === fn)) out.push(n);
      }
    });
  }
  return out;
}

/** The values found at `path` inside an argument: property names, `[]` (array elements), `{}` (object values). */
function pathValues(project: Project, expr: ts.Node, path: string[], depth = 0): ts.Node[] {
  if (!path.length || depth > 6) return [expr];
  const [step, ...rest] = path as [string, ...string[]];
  if (!ts.isExpression(expr)) return [];
  const e = unwrapExpression(expr);
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return pathValues(project, b.decl.initializer, path, depth + 1);
    if (b?.kind === 'import' && b.file && b.name !== '*') {
      const d = project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d) && d.initializer) return pathValues(project, d.initializer, path, depth + 1);
      if (d && ts.isExpression(d)) return pathValues(project, d, path, depth + 1);
    }
    return [];
  }
  if (step === '[]') {
    if (ts.isArrayLiteralExpression(e)) return e.elements.flatMap((el) => pathValues(project, ts.isSpreadElement(el) ? el.expression : el, rest, depth + 1));
    return [];
  }
  if (step === '{}') {
    if (ts.isObjectLiteralExpression(e)) {
      return e.properties.flatMap((p) => {
        if (ts.isPropertyAssignment(p)) return pathValues(project, p.initializer, rest, depth + 1);
        if (ts.isShorthandPropertyAssignment(p)) return pathValues(project, p.name, rest, depth + 1);
        if (ts.isMethodDeclaration(p)) return rest.length ? [] : [p];
        return [];
      });
    }
    return [];
  }
  if (ts.isObjectLiteralExpression(e)) {
    const v = objectProperty(e, step);
    return v ? pathValues(project, v, rest, depth + 1) : [];
  }
  const members = project.memberDeclarations(e, step);
  if (members.length) return members.flatMap((m) => pathValues(project, m, rest, depth + 1));
  return [];
}

