// Small helpers over raw TypeScript nodes. The whole tool works on `ts.Node`s from the
// compiler's own parser: wrapping every node in ts-morph objects costs more than the parse.
import ts from './typescript.cjs';
import type { Position, Span } from '../model.js';

export { ts };

export type FunctionNode = ts.FunctionLikeDeclaration;

export function isFunctionNode(node: ts.Node): node is FunctionNode {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Strips parentheses, `as`, `!`, `satisfies` and type assertions. */
export function unwrapExpression(node: ts.Expression): ts.Expression {
  let n: ts.Expression = node;
  for (;;) {
    if (ts.isParenthesizedExpression(n) || ts.isAsExpression(n) || ts.isNonNullExpression(n) || ts.isSatisfiesExpression(n) || ts.isTypeAssertionExpression(n)) {
      n = n.expression;
    } else return n;
  }
}

/** The name of a property name node when it is static. */
export function propertyNameText(name: ts.PropertyName | ts.MemberName | undefined): string | undefined {
  if (!name) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteralLike(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) {
    const e = unwrapExpression(name.expression);
    if (ts.isStringLiteralLike(e)) return e.text;
  }
  return undefined;
}

/**
 * Dotted text of an access chain, e.g. `this.db.insert` or `ctx.getChannelRef().ack`
 * (calls in the middle are written with `()`). Undefined for computed shapes.
 */
export function accessChain(node: ts.Expression): string | undefined {
  // Iterative and bounded: generated code chains thousands of calls, and callers ask at every link.
  const parts: string[] = [];
  let calls = '';
  let n = unwrapExpression(node);
  for (let links = 0; links < MAX_CHAIN_LINKS; links++) {
    if (ts.isIdentifier(n)) parts.push(n.text + calls);
    else if (n.kind === ts.SyntaxKind.ThisKeyword) parts.push(`this${calls}`);
    else if (n.kind === ts.SyntaxKind.SuperKeyword) parts.push(`super${calls}`);
    else if (ts.isPropertyAccessExpression(n)) {
      parts.push(n.name.text + calls);
      calls = '';
      n = unwrapExpression(n.expression);
      continue;
    } else if (ts.isElementAccessExpression(n)) {
      const arg = unwrapExpression(n.argumentExpression);
      if (!ts.isStringLiteralLike(arg)) return undefined;
      parts.push(arg.text + calls);
      calls = '';
      n = unwrapExpression(n.expression);
      continue;
    } else if (ts.isCallExpression(n)) {
      calls = `()${calls}`;
      n = unwrapExpression(n.expression);
      continue;
    } else return undefined;
    return parts.reverse().join('.');
  }
  return undefined;
}

/** Longer access chains than this are treated as computed (only generated code has them). */
const MAX_CHAIN_LINKS = 100;

/** The last name of a callee: `a.b.send(...)` -> `send`, `send(...)` -> `send`. */
export function calleeName(call: ts.CallExpression | ts.NewExpression): string | undefined {
  const e = unwrapExpression(call.expression);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isElementAccessExpression(e)) {
    const a = unwrapExpression(e.argumentExpression);
    if (ts.isStringLiteralLike(a)) return a.text;
  }
  return undefined;
}

/** The receiver of a method call: `a.b.send()` -> `a.b`. */
export function calleeReceiver(call: ts.CallExpression | ts.NewExpression): ts.Expression | undefined {
  const e = unwrapExpression(call.expression);
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return e.expression;
  return undefined;
}

/** The root identifier of an access chain: `a.b.c()` -> `a`; `this.x` -> `this`. */
export function chainRoot(node: ts.Expression): ts.Identifier | ts.ThisExpression | undefined {
  let n = unwrapExpression(node);
  for (;;) {
    if (ts.isIdentifier(n)) return n;
    if (n.kind === ts.SyntaxKind.ThisKeyword) return n as ts.ThisExpression;
    if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) n = unwrapExpression(n.expression);
    else if (ts.isAwaitExpression(n)) n = unwrapExpression(n.expression);
    else return undefined;
  }
}

