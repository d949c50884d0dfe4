// The team's own registrations, declared in config: a call with the handler at an argument
// (or under a property of it), a method decorator, or a function type annotation.
import { ts, accessChain, calleeName, decoratorName, decoratorsOf, isFunctionNode, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { CustomHandlerSpec, ResolvedConfig } from '../config.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';

function model(spec: CustomHandlerSpec) {
  return delivery({
    idFields: [...(spec.idFields ?? []), 'id', ...COMMON_EVENT_IDS],
    correlationFields: COMMON_CORRELATION,
    timeFields: COMMON_EVENT_TIMES,
    acksOnReturn: spec.acksOnReturn ?? true,
    redeliversOnThrow: spec.redeliversOnThrow ?? true,
    ordered: spec.ordered ?? false,
    batched: spec.batched ?? false,
  });
}

/** Does `bus.subscribe(...)` match the configured `subscribe` or `bus.subscribe`? */
function callMatches(call: ts.CallExpression | ts.NewExpression, wanted: string): boolean {
  const name = calleeName(call);
  const last = wanted.split('.').pop()!;
  if (name !== last) return false;
  if (!wanted.includes('.')) return true;
  const chain = accessChain(call.expression);
  return chain !== undefined && (chain === wanted || chain.endsWith(`.${wanted}`));
}

/** Does a type annotation name the configured type (`Handler`, `bus.Handler`, `Handler<Evt>`)? */
function typeMatches(type: ts.TypeNode | undefined, wanted: string): boolean {
  if (!type || !ts.isTypeReferenceNode(type)) return false;
  const text = entityText(type.typeName);
  return text === wanted || text.endsWith(`.${wanted}`) || (wanted.includes('.') && text === wanted.split('.').pop());
}

function entityText(n: ts.EntityName): string {
  // Iterative: a generated qualified name can be thousands of parts long.
  const parts: string[] = [];
  let e: ts.EntityName = n;
  for (; !ts.isIdentifier(e); e = e.left) parts.push(e.right.text);
  parts.push(e.text);
  return parts.reverse().join('.');
}

/** The handler under `property` of the argument: an object literal, or a constant/instance the project declares. */
function propertyOf(project: Project, arg: ts.Expression, property: string): ts.Node | undefined {
  const obj = unwrapExpression(arg);
  if (ts.isObjectLiteralExpression(obj)) return objectProperty(obj, property);
  try {
    return project.memberDeclarations(obj, property)[0];
  } catch {
    return undefined;
  }
}

export function customAdapters(config: ResolvedConfig): FrameworkAdapter[] {
  return config.handlers.map((spec, i): FrameworkAdapter => {
    const framework = spec.framework ?? 'custom';
    const needle = (spec.call ?? spec.type)?.split('.').pop() ?? spec.decorator ?? '';
    return {
      name: `${framework} (config handlers[${i}])`,
      mayRegister: (text) => needle !== '' && text.includes(needle),
      discover(ctx) {
        const out: Registration[] = [];
        const push = (handler: ts.Node, node: ts.Node, kind: string, name?: string) =>
          out.push({ handler, node, framework, kind, name, delivery: model(spec) });
        walk(ctx.sf, (n) => {
          if (spec.call) {
            if (!(ts.isCallExpression(n) || ts.isNewExpression(n)) || !callMatches(n, spec.call)) return;
            const args = n.arguments ?? [];
            const arg = args[spec.arg ?? args.length - 1];
            if (!arg) return;
            const handler = spec.property ? propertyOf(ctx.project, arg, spec.property) : arg;
            // A topic or event name as the first argument names an inline handler.
            const topic = args.length > 1 ? literalValue(args[0]) : undefined;
            if (handler) push(handler, n, spec.call, typeof topic === 'string' ? topic : undefined);
          } else if (spec.decorator) {
            // A decorated method, or a decorated property holding a function (`@OnMessage() handle = async (m) => {}`).
            if (!(ts.isMethodDeclaration(n) || ts.isPropertyDeclaration(n))) return;
            if (!decoratorsOf(n).some((d) => decoratorName(d) === spec.decorator)) return;
            const handler = ts.isMethodDeclaration(n) ? n : n.initializer;
            if (handler && (ts.isMethodDeclaration(handler) ? !!handler.body : true)) push(handler, n, `@${spec.decorator}`);
          } else if (spec.type) {
            // const h: Handler = ...; class property `h: Handler = ...`; `(async (e) => {}) satisfies Handler`.
            if ((ts.isVariableDeclaration(n) || ts.isPropertyDeclaration(n)) && n.initializer && typeMatches(n.type, spec.type)) {
              push(n.initializer, n, spec.type);
              return false;
            }
            if (ts.isSatisfiesExpression(n) && typeMatches(n.type, spec.type)) {
              const inner = unwrapExpression(n.expression);
              const holder = n.parent && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name) ? n.parent.name.text : undefined;
              push(isFunctionNode(inner) ? inner : n.expression, n, spec.type, holder);
              return false;
            }
          }
          return undefined;
        });
        return out;
      },
    };
  });
}
