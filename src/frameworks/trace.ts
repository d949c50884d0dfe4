// Where a value comes from, as far as syntax shows, for adapters that must tell a broker client
// from a look-alike (`sub.on('message')` on a Pub/Sub subscription vs a websocket): follows
// variables, `this.x` members, imports into project files, factory functions and type
// annotations back to the library import the value starts from.
import {
  ts,
  calleeName,
  findAncestor,
  isFunctionNode,
  literalValue,
  objectProperty,
  propertyNameText,
  returnedExpressions,
  thisClass,
  unwrapExpression,
  walk,
  type FunctionNode,
} from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';

/**
 * A value's origin: the module it starts from and the steps from the import to the value.
 * Steps: `connect()` (a call), `new Redis` (construction), `consumers` (a property),
 * `[]` (an element or destructured item), `:NatsConnection` (a type annotation).
 * The import's own name is the first step (`default` or `*` for default and namespace imports).
 */
export interface Trace {
  module: string;
  steps: string[];
  /** The expression that produced each step (parallel to `steps`). */
  nodes: ts.Node[];
}

const MAX_DEPTH = 14;

/** The library origins of an expression (usually one; several when a variable is assigned in several places). */
export function traceValue(project: Project, expr: ts.Node, depth = 0, seen = new Set<ts.Node>()): Trace[] {
  if (depth > MAX_DEPTH || !ts.isExpression(expr) || seen.has(expr)) return [];
  seen.add(expr);
  const e = unwrapAwait(expr);
  const next = (n: ts.Node) => traceValue(project, n, depth + 1, seen);
  const extend = (ts0: Trace[], step: string, node: ts.Node) => ts0.map((t) => ({ module: t.module, steps: [...t.steps, step], nodes: [...t.nodes, node] }));

  if (ts.isIdentifier(e)) return traceIdentifier(project, e, depth, seen);
  if (ts.isPropertyAccessExpression(e)) {
    const recv = unwrapAwait(e.expression);
    if (recv.kind === ts.SyntaxKind.ThisKeyword) return traceThisMember(project, e, e.name.text, depth, seen);
    return extend(next(recv), e.name.text, e);
  }
  if (ts.isElementAccessExpression(e)) return extend(next(e.expression), '[]', e);
  if (ts.isCallExpression(e)) {
    const callee = unwrapExpression(e.expression);
    const viaCallee = next(callee).map((t) => withLastStep(t, `${t.steps[t.steps.length - 1]}()`, e));
    if (viaCallee.length) return viaCallee;
    // A project factory (`createClient()` that returns `connect(...)`): follow its returns.
    if (ts.isIdentifier(callee) || ts.isPropertyAccessExpression(callee)) {
      const out: Trace[] = [];
      for (const t of safeResolve(project, callee)) for (const r of returnedExpressions(t)) out.push(...next(r));
      return out;
    }
    return [];
  }
  if (ts.isNewExpression(e)) return next(e.expression).map((t) => withLastStep(t, `new ${t.steps[t.steps.length - 1]}`, e));
  if (ts.isConditionalExpression(e)) return [...next(e.whenTrue), ...next(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return [...next(e.left), ...next(e.right)];
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return next(e.right);
    if (op === ts.SyntaxKind.EqualsToken) return next(e.right);
  }
  return [];
}

function withLastStep(t: Trace, step: string, node: ts.Node): Trace {
  return { module: t.module, steps: [...t.steps.slice(0, -1), step], nodes: [...t.nodes.slice(0, -1), node] };
}

function unwrapAwait(expr: ts.Expression): ts.Expression {
  let e = unwrapExpression(expr);
  while (ts.isAwaitExpression(e)) e = unwrapExpression(e.expression);
  return e;
}

function safeResolve(project: Project, expr: ts.Node): FunctionNode[] {
  try {
    return project.resolveFunctions(expr).flatMap((t) => (t.kind === 'function' ? [t.fn] : []));
  } catch {
    return [];
  }
}

/** A package specifier: not relative, absolute, or a conventional path alias (`@/x`, `~/x`, `#x`) that did not resolve. */
function isExternalModule(spec: string): boolean {
  return !/^(\.|\/|@\/|~|#)/.test(spec);
}

function traceIdentifier(project: Project, id: ts.Identifier, depth: number, seen: Set<ts.Node>): Trace[] {
  const b = project.lookup(id);
  if (!b) return [];
  const next = (n: ts.Node) => traceValue(project, n, depth + 1, seen);
  switch (b.kind) {
    case 'import': {
      if (b.file) {
        if (b.name === '*') return [];
        const d = project.exported(b.file, b.name);
        return d ? traceDeclaration(project, d, depth + 1, seen) : [];
      }
      if (!isExternalModule(b.module)) return [];
      // A path alias that did not resolve is not a library: only bare specifiers count.
      if (project.isAlias(id.getSourceFile().fileName, b.module)) return [];
      return [{ module: b.module, steps: [b.name], nodes: [id] }];
    }
    case 'var': {
      const d = b.decl;
      const out: Trace[] = [];
      if (d.initializer) {
        const base = next(d.initializer);
        out.push(...base.map((t) => ({ module: t.module, steps: [...t.steps, ...b.path.map(() => '[]')], nodes: [...t.nodes, ...b.path.map(() => d)] })));
      } else {
        // for (const m of source): an item of the source.
        const loop = d.parent?.parent;
        if (loop && ts.isForOfStatement(loop)) {
          out.push(...next(loop.expression).map((t) => ({ module: t.module, steps: [...t.steps, '[]', ...b.path.map(() => '[]')], nodes: [...t.nodes, d, ...b.path.map(() => d)] })));
        }
      }
      if (!out.length && d.type && !b.path.length) out.push(...traceType(project, d.type));
      // `let client; ... client = connect()`: assignments in the declaring scope.
      if (!out.length && !b.path.length && d.parent && ts.isVariableDeclarationList(d.parent) && !(d.parent.flags & ts.NodeFlags.Const)) {
        for (const right of assignmentsTo(project, id.text, d)) out.push(...next(right));
      }
      return out;
    }
    case 'param':
      return b.decl.type && !b.path.length ? traceType(project, b.decl.type) : [];
    default:
      return [];
  }
}

function traceDeclaration(project: Project, d: ts.Node, depth: number, seen: Set<ts.Node>): Trace[] {
  if (ts.isVariableDeclaration(d)) {
    if (d.initializer) {
      const t = traceValue(project, d.initializer, depth, seen);
      if (t.length) return t;
    }
    if (d.type) return traceType(project, d.type);
    if (ts.isIdentifier(d.name)) {
      // `export let client; client = connect()` in that file.
      const out: Trace[] = [];
      for (const right of assignmentsTo(project, d.name.text, d)) out.push(...traceValue(project, right, depth + 1, seen));
      return out;
    }
    return [];
  }
  if (ts.isExpression(d)) return traceValue(project, d, depth, seen);
  return [];
}

/** Right-hand sides of `name = value` assignments that refer to `decl`, in the file that declares it. */
function assignmentsTo(project: Project, name: string, decl: ts.VariableDeclaration): ts.Expression[] {
  const out: ts.Expression[] = [];
  walk(decl.getSourceFile(), (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name) {
      const b = project.lookup(n.left);
      if (b?.kind === 'var' && b.decl === decl) out.push(n.right);
    }
  });
  return out;
}

/** `this.name`: the class's property initializer, its type, a constructor parameter property, or `this.name = value`. */
function traceThisMember(project: Project, at: ts.Node, name: string, depth: number, seen: Set<ts.Node>): Trace[] {
  const cls = thisClass(at);
  if (!cls) return [];
  const out: Trace[] = [];
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) {
      if (m.initializer) out.push(...traceValue(project, m.initializer, depth + 1, seen));
      if (!out.length && m.type) out.push(...traceType(project, m.type));
    } else if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === name && p.type && ts.getModifiers(p)?.length) out.push(...traceType(project, p.type));
      }
    }
  }
  if (out.length) return out;
  walk(cls, (n) => {
    if (n !== cls && ts.isClassLike(n)) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && chainOf(n.left) === `this.${name}`) {
      out.push(...traceValue(project, n.right, depth + 1, seen));
    }
  });
  return out;
}

