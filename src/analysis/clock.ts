// Wall-clock and random values, and whether they flow into a business decision. A handler
// that decides from `Date.now()`, `new Date()` or `Math.random()` instead of the event's own
// time gives another answer on replay or late delivery. A value is followed through
// variables, arithmetic and getters (`new Date().getDay()`) to what consumes it:
// - a comparison or a branch test is a decision;
// - a value computed from now (now + grace period, a date moved by `setDate`) that is stored,
//   sent or returned is a business value;
// - the bare current time stored as a stamp (`updatedAt: new Date()`), logs and metrics
//   (`Date.now() - message.timestamp` in a lag metric), elapsed-time measures (now - start),
//   timers and retry delays are not decisions.
import { ts, COMPARISON_OPERATORS, accessChain, calleeName, isFunctionNode, propertyNameText, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';

export type ClockSourceKind = 'clock' | 'random';

export interface ClockDecision {
  /** The wall-clock or random read: `Date.now()`, `new Date()`, `Math.random()`. */
  source: ts.Node;
  kind: ClockSourceKind;
  /** Where it decides: the comparison, the branch, or the field it is stored in. */
  use: ts.Node;
  /** In words: `compared in daysOverdue < GRACE_DAYS`, `stored as grace_ends_at`. */
  how: string;
}

/** Is `n` a read of the wall clock or of randomness? */
export function clockSource(n: ts.Node): ClockSourceKind | undefined {
  if (ts.isCallExpression(n)) {
    const chain = accessChain(n.expression) ?? '';
    if (/^(Date\.now|performance\.now|DateTime\.now|DateTime\.utc|DateTime\.local|Temporal\.Now\.\w+)$/.test(chain) && (chain !== 'DateTime.utc' || n.arguments.length === 0)) return 'clock';
    if (/^(dayjs|moment|moment\.utc|dayjs\.utc)$/.test(chain) && n.arguments.length === 0) return 'clock';
    if (chain === 'Math.random') return 'random';
  }
  if (ts.isNewExpression(n) && accessChain(n.expression) === 'Date' && (!n.arguments || n.arguments.length === 0)) return 'clock';
  return undefined;
}

const ARITHMETIC = new Set([ts.SyntaxKind.PlusToken, ts.SyntaxKind.MinusToken, ts.SyntaxKind.AsteriskToken, ts.SyntaxKind.SlashToken, ts.SyntaxKind.PercentToken]);

const OBSERVABILITY_ROOT = /(^|\.)(console|log|logger|_logger|metrics?|stats|statsd|telemetry|tracer|span|histogram|counter|gauge|monitor|prom|otel|sentry|datadog|dd)$/i;
const OBSERVABILITY_METHOD = /^(debug|info|warn|warning|error|trace|fatal|log|verbose|timing|timer|gauge|histogram|observe|addMetric|putMetric|putMetricData|recordValue|record|increment|decrement|distribution|setAttribute|setAttributes|addEvent|captureMessage|captureException)$/;
const TIMER_CALL = /^(setTimeout|setInterval|setImmediate|sleep|delay|wait|waitFor|backoff|retry|changeVisibility|moveToDelayed|extendLock|nak)$/i;
const TIMER_FIELD = /delay|timeout|ttl|backoff|retry|interval|jitter|visibility|lock|lease|expires?_?in|wait|sleep|poll|heartbeat|duration|elapsed|latency|took|age/i;
const RETENTION_OPERAND = /(?:^|[^A-Za-z])ttl|Ttl|TTL|[Rr]etention/;
const STAMP_METHOD = /^(toISOString|toJSON|toString|toUTCString|getTime|valueOf|toDate|toMillis|toSeconds|unix|format|slice|substring|toFixed|trim|toLocaleString|toLocaleDateString)$/;

function isObservabilityCall(call: ts.CallExpression): boolean {
  const callee = unwrapExpression(call.expression);
  const name = calleeName(call) ?? '';
  if (ts.isPropertyAccessExpression(callee)) {
    const recv = (accessChain(callee.expression) ?? '').replace(/\(\)/g, '');
    if (OBSERVABILITY_ROOT.test(recv)) return true;
    if (OBSERVABILITY_METHOD.test(name) && /log|metric|stat|trac|span|monitor/i.test(recv)) return true;
    if (/^(debug|info|warn|error|trace|fatal|verbose)$/.test(name)) return true;
  }
  return false;
}

interface FollowState {
  project: Project;
  seenVars: Set<ts.Node>;
  sf: ts.SourceFile;
}

/** Does the expression itself (or a variable it reads) come from the wall clock? */
function isClockDerived(expr: ts.Expression, st: FollowState, depth = 0): boolean {
  if (depth > 4) return false;
  let found = false;
  const visit = (n: ts.Node) => {
    if (found) return;
    if (clockSource(n) === 'clock') {
      found = true;
      return;
    }
    if (ts.isIdentifier(n)) {
      const b = st.project.lookup(n);
      if (b?.kind === 'var' && !b.path.length) {
        if (b.decl.initializer && b.decl.initializer !== expr && isClockDerived(b.decl.initializer, st, depth + 1)) found = true;
        else if (assignedFromClock(n.text, b.decl.getSourceFile(), st, depth)) found = true;
      }
    }
    n.forEachChild(visit);
  };
  visit(expr);
  return found;
}

function assignedFromClock(name: string, sf: ts.SourceFile, st: FollowState, depth: number): boolean {
  let found = false;
  walk(sf, (n) => {
    if (found) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === name) {
      if (isClockDerived(n.right, st, depth + 2)) found = true;
    }
    return undefined;
  });
  return found;
}

