// Small syntactic lookups the adapters share: what value a name holds as far as the source
// shows (an options object, a client built with `new`), without a type checker.
import { ts, enclosingClass, propertyNameText, unwrapExpression } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';

const MAX_DEPTH = 4;

/** Strips `await`, parentheses, `as`, `!` and `satisfies`. */
export function unwrapValue(expr: ts.Expression): ts.Expression {
  let e = unwrapExpression(expr);
  while (ts.isAwaitExpression(e)) e = unwrapExpression(e.expression);
  return e;
}

/** The nearest ancestor that is not a parenthesis, `await`, `as`, `!` or `satisfies` around `node`. */
export function outerValue(node: ts.Node): ts.Node {
  let n = node;
  while (
    n.parent &&
    (ts.isParenthesizedExpression(n.parent) ||
      ts.isAwaitExpression(n.parent) ||
      ts.isAsExpression(n.parent) ||
      ts.isNonNullExpression(n.parent) ||
      ts.isSatisfiesExpression(n.parent) ||
      ts.isTypeAssertionExpression(n.parent))
  ) {
    n = n.parent;
  }
  return n;
}

/** What a declaration says about a value: its annotated type and the expressions assigned to it. */
export interface ValueFacts {
  type?: ts.TypeNode;
  values: ts.Expression[];
}

/**
 * The declared type and assigned values of an identifier, an imported name or `this.x`
 * (class property initializer, constructor parameter property, `this.x = ...` assignments).
 */
export function valueFacts(project: Project, expr: ts.Expression, depth = 0): ValueFacts {
  const out: ValueFacts = { values: [] };
  if (depth > MAX_DEPTH) return out;
  const e = unwrapValue(expr);
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (!b) return out;
    if (b.kind === 'var' && !b.path.length) {
      out.type = b.decl.type;
      if (b.decl.initializer) out.values.push(b.decl.initializer);
    } else if (b.kind === 'param' && !b.path.length) {
      out.type = b.decl.type;
    } else if (b.kind === 'import' && b.file && b.name !== '*') {
      const d = project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d)) {
        out.type = d.type;
        if (d.initializer) out.values.push(d.initializer);
      } else if (d && ts.isExpression(d)) out.values.push(d);
    }
    return out;
  }
  if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(e);
    if (!cls) return out;
    const name = e.name.text;
    for (const m of cls.members) {
      if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) {
        out.type ??= m.type;
        if (m.initializer) out.values.push(m.initializer);
      }
      if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) if (ts.isIdentifier(p.name) && p.name.text === name && p.type) out.type ??= p.type;
      }
    }
    // this.x = value, anywhere in the class
    const visit = (n: ts.Node): void => {
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(n.left) &&
        n.left.expression.kind === ts.SyntaxKind.ThisKeyword &&
        n.left.name.text === name
      ) {
        out.values.push(n.right);
      }
      n.forEachChild(visit);
    };
    cls.members.forEach(visit);
  }
  return out;
}

/** The object literal an expression denotes: inline, or through a `const` in sight. */
export function objectLiteralOf(project: Project, expr: ts.Node | undefined, depth = 0): ts.ObjectLiteralExpression | undefined {
  if (!expr || depth > MAX_DEPTH || !ts.isExpression(expr)) return undefined;
  const e = unwrapValue(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    for (const v of valueFacts(project, e, depth).values) {
      const o = objectLiteralOf(project, v, depth + 1);
      if (o) return o;
    }
  }
  return undefined;
}

/** The names of an object literal's properties (static names only). */
export function propertyNames(obj: ts.ObjectLiteralExpression): string[] {
  return obj.properties.map((p) => propertyNameText(p.name)).filter((n): n is string => n !== undefined);
}

/** True for the literal `true`, or the string `'true'` some clients accept in config maps. */
export function isTrueLiteral(node: ts.Node | undefined): boolean {
  if (!node || !ts.isExpression(node)) return false;
  const e = unwrapExpression(node);
  return e.kind === ts.SyntaxKind.TrueKeyword || (ts.isStringLiteralLike(e) && e.text === 'true');
}

/** True for the literal `false`, or the string `'false'`. */
export function isFalseLiteral(node: ts.Node | undefined): boolean {
  if (!node || !ts.isExpression(node)) return false;
  const e = unwrapExpression(node);
  return e.kind === ts.SyntaxKind.FalseKeyword || (ts.isStringLiteralLike(e) && e.text === 'false');
}

/** Simple type name of a type node: `SQSHandler`, `aws.SQSEvent` -> `SQSEvent`, `Handler<A, B>` -> `Handler`. */
export function typeName(type: ts.TypeNode | undefined): string | undefined {
  if (!type) return undefined;
  if (ts.isTypeReferenceNode(type)) {
    const n = type.typeName;
    return ts.isIdentifier(n) ? n.text : n.right.text;
  }
  if (ts.isExpressionWithTypeArguments(type)) {
    const e = type.expression;
    return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  }
  return undefined;
}

/** Every simple type name mentioned in a type (unions, generics, arrays, `Promise<...>`). */
export function typeNames(type: ts.TypeNode | undefined): string[] {
  if (!type) return [];
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
      const t = typeName(n);
      if (t) out.push(t);
    }
    n.forEachChild(visit);
  };
  visit(type);
  return out;
}
