// Entity loads and how their possibly-missing result is used. An event often refers to an
// entity an earlier event created; when the events arrive out of order, the load finds
// nothing. This module finds loads (ORM finds, DynamoDB GetCommand, SQL SELECT, project
// repository methods that return `T | null`) and classifies each use of the result:
// a non-null assertion or unguarded property access (crash), an `if (!x) return/continue`
// that acks and drops the event, or an `...OrThrow` load with no not-found handling.
import { ts, accessChain, calleeName, isFunctionNode, literalValue, stringText, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';

export interface EntityLoad {
  /** The load call (for `const { Item } = await ddb.send(new GetCommand(...))`, the send call). */
  call: ts.CallExpression;
  /** What was loaded, for messages: `prisma.subscription.findUnique`, `GetCommand`, `reports.findById`. */
  api: string;
  /** The load throws when nothing is found (findUniqueOrThrow, findOneOrFail, orFail). */
  throwsWhenMissing: boolean;
  /** Variables that hold the possibly-missing entity (the binding and its aliases). */
  holders: ts.VariableDeclaration[];
  /** Names of the holders, parallel to `holders` (destructured bindings have their own names). */
  names: string[];
}

export type LoadUseKind = 'non-null-assertion' | 'property-access' | 'drop' | 'throws';

export interface LoadUse {
  kind: LoadUseKind;
  node: ts.Node;
  load: EntityLoad;
}

export interface LoadContext {
  project: Project;
  /** Project functions a call resolves to (from the reach). */
  targets(call: ts.CallExpression): ts.Node[];
}

const NULLABLE_LOAD = new Set(['findUnique', 'findFirst', 'findOne', 'findOneBy', 'findById', 'findByPk', 'getOne']);
const THROWING_LOAD = new Set(['findUniqueOrThrow', 'findFirstOrThrow', 'findOneOrFail', 'findOneByOrFail', 'getOneOrFail', 'orFail', 'findByPkOrFail']);
const LIST_QUERY = new Set(['select', 'from', 'where', 'findMany', 'find', 'findBy', 'findAll', 'query', 'execute', 'all']);

function awaitedCall(expr: ts.Expression | undefined): ts.CallExpression | undefined {
  if (!expr) return undefined;
  let e = unwrapExpression(expr);
  if (ts.isAwaitExpression(e)) e = unwrapExpression(e.expression);
  return ts.isCallExpression(e) ? e : undefined;
}

/** Names of calls along a fluent chain, outermost last: `M.findOne(q).lean().exec()` -> [findOne, lean, exec]. */
function chainNames(call: ts.CallExpression): { name: string; call: ts.CallExpression }[] {
  const out: { name: string; call: ts.CallExpression }[] = [];
  let e: ts.Expression = call;
  for (let i = 0; i < 30; i++) {
    const u = unwrapExpression(e);
    if (!ts.isCallExpression(u)) break;
    out.unshift({ name: calleeName(u) ?? '', call: u });
    const c = unwrapExpression(u.expression);
    if (!ts.isPropertyAccessExpression(c)) break;
    e = c.expression;
  }
  return out;
}

function isSelectSql(call: ts.CallExpression): boolean {
  const t = stringText(call.arguments[0]);
  return !!t && /^\s*(WITH\b[\s\S]*\)\s*)?SELECT\b/i.test(t);
}

/** Does the function's declared return type admit null/undefined (`Promise<T | null>`)? */
function returnsNullable(fn: ts.Node): boolean {
  if (!isFunctionNode(fn) || !fn.type) return false;
  return /\bnull\b|\bundefined\b|\?\s*$/.test(fn.type.getText());
}

/**
 * Does the function hand back its result later (async, or a declared Promise/thenable)? A store
 * read is asynchronous; a synchronous `T | null` function is an in-memory lookup (a registry, a
 * map, a parser), not a load of an entity an earlier event created.
 */