/** The if statement whose test holds `n`, when the branches do nothing but log (sampling). */
function onlyLogsInBranches(n: ts.Node): boolean {
  let c: ts.Node = n;
  let p = n.parent;
  while (p && (ts.isParenthesizedExpression(p) || ts.isBinaryExpression(p) || ts.isPrefixUnaryExpression(p))) {
    c = p;
    p = p.parent;
  }
  if (!p || !ts.isIfStatement(p) || p.expression !== c) return false;
  const branches = [p.thenStatement, p.elseStatement].filter((b): b is ts.Statement => !!b);
  let onlyLogs = true;
  for (const b of branches) {
    if (ts.isReturnStatement(b) || ts.isThrowStatement(b) || ts.isContinueStatement(b) || ts.isBreakStatement(b)) return false;
    walk(b, (m) => {
      if (!onlyLogs) return false;
      if (ts.isCallExpression(m) && !isObservabilityCall(m)) {
        // arguments of a log call are fine; any other call is work
        let q: ts.Node | undefined = m.parent;
        let insideLog = false;
        while (q && q !== b) {
          if (ts.isCallExpression(q) && isObservabilityCall(q)) insideLog = true;
          q = q.parent;
        }
        if (!insideLog) onlyLogs = false;
      }
      if (ts.isReturnStatement(m) || ts.isThrowStatement(m) || ts.isContinueStatement(m) || ts.isBreakStatement(m)) onlyLogs = false;
      if (ts.isBinaryExpression(m) && m.operatorToken.kind === ts.SyntaxKind.EqualsToken) onlyLogs = false;
      return undefined;
    });
  }
  return onlyLogs;
}

type Flow = { use: ts.Node; how: string } | undefined;

/**
 * Follows a tainted expression to its consumer. `derived` is true once arithmetic or a
 * calendar getter has been applied (a deadline or a weekday, not a processing stamp).
 */