/** A type annotation naming a library type: `NatsConnection`, `mqtt.MqttClient`, `Redis | undefined`. */
export function traceType(project: Project, type: ts.TypeNode): Trace[] {
  if (ts.isUnionTypeNode(type)) return type.types.flatMap((t) => traceType(project, t));
  if (ts.isParenthesizedTypeNode(type)) return traceType(project, type.type);
  if (!ts.isTypeReferenceNode(type)) return [];
  const name = type.typeName;
  const left = ts.isIdentifier(name) ? name : name.left;
  const typeName = ts.isIdentifier(name) ? name.text : name.right.text;
  if (!ts.isIdentifier(left)) return [];
  const b = project.lookup(left);
  if (b?.kind !== 'import' || b.file || !isExternalModule(b.module)) return [];
  const imported = ts.isIdentifier(name) ? b.name : typeName;
  return [{ module: b.module, steps: [`:${imported}`], nodes: [type] }];
}

// ---------- small readings used by several adapters ----------

/** True when a trace starts from a module matching `spec` (exact, or a subpath of it, or the RegExp). */
export function fromModule(t: Trace, spec: string | RegExp): boolean {
  return typeof spec === 'string' ? t.module === spec || t.module.startsWith(`${spec}/`) : spec.test(t.module);
}

