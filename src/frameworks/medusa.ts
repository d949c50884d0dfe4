// Medusa (v2) subscribers: a module that default-exports the handler function and exports a
// `config` object with an `event` property:
//   export default async function orderPlacedHandler({ event, container }: SubscriberArgs<{ id: string }>) {...}
//   export const config: SubscriberConfig = { event: 'order.placed' }
// Evidence besides the shape: an import from @medusajs, a SubscriberConfig type, or a file under `subscribers/`.
import { ts, hasModifier, objectProperty, unwrapExpression } from '../analysis/ast.js';
import { eventDelivery, type FrameworkAdapter, type Registration } from './types.js';

export const medusa: FrameworkAdapter = {
  name: 'medusa',
  mayRegister: (text) => text.includes('config') && text.includes('event') && text.includes('export default'),
  discover(ctx) {
    let config: ts.VariableDeclaration | undefined;
    let handler: ts.Node | undefined;
    for (const st of ctx.sf.statements) {
      if (ts.isVariableStatement(st) && hasModifier(st, ts.SyntaxKind.ExportKeyword)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === 'config') config = d;
      } else if (ts.isFunctionDeclaration(st) && hasModifier(st, ts.SyntaxKind.ExportKeyword) && hasModifier(st, ts.SyntaxKind.DefaultKeyword)) {
        handler = st;
      } else if (ts.isExportAssignment(st) && !st.isExportEquals) {
        handler = st.expression;
      }
    }
    const obj = config?.initializer && unwrapExpression(config.initializer);
    if (!config || !handler || !obj || !ts.isObjectLiteralExpression(obj) || !objectProperty(obj, 'event')) return [];
    const typed = !!config.type && ts.isTypeReferenceNode(config.type) && /SubscriberConfig$/.test(config.type.typeName.getText());
    const evidence = ctx.importsModule(/^@medusajs\//) || typed || /[\\/]subscribers[\\/]/.test(ctx.file);
    if (!evidence) return [];
    const reg: Registration = {
      handler,
      node: config,
      framework: 'medusa',
      kind: 'subscriber',
      name: 'subscriber',
      delivery: eventDelivery({
        // ({ event: { name, data, metadata }, container })
        params: [0],
        acksOnReturn: true,
        // The event bus module decides: the local bus runs subscribers in process with no retry;
        // the Redis bus queues them as BullMQ jobs, retried only when attempts are configured.
        redeliversOnThrow: false,
        ordered: false,
        batched: false,
      }),
    };
    return [reg];
  },
};
