// The catches on the path of a handler's work and what each does with the failure: rethrow,
// nack/reject/abandon/dead-letter, record it for a retry (batchItemFailures, callback(err),
// an outer variable), answer non-2xx, or return normally so the delivery is acked as success.
import { ts, calleeName, chainRoot, enclosingClass, functionName, isFunctionNode, isInside, unwrapExpression, walk } from './ast.js';
import { asyncCallKind, callbackReturnsPromise, inWorkflowComposition, isAsyncFunction, isDetachedCallback, isPromiseStatic } from './async-calls.js';
import { classifyCall } from './effects.js';
import { callbackErrorNames, catchNames, reachedOfNode, settleOf, type FlowContext } from './flow.js';
import { walkOwn } from './reach.js';
import type { ReachedFunction } from './reach.js';

export type CatchOutcome =
  | 'rethrows'
  | 'nacks'
  | 'records'
  | 'dead-letters'
  | 'fail-reply'
  | 'exits'
  /** Returns a value a caller may inspect (only meaningful in callees). */
  | 'returns-value'
  | 'swallows';

export interface CatchVerdict {
  outcome: CatchOutcome;
  /** For swallows: how (`is empty`, `only logs`, `acks`, `returns {...}`). */
  how: string;
  /** The settle call that acks inside the catch, if any. */
  ackInCatch?: ts.Node;
}

/** Names that mark a dead-letter or parking step (a table, a topic, a helper). */
const DEAD_LETTER = /dead[-_ ]?letter|deadletter|\bdlq\b|\bdlx\b|\.dlq|_dlq|parking|\bpark(ed)?\b|poison|quarantine/i;
const LOGGER = /^(console|logger|log|this\.logger|this\.log|ctx\.log|context\.log|Sentry|sentry|metrics|this\.metrics|tracer|span|this\.tracer)$/;

/**
 * Classifies the failure handling in a catch body (a catch block, or a `.catch(cb)` callback).
 * Project functions called from it are looked into one level, so `await this.deadLetter(msg, err)`
 * and `handleFailure(err)` that rethrows count.
 */