function isAsyncFunction(fn: ts.Node): boolean {
  if (!isFunctionNode(fn)) return false;
  if (ts.getCombinedModifierFlags(fn as ts.Declaration) & ts.ModifierFlags.Async) return true;
  return !!fn.type && isThenableType(fn.type);
}

/** `Promise<T | null>`, `Query<...>`, or a union holding one (the outer type, not a member's). */
function isThenableType(t: ts.TypeNode): boolean {
  if (ts.isParenthesizedTypeNode(t)) return isThenableType(t.type);
  if (ts.isUnionTypeNode(t)) return t.types.some(isThenableType);
  return ts.isTypeReferenceNode(t) && /^(Promise|PromiseLike|Query|Observable|Thenable)$/.test(t.typeName.getText().split('.').pop() ?? '');
}

function returnsNonNull(fn: ts.Node): boolean {
  return isFunctionNode(fn) && !!fn.type && !returnsNullable(fn) && !/\bany\b|\bunknown\b/.test(fn.type.getText());
}

/** Classifies a call as an entity load: nullable, throwing, or not a load. */
function loadKind(call: ts.CallExpression, ctx: LoadContext, depth = 0): { api: string; throws: boolean; dynamo?: boolean } | undefined {
  const targets = ctx.targets(call).filter(isFunctionNode);
  if (targets.length) {
    // A project function: trust its declared type, else what it returns. A load needs a key:
    // `getClient()`, `currentConfig()` return a dependency, not an entity an event refers to.
    if (!call.arguments.length) return undefined;
    const t = targets[0]!;
    if (returnsNullable(t)) return isAsyncFunction(t) ? { api: accessChain(call.expression) ?? calleeName(call) ?? 'load', throws: false } : undefined;
    if (returnsNonNull(t) || depth > 2) return undefined;
    let found: { api: string; throws: boolean } | undefined;
    walk(t, (n) => {
      if (found || (isFunctionNode(n) && n !== t)) return false;
      if (ts.isReturnStatement(n) && n.expression) {
        const c = awaitedCall(n.expression);
        const k = c && loadKind(c, ctx, depth + 1);
        if (k && !k.dynamo) found = { api: accessChain(call.expression) ?? 'load', throws: k.throws };
        const e = unwrapExpression(n.expression);
        if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken) && e.right.kind === ts.SyntaxKind.NullKeyword) {
          found = { api: accessChain(call.expression) ?? 'load', throws: false };
        }
      }
      return undefined;
    });
    return found;
  }
  const chain = chainNames(call);
  for (const step of chain) {
    if (THROWING_LOAD.has(step.name)) return { api: accessChain(step.call.expression) ?? step.name, throws: true };
  }
  for (const step of chain) {
    if (NULLABLE_LOAD.has(step.name)) {
      const recv = unwrapExpression(step.call.expression);
      // Array.prototype.find-like helpers on plain arrays are not stores; require a receiver.
      if (!ts.isPropertyAccessExpression(recv)) return undefined;
      return { api: accessChain(step.call.expression) ?? step.name, throws: false };
    }
  }
  // Knex: db('t').where(...).first()
  const last = chain[chain.length - 1];
  if (last?.name === 'first' && chain.length >= 2 && chain.some((s) => s.name === 'where' || s.name === 'select' || s.name === 'from')) {
    return { api: `${chain[0]!.call.getText().slice(0, 40)}...first()`, throws: false };
  }
  // DynamoDB: send(new GetCommand(...)) / send(new GetItemCommand(...))
  if (calleeName(call) === 'send') {
    const a = call.arguments[0] && unwrapExpression(call.arguments[0]);
    if (a && ts.isNewExpression(a) && /^Get(Item)?Command$/.test(calleeName(a) ?? '')) return { api: calleeName(a)!, throws: false, dynamo: true };
  }
  return undefined;
}

