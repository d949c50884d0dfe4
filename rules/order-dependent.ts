// order-dependent: the handler overwrites state from the event (a status, fields, a record, a
// cache value) with no check of version, sequence, event time or current state, so a late,
// reordered or replayed event overwrites newer state. Also a fixed lifecycle state (`status:
// 'shipped'`) written to the record the event names: a late event moves it back.
import { ts, COMPARISON_OPERATORS, isFunctionNode, unwrapExpression, walk } from '../src/analysis/ast.js';
import { isLoadedEntityRef, alwaysExits } from '../src/analysis/loads.js';
import { walkOwn, type Reach, type ReachedFunction } from '../src/analysis/reach.js';
import { deliveryValues } from '../src/analysis/delivery-values.js';
import { assignedInto, constantText, eventDataTracer } from '../src/analysis/event-data.js';
import type { Handler } from '../src/model.js';
import { STATE_WORD, deliveryIdMatcher, stateWritesIn, type StateWrite } from '../src/analysis/state-writes.js';
import type { Project } from '../src/analysis/project.js';
import type { Rule } from '../src/rule.js';

const STATE_MACHINE_CALL = /transition|isNewer|isStale|isOutOfOrder|outOfOrder|shouldApply|canApply|isLatest|assertVersion|checkVersion|compareVersion/i;

/** Visits a node and its descendants (`walk` starts below the node). */
function walkSelf(node: ts.Node, visit: (n: ts.Node) => boolean | void): void {
  if (visit(node) === false) return;
  walk(node, visit);
}

/** An operand that reads stored state: a variable filled by an awaited read, or an await in place. */
function readsStoredState(expr: ts.Node, project: Project, depth = 0): boolean {
  if (depth > 3) return false;
  let found = false;
  walkSelf(expr, (n) => {
    if (found) return false;
    if (ts.isAwaitExpression(n)) found = true;
    if (ts.isIdentifier(n)) {
      const b = project.lookup(n);
      if (b?.kind === 'var' && b.decl.initializer) {
        const init = unwrapExpression(b.decl.initializer);
        if (ts.isAwaitExpression(init) && !/JSON\.parse|\.decode\(|\.json\(\)/.test(init.getText())) found = true;
        else if (!ts.isAwaitExpression(init) && readsStoredState(init, project, depth + 1)) found = true;
      }
    }
    return undefined;
  });
  if (!found && ts.isIdentifier(expr)) {
    const b = project.lookup(expr);
    if (b?.kind === 'var' && b.decl.initializer && ts.isAwaitExpression(unwrapExpression(b.decl.initializer))) found = true;
  }
  return found;
}

interface GuardCtx {
  project: Project;
  /** The identifier holds a record loaded from a store (not a write's result such as `rowCount`). */
  isLoaded(id: ts.Identifier): boolean;
}

/** A condition that compares stored state (status, version, sequence, time) or calls a state-machine check. */
function isStateCheck(cond: ts.Expression, g: GuardCtx): boolean {
  let ok = false;
  walkSelf(cond, (n) => {
    if (ok) return false;
    if (ts.isCallExpression(n) && STATE_MACHINE_CALL.test(n.expression.getText())) ok = true;
    if (ts.isBinaryExpression(n) && COMPARISON_OPERATORS.has(n.operatorToken.kind)) {
      if (STATE_WORD.test(n.getText()) && (readsStoredState(n.left, g.project) || readsStoredState(n.right, g.project))) ok = true;
    }
    if (readsStoredField(n, g)) ok = true;
    if (ts.isCallExpression(n) && /^(includes|has)$/.test(n.expression.getText().split('.').pop() ?? '') && STATE_WORD.test(n.getText()) && readsStoredState(n, g.project)) ok = true;
    return undefined;
  });
  return ok;
}

/**
 * `if (entity.lockedByUserId)`, `entity.archived === true`: a test of a field of a record read from
 * the store is a check of its current state. Presence tests of the record itself (`if (!entity)`)
 * and of its key (`entity.id`) are not.
 */
function readsStoredField(n: ts.Node, g: GuardCtx): boolean {
  if (!ts.isPropertyAccessExpression(n) || /^(id|_id|key|length)$/.test(n.name.text)) return false;
  const base = unwrapExpression(n.expression);
  if (!ts.isIdentifier(base)) return false;
  // The test uses the field as a condition, not as a value passed somewhere.
  const p = n.parent;
  const isTest =
    (p && ts.isIfStatement(p) && p.expression === n) ||
    (p && ts.isConditionalExpression(p) && p.condition === n) ||
    (p && ts.isPrefixUnaryExpression(p) && p.operator === ts.SyntaxKind.ExclamationToken) ||
    (p && ts.isBinaryExpression(p) && (COMPARISON_OPERATORS.has(p.operatorToken.kind) || p.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || p.operatorToken.kind === ts.SyntaxKind.BarBarToken));
  return !!isTest && g.isLoaded(base);
}

/** Is `node` only reached after a state check: inside a checked branch, or after `if (stale) return`? */
function guardedAt(node: ts.Node, stop: ts.Node, g: GuardCtx): boolean {
  let child: ts.Node = node;
  let n: ts.Node | undefined = node.parent;
  while (n && n !== stop.parent) {
    if ((ts.isIfStatement(n) && (child === n.thenStatement || child === n.elseStatement)) || (ts.isConditionalExpression(n) && child !== n.condition)) {
      const cond = ts.isIfStatement(n) ? n.expression : n.condition;
      if (isStateCheck(cond, g)) return true;
    }
    if (ts.isCaseClause(n) && n.parent?.parent && ts.isSwitchStatement(n.parent.parent) && isStateCheckSubject(n.parent.parent.expression, g)) return true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && child === n.right && isStateCheck(n.left, g)) return true;
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) {
      for (const st of n.statements) {
        if (st === child) break;
        if (ts.isIfStatement(st) && alwaysExits(st.thenStatement) && isStateCheck(st.expression, g)) return true;
        if (ts.isExpressionStatement(st) && STATE_MACHINE_CALL.test(st.expression.getText().slice(0, 80))) return true;
      }
    }
    if (isFunctionNode(n) && n === stop) break;
    child = n;
    n = n.parent;
  }
  return false;
}