export function classifyCatch(body: ts.Node, errorNames: ReadonlySet<string>, ctx: FlowContext, catchScope: ts.Node): CatchVerdict {
  let rethrows = false;
  let nacks = false;
  let records = false;
  let deadLetters = false;
  let failReply = false;
  let exits = false;
  let returnsValue: ts.Expression | undefined;
  let ackInCatch: ts.Node | undefined;
  let onlyLogs = true;
  let empty = true;

  const carriesError = errorCarrier(body, errorNames);
  const visit = (root: ts.Node, depth: number) => {
    const visitNode = (n: ts.Node): boolean | void => {
      if (n !== root && isFunctionNode(n) && depth === 0 && !isInlineCallbackArg(n)) return false;
      if (ts.isThrowStatement(n)) rethrows = true;
      if (ts.isReturnStatement(n) && n.expression && depth === 0) {
        const r = unwrapExpression(n.expression);
        if (ts.isCallExpression(r) && isPromiseStatic(r) && calleeName(r) === 'reject') rethrows = true;
        else if (ts.isNewExpression(r) && calleeName(r) === 'Nack') nacks = true;
        else if (r.kind !== ts.SyntaxKind.VoidExpression) returnsValue ??= r; // incl. an explicit `return null` / `return undefined` sentinel
      }
      if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) {
        if (n.text === 'batchItemFailures' || n.text === 'itemIdentifier') records = true;
        if (DEAD_LETTER.test(n.text)) deadLetters = true;
      }
      if (ts.isStringLiteralLike(n) && DEAD_LETTER.test(n.text)) deadLetters = true;
      if (depth === 0 && ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind)) {
        // An outer variable written from the catch: the failure is recorded for later (a flag, a cursor, an error list),
        // also through a field of a local result object (`health.checks.db = 'error'`).
        const target = unwrapExpression(n.left);
        if (ts.isIdentifier(target) && declaredOutside(target, catchScope, ctx)) records = true;
        else if (outerLocalRoot(target, catchScope, ctx)) records = true;
      }
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const name = calleeName(n);
        const chain = ts.isCallExpression(n) ? calleeChain(n) : undefined;
        if (chain === 'process.exit' || chain === 'process.kill') exits = true;
        if (depth === 0 && ts.isCallExpression(n) && name === 'push') {
          const recv = unwrapExpression((n.expression as ts.PropertyAccessExpression).expression ?? n.expression);
          if (ts.isIdentifier(recv) && declaredOutside(recv, catchScope, ctx)) records = true;
          else if (outerLocalRoot(recv, catchScope, ctx)) records = true; // result.errors.push(...)
        }
        // `reject(err)` of an enclosing `new Promise((resolve, reject) => ...)`: the promise the caller awaits rejects.
        if (ts.isCallExpression(n) && isExecutorReject(n, ctx)) rethrows = true;
        const s = settleOf(n, ctx, errorNames);
        if (s?.kind === 'nack') {
          if (s.reply) failReply = true;
          else nacks = true;
        } else if (s?.kind === 'ack') ackInCatch ??= n;
        if (isLoggingCall(n)) return false; // its arguments (JSON.stringify(err), String(err)) are part of the log line
        if (!s) onlyLogs = false;
        // The failure handed on as data: a failure event published, a failed-status row written with the error.
        if (depth === 0 && !s && ts.isCallExpression(n) && forwardsError(n, carriesError, ctx)) records = true;
        // One level into project functions called from the catch.
        if (depth === 0 && ts.isCallExpression(n)) {
          for (const fn of targetsOf(n, ctx)) if (fn.body) visit(fn.body, 1);
        }
      }
      if (ts.isExpressionStatement(n) || ts.isVariableStatement(n) || ts.isIfStatement(n) || ts.isReturnStatement(n) || ts.isThrowStatement(n)) empty = false;
      return undefined;
    };
    walk(root, visitNode);
  };
  visit(body, 0);
  if (isFunctionNode(body) && body.body && !ts.isBlock(body.body)) {
    // .catch((e) => expr): the expression is the whole body
    empty = false;
    const r = unwrapExpression(body.body);
    if (!ts.isCallExpression(r) || !isLoggingCall(r)) {
      if (!(ts.isIdentifier(r) && r.text === 'undefined') && r.kind !== ts.SyntaxKind.NullKeyword && !ts.isObjectLiteralExpression(r)) onlyLogs = false;
    }
  }

  if (rethrows) return { outcome: 'rethrows', how: 'rethrows' };
  if (nacks) return { outcome: 'nacks', how: 'nacks' };
  if (failReply) return { outcome: 'fail-reply', how: 'answers with an error status' };
  if (records) return { outcome: 'records', how: 'records the failure' };
  if (deadLetters) return { outcome: 'dead-letters', how: 'dead-letters the delivery' };
  if (exits) return { outcome: 'exits', how: 'exits the process' };
  const how = empty ? 'is empty' : ackInCatch ? 'acks the delivery' : onlyLogs ? 'only logs' : 'neither rethrows nor reports the failure';
  if (returnsValue) return { outcome: 'returns-value', how: `returns ${returnsValue.getText().replace(/\s+/g, ' ').slice(0, 40)}`, ackInCatch };
  return { outcome: 'swallows', how, ackInCatch };
}

/** The caught error's names plus the catch's locals built from it (`const failure = { errorMessage: err.message }`). */
function errorCarrier(body: ts.Node, errorNames: ReadonlySet<string>): (n: ts.Node) => boolean {
  const names = new Set(errorNames);
  const mentions = (n: ts.Node): boolean => {
    let found = false;
    const visit = (m: ts.Node): boolean | undefined => {
      if (found) return false;
      if (ts.isIdentifier(m) && names.has(m.text) && !(ts.isPropertyAccessExpression(m.parent) && m.parent.name === m)) found = true;
      return undefined;
    };
    visit(n);
    walk(n, visit);
    return found;
  };
  if (names.size) {
    walk(body, (n) => {
      if (n !== body && isFunctionNode(n)) return false;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && mentions(n.initializer)) names.add(n.name.text);
      return undefined;
    });
  }
  return (n) => names.size > 0 && mentions(n);
}

const LOG_NAMED = /^(log|logs|logger|logError|logFailure|report(Error|Exception)?|capture(Error|Exception)?|track(Error|Exception)?|notify(Error)?|alert|warn|error|debug|info|trace|print)$/i;

/**
 * A call that hands the caught error on to a place the team reads as data (a failure topic, a
 * failed-status write): awaited or promise-returning, not a logger, with the error in its arguments.
 */