/** Entity loads a function makes in its own body, with the variables that hold each result. */
export function entityLoadsIn(fn: ts.Node, ctx: LoadContext, walkOwn: (fn: ts.Node, visit: (n: ts.Node) => boolean | void) => void): EntityLoad[] {
  const out: EntityLoad[] = [];
  walkOwn(fn, (n) => {
    if (!ts.isVariableDeclaration(n) || !n.initializer) return;
    const call = awaitedCall(n.initializer);
    if (!call) return;
    try {
      const k = loadKind(call, ctx);
      if (k) {
        const holders: ts.VariableDeclaration[] = [];
        const names: string[] = [];
        if (k.dynamo) {
          // const { Item } = await ddb.send(new GetCommand(...)) / const { Item: order } = ...
          if (ts.isObjectBindingPattern(n.name)) {
            for (const el of n.name.elements) {
              const key = el.propertyName ? el.propertyName.getText() : el.name.getText();
              if (key === 'Item' && ts.isIdentifier(el.name)) {
                holders.push(n);
                names.push(el.name.text);
              }
            }
          }
        } else if (ts.isIdentifier(n.name)) {
          holders.push(n);
          names.push(n.name.text);
        }
        if (holders.length) out.push(withAliases({ call, api: k.api, throwsWhenMissing: k.throws, holders, names }, fn));
        else if (k.throws) out.push({ call, api: k.api, throwsWhenMissing: true, holders, names });
        return;
      }
      // const [row] = await db.select()... / await pool.query('SELECT ...'); const { rows: [row] } = ...
      const chain = chainNames(call);
      // const [a, b] = await Promise.all([...]): results of several calls, not the rows of one query.
      if (/^Promise\.(all|allSettled|race|any)$/.test(accessChain(call.expression) ?? '')) return;
      const isList = chain.some((s) => LIST_QUERY.has(s.name)) && (chain.some((s) => s.name !== 'query' && s.name !== 'execute') || isSelectSql(call));
      if (ts.isArrayBindingPattern(n.name) && isList && (isSelectSql(call) || !chain.some((s) => s.name === 'query' || s.name === 'execute'))) {
        const el = n.name.elements[0];
        if (el && ts.isBindingElement(el) && ts.isIdentifier(el.name) && !el.dotDotDotToken) {
          out.push(withAliases({ call, api: chain[chain.length - 1]!.name || 'query', throwsWhenMissing: false, holders: [n], names: [el.name.text] }, fn));
        }
      }
      if (ts.isObjectBindingPattern(n.name) && isSelectSql(call)) {
        for (const el of n.name.elements) {
          const key = el.propertyName ? el.propertyName.getText() : el.name.getText();
          if (key === 'rows' && ts.isArrayBindingPattern(el.name)) {
            const first = el.name.elements[0];
            if (first && ts.isBindingElement(first) && ts.isIdentifier(first.name)) out.push(withAliases({ call, api: 'SELECT', throwsWhenMissing: false, holders: [n], names: [first.name.text] }, fn));
          }
        }
      }
    } catch {
      /* skip odd shapes */
    }
  });
  return out;
}

/** Adds `const order = Item as Order | undefined` style aliases of a holder. */
function withAliases(load: EntityLoad, fn: ts.Node): EntityLoad {
  const body = isFunctionNode(fn) ? fn.body : fn;
  if (!body) return load;
  walk(body, (n) => {
    if (!ts.isVariableDeclaration(n) || !n.initializer || !ts.isIdentifier(n.name)) return;
    const init = unwrapExpression(n.initializer);
    if (ts.isIdentifier(init) && load.names.includes(init.text) && n.pos > load.call.pos) {
      load.holders.push(n);
      load.names.push(n.name.text);
    }
  });
  return load;
}

// ---------- narrowing ----------

