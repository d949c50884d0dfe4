// order-dependent: the handler overwrites state from the event (a status, fields, a record, a
// cache value) with no check of version, sequence, event time or current state, so a late,
// reordered or replayed event overwrites newer state.
import { ts, isFunctionNode, unwrapExpression, walk } from '../src/analysis/ast.js';
import { isLoadedEntityRef, alwaysExits } from '../src/analysis/loads.js';
import { walkOwn, type Reach, type ReachedFunction } from '../src/analysis/reach.js';
import { STATE_WORD, deliveryIdMatcher, stateWritesIn, type StateWrite } from '../src/analysis/state-writes.js';
import type { Project } from '../src/analysis/project.js';
import type { Rule } from '../src/rule.js';

const COMPARISON = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
]);
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

/** A condition that compares stored state (status, version, sequence, time) or calls a state-machine check. */
function isStateCheck(cond: ts.Expression, project: Project): boolean {
  let ok = false;
  walkSelf(cond, (n) => {
    if (ok) return false;
    if (ts.isCallExpression(n) && STATE_MACHINE_CALL.test(n.expression.getText())) ok = true;
    if (ts.isBinaryExpression(n) && COMPARISON.has(n.operatorToken.kind)) {
      if (STATE_WORD.test(n.getText()) && (readsStoredState(n.left, project) || readsStoredState(n.right, project))) ok = true;
    }
    if (ts.isCallExpression(n) && /^(includes|has)$/.test(n.expression.getText().split('.').pop() ?? '') && STATE_WORD.test(n.getText()) && readsStoredState(n, project)) ok = true;
    return undefined;
  });
  return ok;
}

/** Is `node` only reached after a state check: inside a checked branch, or after `if (stale) return`? */
function guardedAt(node: ts.Node, stop: ts.Node, project: Project): boolean {
  let child: ts.Node = node;
  let n: ts.Node | undefined = node.parent;
  while (n && n !== stop.parent) {
    if ((ts.isIfStatement(n) && (child === n.thenStatement || child === n.elseStatement)) || (ts.isConditionalExpression(n) && child !== n.condition)) {
      const cond = ts.isIfStatement(n) ? n.expression : n.condition;
      if (isStateCheck(cond, project)) return true;
    }
    if (ts.isCaseClause(n) && n.parent?.parent && ts.isSwitchStatement(n.parent.parent) && isStateCheckSubject(n.parent.parent.expression, project)) return true;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && child === n.right && isStateCheck(n.left, project)) return true;
    if (ts.isBlock(n) || ts.isSourceFile(n) || ts.isCaseClause(n) || ts.isDefaultClause(n)) {
      for (const st of n.statements) {
        if (st === child) break;
        if (ts.isIfStatement(st) && alwaysExits(st.thenStatement) && isStateCheck(st.expression, project)) return true;
        if (ts.isExpressionStatement(st) && STATE_MACHINE_CALL.test(st.expression.getText().slice(0, 80))) return true;
      }
    }
    if (isFunctionNode(n) && n === stop) break;
    child = n;
    n = n.parent;
  }
  return false;
}

function isStateCheckSubject(e: ts.Expression, project: Project): boolean {
  return STATE_WORD.test(e.getText()) && readsStoredState(e, project);
}

/** Checked in the function that writes, or in a caller before the call that leads to it. */
function guarded(w: StateWrite, r: ReachedFunction, project: Project): boolean {
  if (guardedAt(w.node, r.fn, project)) return true;
  for (const edge of r.chain) {
    const caller = findFn(edge.call);
    if (caller && guardedAt(edge.call, caller, project)) return true;
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

export function overwritesWithoutGuard(reach: Reach, project: Project, idFields: readonly string[]): StateWrite[] {
  const isDeliveryId = deliveryIdMatcher(idFields, project);
  const loadCtx = { project, targets: (c: ts.CallExpression) => reach.targets(c) };
  const out: StateWrite[] = [];
  for (const r of reach.functions) {
    const writes = stateWritesIn(r.fn, { project, isDeliveryId, isLoadedEntity: (id) => isLoadedEntityRef(id, loadCtx) }, walkOwn);
    for (const w of writes) {
      if (w.effect !== 'overwrite' || w.condition || w.keyedByDelivery) continue;
      if (guarded(w, r, project)) continue;
      out.push(w);
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
    for (const w of overwritesWithoutGuard(ctx.reach, ctx.project, ctx.handler.delivery.idFields)) {
      ctx.report(
        w.node,
        `${w.api} overwrites ${describe(w)} from the event with no version, sequence, event-time or current-state condition (no conditional WHERE, ConditionExpression or check before the write): a late, reordered or replayed event overwrites newer state.`,
      );
    }
  },
};