function forwardsError(call: ts.CallExpression, carriesError: (n: ts.Node) => boolean, ctx: FlowContext): boolean {
  const name = calleeName(call);
  if (!name || LOG_NAMED.test(name) || isLoggingCall(call)) return false;
  if (!call.arguments.some((a) => carriesError(a))) return false;
  let p: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(p)) p = p.parent;
  return ts.isAwaitExpression(p) || !!asyncCallKind(call, ctx.project, ctx.reach);
}

function isAssignment(k: ts.SyntaxKind): boolean {
  return k >= ts.SyntaxKind.FirstAssignment && k <= ts.SyntaxKind.LastAssignment;
}

function calleeChain(call: ts.CallExpression): string | undefined {
  const parts: string[] = [];
  let e: ts.Expression = unwrapExpression(call.expression);
  while (ts.isPropertyAccessExpression(e)) {
    parts.unshift(e.name.text);
    e = unwrapExpression(e.expression);
  }
  if (ts.isIdentifier(e)) parts.unshift(e.text);
  else if (e.kind === ts.SyntaxKind.ThisKeyword) parts.unshift('this');
  else return undefined;
  return parts.join('.');
}

/** console.error(...), logger.warn(...), this.logger.error(...), Sentry.captureException(...). */
export function isLoggingCall(call: ts.CallExpression | ts.NewExpression): boolean {
  if (!ts.isCallExpression(call)) return false;
  const e = unwrapExpression(call.expression);
  if (!ts.isPropertyAccessExpression(e)) return false;
  const recv = calleeChain(call)?.split('.').slice(0, -1).join('.') ?? builderLoggerRoot(e.expression);
  if (recv && LOGGER.test(recv)) return true;
  return /^(log|info|warn|warning|error|debug|trace|fatal|captureException|captureMessage|increment|inc|timing|histogram|gauge|addMetric|publishStoredMetrics|recordException|setStatus|end)$/.test(e.name.text) && !!recv && /log|metric|stat|sentry|tracer|span/i.test(recv);
}

/** The root of a fluent logger chain, `log.atError().withCause(e).log(...)` -> `log`. */
function builderLoggerRoot(e: ts.Expression): string | undefined {
  let n = unwrapExpression(e);
  let sawCall = false;
  for (let i = 0; i < 8; i++) {
    if (ts.isCallExpression(n)) {
      sawCall = true;
      n = unwrapExpression(n.expression);
    } else if (ts.isPropertyAccessExpression(n)) n = unwrapExpression(n.expression);
    else break;
  }
  return sawCall && ts.isIdentifier(n) && /^(log|logger)$/i.test(n.text) ? n.text : undefined;
}

/** `a.b.c` whose root `a` is a local variable (not a parameter) declared outside the catch: a result object being built. */
function outerLocalRoot(target: ts.Expression, scope: ts.Node, ctx: FlowContext): boolean {
  if (!ts.isPropertyAccessExpression(target) && !ts.isElementAccessExpression(target)) return false;
  const root = chainRoot(target);
  if (!root || !ts.isIdentifier(root)) return false;
  let b;
  try {
    b = ctx.project.lookup(root);
  } catch {
    return false;
  }
  return b?.kind === 'var' && !isInside(b.decl, scope);
}

/** A call of the second parameter of a `new Promise((resolve, reject) => ...)` executor. */
function isExecutorReject(call: ts.CallExpression, ctx: FlowContext): boolean {
  const callee = unwrapExpression(call.expression);
  if (!ts.isIdentifier(callee)) return false;
  let b;
  try {
    b = ctx.project.lookup(callee);
  } catch {
    return false;
  }
  if (b?.kind !== 'param' || b.index !== 1 || b.path.length) return false;
  const p = b.fn.parent;
  return !!p && ts.isNewExpression(p) && ts.isIdentifier(p.expression) && p.expression.text === 'Promise';
}

function declaredOutside(id: ts.Identifier, scope: ts.Node, ctx: FlowContext): boolean {
  let b;
  try {
    b = ctx.project.lookup(id);
  } catch {
    return false;
  }
  if (!b) return false;
  const decl = b.kind === 'var' ? b.decl : b.kind === 'param' ? b.decl : b.kind === 'catch' ? b.decl : undefined;
  if (!decl) return false;
  return !isInside(decl, scope);
}

/** A function passed inline to a call that runs it now (transaction callbacks, map), as opposed to a nested declaration. */
function isInlineCallbackArg(fn: ts.Node): boolean {
  const p = fn.parent;
  return !!p && (ts.isCallExpression(p) || ts.isNewExpression(p));
}