/** The condition tests that `name` is present (`x`, `x != null`, `x !== undefined`, `x && ...`). */
function assertsPresent(cond: ts.Expression, name: string): boolean {
  const e = unwrapExpression(cond);
  if (ts.isIdentifier(e)) return e.text === name;
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return assertsAbsent(e.operand, name);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return someOperand(e, op, (x) => assertsPresent(x, name));
    if (op === ts.SyntaxKind.ExclamationEqualsToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken) {
      return (isName(e.left, name) && isNullish(e.right)) || (isName(e.right, name) && isNullish(e.left));
    }
    if (op === ts.SyntaxKind.InstanceOfKeyword) return isName(e.left, name);
  }
  // if (x?.prop), if (x.prop.y): a truthy member of x means x exists
  if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) && rootName(e) === name) return true;
  // x?.prop === value: true only when x exists
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken || e.operatorToken.kind === ts.SyntaxKind.GreaterThanToken || e.operatorToken.kind === ts.SyntaxKind.LessThanToken)) {
    return rootName(e.left) === name || rootName(e.right) === name;
  }
  return false;
}

/** The condition tests that `name` is absent (`!x`, `x == null`, `x === undefined`, `!x || ...`). */
function assertsAbsent(cond: ts.Expression, name: string): boolean {
  const e = unwrapExpression(cond);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) return assertsPresent(e.operand, name);
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.BarBarToken) return someOperand(e, op, (x) => assertsAbsent(x, name));
    if (op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsEqualsToken) {
      return (isName(e.left, name) && isNullish(e.right)) || (isName(e.right, name) && isNullish(e.left));
    }
  }
  return false;
}

/**
 * True when `test` holds for an operand of a `a && b && c` (or `||`) chain. The chain is walked
 * along its left spine, not recursed: generated conditions can be thousands of operands long.
 */
function someOperand(chain: ts.BinaryExpression, op: ts.SyntaxKind, test: (e: ts.Expression) => boolean): boolean {
  let e: ts.Expression = chain;
  for (;;) {
    const u = unwrapExpression(e);
    if (!ts.isBinaryExpression(u) || u.operatorToken.kind !== op) return test(u);
    if (test(u.right)) return true;
    e = u.left;
  }
}

function isName(e: ts.Expression, name: string): boolean {
  const u = unwrapExpression(e);
  return ts.isIdentifier(u) && u.text === name;
}

function rootName(e: ts.Expression): string | undefined {
  let u = unwrapExpression(e);
  while (ts.isPropertyAccessExpression(u) || ts.isElementAccessExpression(u) || ts.isCallExpression(u)) u = unwrapExpression(u.expression);
  return ts.isIdentifier(u) ? u.text : undefined;
}

function isNullish(e: ts.Expression): boolean {
  const u = unwrapExpression(e);
  return u.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(u) && u.text === 'undefined');
}

/** The statement always leaves the enclosing block (return, throw, continue, break). */
export function alwaysExits(st: ts.Statement): boolean {
  if (ts.isReturnStatement(st) || ts.isThrowStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st)) return true;
  if (ts.isBlock(st)) return st.statements.some(alwaysExits);
  if (ts.isIfStatement(st)) return !!st.elseStatement && alwaysExits(st.thenStatement) && alwaysExits(st.elseStatement);
  return false;
}