function isStateCheckSubject(e: ts.Expression, g: GuardCtx): boolean {
  return STATE_WORD.test(e.getText()) && readsStoredState(e, g.project);
}

/** Checked in the function that writes, or in a caller before the call that leads to it. */
function guarded(w: StateWrite, r: ReachedFunction, g: GuardCtx): boolean {
  if (guardedAt(w.node, r.fn, g)) return true;
  for (const edge of r.chain) {
    const caller = findFn(edge.call);
    if (caller && guardedAt(edge.call, caller, g)) return true;
  }
  return false;
}

function findFn(n: ts.Node): ts.Node | undefined {
  let p: ts.Node | undefined = n.parent;
  while (p && !isFunctionNode(p) && !ts.isIterationStatement(p, false)) p = p.parent;
  return p;
}

function describe(w: StateWrite): string {
  const f = w.fields.filter((x) => !x.startsWith('...')).slice(0, 4);
  return f.length ? `${f.join(', ')}${w.fields.length > f.length ? ', ...' : ''}` : 'the record';
}

// A completion stamp: the write records the end of a unit of work (a step, a job, a run). Nothing
// newer follows a completion, so the write cannot put older state over newer state; a replay
// writes the same outcome again.
const COMPLETION_STAMP = /^(completed|finished|ended|done)_?(at|on|time|date)$/i;

/** The written values carry data from the delivery (not only constants, clock values or fresh reads). */
function writesEventData(w: StateWrite, r: ReachedFunction, carries: (n: ts.Node) => boolean): boolean {
  if (!w.values || !w.values.length) return true;
  const values = w.api.startsWith('save of loaded ')
    ? w.values.flatMap((v) => (ts.isIdentifier(v) ? assignedInto(r.fn, v) : [v]))
    : w.values;
  // A save with no visible assignment keeps the old behaviour: the entity may have been changed elsewhere.
  if (!values.length) return true;
  return values.some((v) => carries(v));
}

// A lifecycle field: its last word names a status, state, stage, phase, step or lifecycle
// (`status`, `orderStatus`, `payment_state`, `currentStep`).
const LIFECYCLE_FIELD = /(?:(?:^|_)(?:[Ss]tatus|[Ss]tate|[Ss]tage|[Pp]hase|[Ss]tep|[Ll]ifecycle)|[a-z0-9](?:Status|State|Stage|Phase|Step|Lifecycle)|^(?:STATUS|STATE|STAGE|PHASE|STEP|LIFECYCLE)|_(?:STATUS|STATE|STAGE|PHASE|STEP))$/;

/**
 * The write moves the record the event names to a fixed lifecycle state:
 * `update({ where: { id: evt.orderId }, data: { status: 'shipped' } })`. The value is a constant,
 * but the event chose the record and the moment: a late `shipped` after `delivered` sets the
 * order back. Returns the first such field and value, for the message.
 */
