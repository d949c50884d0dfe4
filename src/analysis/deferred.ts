// Functions a body defines but does not run: the members of an object it returns
// (`return { runTask: async () => ... }`, a factory of callbacks for someone else to call) and
// functions stored on a property (`queue.add = (...) => ...`). Their effects happen only when a
// caller invokes them later, so they are not effects of the function that defines them.
import { ts, isFunctionNode, unwrapExpression } from './ast.js';

/** True when `fn` is defined as a returned object's member or assigned to a property, not run in place. */
export function isDeferredFunction(fn: ts.Node): boolean {
  if (ts.isMethodDeclaration(fn) || ts.isGetAccessorDeclaration(fn) || ts.isSetAccessorDeclaration(fn)) {
    return ts.isObjectLiteralExpression(fn.parent) && isReturnedValue(fn.parent);
  }
  if (!ts.isArrowFunction(fn) && !ts.isFunctionExpression(fn)) return false;
  let child: ts.Node = fn;
  let p = fn.parent;
  while (p && (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isSatisfiesExpression(p))) {
    child = p;
    p = p.parent;
  }
  if (!p) return false;
  if (ts.isPropertyAssignment(p) && p.initializer === child) return isReturnedValue(p.parent);
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === child) {
    const left = unwrapExpression(p.left);
    return ts.isPropertyAccessExpression(left) || ts.isElementAccessExpression(left);
  }
  return false;
}

/** An expression that is the value a function returns: `return <expr>` or an arrow's expression body. */
function isReturnedValue(expr: ts.Node): boolean {
  let child = expr;
  let p = expr.parent;
  while (p && (ts.isParenthesizedExpression(p) || ts.isAsExpression(p) || ts.isSatisfiesExpression(p) || ts.isAwaitExpression(p))) {
    child = p;
    p = p.parent;
  }
  if (!p) return false;
  if (ts.isReturnStatement(p)) return true;
  return ts.isArrowFunction(p) && p.body === child;
}

/**
 * True when `node` sits inside a deferred function below `owner` (the function whose work is being
 * collected). `owners` are the functions that count as running in place (the caller, or the handler's bodies).
 */
export function deferredWithin(node: ts.Node, owners: (n: ts.Node) => boolean): boolean {
  for (let n: ts.Node | undefined = node.parent; n && !ts.isSourceFile(n); n = n.parent) {
    if (owners(n)) return false;
    if (isFunctionNode(n) && isDeferredFunction(n)) return true;
  }
  return false;
}