function targetsOf(call: ts.CallExpression, ctx: FlowContext) {
  const fromReach = ctx.reach.targets(call);
  if (fromReach.length) return fromReach;
  try {
    return ctx.project
      .resolveFunctions(call.expression)
      .filter((t) => t.kind === 'function')
      .map((t) => (t as { fn: ts.FunctionLikeDeclaration }).fn);
  } catch {
    return [];
  }
}

/** True when a block holds work that can fail asynchronously: an await, `for await`, or a call that returns a promise. */
export function hasAsyncWork(block: ts.Node, ctx: FlowContext): boolean {
  let found = false;
  walk(block, (n) => {
    if (found) return false;
    if (isFunctionNode(n) && !isInlineCallbackArg(n)) return false;
    if (ts.isAwaitExpression(n)) found = true;
    else if (ts.isForOfStatement(n) && n.awaitModifier) found = true;
    // A promise dropped inside the try (`void work()`, `work();`) rejects outside it: floating-promise's finding.
    else if (ts.isCallExpression(n) && !valueDropped(n) && asyncCallKind(n, ctx.project, ctx.reach)) found = true;
    return undefined;
  });
  return found;
}

export interface CatchSite {
  /** The catch clause, the `.catch(...)` call or the `Promise.allSettled(...)` call. */
  node: ts.Node;
  kind: 'catch' | 'promise-catch' | 'all-settled';
  verdict: CatchVerdict;
  reached: ReachedFunction;
}

/** Every catch on the path of the handler's work (try/catch, awaited `.catch(cb)`, unread `allSettled`), classified. */
export function catchSites(ctx: FlowContext): CatchSite[] {
  const out: CatchSite[] = [];
  for (const r of ctx.reach.functions) {
    if (ts.isConstructorDeclaration(r.fn)) continue;
    walkOwn(r.fn, (n) => {
      if (ts.isTryStatement(n) && n.catchClause) {
        if (!hasAsyncWork(n.tryBlock, ctx)) return undefined;
        const verdict = classifyCatch(n.catchClause.block, catchNames(n.catchClause), ctx, n.catchClause);
        out.push({ node: n.catchClause, kind: 'catch', verdict, reached: r });
        return undefined;
      }
      if (!ts.isCallExpression(n)) return undefined;
      const name = calleeName(n);
      if (name === 'catch' && n.arguments.length === 1 && ts.isPropertyAccessExpression(unwrapExpression(n.expression))) {
        // An awaited `.catch` whose value is dropped (`await p.catch(() => {})`), or one that settles
        // the delivery itself (`work().then(() => done()).catch((e) => { log(e); done(); })`).
        const cb = unwrapExpression(n.arguments[0]!);
        if (!isFunctionNode(cb)) return undefined;
        if (!isAwaitedStatement(n) && !settlesInside(cb, ctx)) return undefined;
        const inner = unwrapExpression((unwrapExpression(n.expression) as ts.PropertyAccessExpression).expression);
        if (!ts.isCallExpression(inner) || !asyncCallKind(inner, ctx.project, ctx.reach)) return undefined;
        const verdict = classifyCatch(cb, callbackErrorNames(cb), ctx, cb);
        out.push({ node: n, kind: 'promise-catch', verdict, reached: r });
        return undefined;
      }
      if (name === 'allSettled' && isPromiseStatic(n) && allSettledUnread(n, ctx)) {
        out.push({ node: n, kind: 'all-settled', verdict: { outcome: 'swallows', how: 'never reads the rejections' }, reached: r });
      }
      return undefined;
    });
  }
  return out;
}

function settlesInside(fn: ts.Node, ctx: FlowContext): boolean {
  let found = false;
  walk(fn, (n) => {
    if (found) return false;
    if (settleOf(n, ctx)) found = true;
    return undefined;
  });
  return found;
}

/** `await x;` as a statement (its value dropped). */
function isAwaitedStatement(call: ts.Node): boolean {
  let p = call.parent;
  while (p && ts.isParenthesizedExpression(p)) p = p.parent;
  if (!p || !ts.isAwaitExpression(p)) return false;
  let q = p.parent;
  while (q && ts.isParenthesizedExpression(q)) q = q.parent;
  return !!q && ts.isExpressionStatement(q);
}