function follow(expr: ts.Node, derived: boolean, kind: ClockSourceKind, st: FollowState, depth = 0): Flow {
  if (depth > 12) return undefined;
  const p = expr.parent;
  if (!p) return undefined;
  if (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isNonNullExpression(p) || ts.isAwaitExpression(p) || ts.isSatisfiesExpression(p) || ts.isTypeAssertionExpression(p)) {
    return follow(p, derived, kind, st, depth + 1);
  }
  if (ts.isPropertyAccessExpression(p) && p.expression === expr) {
    const call = p.parent;
    if (call && ts.isCallExpression(call) && call.expression === p) {
      if (kind === 'random') return undefined; // Math.random().toString(36): an id, not a decision
      const m = p.name.text;
      if (/^set[A-Z]/.test(m)) return undefined; // handled as a mutation of the variable
      return follow(call, derived || !STAMP_METHOD.test(m), kind, st, depth + 1);
    }
    return undefined;
  }
  if (ts.isBinaryExpression(p)) {
    const op = p.operatorToken.kind;
    const other = p.left === expr ? p.right : p.left;
    if (COMPARISON_OPERATORS.has(op)) {
      if (kind === 'clock' && isClockDerived(other, st)) return undefined; // both sides clock: an elapsed-time check
      if (onlyLogsInBranches(p)) return undefined;
      return { use: p, how: `compared in \`${short(p)}\`` };
    }
    if (ARITHMETIC.has(op)) {
      if (kind === 'clock' && isClockDerived(other, st)) return undefined; // now - start: a duration
      // now + ttl: when a cached or remembered record expires, housekeeping like a queue delay, not a business deadline.
      if (kind === 'clock' && RETENTION_OPERAND.test(other.getText())) return undefined;
      return follow(p, true, kind, st, depth + 1);
    }
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      if (p.right === expr) return undefined; // a fallback when the event carries no time
      return follow(p, derived, kind, st, depth + 1);
    }
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return follow(p, derived, kind, st, depth + 1);
    if (op === ts.SyntaxKind.EqualsToken && p.right === expr && ts.isIdentifier(p.left)) {
      const b = st.project.lookup(p.left);
      if (b?.kind === 'var' && !b.path.length) return followVariable(b.decl, p.left.text, derived, kind, st, depth + 1);
    }
    return undefined;
  }
  if (ts.isConditionalExpression(p)) {
    if (p.condition === expr) return { use: p, how: `branches in \`${short(p.condition)} ? ...\`` };
    const other = p.whenTrue === expr ? p.whenFalse : p.whenTrue;
    if (!isClockDerived(other, st)) return undefined; // a fallback when the event carries no time
    return follow(p, derived, kind, st, depth + 1);
  }
  if ((ts.isIfStatement(p) || ts.isWhileStatement(p) || ts.isDoStatement(p)) && p.expression === expr) {
    return { use: p, how: `decides \`if (${short(expr)})\`` };
  }
  if (ts.isPrefixUnaryExpression(p)) return follow(p, derived, kind, st, depth + 1);
  if (ts.isSwitchStatement(p) && p.expression === expr) return { use: p, how: `decides \`switch (${short(expr)})\`` };
  if (ts.isCallExpression(p) || ts.isNewExpression(p)) {
    if (p.expression === expr) return undefined;
    if (ts.isCallExpression(p) && isObservabilityCall(p)) return undefined;
    const chain = accessChain(p.expression) ?? '';
    if (/^Math\.(floor|round|ceil|trunc|abs|min|max)$/.test(chain) || /^(Number|String|BigInt)$/.test(chain)) return follow(p, derived, kind, st, depth + 1);
    if (ts.isNewExpression(p) && chain === 'Date') return follow(p, derived, kind, st, depth + 1);
    if (/^(dayjs|moment|DateTime\.fromMillis|DateTime\.fromJSDate)$/.test(chain)) return follow(p, derived, kind, st, depth + 1);
    if (TIMER_CALL.test(calleeName(p) ?? '')) return undefined;
    // A project function computing on now (`addWorkingDays(new Date(), 2)`): its result is a value counted from the clock.
    if (kind === 'clock' && ts.isCallExpression(p) && projectFunction(st, p)) return follow(p, true, kind, st, depth + 1);
    if (derived && kind === 'clock') return { use: p, how: `passed on as a value computed from the clock in \`${short(p)}\`` };
    return undefined;
  }
  if (ts.isTemplateSpan(p)) return follow(p.parent, derived, kind, st, depth + 1);
  if (ts.isPropertyAssignment(p) && p.initializer === expr) {
    const name = propertyNameText(p.name) ?? '';
    if (!derived || kind !== 'clock' || TIMER_FIELD.test(name)) return undefined;
    if (insideObservabilityCall(p)) return undefined;
    return { use: p, how: `stored as \`${name}\`` };
  }
  if (ts.isShorthandPropertyAssignment(p)) {
    if (!derived || kind !== 'clock' || TIMER_FIELD.test(p.name.text) || insideObservabilityCall(p)) return undefined;
    return { use: p, how: `stored as \`${p.name.text}\`` };
  }
  if (ts.isArrayLiteralExpression(p)) {
    if (!derived || kind !== 'clock' || insideObservabilityCall(p)) return undefined;
    const call = p.parent;
    if (call && ts.isCallExpression(call) && !TIMER_CALL.test(calleeName(call) ?? '')) return { use: p, how: `passed as a query parameter in \`${short(call)}\`` };
    return undefined;
  }
  if (ts.isVariableDeclaration(p) && p.initializer === expr && ts.isIdentifier(p.name)) {
    if (TIMER_FIELD.test(p.name.text) && !derivedUse(p)) return undefined;
    return followVariable(p, p.name.text, derived, kind, st, depth + 1);
  }
  if (ts.isReturnStatement(p)) {
    if (!derived || kind !== 'clock') return undefined;
    const fn = findFn(p);
    const name = fn && isFunctionNode(fn) ? (fn.name ? fn.name.getText() : '') : '';
    if (TIMER_FIELD.test(name)) return undefined;
    return { use: p, how: 'returned as a value computed from the clock' };
  }
  return undefined;
}