/** The literal value of an expression, following `const` names (in this file or imported). */
export function literalOf(project: Project, expr: ts.Node | undefined, depth = 0): string | number | boolean | undefined {
  if (!expr || depth > 4) return undefined;
  const direct = literalValue(expr);
  if (direct !== undefined) return direct;
  if (!ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return literalOf(project, b.decl.initializer, depth + 1);
    if (b?.kind === 'import' && b.file && b.name !== '*') {
      const d = project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d)) return literalOf(project, d.initializer, depth + 1);
    }
  }
  // Numeric separators and simple arithmetic are not worth more: a bound read as "configured" suffices.
  return undefined;
}

/** The object literal an expression denotes: inline, or a `const` holding one. */
export function objectLiteralOf(project: Project, expr: ts.Node | undefined, depth = 0): ts.ObjectLiteralExpression | undefined {
  if (!expr || depth > 4 || !ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length) return objectLiteralOf(project, b.decl.initializer, depth + 1);
    if (b?.kind === 'import' && b.file && b.name !== '*') {
      const d = project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d)) return objectLiteralOf(project, d.initializer, depth + 1);
    }
  }
  return undefined;
}

/** The project functions an expression denotes (inline, by name, across files). */
export function functionsOf(project: Project, expr: ts.Node | undefined): FunctionNode[] {
  return expr ? safeResolve(project, expr) : [];
}

/** True when every function the expression denotes is declared `async` (and there is at least one). */
export function isAsyncFunction(project: Project, expr: ts.Node | undefined): boolean {
  const fns = functionsOf(project, expr);
  return fns.length > 0 && fns.every((f) => (ts.getModifiers(f) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword));
}

/** A file that imports from a relative path or a path alias may use a client created elsewhere. */
export function hasLocalImport(text: string): boolean {
  return /\bfrom\s*['"](?:\.|@\/|~\/|#)|\brequire\(\s*['"]\./.test(text);
}

/** Calls `.name(...)` in the file whose receiver has the same access chain as `recv` (`client.subscribe` beside `client.on`). */
export function callsOnSameReceiver(sf: ts.SourceFile, recv: ts.Expression, names: ReadonlySet<string>): ts.CallExpression[] {
  const chain = chainOf(recv);
  if (chain === undefined) return [];
  const out: ts.CallExpression[] = [];
  walk(sf, (n) => {
    if (!ts.isCallExpression(n)) return;
    const name = calleeName(n);
    if (!name || !names.has(name)) return;
    const e = unwrapExpression(n.expression);
    if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && chainOf(e.expression) === chain) out.push(n);
  });
  return out;
}

