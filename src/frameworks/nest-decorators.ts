// Reading decorators without a type checker: which package a decorator comes from, which
// parameters carry a given parameter decorator, and the object literal behind an options argument.
import { ts, decoratorArgs, decoratorsOf, unwrapExpression } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { AdapterContext } from './types.js';

export interface DecoratorOrigin {
  /** The exported name (an aliased import `{ EventPattern as EP }` gives EventPattern). */
  name: string;
  /** The module specifier it is imported from; undefined when it is not imported. */
  module?: string;
  decorator: ts.Decorator;
}

/** Where a decorator comes from: `@EventPattern()`, `@EP()` (aliased), `@micro.EventPattern()`. */
export function decoratorOrigin(imports: AdapterContext['imports'], d: ts.Decorator): DecoratorOrigin | undefined {
  let e = unwrapExpression(d.expression);
  if (ts.isCallExpression(e)) e = unwrapExpression(e.expression);
  if (ts.isIdentifier(e)) {
    const imp = imports.get(e.text);
    if (!imp) return { name: e.text, decorator: d };
    const name = imp.name === 'default' || imp.name === '*' ? e.text : imp.name;
    return { name, module: imp.module, decorator: d };
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    const imp = imports.get(e.expression.text);
    return { name: e.name.text, module: imp?.module, decorator: d };
  }
  return undefined;
}

/**
 * True when `origin` comes from one of `packages`, directly or through a project file that
 * re-exports it (a barrel `export * from '@nestjs/microservices'`). A decorator of the same
 * name from anywhere else is the project's own and is not taken for the framework's.
 */
export function fromPackages(ctx: AdapterContext, origin: DecoratorOrigin, packages: readonly string[]): boolean {
  const m = origin.module;
  if (!m) return false;
  if (packages.some((p) => m === p || m.startsWith(`${p}/`))) return true;
  const target = ctx.project.resolveModule(ctx.file, m);
  if (!target) return false;
  const text = ctx.project.sources.text(target) ?? '';
  return packages.some((p) => text.includes(`'${p}'`) || text.includes(`"${p}"`) || text.includes(`'${p}/`) || text.includes(`"${p}/`));
}

/** The decorators of `node` that come from `packages` and have one of `names`. */
export function frameworkDecorators(ctx: AdapterContext, node: ts.Node, names: readonly string[], packages: readonly string[]): DecoratorOrigin[] {
  const out: DecoratorOrigin[] = [];
  for (const d of decoratorsOf(node)) {
    const o = decoratorOrigin(ctx.imports, d);
    if (o && names.includes(o.name) && fromPackages(ctx, o, packages)) out.push(o);
  }
  return out;
}

/** Indexes of the parameters decorated with one of `names` (e.g. Payload, Ctx), as imported in the file. */
export function decoratedParams(ctx: AdapterContext, fn: ts.FunctionLikeDeclaration, names: readonly string[]): number[] {
  const out: number[] = [];
  fn.parameters.forEach((p, i) => {
    if (decoratorsOf(p).some((d) => names.includes(decoratorOrigin(ctx.imports, d)?.name ?? ''))) out.push(i);
  });
  return out;
}

/** The object literal an options argument denotes: inline, or a constant declared in the project. */
export function optionsObject(project: Project, expr: ts.Node | undefined): ts.ObjectLiteralExpression | undefined {
  if (!expr || !ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  for (const v of safeShapes(project, e)) if (v.kind === 'object') return v.obj;
  return undefined;
}

function safeShapes(project: Project, e: ts.Expression): ReturnType<Project['valueShapes']> {
  try {
    return project.valueShapes(e);
  } catch {
    return [];
  }
}

/** The n-th argument of a decorator call. */
export function decoratorArg(d: ts.Decorator, n: number): ts.Expression | undefined {
  return decoratorArgs(d)[n];
}

/** The last name of an enum-like value: `MessageHandlerErrorBehavior.NACK` -> NACK, `'nack'` -> nack. */
export function enumName(node: ts.Node | undefined): string | undefined {
  if (!node || !ts.isExpression(node)) return undefined;
  const e = unwrapExpression(node);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  if (ts.isIdentifier(e)) return e.text;
  return undefined;
}

/** The name of a parameter's type: `ctx: RmqContext` -> RmqContext, `ctx: micro.RmqContext` -> RmqContext. */
export function paramTypeName(p: ts.ParameterDeclaration | undefined): string | undefined {
  const t = p?.type;
  if (!t || !ts.isTypeReferenceNode(t)) return undefined;
  return ts.isIdentifier(t.typeName) ? t.typeName.text : t.typeName.right.text;
}
