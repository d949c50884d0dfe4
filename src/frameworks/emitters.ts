// In-process emitters (frameworks.md §13): listeners of a Node `EventEmitter` / EventEmitter2
// (`emitter.on(name, listener)`, arg1). There is no broker, persistence or redelivery, so they
// are handlers only when the configuration asks for them (`emitterListeners: true`), and
// lifecycle events ('error', 'close', 'connect', ...) are never handlers.
import { ts, accessChain, calleeName, enclosingClass, literalValue, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';

const EMITTER_MODULES = /^((node:)?events|eventemitter2|eventemitter3|@nestjs\/event-emitter)$/;
const EMITTER_CLASSES = new Set(['EventEmitter', 'EventEmitter2', 'EventEmitter3']);
const LISTEN = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);
const LIFECYCLE = new Set([
  'error', 'close', 'closed', 'connect', 'connected', 'connection', 'disconnect', 'disconnected', 'reconnect', 'reconnecting',
  'end', 'finish', 'ready', 'listening', 'open', 'exit', 'drain', 'timeout', 'warning', 'pipe', 'unpipe',
  'newListener', 'removeListener', 'completed', 'failed', 'active', 'stalled',
]);

export const emitters: FrameworkAdapter = {
  name: 'node-events',
  enabled: (config) => config.emitterListeners,
  mayRegister: (text) => /\.(on|once|addListener|prependListener|prependOnceListener)\s*\(/.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || !LISTEN.has(calleeName(n) ?? '') || n.arguments.length < 2) return;
      const callee = unwrapExpression(n.expression);
      if (!ts.isPropertyAccessExpression(callee)) return;
      const event = eventName(n.arguments[0]!);
      if (event === null || !isEmitter(ctx.project, callee.expression)) return;
      out.push({
        handler: n.arguments[1]!,
        node: n,
        framework: 'node-events',
        kind: calleeName(n)!,
        name: event ? `on ${event}` : undefined,
        delivery: delivery({
          params: [0],
          idFields: COMMON_EVENT_IDS,
          correlationFields: COMMON_CORRELATION,
          timeFields: COMMON_EVENT_TIMES,
          inProcess: true,
        }),
      });
    });
    return out;
  },
};

/** The event's name ('' when computed), or null for lifecycle and error-monitor events. */
function eventName(arg: ts.Expression): string | null {
  const v = literalValue(arg);
  if (typeof v === 'string') return LIFECYCLE.has(v) ? null : v;
  const e = unwrapExpression(arg);
  if (ts.isCallExpression(e) && /^Symbol\./.test(accessChain(e.expression) ?? '')) return null;
  const chain = accessChain(e) ?? '';
  if (/(^|\.)(errorMonitor|captureRejectionSymbol)$/.test(chain)) return null;
  return chain.split('.').pop() ?? '';
}

/** Is `expr` an EventEmitter instance, as far as syntax shows (new, a declared type, a subclass, `this` inside one)? */
export function isEmitter(project: Project, expr: ts.Expression, depth = 0): boolean {
  if (depth > 6) return false;
  const e = unwrapExpression(expr);
  const file = e.getSourceFile().fileName;
  if (e.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(e);
    return !!cls && classIsEmitter(project, cls);
  }
  if (ts.isNewExpression(e)) return ctorIsEmitter(project, e.expression, file);
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length) {
      if (b.decl.type) return typeIsEmitter(project, b.decl.type, file);
      return !!b.decl.initializer && isEmitter(project, b.decl.initializer, depth + 1);
    }
    if (b?.kind === 'param' && !b.path.length) return !!b.decl.type && typeIsEmitter(project, b.decl.type, file);
    if (b?.kind === 'import' && b.file && b.name !== '*') {
      const d = project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d)) return d.type ? typeIsEmitter(project, d.type, b.file) : !!d.initializer && isEmitter(project, d.initializer, depth + 1);
    }
    return false;
  }
  if (ts.isPropertyAccessExpression(e) && unwrapExpression(e.expression).kind === ts.SyntaxKind.ThisKeyword) {
    const cls = enclosingClass(e);
    const declared = cls && memberType(cls, e.name.text);
    if (declared?.type) return typeIsEmitter(project, declared.type, file);
    if (declared?.init) return isEmitter(project, declared.init, depth + 1);
  }
  try {
    return project.valueShapes(e).some((v) => v.kind === 'instance' && classIsEmitter(project, v.cls));
  } catch {
    return false;
  }
}

/** The declared type or initializer of `this.name`: a property declaration or a constructor parameter property. */
function memberType(cls: ts.ClassLikeDeclaration, name: string): { type?: ts.TypeNode; init?: ts.Expression } | undefined {
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) return { type: m.type, init: m.initializer };
    if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) if (ts.isIdentifier(p.name) && p.name.text === name && p.type) return { type: p.type };
    }
  }
  return undefined;
}

function classIsEmitter(project: Project, cls: ts.ClassLikeDeclaration, depth = 0): boolean {
  if (depth > 6) return false;
  const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (!ext) return false;
  const file = cls.getSourceFile().fileName;
  if (importedEmitter(project, file, ext.expression)) return true;
  const base = project.classFromExpression(ext.expression);
  return !!base && classIsEmitter(project, base, depth + 1);
}

function ctorIsEmitter(project: Project, ctor: ts.Expression, file: string): boolean {
  if (importedEmitter(project, file, ctor)) return true;
  const cls = project.classFromExpression(ctor);
  return !!cls && classIsEmitter(project, cls);
}

function typeIsEmitter(project: Project, type: ts.TypeNode, file: string): boolean {
  if (!ts.isTypeReferenceNode(type)) return false;
  const n = type.typeName;
  const root = ts.isIdentifier(n) ? n : n.left;
  const last = ts.isIdentifier(n) ? n.text : n.right.text;
  const imp = ts.isIdentifier(root) ? project.imports(file).get(root.text) : undefined;
  if (imp && EMITTER_MODULES.test(imp.module) && (EMITTER_CLASSES.has(imp.name) || EMITTER_CLASSES.has(last) || imp.name === 'default')) return true;
  const cls = project.classFromType(type);
  return !!cls && classIsEmitter(project, cls);
}

/** `EventEmitter` (or `events.EventEmitter`, a default import) from 'events' / 'eventemitter2' / ... */
function importedEmitter(project: Project, file: string, expr: ts.Expression): boolean {
  const e = unwrapExpression(expr);
  const root = ts.isIdentifier(e) ? e : ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) ? e.expression : undefined;
  if (!root) return false;
  const imp = project.imports(file).get(root.text);
  if (!imp || !EMITTER_MODULES.test(imp.module)) return false;
  if (ts.isIdentifier(e)) return EMITTER_CLASSES.has(imp.name) || imp.name === 'default' || imp.name === '*';
  return EMITTER_CLASSES.has((e as ts.PropertyAccessExpression).name.text);
}
