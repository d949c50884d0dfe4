// Probes for the fault tests: an adapter for a small in-house bus that crashes on files marked
// CRASH_ADAPTER, and a rule that crashes on handlers named crashProbeTarget.
import { ts, calleeName, walk } from '../../src/analysis/ast.js';
import { delivery, type FrameworkAdapter, type Registration } from '../../src/frameworks/types.js';
import type { Rule } from '../../src/rule.js';

/** `bus.subscribe('topic', handler)`: the handler is the last argument. */
export const busAdapter: FrameworkAdapter = {
  name: 'bus',
  mayRegister: (text) => text.includes('bus.subscribe'),
  discover(ctx) {
    if (ctx.text.includes('CRASH_ADAPTER')) throw new Error('adapter probe');
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'subscribe' || n.arguments.length < 2) return;
      out.push({ handler: n.arguments[n.arguments.length - 1]!, node: n, framework: 'bus', kind: 'subscribe', delivery: delivery({ acksOnReturn: true, redeliversOnThrow: true }) });
    });
    return out;
  },
};

export const busConsumer = (name: string) => `import { bus } from './bus-client';

export async function ${name}(event: { id: string; amount: number }) {
  effect(event.amount);
}

bus.subscribe('payments', ${name});
declare function effect(x?: unknown): void;
`;

export const crashProbeRule: Rule = {
  id: 'crash-probe',
  defaultLevel: 'warning',
  description: 'Test rule: crashes on handlers named crashProbeTarget.',
  tags: ['test'],
  precision: 'low',
  check(ctx) {
    if (ctx.handler.name === 'crashProbeTarget') throw new Error('crash probe');
  },
};