function projectFunction(st: FollowState, call: ts.CallExpression): boolean {
  try {
    return st.project.resolveFunctions(call.expression).some((t) => t.kind === 'function');
  } catch {
    return false;
  }
}

function derivedUse(_d: ts.VariableDeclaration): boolean {
  return false;
}

function findFn(n: ts.Node): ts.Node | undefined {
  let p: ts.Node | undefined = n.parent;
  while (p && !isFunctionNode(p)) p = p.parent;
  return p;
}

function insideObservabilityCall(n: ts.Node): boolean {
  let q: ts.Node | undefined = n.parent;
  for (let i = 0; q && i < 8; i++) {
    if (ts.isCallExpression(q)) return isObservabilityCall(q);
    if (isFunctionNode(q) || ts.isBlock(q)) return false;
    q = q.parent;
  }
  return false;
}

/** Follows every read of a variable that holds a tainted value; `v.setDate(v.getDate() + n)` makes it derived. */
function followVariable(decl: ts.VariableDeclaration, name: string, derived: boolean, kind: ClockSourceKind, st: FollowState, depth: number): Flow {
  if (st.seenVars.has(decl)) return undefined;
  st.seenVars.add(decl);
  const scope = findFn(decl) ?? decl.getSourceFile();
  const refs: ts.Identifier[] = [];
  walk(scope, (n) => {
    if (!ts.isIdentifier(n) || n.text !== name || n.pos < decl.end) return;
    const par = n.parent;
    if (par && ts.isPropertyAccessExpression(par) && par.name === n) return;
    if (par && (ts.isPropertyAssignment(par) && par.name === n)) return;
    const b = st.project.lookup(n);
    if (b?.kind === 'var' && b.decl === decl) refs.push(n);
  });
  let isDerived = derived;
  const mutators = new Set<ts.Node>();
  for (const r of refs) {
    const pa = r.parent;
    if (pa && ts.isPropertyAccessExpression(pa) && pa.expression === r && /^(set[A-Z]\w*|add|subtract|plus|minus)$/.test(pa.name.text) && pa.parent && ts.isCallExpression(pa.parent)) {
      isDerived = true;
      mutators.add(pa.parent);
    }
  }
  // A comparison or branch is the clearest decision; a stored value comes next.
  let stored: Flow;
  for (const r of refs) {
    if ([...mutators].some((m) => r.pos >= m.pos && r.end <= m.end)) continue;
    const f = follow(r, isDerived, kind, st, depth + 1);
    if (f && /^(compared|branches|decides)/.test(f.how)) return f;
    stored ??= f;
  }
  return stored;
}

function short(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 60 ? `${t.slice(0, 59)}…` : t;
}

/** Wall-clock and random reads in a function's own body that decide business outcomes. */
export function clockDecisionsIn(fn: ts.Node, project: Project, walkOwn: (fn: ts.Node, visit: (n: ts.Node) => boolean | void) => void): ClockDecision[] {
  const out: ClockDecision[] = [];
  walkOwn(fn, (n) => {
    const kind = clockSource(n);
    if (!kind) return;
    // new Date(Date.now() + x): the inner read is the source; skip the outer Date.
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) {
      try {
        const st: FollowState = { project, seenVars: new Set(), sf: n.getSourceFile() };
        const f = follow(n, false, kind, st);
        if (f) out.push({ source: n, kind, use: f.use, how: f.how });
      } catch {
        /* odd shapes are skipped */
      }
    }
  });
  return out;
}
