// Cloudflare Workers Queues consumers: the `queue(batch, env, ctx)` handler of the Worker's default
// export (an object literal, often `satisfies ExportedHandler<Env>`, or a variable holding one)
// and the `queue(batch)` method of a `WorkerEntrypoint` class. `fetch()` / `scheduled()` are not
// queue handlers. Workers code often has no import at all, so the evidence is the shape: the
// object is typed ExportedHandler, or the handler's first parameter is a MessageBatch (by type or
// by use: `.messages`, `.ackAll()`, `.retryAll()`).
import { ts, hasModifier, objectProperty, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { FunctionNode } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { functionsOf } from './trace.js';

export const cloudflareQueues: FrameworkAdapter = {
  name: 'cloudflare-queues',
  mayRegister: (text) => /\bqueue\b/.test(text) && (text.includes('export default') || text.includes('WorkerEntrypoint') || text.includes('module.exports')),
  discover(ctx) {
    const out: Registration[] = [];
    const add = (handler: ts.Node, node: ts.Node) => out.push({ handler, node, framework: 'cloudflare-queues', kind: 'queue', name: 'queue', delivery: model() });

    // export default { queue(...) {} } / export default worker / module.exports = { queue }
    const def = defaultExport(ctx.sf);
    if (def) {
      const obj = objectOf(ctx.project, def.expr);
      const handler = obj && objectProperty(obj, 'queue');
      if (obj && handler && (typedAsExportedHandler(def.expr, obj) || takesMessageBatch(ctx, handler))) add(handler, def.node);
    }
    // class X extends WorkerEntrypoint<Env> { async queue(batch) {} }
    walk(ctx.sf, (n) => {
      if (!ts.isClassLike(n) || !extendsWorkerEntrypoint(n)) return;
      for (const m of n.members) {
        if (ts.isMethodDeclaration(m) && propertyNameText(m.name) === 'queue' && m.body && !hasModifier(m, ts.SyntaxKind.StaticKeyword)) add(m, m);
      }
    });
    return out;
  },
};

function defaultExport(sf: ts.SourceFile): { expr: ts.Expression; node: ts.Node } | undefined {
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st)) return { expr: st.expression, node: st };
    if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = st.expression.left;
      if (ts.isPropertyAccessExpression(left) && ts.isIdentifier(left.expression) && left.expression.text === 'module' && left.name.text === 'exports') {
        return { expr: st.expression.right, node: st };
      }
    }
  }
  return undefined;
}

/** The object literal of the default export: inline (through `satisfies`/`as`) or held by a `const`. */
function objectOf(project: Project, expr: ts.Expression): ts.ObjectLiteralExpression | undefined {
  const e = unwrapExpression(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) {
      const init = unwrapExpression(b.decl.initializer);
      return ts.isObjectLiteralExpression(init) ? init : undefined;
    }
  }
  return undefined;
}

function isExportedHandlerType(t: ts.TypeNode | undefined): boolean {
  if (!t || !ts.isTypeReferenceNode(t)) return false;
  const n = t.typeName;
  return (ts.isIdentifier(n) ? n.text : n.right.text) === 'ExportedHandler';
}

/** `{...} satisfies ExportedHandler<Env>`, `as ExportedHandler`, or `const worker: ExportedHandler<Env> = {...}`. */
function typedAsExportedHandler(expr: ts.Expression, obj: ts.ObjectLiteralExpression): boolean {
  for (let e: ts.Node = expr; ; ) {
    if ((ts.isSatisfiesExpression(e) || ts.isAsExpression(e)) && isExportedHandlerType(e.type)) return true;
    if (ts.isSatisfiesExpression(e) || ts.isAsExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression;
    else break;
  }
  for (let p: ts.Node | undefined = obj.parent; p; p = p.parent) {
    if ((ts.isSatisfiesExpression(p) || ts.isAsExpression(p)) && isExportedHandlerType(p.type)) return true;
    if (ts.isVariableDeclaration(p)) return isExportedHandlerType(p.type);
    if (!ts.isSatisfiesExpression(p) && !ts.isAsExpression(p) && !ts.isParenthesizedExpression(p)) return false;
  }
  return false;
}

/** The handler's first parameter is a MessageBatch: by its type, or by how it is used. */
function takesMessageBatch(ctx: AdapterContext, handler: ts.Node): boolean {
  return functionsOf(ctx.project, handler).some((fn) => {
    const p = fn.parameters[0];
    if (!p) return false;
    if (p.type && ts.isTypeReferenceNode(p.type)) {
      const n = p.type.typeName;
      if ((ts.isIdentifier(n) ? n.text : n.right.text) === 'MessageBatch') return true;
    }
    return ts.isIdentifier(p.name) && usesBatch(fn, p.name.text);
  });
}

function usesBatch(fn: FunctionNode, name: string): boolean {
  let hit = false;
  walk(fn, (n) => {
    if (hit) return false;
    if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name && ['messages', 'ackAll', 'retryAll'].includes(n.name.text)) hit = true;
  });
  return hit;
}

function extendsWorkerEntrypoint(cls: ts.ClassLikeDeclaration): boolean {
  const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!ext) return false;
  const e = unwrapExpression(ext.expression);
  const name = ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
  return name === 'WorkerEntrypoint';
}

function model() {
  return delivery({
    params: [0],
    idFields: ['id', ...COMMON_EVENT_IDS],
    correlationFields: COMMON_CORRELATION,
    timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
    ackMethods: ['ack', 'ackAll'],
    nackMethods: ['retry', 'retryAll'],
    // A normal return acks every message not explicitly retried, an early return too; work left
    // floating (including ctx.waitUntil) does not hold the ack back.
    acksOnReturn: true,
    // A throw retries the whole batch, except messages already ack()ed.
    redeliversOnThrow: true,
    ordered: false,
    batched: true,
    // The consumer's max_retries (default 3) bounds redelivery; then the dead_letter_queue, or deletion.
    retryBound: { reason: 'Cloudflare Queues retries a message at most max_retries times (default 3), then dead-letters or deletes it' },
  });
}