/** `await Promise.allSettled(...)` dropped, or bound to a name that is never read again. */
function allSettledUnread(call: ts.CallExpression, ctx: FlowContext): boolean {
  let p: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(p)) p = p.parent;
  if (ts.isAwaitExpression(p)) {
    let q: ts.Node = p.parent;
    while (ts.isParenthesizedExpression(q)) q = q.parent;
    if (ts.isExpressionStatement(q)) return true;
    if (ts.isVariableDeclaration(q) && ts.isIdentifier(q.name)) {
      const name = q.name.text;
      const fn = reachedOfNode(q, ctx)?.fn;
      if (!fn) return false;
      let read = false;
      walk(fn, (n) => {
        if (read) return false;
        if (ts.isIdentifier(n) && n.text === name && n !== q.name) read = true;
        return undefined;
      });
      return !read;
    }
  }
  return false;
}

// ---------------------------------------------------------------- is the catch on the path of the work?

/** Calls that are never the delivery's own work: liveness signals and releasing resources. */
const HOUSEKEEPING_CALL = /^(heartbeat|keepAlive|extendLock|renewLock|release|releaseLock|unlock|close|disconnect|quit|dispose|cleanup|cleanUp|unsubscribe|removeListener|unlink|rm|rmdir|clearTimeout|clearInterval|updateProgress|reportProgress)$/;
/** Receivers of best-effort side work: telemetry and cache upkeep. */
const SIDE_WORK_RECEIVER = /cache|analytics|telemetry|metric|tracker|tracking|statsd|posthog|mixpanel|amplitude/i;
/** Functions and classes whose name says their whole job is side work: `safeCleanup`, `SegmentAnalyticsService`, `updateProgress`. */
const SIDE_WORK_FUNCTION = /clean[-_]?up|heartbeat|keep[-_]?alive|(update|report|safe\w*)Progress|progressUpdate|analytics|telemetry|metric|tracking|(invalidate|clear|evict)\w*cache/i;
const SIDE_WORK_CLASS = /analytics|telemetry|metric|tracking|cache/i;

/**
 * Why a catch cannot decide the delivery's outcome, or undefined when it is on the path of the
 * handler's work: it runs in a detached callback (timer, listener, Promise executor), it is reached
 * through a call whose promise nobody waits for (floating-promise's finding, not a second one here),
 * or the work it guards is housekeeping (a heartbeat, a lock release) or best-effort side work
 * (telemetry, cache upkeep, progress reports) beside other work of the handler. Telemetry or cache
 * work that is all the handler does stays on the path: then it is the delivery's work.
 */
export function offWorkPath(site: CatchSite, ctx: FlowContext): string | undefined {
  const r = site.reached;
  const anchor = site.kind === 'catch' ? site.node.parent! : site.node;
  if (detachedBetween(anchor, r.fn)) return 'it runs in a detached callback';
  if (floatingBetween(anchor, r.fn, ctx)) return 'it runs in an async callback nobody awaits';
  for (let i = 0; i < r.chain.length; i++) {
    const edge = r.chain[i]!;
    const caller = callerOf(r, i, ctx);
    const floats = valueDropped(edge.call) && isAsyncFunction(edge.target, ctx.project) && !settlesEnclosingPromise(edge.call, ctx) && !inWorkflowComposition(edge.call, ctx.project);
    if (floats || (caller && (detachedBetween(edge.call, caller) || floatingBetween(edge.call, caller, ctx)))) return 'it is reached through a call nobody awaits';
  }
  if (site.kind === 'all-settled') return undefined;
  const guarded = site.kind === 'catch' ? (site.node.parent as ts.TryStatement).tryBlock : (unwrapExpression((site.node as ts.CallExpression).expression) as ts.PropertyAccessExpression).expression;
  const work = guardedWork(guarded, ctx);
  if (work === 'housekeeping') return 'it guards housekeeping only';
  // Only lookups: the catch falls back (a default value, the caller's next strategy) and the work goes on.
  if (work === 'read' && (r.depth > 0 || !catchJumps(site))) return 'it guards a lookup with a fallback';
  if (site.kind === 'catch' && successFlagRead(site.node.parent as ts.TryStatement, r.fn, ctx)) return 'the try sets a success flag that is checked afterwards';
  const sideOwner = r.depth > 0 && isSideWorkFunction(r.fn);
  if (work === 'side' || sideOwner) {
    // Side work beside other work of the handler: look for that other work next to the try, or in the caller.
    if (hasOtherWork(r.fn, anchor, ctx)) return 'it guards best-effort side work';
    const last = r.chain.length - 1;
    const caller = last >= 0 ? callerOf(r, last, ctx) : undefined;
    if (caller && hasOtherWork(caller, r.chain[last]!.call, ctx)) return 'it guards best-effort side work';
  }
  return undefined;
}