/** Descendants of a node in depth-first source order (the node itself excluded). */
function collectDescendants(node: ts.Node): ts.Node[] {
  // Iterative to survive deeply nested input without a stack overflow.
  const out: ts.Node[] = [];
  const stack: ts.Node[] = [];
  const kids: ts.Node[] = [];
  const pushKids = (n: ts.Node) => {
    kids.length = 0;
    n.forEachChild((c) => {
      kids.push(c);
    });
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  };
  pushKids(node);
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    pushKids(n);
  }
  return out;
}

// Files and functions are walked by many adapters and rules: their node lists are built once.
const descendantCache = new WeakMap<ts.Node, ts.Node[]>();

function descendants(node: ts.Node): ts.Node[] {
  const cacheable = node.kind === ts.SyntaxKind.SourceFile || isFunctionNode(node) || ts.isBlock(node);
  if (!cacheable) return collectDescendants(node);
  let list = descendantCache.get(node);
  if (!list) {
    list = collectDescendants(node);
    descendantCache.set(node, list);
  }
  return list;
}

function isUnder(m: ts.Node, n: ts.Node): boolean {
  for (let p = m.parent; p; p = p.parent) {
    if (p === n) return true;
    if (p.pos < n.pos || p.end > n.end) return false;
  }
  return false;
}

/** Visits every descendant (depth first, source order). Return false from `visit` to skip a subtree. */
export function walk(node: ts.Node, visit: (n: ts.Node) => boolean | void): void {
  const list = descendants(node);
  for (let i = 0; i < list.length; i++) {
    const n = list[i]!;
    if (visit(n) === false) {
      // Skip the subtree: its nodes follow contiguously.
      while (i + 1 < list.length && isUnder(list[i + 1]!, n)) i++;
    }
  }
}

/** Finds the first ancestor matching `pred`, stopping (undefined) at `stop` if given. */
export function findAncestor<T extends ts.Node>(node: ts.Node, pred: (n: ts.Node) => n is T, stop?: ts.Node): T | undefined {
  let n: ts.Node | undefined = node.parent;
  while (n && n !== stop) {
    if (pred(n)) return n;
    n = n.parent;
  }
  return undefined;
}

export function enclosingFunction(node: ts.Node): FunctionNode | undefined {
  return findAncestor(node, isFunctionNode);
}

export function isInside(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end && node.getSourceFile() === container.getSourceFile();
}

export function position(sf: ts.SourceFile, pos: number): Position {
  const lc = sf.getLineAndCharacterOfPosition(pos);
  return { line: lc.line + 1, column: lc.character + 1 };
}

export function spanOf(node: ts.Node, file: string, sf: ts.SourceFile = node.getSourceFile()): Span {
  return { file, start: position(sf, node.getStart(sf)), end: position(sf, node.getEnd()) };
}

/** A short single-line snippet of a node's text, for messages and fingerprints. */
export function snippet(node: ts.Node, max = 60): string {
  const text = node.getText().replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Name of a function for display: declaration name, variable/property it is assigned to, or method name. */
export function functionName(fn: ts.Node): string | undefined {
  if ((ts.isFunctionDeclaration(fn) || ts.isFunctionExpression(fn) || ts.isMethodDeclaration(fn)) && fn.name) {
    return propertyNameText(fn.name);
  }
  const p = fn.parent;
  if (!p) return undefined;
  if (ts.isVariableDeclaration(p) && ts.isIdentifier(p.name)) return p.name.text;
  if (ts.isPropertyAssignment(p)) return propertyNameText(p.name);
  if (ts.isPropertyDeclaration(p)) return propertyNameText(p.name);
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const chain = accessChain(p.left);
    return chain?.split('.').pop();
  }
  // A function a factory returns is known by the factory's name.
  if (ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === fn)) {
    const outer = enclosingFunction(p.parent ?? p);
    return outer ? functionName(outer) : undefined;
  }
  return undefined;
}

/** The class a method or property belongs to. */
export function enclosingClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  return findAncestor(node, (n): n is ts.ClassLikeDeclaration => ts.isClassDeclaration(n) || ts.isClassExpression(n));
}

