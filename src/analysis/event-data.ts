// Does a written value carry data from the delivery? `order-dependent` is about state taken
// from the event (a status, fields, a snapshot): a late event writes its older data over newer
// data. A value the handler makes itself (a constant such as `InProgress`, `new Date()`), or
// reads at processing time (a load, an API fetch, a computed aggregate), is as fresh on a
// replay as on the first delivery, so writing it is not by itself an ordering hazard. (A fixed
// lifecycle state written to a record the event selects is one: `order-dependent` reads the
// write's key with this tracer and the value with `constantText`.)
// Follows the delivery (see delivery-values.ts) through locals, destructuring, conversions
// (`plainToInstance(Dto, message)`) and the arguments of project calls in the reach.
import { ts, isFunctionNode, unwrapExpression, walk } from './ast.js';
import type { DeliveryValues } from './delivery-values.js';
import type { Project } from './project.js';
import { walkOwn, type Reach } from './reach.js';

export interface EventDataContext {
  project: Project;
  reach: Reach;
  values: DeliveryValues;
}

const MAX_DEPTH = 8;

export function eventDataTracer(ctx: EventDataContext): (expr: ts.Node) => boolean {
  let callers: Map<ts.Node, (ts.CallExpression | ts.NewExpression)[]> | undefined;
  const callersOf = (fn: ts.Node) => {
    if (!callers) {
      callers = new Map();
      for (const r of ctx.reach.functions) {
        walkOwn(r.fn, (n) => {
          if (!ts.isCallExpression(n) && !ts.isNewExpression(n)) return;
          for (const t of ctx.reach.targets(n)) callers!.set(t, [...(callers!.get(t) ?? []), n]);
        });
      }
    }
    return callers.get(fn) ?? [];
  };
  const memo = new Map<ts.Node, boolean>();
  const active = new Set<ts.Node>();

  const fromIdentifier = (id: ts.Identifier, depth: number): boolean => {
    const b = ctx.project.lookup(id);
    if (!b) return false;
    if (b.kind === 'param') {
      // An inline callback over a collection: items.map((x) => ...) carries what the collection carries.
      const call = b.fn.parent;
      if (call && ts.isCallExpression(call) && call.arguments.includes(b.fn as ts.Expression)) {
        const callee = unwrapExpression(call.expression);
        if (ts.isPropertyAccessExpression(callee)) return carries(callee.expression, depth + 1);
      }
      return callersOf(b.fn).some((c) => {
        const arg = c.arguments?.[b.index];
        return !!arg && carries(arg, depth + 1);
      });
    }
    if (b.kind === 'var') {
      const loop = b.decl.parent?.parent;
      if (loop && ts.isForOfStatement(loop) && b.decl.parent === loop.initializer) return carries(loop.expression, depth + 1);
      if (b.decl.initializer) return carries(b.decl.initializer, depth + 1);
    }
    return false;
  };

  function carries(expr: ts.Node, depth = 0): boolean {
    if (depth > MAX_DEPTH) return false;
    const hit = memo.get(expr);
    if (hit !== undefined) return hit;
    if (active.has(expr)) return false;
    active.add(expr);
    let found = false;
    const visit = (n: ts.Node): boolean | void => {
      if (found) return false;
      if (isFunctionNode(n)) return false;
      // `{ [jobId]: status }`: a computed key picks where the value goes, like a row key.
      if (ts.isComputedPropertyName(n)) return false;
      if (ts.isExpression(n) && ctx.values.kindOf(n)) {
        found = true;
        return false;
      }
      // A value awaited from a store or a service is read now, not carried by the event.
      if (ts.isAwaitExpression(n)) return false;
      if (ts.isIdentifier(n)) {
        const p = n.parent;
        if (p && ts.isPropertyAccessExpression(p) && p.name === n) return undefined;
        if (p && (ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)) && p.name === n) return undefined;
        if (fromIdentifier(n, depth)) found = true;
      }
      return undefined;
    };
    try {
      if (visit(expr) !== false) walk(expr, visit);
    } catch {
      found = true; // unreadable shape: keep the finding's old behaviour
    } finally {
      active.delete(expr);
    }
    memo.set(expr, found);
    return found;
  }

  return (expr) => carries(expr);
}

/** Values assigned into an entity before it is saved: `e.status = x`, `Object.assign(e, x)`, `repo.merge(e, x)`. */
export function assignedInto(fn: ts.Node, entity: ts.Identifier): ts.Node[] {
  const out: ts.Node[] = [];
  walkOwn(fn, (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      let target = unwrapExpression(n.left);
      while (ts.isPropertyAccessExpression(target) || ts.isElementAccessExpression(target)) target = unwrapExpression(target.expression);
      if (target !== unwrapExpression(n.left) && ts.isIdentifier(target) && target.text === entity.text) out.push(n.right);
    }
    if (ts.isCallExpression(n)) {
      const callee = unwrapExpression(n.expression);
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
      const first = n.arguments[0] && unwrapExpression(n.arguments[0]);
      if ((name === 'assign' || name === 'merge') && first && ts.isIdentifier(first) && first.text === entity.text) out.push(...n.arguments.slice(1));
    }
  });
  return out;
}

/**
 * A value fixed in the code: a literal, an enum member (`OrderStatus.Paid`), a constant
 * (`const SHIPPED = 'shipped'`, an imported `SHIPPED`), or an object of them (DynamoDB `{ S: 'x' }`).
 * Returns the text to show for it, or undefined when the value is computed or read.
 */
export function constantText(expr: ts.Node, project: Project, depth = 0): string | undefined {
  if (depth > 3 || !ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e) || e.kind === ts.SyntaxKind.TrueKeyword || e.kind === ts.SyntaxKind.FalseKeyword || e.kind === ts.SyntaxKind.NullKeyword) return e.getText();
  if (ts.isPropertyAccessExpression(e)) {
    // Enum.Member or Namespace.Enum.Member: every link a plain name, the root a type-like name.
    let base: ts.Expression = unwrapExpression(e.expression);
    let links = 1;
    while (ts.isPropertyAccessExpression(base) && links < 3) {
      base = unwrapExpression(base.expression);
      links++;
    }
    if (!ts.isIdentifier(base) || !/^[A-Z]/.test(base.text)) return undefined;
    const b = project.lookup(base);
    if (b && b.kind !== 'import' && b.kind !== 'other' && b.kind !== 'class' && !(b.kind === 'var' && isConstDecl(b.decl))) return undefined;
    return e.getText();
  }
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && isConstDecl(b.decl) && b.decl.initializer) return constantText(b.decl.initializer, project, depth + 1) && e.text;
    if (b?.kind === 'import' && /^[A-Z][A-Z0-9_]+$/.test(e.text)) return e.text;
    return undefined;
  }
  if (ts.isObjectLiteralExpression(e) && e.properties.length) {
    for (const p of e.properties) if (!ts.isPropertyAssignment(p) || !constantText(p.initializer, project, depth + 1)) return undefined;
    return e.getText();
  }
  return undefined;
}

function isConstDecl(d: ts.VariableDeclaration): boolean {
  return !!d.parent && ts.isVariableDeclarationList(d.parent) && (d.parent.flags & ts.NodeFlags.Const) !== 0;
}