/** The function that holds the i-th call of a reached function's chain. */
function callerOf(r: ReachedFunction, i: number, ctx: FlowContext): ts.Node | undefined {
  if (i > 0) return r.chain[i - 1]!.target;
  const call = r.chain[0]!.call;
  for (let p: ts.Node | undefined = call.parent; p; p = p.parent) if (isFunctionNode(p) && ctx.reach.reachedOf(p)) return p;
  return undefined;
}

/** A function between `node` and `fn` that runs detached from the caller's flow (a Promise executor runs in it). */
function detachedBetween(node: ts.Node, fn: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p && p !== fn; p = p.parent) {
    if (isFunctionNode(p) && isDetachedCallback(p) && !ts.isNewExpression(p.parent)) return true;
  }
  return false;
}

/** An async callback between `node` and `fn` handed to a call whose result is dropped: `items.forEach(async ...)`, `queue.add(async () => ...)`. */
function floatingBetween(node: ts.Node, fn: ts.Node, ctx: FlowContext): boolean {
  for (let p: ts.Node | undefined = node.parent; p && p !== fn; p = p.parent) {
    if (!isFunctionNode(p) || !p.parent || !ts.isCallExpression(p.parent)) continue;
    const call = p.parent;
    if (call.arguments.some((a) => unwrapExpression(a) === p) && valueDropped(call) && callbackReturnsPromise(p, ctx.project, ctx.reach) && !settlesEnclosingPromise(call, ctx)) return true;
  }
  return false;
}

/** `work().then(resolve).catch(reject)` inside a `new Promise` executor: the awaited promise follows the work. */
function settlesEnclosingPromise(call: ts.Node, ctx: FlowContext): boolean {
  let top: ts.Node = call;
  while (top.parent && (ts.isPropertyAccessExpression(top.parent) || ts.isCallExpression(top.parent) || ts.isParenthesizedExpression(top.parent))) top = top.parent;
  let found = false;
  walk(top, (n) => {
    if (found) return false;
    if (ts.isIdentifier(n) && n !== call && isExecutorSettle(n, ctx)) found = true;
    return undefined;
  });
  return found;
}

function isExecutorSettle(id: ts.Identifier, ctx: FlowContext): boolean {
  let b;
  try {
    b = ctx.project.lookup(id);
  } catch {
    return false;
  }
  if (b?.kind !== 'param' || b.index > 1 || b.path.length) return false;
  const p = b.fn.parent;
  return !!p && ts.isNewExpression(p) && ts.isIdentifier(p.expression) && p.expression.text === 'Promise';
}

/** A call whose promise is dropped: a statement of its own, `void`, or a `.then/.catch` tail that is. */
function valueDropped(call: ts.Node): boolean {
  let n: ts.Node = call;
  for (let i = 0; i < 6; i++) {
    const p = n.parent;
    if (!p) return false;
    if (ts.isParenthesizedExpression(p)) n = p;
    else if (ts.isPropertyAccessExpression(p) && p.expression === n && /^(then|catch|finally)$/.test(p.name.text) && p.parent && ts.isCallExpression(p.parent)) n = p.parent;
    else return ts.isExpressionStatement(p) || ts.isVoidExpression(p);
  }
  return false;
}

function isSideWorkFunction(fn: ts.Node): boolean {
  const name = functionName(fn);
  if (name && SIDE_WORK_FUNCTION.test(name)) return true;
  const clsName = enclosingClass(fn)?.name?.text;
  return !!clsName && SIDE_WORK_CLASS.test(clsName);
}

type WorkKind = 'housekeeping' | 'side' | 'read' | 'work' | 'none';
const WORK_RANK: Record<WorkKind, number> = { none: 0, housekeeping: 1, side: 2, read: 3, work: 4 };

