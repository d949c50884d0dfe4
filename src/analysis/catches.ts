// The catches on the path of a handler's work and what each does with the failure: rethrow,
// nack/reject/abandon/dead-letter, record it for a retry (batchItemFailures, callback(err),
// an outer variable), answer non-2xx, or return normally so the delivery is acked as success.
import { ts, calleeName, isFunctionNode, isInside, unwrapExpression, walk } from './ast.js';
import { asyncCallKind, isPromiseStatic } from './async-calls.js';
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
        else if (ts.isIdentifier(r) && r.text === 'undefined') {
          /* a plain return */
        } else if (r.kind !== ts.SyntaxKind.VoidExpression) returnsValue ??= r;
      }
      if (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) {
        if (n.text === 'batchItemFailures' || n.text === 'itemIdentifier') records = true;
        if (DEAD_LETTER.test(n.text)) deadLetters = true;
      }
      if (ts.isStringLiteralLike(n) && DEAD_LETTER.test(n.text)) deadLetters = true;
      if (depth === 0 && ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind)) {
        // An outer variable written from the catch: the failure is recorded for later (a flag, a cursor, an error list).
        const target = unwrapExpression(n.left);
        if (ts.isIdentifier(target) && declaredOutside(target, catchScope, ctx)) records = true;
      }
      if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
        const name = calleeName(n);
        const chain = ts.isCallExpression(n) ? calleeChain(n) : undefined;
        if (chain === 'process.exit' || chain === 'process.kill') exits = true;
        if (depth === 0 && ts.isCallExpression(n) && name === 'push') {
          const recv = unwrapExpression((n.expression as ts.PropertyAccessExpression).expression ?? n.expression);
          if (ts.isIdentifier(recv) && declaredOutside(recv, catchScope, ctx)) records = true;
        }
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
    else if (ts.isCallExpression(n) && asyncCallKind(n, ctx.project, ctx.reach)) found = true;
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