/** Is the reference `ref` to `name` only reached when the entity exists? */
export function isNarrowed(ref: ts.Node, name: string, stop: ts.Node): boolean {
  let child: ts.Node = ref;
  let n: ts.Node | undefined = ref.parent;
  while (n && n !== stop.parent) {
    if (ts.isIfStatement(n)) {
      if (child === n.thenStatement && assertsPresent(n.expression, name)) return true;
      if (child === n.elseStatement && assertsAbsent(n.expression, name)) return true;
    } else if (ts.isConditionalExpression(n)) {
      if (child === n.whenTrue && assertsPresent(n.condition, name)) return true;
      if (child === n.whenFalse && assertsAbsent(n.condition, name)) return true;
    } else if (ts.isBinaryExpression(n)) {
      if (child === n.right && n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && assertsPresent(n.left, name)) return true;
      if (child === n.right && n.operatorToken.kind === ts.SyntaxKind.BarBarToken && assertsAbsent(n.left, name)) return true;
    }
    // Earlier statements of an enclosing block: `if (!x) return;`, `if (!x) x = ...`, `x ??= ...`
    if ((ts.isBlock(n) || ts.isSourceFile(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) && 'statements' in n) {
      for (const st of n.statements) {
        if (st === child) break;
        if (ts.isIfStatement(st) && assertsAbsent(st.expression, name)) {
          if (alwaysExits(st.thenStatement) || assigns(st.thenStatement, name)) return true;
        }
        if (assigns(st, name) && !ts.isIfStatement(st)) return true;
      }
    }
    child = n;
    n = n.parent;
  }
  return false;
}

function assigns(node: ts.Node, name: string): boolean {
  let found = false;
  walk(node, (n) => {
    if (found) return false;
    if (ts.isBinaryExpression(n) && isName(n.left, name) && (n.operatorToken.kind === ts.SyntaxKind.EqualsToken || n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionEqualsToken || n.operatorToken.kind === ts.SyntaxKind.BarBarEqualsToken)) found = true;
    return undefined;
  });
  if (ts.isExpressionStatement(node)) {
    const e = node.expression;
    if (ts.isBinaryExpression(e) && isName(e.left, name)) return true;
  }
  return found;
}

// ---------- uses ----------

/** References to a holder: identifiers with its name that resolve to its declaration. */
function references(load: EntityLoad, holderIndex: number, project: Project): ts.Identifier[] {
  const decl = load.holders[holderIndex]!;
  const name = load.names[holderIndex]!;
  const fn = enclosingFn(decl);
  const out: ts.Identifier[] = [];
  if (!fn) return out;
  walk(fn, (n) => {
    if (!ts.isIdentifier(n) || n.text !== name || n.pos < decl.end) return;
    const p = n.parent;
    if (p && (ts.isPropertyAccessExpression(p) && p.name === n)) return;
    if (p && ts.isPropertyAssignment(p) && p.name === n) return;
    const b = project.lookup(n);
    if (b && b.kind === 'var' && b.decl === decl) out.push(n);
  });
  return out;
}

function enclosingFn(n: ts.Node): ts.Node | undefined {
  let p: ts.Node | undefined = n.parent;
  while (p && !isFunctionNode(p) && !ts.isSourceFile(p)) p = p.parent;
  return p;
}

export interface DropPolicy {
  /** Returning from the handler settles the delivery as success. */
  acksOnReturn: boolean;
  /** Method names that acknowledge the delivery. */
  ackMethods: string[];
  /** The function holding the load is the handler's own body (a returned value reaches the framework). */
  isHandlerBody(fn: ts.Node): boolean;
}

const LOG_CALL = /^(console|logger|log|this\.logger|this\.log|this\.#logger|metrics|statsd|span|tracer)\b|(\.|^)(debug|info|warn|warning|error|log|trace|fatal|increment|timing|gauge|histogram|addMetric|count)$/;

/** The `if (!x) ...` branch exits quietly: no throw, no retry/park/placeholder call, only logs and acks. */
function isQuietExit(branch: ts.Statement, policy: DropPolicy, fnOfLoad: ts.Node): boolean {
  if (!alwaysExits(branch)) return false;
  let quiet = true;
  let acked = false;
  const visit = (n: ts.Node): boolean | undefined => {
    if (!quiet) return false;
    if (isFunctionNode(n)) return false;
    if (ts.isThrowStatement(n)) quiet = false;
    if (ts.isNewExpression(n)) quiet = false; // return new Nack(...), new RetryLater(...)
    if (ts.isCallExpression(n)) {
      const chain = accessChain(n.expression) ?? '';
      const name = calleeName(n) ?? '';
      if (policy.ackMethods.includes(name) || /^(ack|complete|completeMessage|commit|xack|resolveOffset|deleteMessage)$/i.test(name)) acked = true;
      else if (!LOG_CALL.test(chain) && !/^(String|JSON\.stringify|Number)$/.test(chain)) quiet = false;
    }
    if (ts.isReturnStatement(n) && n.expression) {
      const e = unwrapExpression(n.expression);
      // A value returned from a helper may be checked by its caller; only the handler's own return is settled.
      if (!policy.isHandlerBody(fnOfLoad)) quiet = false;
      else if (ts.isCallExpression(e) || ts.isNewExpression(e) || ts.isAwaitExpression(e)) quiet = false;
      else if (literalValue(e) === false) quiet = false;
    }
    return undefined;
  };
  // `walk` starts below its root: visit the branch statement itself too (`if (!x) return value;`).
  if (visit(branch) !== false) walk(branch, visit);
  return quiet && (acked || policy.acksOnReturn);
}

/** Unsafe uses of each load: the first crash site, a quiet drop, an unhandled throwing load. */
export function unsafeLoadUses(load: EntityLoad, project: Project, policy: DropPolicy): LoadUse[] {
  const uses: LoadUse[] = [];
  const fn = enclosingFn(load.call);
  if (!fn) return uses;
  if (load.throwsWhenMissing) {
    if (!insideNotFoundHandling(load.call, fn)) uses.push({ kind: 'throws', node: load.call, load });
    return uses;
  }
  let crash: LoadUse | undefined;
  for (let i = 0; i < load.holders.length; i++) {
    const name = load.names[i]!;
    for (const ref of references(load, i, project)) {
      const p = ref.parent;
      if (!p) continue;
      // A quiet `if (!x) return` drop.
      if (ts.isIfStatement(p) || ts.isPrefixUnaryExpression(p) || ts.isBinaryExpression(p)) {
        const ifst = ts.isIfStatement(p) ? p : p.parent && ts.isIfStatement(p.parent) ? p.parent : undefined;
        if (ifst && assertsAbsent(ifst.expression, name) && isQuietExit(ifst.thenStatement, policy, fn) && !uses.some((u) => u.node === ifst)) {
          uses.push({ kind: 'drop', node: ifst, load });
        }
        continue;
      }
      if (crash) continue;
      const stop = fn;
      if (ts.isNonNullExpression(p)) {
        if (!isNarrowed(ref, name, stop)) crash = { kind: 'non-null-assertion', node: p, load };
        continue;
      }
      if ((ts.isPropertyAccessExpression(p) || ts.isElementAccessExpression(p)) && p.expression === ref && !p.questionDotToken) {
        if (!isNarrowed(ref, name, stop)) crash = { kind: 'property-access', node: p, load };
        continue;
      }
      if (ts.isVariableDeclaration(p) && p.initializer === ref && ts.isObjectBindingPattern(p.name)) {
        if (!isNarrowed(ref, name, stop)) crash = { kind: 'property-access', node: p, load };
      }
    }
  }
  if (crash) uses.unshift(crash);
  return uses;
}

function insideNotFoundHandling(node: ts.Node, fn: ts.Node): boolean {
  let n: ts.Node | undefined = node.parent;
  while (n && n !== fn) {
    if (ts.isTryStatement(n) && n.catchClause && node.pos >= n.tryBlock.pos && node.end <= n.tryBlock.end) {
      if (/NotFound|P2025|NoResult|not.?found|EntityNotFound/i.test(n.catchClause.getText())) return true;
    }
    n = n.parent;
  }
  return false;
}

/** Is `id` a variable holding an entity loaded in its function (for `save(entity)` of a loaded row)? */
export function isLoadedEntityRef(id: ts.Identifier, ctx: LoadContext): boolean {
  const b = ctx.project.lookup(id);
  if (!b || b.kind !== 'var' || b.path.length) return false;
  const call = awaitedCall(b.decl.initializer);
  if (!call) return false;
  try {
    const k = loadKind(call, ctx);
    return !!k && !k.dynamo;
  } catch {
    return false;
  }
}