/** The class `this` refers to at `node`: arrow functions keep the enclosing `this`, other functions end the search. */
export function thisClass(node: ts.Node): ts.ClassLikeDeclaration | undefined {
  let n: ts.Node | undefined = node.parent;
  while (n) {
    if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) return n;
    if (ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n)) return undefined;
    n = n.parent;
  }
  return undefined;
}

/** The expressions a function returns (its own return statements, or an arrow's expression body). */
export function returnedExpressions(fn: FunctionNode): ts.Expression[] {
  if (!fn.body) return [];
  if (!ts.isBlock(fn.body)) return [fn.body];
  const out: ts.Expression[] = [];
  walk(fn.body, (n) => {
    if (isFunctionNode(n) || ts.isClassLike(n)) return false;
    if (ts.isReturnStatement(n) && n.expression) out.push(n.expression);
    return undefined;
  });
  return out;
}

/** The comparison operators: `<`, `>`, `<=`, `>=`, `==`, `===`, `!=`, `!==`. */
export const COMPARISON_OPERATORS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.LessThanToken,
  ts.SyntaxKind.GreaterThanToken,
  ts.SyntaxKind.LessThanEqualsToken,
  ts.SyntaxKind.GreaterThanEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
]);

export function decoratorsOf(node: ts.Node): ts.Decorator[] {
  return ts.canHaveDecorators(node) ? [...(ts.getDecorators(node) ?? [])] : [];
}

/** The name of a decorator: `@EventPattern('x')` -> EventPattern, `@Nest.EventPattern()` -> EventPattern. */
export function decoratorName(d: ts.Decorator): string | undefined {
  const e = unwrapExpression(d.expression);
  if (ts.isCallExpression(e)) return calleeName(e);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

export function decoratorArgs(d: ts.Decorator): readonly ts.Expression[] {
  const e = unwrapExpression(d.expression);
  return ts.isCallExpression(e) ? e.arguments : [];
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

/** Gets a property's initializer from an object literal by name (`{ a: x }`, `{ a }`, `{ a() {} }`). */
export function objectProperty(obj: ts.ObjectLiteralExpression, name: string): ts.Node | undefined {
  for (const p of obj.properties) {
    if (propertyNameText(p.name) !== name) continue;
    if (ts.isPropertyAssignment(p)) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
    if (ts.isMethodDeclaration(p)) return p;
  }
  return undefined;
}

/** Literal value of a simple expression: strings, numbers, booleans, no-substitution templates. */
export function literalValue(node: ts.Node | undefined): string | number | boolean | undefined {
  if (!node) return undefined;
  const n = ts.isExpression(node) ? unwrapExpression(node) : node;
  if (ts.isStringLiteralLike(n)) return n.text;
  if (ts.isNumericLiteral(n)) return Number(n.text);
  if (n.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (n.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (ts.isPrefixUnaryExpression(n) && n.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(n.operand)) return -Number(n.operand.text);
  return undefined;
}

/** Text of a string literal or template (with `${}` placeholders kept as `?`), for reading SQL. */
export function stringText(node: ts.Node | undefined): string | undefined {
  if (!node) return undefined;
  // Iterative: generated code concatenates thousands of strings with `+` (a recursion would overflow).
  const results: (string | undefined)[] = [];
  const work: (ts.Node | 'join')[] = [node];
  while (work.length) {
    const w = work.pop()!;
    if (w === 'join') {
      const r = results.pop();
      const l = results.pop();
      results.push(l !== undefined || r !== undefined ? `${l ?? '?'}${r ?? '?'}` : undefined);
      continue;
    }
    const n = ts.isExpression(w) ? unwrapExpression(w) : w;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.PlusToken) work.push('join', n.right, n.left);
    else results.push(literalText(n));
  }
  return results[0];
}

function literalText(n: ts.Node): string | undefined {
  if (ts.isStringLiteralLike(n)) return n.text;
  if (ts.isTemplateExpression(n)) return n.head.text + n.templateSpans.map((s) => `?${s.literal.text}`).join('');
  if (ts.isTaggedTemplateExpression(n)) return literalText(n.template);
  return undefined;
}