/**
 * Dotted text of a short access chain (`this.client`, `a.b().c`), read without recursion;
 * undefined for computed shapes and for chains longer than `limit` links.
 */
export function chainOf(node: ts.Expression, limit = 64): string | undefined {
  const parts: string[] = [];
  let n = unwrapExpression(node);
  for (let i = 0; i <= limit; i++) {
    if (ts.isIdentifier(n)) return [n.text, ...parts].join('.');
    if (n.kind === ts.SyntaxKind.ThisKeyword) return ['this', ...parts].join('.');
    if (ts.isPropertyAccessExpression(n)) {
      parts.unshift(n.name.text);
      n = unwrapExpression(n.expression);
    } else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(unwrapExpression(n.argumentExpression))) {
      parts.unshift((unwrapExpression(n.argumentExpression) as ts.StringLiteral).text);
      n = unwrapExpression(n.expression);
    } else if (ts.isCallExpression(n)) {
      if (!parts.length) parts.unshift('()');
      else parts[0] = `${parts[0]}()`;
      n = unwrapExpression(n.expression);
    } else if (n.kind === ts.SyntaxKind.ImportKeyword || ts.isMetaProperty(n)) {
      return ['import.meta', ...parts].join('.');
    } else return undefined;
  }
  return undefined;
}

/** The first string argument of an `on`/`addListener`/`once` call when it is one of `events`. */
export function listenerEvent(call: ts.CallExpression): string | undefined {
  const name = calleeName(call);
  if (name !== 'on' && name !== 'addListener' && name !== 'once' && name !== 'prependListener') return undefined;
  const ev = call.arguments[0] && unwrapExpression(call.arguments[0]);
  return ev && ts.isStringLiteralLike(ev) ? ev.text : undefined;
}

/** The receiver of a method call (`a.b` of `a.b.on(...)`). */
export function receiverOf(call: ts.CallExpression): ts.Expression | undefined {
  const e = unwrapExpression(call.expression);
  return ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) ? e.expression : undefined;
}

// ---------- consume loops ----------

function isLoop(n: ts.Node): n is ts.IterationStatement {
  return ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isForStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n);
}

/** The nearest loop around a node inside its own function. */
export function enclosingLoop(node: ts.Node): ts.IterationStatement | undefined {
  let n: ts.Node | undefined = node.parent;
  while (n && !isFunctionNode(n) && !ts.isSourceFile(n)) {
    if (isLoop(n)) return n;
    n = n.parent;
  }
  return undefined;
}

/** Names bound by a binding name (`x`, `{ a, b: [c] }`). */
function boundNames(name: ts.BindingName, out: Set<string>): void {
  if (ts.isIdentifier(name)) out.add(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) boundNames(el.name, out);
}

function mentions(node: ts.Node, names: Set<string>): boolean {
  if (ts.isIdentifier(node)) return names.has(node.text);
  let hit = false;
  walk(node, (n) => {
    if (hit) return false;
    if (!ts.isIdentifier(n) || !names.has(n.text)) return;
    const p = n.parent;
    // `x.name` and `{ name: ... }` keys are not uses of a variable `name`.
    if (p && ts.isPropertyAccessExpression(p) && p.name === n) return;
    if (p && ts.isPropertyAssignment(p) && p.name === n) return;
    hit = true;
  });
  return hit;
}

/** Where the value of `call` is stored: names it is bound to, or the for…of that iterates it directly. */
function resultSinks(call: ts.Node): { names: Set<string>; loops: ts.ForOfStatement[]; returned: boolean } {
  const names = new Set<string>();
  const loops: ts.ForOfStatement[] = [];
  let returned = false;
  let n: ts.Node = call;
  for (let p = n.parent; p; n = p, p = p.parent) {
    if (ts.isAwaitExpression(p) || ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isSatisfiesExpression(p) || ts.isTypeAssertionExpression(p)) continue;
    if (ts.isElementAccessExpression(p) && p.expression === n) continue;
    if (ts.isPropertyAccessExpression(p) && p.expression === n) continue;
    if (ts.isBinaryExpression(p) && (p.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || p.operatorToken.kind === ts.SyntaxKind.BarBarToken)) continue;
    if (ts.isVariableDeclaration(p) && p.initializer === n) boundNames(p.name, names);
    else if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === n) {
      if (ts.isIdentifier(p.left)) names.add(p.left.text);
    } else if (ts.isForOfStatement(p) && p.expression === n) loops.push(p);
    else if (ts.isReturnStatement(p) || ts.isArrowFunction(p)) returned = true;
    break;
  }
  return { names, loops, returned };
}

