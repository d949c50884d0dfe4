// Whether a function treats one of its parameters as a function: calls it, binds it, returns it
// or hands it on. Tells a project wrapper's handler argument (`withRetry(handler)`) from a
// factory's plain inputs (`createProcessor(config, serviceName)` returning the handler).
import { ts, walk, type FunctionNode } from './ast.js';

export function paramUsedAsFunction(fn: FunctionNode, index: number): boolean {
  const rest = fn.parameters.findIndex((p) => p.dotDotDotToken);
  if (rest >= 0 && index >= rest) return true; // (...args) => handed on whole: cannot tell
  const p = fn.parameters[index];
  if (!p) return false;
  if (!ts.isIdentifier(p.name)) return false; // destructured: an object of inputs
  const name = p.name.text;
  if (!fn.body) return true;
  if (ts.isIdentifier(fn.body)) return fn.body.text === name;
  let used = false;
  walk(fn.body, (n) => {
    if (used) return false;
    if (ts.isIdentifier(n) && n.text === name && usesAsFunction(n)) used = true;
    return undefined;
  });
  return used;
}

function usesAsFunction(id: ts.Identifier): boolean {
  let node: ts.Node = id;
  // `handler!`, `(handler as Fn)`, `(handler)`
  while (
    node.parent &&
    (ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent) || ts.isNonNullExpression(node.parent) || ts.isSatisfiesExpression(node.parent))
  ) {
    node = node.parent;
  }
  const parent = node.parent;
  if (!parent) return false;
  if (ts.isCallExpression(parent) || ts.isNewExpression(parent)) return true; // called, or handed on as an argument
  if (ts.isPropertyAccessExpression(parent)) return parent.expression === node && ['call', 'apply', 'bind'].includes(parent.name.text);
  if (ts.isReturnStatement(parent) || ts.isArrowFunction(parent)) return true;
  if (ts.isShorthandPropertyAssignment(parent)) return true; // { handler } handed on in options
  if (ts.isPropertyAssignment(parent)) return parent.initializer === node;
  if (ts.isVariableDeclaration(parent)) return parent.initializer === node; // aliased: cannot tell
  if (ts.isArrayLiteralExpression(parent) || ts.isConditionalExpression(parent)) return true;
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    return op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken || (op === ts.SyntaxKind.EqualsToken && parent.right === node);
  }
  return false;
}