/** What the async calls in the guarded code do, the weightiest kind: real work, lookups, side work, housekeeping. */
function guardedWork(guarded: ts.Node, ctx: FlowContext): WorkKind {
  let kind: WorkKind = 'none';
  walk(guarded, (n) => {
    if (kind === 'work') return false;
    if (isFunctionNode(n) && !isInlineCallbackArg(n)) return false;
    if (!ts.isCallExpression(n) || isLoggingCall(n) || !isAwaitedOrAsync(n, ctx)) return undefined;
    const k = callWork(n, ctx, true);
    if (WORK_RANK[k] > WORK_RANK[kind]) kind = k;
    return k === 'read' ? undefined : false; // a lookup's arguments may hold more calls
  });
  return kind;
}

/** The effect classifier's reading of a call, when a config is at hand; a classifier fault reads as unknown. */
function classifiedEffect(call: ts.CallExpression, ctx: FlowContext): ReturnType<typeof classifyCall> | undefined {
  if (!ctx.config) return undefined;
  try {
    return classifyCall(call, { project: ctx.project, config: ctx.config });
  } catch {
    return undefined;
  }
}

/** Names of calls that only look something up. */
const LOOKUP_NAME = /^(get|find|fetch|load|read|list|lookup|search|count|exists|retrieve|describe)([A-Z_]\w*)?$/;
const WRITE_WORD = /create|insert|save|update|upsert|delete|remove|send|publish|emit|post|put|patch|charge|pay|push|write|notify|process|handle|execute|run|apply|commit|transfer|refund|enqueue|dispatch|trigger|OrCreate/i;

/** A call that only reads: a classified read, or a lookup-named call whose project bodies do nothing but read. */
function isLookup(call: ts.CallExpression, ctx: FlowContext, depth = 0): boolean {
  const e = classifiedEffect(call, ctx);
  if (e) return e.kind === 'read';
  const name = calleeName(call);
  if (!name || !LOOKUP_NAME.test(name) || WRITE_WORD.test(name)) return false;
  if (name === 'fetch' && call.arguments.length > 1) return false; // fetch(url, { method: 'POST' }) when unclassified
  const targets = targetsOf(call, ctx);
  return targets.every((t) => depth < 2 && bodyOnlyReads(t, ctx, depth + 1));
}

function bodyOnlyReads(fn: ts.Node, ctx: FlowContext, depth: number): boolean {
  let ok = true;
  walkOwn(fn, (n) => {
    if (!ok) return false;
    if (!ts.isCallExpression(n) || isLoggingCall(n)) return undefined;
    if (!isAwaitedOrAsync(n, ctx)) return undefined;
    if (!isLookup(n, ctx, depth) && callWork(n, ctx, false) === 'work') ok = false;
    return undefined;
  });
  return ok;
}

/**
 * `try { await send(c); anySent = true } catch (e) { log(e) }` followed by `if (!anySent) ...`: the try
 * records its success in an outer flag (a literal assigned, a counter bumped) that the function reads
 * after the try, so the failures are counted and handled there.
 */