/**
 * The consume loop around a read call (XREADGROUP, receiveMessages, getMessageIterator): the
 * innermost `for…of` over the items it returns (following the variables they are stored in),
 * else the loop around the read, else the function that reads (a poll function run on a timer)
 * unless it hands the result back to its caller. `grouped`: the result is a list of groups
 * (Redis: one entry list per stream), so a `for…of` over the raw result yields groups, not items.
 * Loop variables of an item loop are items: a `for…of` over an item's fields is not the handler.
 * `perItem` says whether the handler sees one item (a `for…of` body) or the whole batch.
 */
export function consumeLoop(call: ts.Node, grouped = false): { body: ts.IterationStatement | FunctionNode; perItem: boolean } | undefined {
  const outer = enclosingLoop(call);
  const fn = findAncestor(call, isFunctionNode);
  const region: ts.Node | undefined = outer ?? fn?.body;
  if (!region) return undefined;
  const sinks = resultSinks(call);
  const raw = new Set(sinks.names);
  const tainted = new Set(sinks.names);
  const candidates = new Set<ts.ForOfStatement>();
  const consider = (loop: ts.ForOfStatement, direct: boolean) => {
    if (candidates.has(loop)) return;
    candidates.add(loop);
    if (!grouped || !direct) return;
    // for (const [stream, entries] of res): the loop variables hold a stream's entries.
    const init = loop.initializer;
    if (ts.isVariableDeclarationList(init)) for (const d of init.declarations) boundNames(d.name, tainted);
    else if (ts.isIdentifier(init)) tainted.add(init.text);
  };
  for (const l of sinks.loops) consider(l, true);
  for (let pass = 0; pass < 6; pass++) {
    const before = tainted.size + candidates.size;
    walk(region, (n) => {
      if (n !== region && (ts.isFunctionDeclaration(n) || ts.isClassLike(n))) return false;
      if (ts.isVariableDeclaration(n) && n.initializer && mentions(n.initializer, tainted)) boundNames(n.name, tainted);
      else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && mentions(n.right, tainted)) tainted.add(n.left.text);
      else if (ts.isForOfStatement(n) && !candidates.has(n) && !isAncestorOf(n, call) && mentions(n.expression, tainted)) {
        const e = unwrapAwait(n.expression);
        consider(n, ts.isIdentifier(e) && raw.has(e.text));
      }
    });
    if (tainted.size + candidates.size === before) break;
  }
  const innermost = [...candidates].filter((c) => ![...candidates].some((o) => o !== c && isAncestorOf(c, o)));
  if (innermost.length === 1) return { body: innermost[0]!, perItem: true };
  if (outer) return { body: outer, perItem: false };
  if (!fn || sinks.returned || returnsAny(fn, tainted)) return undefined;
  return { body: fn, perItem: false };
}

function isAncestorOf(a: ts.Node, b: ts.Node): boolean {
  return a !== b && b.pos >= a.pos && b.end <= a.end && a.getSourceFile() === b.getSourceFile();
}

function returnsAny(fn: FunctionNode, names: Set<string>): boolean {
  return returnedExpressions(fn).some((r) => mentions(r, names));
}

/** Property value of an object literal, or undefined; accepts the literal's identifier too. */
export function optionOf(project: Project, expr: ts.Node | undefined, name: string): ts.Node | undefined {
  const obj = objectLiteralOf(project, expr);
  return obj ? objectProperty(obj, name) : undefined;
}