function constantStateOfEventRecord(w: StateWrite, project: Project, carries: (n: ts.Node) => boolean): { field: string; value: string } | undefined {
  if (!w.selector?.length || !w.assigned?.length) return undefined;
  for (const a of w.assigned) {
    if (!LIFECYCLE_FIELD.test(a.field.replace(/^#/, ''))) continue;
    const value = constantText(a.value, project);
    if (value === undefined) continue;
    if (!w.selector.some((s) => carries(s))) return undefined;
    return { field: a.field, value: value.length > 40 ? `${value.slice(0, 39)}…` : value };
  }
  return undefined;
}

/**
 * The write sits in a catch clause, or right before a `throw`: it records that processing this
 * delivery failed (`status: 'failed'`), an outcome of the handler's own work at this moment,
 * not a state the event carries that a late event could set back.
 */
function recordsOwnFailure(node: ts.Node, fn: ts.Node): boolean {
  let child: ts.Node = node;
  for (let n = node.parent; n && n !== fn; child = n, n = n.parent) {
    if (ts.isCatchClause(n)) return true;
    if (isFunctionNode(n)) return false;
    if (ts.isBlock(n)) {
      const i = n.statements.indexOf(child as ts.Statement);
      if (i >= 0 && n.statements.slice(i + 1).some((st) => ts.isThrowStatement(st))) return true;
    }
  }
  return false;
}

/**
 * The function moves the same field of the same store through several fixed states in sequence
 * (`status: 'indexing'`, then `'indexed'` / `'skipped'` later in the same run): a progress
 * lifecycle of the handler's own work, recomputed on every run, not a state the event carries.
 * Writes in exclusive branches (`if (evt.type === 'paid') ... else ...`) do not count.
 */
function drivesOwnLifecycle(w: StateWrite, state: { field: string; value: string }, writes: readonly StateWrite[], project: Project): boolean {
  return writes.some((o) => {
    if (o === w || o.api !== w.api) return false;
    const other = o.assigned?.find((a) => a.field === state.field);
    const value = other && constantText(other.value, project);
    if (value === undefined || value === state.value) return false;
    const [first, second] = o.node.pos < w.node.pos ? [o.node, w.node] : [w.node, o.node];
    return precedesInSequence(first, second);
  });
}

/** `first` runs before `second` on every path that reaches `second`: its statement is an earlier sibling of one holding `second`. */
function precedesInSequence(first: ts.Node, second: ts.Node): boolean {
  let child: ts.Node = first;
  for (let n = first.parent; n && !isFunctionNode(n); child = n, n = n.parent) {
    if (ts.isBlock(n) || ts.isSourceFile(n)) {
      const i = n.statements.indexOf(child as ts.Statement);
      if (i >= 0 && second.pos >= n.statements[i]!.end && second.end <= n.end) return true;
      return false;
    }
  }
  return false;
}

export interface OrderHazard {
  write: StateWrite;
  /** Set when the write is reported for a constant lifecycle state on a record the event selects. */
  constantState?: { field: string; value: string };
}

export function overwritesWithoutGuard(reach: Reach, project: Project, handler: Handler): StateWrite[] {
  return orderHazards(reach, project, handler).map((h) => h.write);
}

export function orderHazards(reach: Reach, project: Project, handler: Handler): OrderHazard[] {
  const isDeliveryId = deliveryIdMatcher(handler.delivery.idFields, project);
  const loadCtx = { project, targets: (c: ts.CallExpression) => reach.targets(c) };
  const carries = eventDataTracer({ project, reach, values: deliveryValues(handler, reach, project) });
  const out: OrderHazard[] = [];
  for (const r of reach.functions) {
    const writes = stateWritesIn(r.fn, { project, isDeliveryId, isLoadedEntity: (id) => isLoadedEntityRef(id, loadCtx) }, walkOwn);
    for (const w of writes) {
      if (w.effect !== 'overwrite' || w.condition || w.keyedByDelivery) continue;
      // `this.cache.set(k, v)` that resolves to a project wrapper: its own body is read in its turn.
      if ((ts.isCallExpression(w.node) || ts.isNewExpression(w.node)) && reach.targets(w.node).length) continue;
      if (w.fields.some((f) => COMPLETION_STAMP.test(f))) continue;
      // Reported when the written values come from the event, or when the event picks the record
      // and the write moves it to a fixed lifecycle state.
      const fromEvent = writesEventData(w, r, carries);
      const constantState = fromEvent ? undefined : constantStateOfEventRecord(w, project, carries);
      if (!fromEvent && !constantState) continue;
      if (constantState && recordsOwnFailure(w.node, r.fn)) continue;
      if (constantState && drivesOwnLifecycle(w, constantState, writes, project)) continue;
      if (guarded(w, r, { project, isLoaded: (id) => isLoadedEntityRef(id, loadCtx) })) continue;
      out.push({ write: w, constantState });
    }
  }
  return out;
}

export const orderDependent: Rule = {
  id: 'order-dependent',
  defaultLevel: 'warning',
  description: 'The handler overwrites state from the event with no check of version, sequence or event time.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check(ctx) {
    for (const { write: w, constantState: c } of orderHazards(ctx.reach, ctx.project, ctx.handler)) {
      ctx.report(
        w.node,
        c
          ? `${w.api} sets ${c.field} = ${c.value} on the record the event names with no check of its current state, version or event time (no conditional WHERE such as ${c.field} = <expected>, ConditionExpression or check before the write): a late, reordered or replayed event moves the record back to ${c.value} over a newer state.`
          : `${w.api} overwrites ${describe(w)} from the event with no version, sequence, event-time or current-state condition (no conditional WHERE, ConditionExpression or check before the write): a late, reordered or replayed event overwrites newer state.`,
      );
    }
  },
};