function successFlagRead(tryStmt: ts.TryStatement, fn: ts.Node, ctx: FlowContext): boolean {
  const flags = new Set<string>();
  const values = new Set<string>();
  walk(tryStmt.tryBlock, (n) => {
    if (isFunctionNode(n)) return false;
    let target: ts.Expression | undefined;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const v = unwrapExpression(n.right);
      if (v.kind === ts.SyntaxKind.TrueKeyword || v.kind === ts.SyntaxKind.FalseKeyword || ts.isNumericLiteral(v)) target = n.left;
      else {
        // `payment = await authorize(...)`, later `if (!payment) throw ...`: the missing result is the failure check.
        const t = unwrapExpression(n.left);
        if (ts.isIdentifier(t) && declaredOutside(t, tryStmt, ctx)) values.add(t.text);
      }
    } else if ((ts.isPostfixUnaryExpression(n) || ts.isPrefixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target = n.operand;
    else if (ts.isBinaryExpression(n) && (n.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken || n.operatorToken.kind === ts.SyntaxKind.MinusEqualsToken)) target = n.left;
    if (target) {
      const t = unwrapExpression(target);
      if (ts.isIdentifier(t) && declaredOutside(t, tryStmt, ctx)) flags.add(t.text);
    }
    return undefined;
  });
  if (!flags.size && !values.size) return false;
  let read = false;
  walkOwn(fn, (n) => {
    if (read) return false;
    if (n === tryStmt) return false;
    if (ts.isIdentifier(n) && flags.has(n.text) && n.getStart() > tryStmt.end && !isWriteTarget(n)) read = true;
    if (values.size && ts.isIfStatement(n) && n.getStart() > tryStmt.end && mentionsAny(n.expression, values) && throwsDirectly(n.thenStatement)) read = true;
    return undefined;
  });
  return read;
}

function mentionsAny(e: ts.Node, names: ReadonlySet<string>): boolean {
  let found = false;
  walk(e, (n) => {
    if (found) return false;
    if (ts.isIdentifier(n) && names.has(n.text) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) found = true;
    return undefined;
  });
  return found || (ts.isIdentifier(e) && names.has(e.text));
}

function throwsDirectly(st: ts.Statement): boolean {
  if (ts.isThrowStatement(st)) return true;
  return ts.isBlock(st) && st.statements.some((x) => ts.isThrowStatement(x));
}

function isWriteTarget(id: ts.Identifier): boolean {
  const p = id.parent;
  return !!p && ts.isBinaryExpression(p) && p.left === id && isAssignment(p.operatorToken.kind);
}

function catchJumps(site: CatchSite): boolean {
  if (site.kind !== 'catch') return false;
  const block = (site.node as ts.CatchClause).block;
  const last = block.statements[block.statements.length - 1];
  return !!last && (ts.isReturnStatement(last) || ts.isBreakStatement(last) || ts.isContinueStatement(last));
}

/**
 * `enhanced = await enhancer.enhance(enhanced)` in a try: a value computed into an outer variable, by a call
 * that is not a classified side effect, has no write in its name and whose project bodies only read. The
 * catch keeps the previous value: a fallback, not lost work.
 */
function computesOuterValue(call: ts.CallExpression, ctx: FlowContext): boolean {
  let n: ts.Node = call;
  for (let i = 0; i < 8; i++) {
    const up: ts.Node = n.parent;
    if (ts.isParenthesizedExpression(up) || ts.isAwaitExpression(up) || ts.isNonNullExpression(up) || (ts.isPropertyAccessExpression(up) && up.expression === n)) n = up;
    else break;
  }
  const p = n.parent;
  if (!p || !ts.isBinaryExpression(p) || p.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return false;
  const target = unwrapExpression(p.left);
  const tryStmt = findEnclosingTry(call);
  if (!ts.isIdentifier(target) || !tryStmt || !declaredOutside(target, tryStmt, ctx)) return false;
  const name = calleeName(call);
  if (!name || WRITE_WORD.test(name)) return false;
  const e = classifiedEffect(call, ctx);
  if (e && e.kind !== 'read') return false;
  return targetsOf(call, ctx).every((t) => bodyOnlyReads(t, ctx, 1));
}

function findEnclosingTry(node: ts.Node): ts.TryStatement | undefined {
  for (let p = node.parent; p && !isFunctionNode(p); p = p.parent) if (ts.isTryStatement(p)) return p;
  return undefined;
}

function callWork(call: ts.CallExpression, ctx: FlowContext, lookups = false): WorkKind {
  if (settleOf(call, ctx)) return 'work';
  if (lookups && (isLookup(call, ctx) || computesOuterValue(call, ctx))) return 'read';
  const name = calleeName(call);
  if (name && HOUSEKEEPING_CALL.test(name)) return 'housekeeping';
  if (ts.isPropertyAccessExpression(unwrapExpression(call.expression))) {
    const recv = calleeChain(call)?.split('.').slice(0, -1).join('.');
    if (recv && SIDE_WORK_RECEIVER.test(recv)) return 'side';
  }
  const targets = targetsOf(call, ctx);
  return targets.length > 0 && targets.every((t) => isSideWorkFunction(t)) ? 'side' : 'work';
}

/** An async call in `fn` outside `exclude` that is real work (not logging, housekeeping or side work). */
function hasOtherWork(fn: ts.Node, exclude: ts.Node, ctx: FlowContext): boolean {
  let found = false;
  walkOwn(fn, (n) => {
    if (found || n === exclude) return false;
    if (!ts.isCallExpression(n) || isLoggingCall(n) || !isAwaitedOrAsync(n, ctx)) return undefined;
    if (callWork(n, ctx) === 'work') found = true;
    return undefined;
  });
  return found;
}

function isAwaitedOrAsync(call: ts.CallExpression, ctx: FlowContext): boolean {
  let p: ts.Node = call.parent;
  while (ts.isParenthesizedExpression(p)) p = p.parent;
  return ts.isAwaitExpression(p) || !!asyncCallKind(call, ctx.project, ctx.reach);
}
