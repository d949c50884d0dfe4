// The team's own registrations, declared in config: a call with the handler at an argument
// (or under a property of it), a method decorator, or a function type annotation.
import { ts, accessChain, calleeName, decoratorName, decoratorsOf, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
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

export function customAdapters(config: ResolvedConfig): FrameworkAdapter[] {
  return config.handlers.map((spec, i): FrameworkAdapter => {
    const framework = spec.framework ?? 'custom';
    const needle = spec.call?.split('.').pop() ?? spec.decorator ?? spec.type ?? '';
    return {
      name: `${framework} (config handlers[${i}])`,
      mayRegister: (text) => text.includes(needle),
      discover(ctx) {
        const out: Registration[] = [];
        walk(ctx.sf, (n) => {
          if (spec.call && (ts.isCallExpression(n) || ts.isNewExpression(n)) && callMatches(n, spec.call)) {
            const args = n.arguments ?? [];
            const arg = args[spec.arg ?? args.length - 1];
            if (!arg) return;
            let handler: ts.Node | undefined = arg;
            if (spec.property) {
              const obj = unwrapExpression(arg);
              handler = ts.isObjectLiteralExpression(obj) ? objectProperty(obj, spec.property) : undefined;
            }
            if (handler) out.push({ handler, node: n, framework, kind: spec.call, delivery: model(spec) });
          } else if (spec.decorator && ts.isMethodDeclaration(n) && decoratorsOf(n).some((d) => decoratorName(d) === spec.decorator)) {
            out.push({ handler: n, node: n, framework, kind: `@${spec.decorator}`, delivery: model(spec) });
          } else if (spec.type && ts.isVariableDeclaration(n) && n.type && ts.isTypeReferenceNode(n.type)) {
            const t = n.type.typeName;
            const name = ts.isIdentifier(t) ? t.text : t.right.text;
            if (name === spec.type && n.initializer) out.push({ handler: n.initializer, node: n, framework, kind: spec.type, delivery: model(spec) });
          }
        });
        return out;
      },
    };
  });
}
