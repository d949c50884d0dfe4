// ack-before-process: The delivery is acknowledged, committed or deleted before the work it carries has finished.
import { ts, isFunctionNode, snippet } from '../src/analysis/ast.js';
import { doesWork, earlyAck, settlesByHand } from '../src/analysis/acks.js';
import type { FlowContext } from '../src/analysis/flow.js';
import type { Rule } from '../src/rule.js';

export const ackBeforeProcess: Rule = {
  id: 'ack-before-process',
  defaultLevel: 'error',
  description: 'The delivery is acknowledged, committed or deleted before the work it carries has finished.',
  tags: ['reliability', 'message-loss'],
  precision: 'high',
  check(ctx) {
    const flow: FlowContext = { handler: ctx.handler, reach: ctx.reach, project: ctx.project };
    const auto = ctx.handler.delivery.autoAck;
    if (auto) {
      // A framework default (NestJS RMQ noAck) is disproved by a manual ack or nack in the handler.
      const manual = auto.byDefault && settlesByHand(flow);
      const work = manual ? undefined : doesWork(flow);
      if (work) {
        const body = ctx.handler.body;
        const at = auto.node ?? (isFunctionNode(body) ? (body.parameters[0] ?? body) : body);
        ctx.report(
          at,
          `The delivery is acked on receipt (${auto.reason}) before the handler's work (\`${snippet(work, 40)}\`) runs: ` +
            'a crash or a failure in the handler loses the message for good. Looked for manual ack mode and found none.',
        );
        return;
      }
    }
    const early = earlyAck(flow);
    if (!early) return;
    const ack = early.ack.reply ? early.ack.label : `\`${snippet(early.ack.node, 50)}\``;
    ctx.report(
      early.ack.node,
      `${ack.charAt(0).toUpperCase()}${ack.slice(1)} settles the delivery before the work it carries (\`${snippet(early.work, 50)}\`): ` +
        'if that work fails or the process dies, the message is already gone and is never redelivered. Move the ack after the awaited work.',
      { related: [{ node: early.work as ts.Node, message: 'the work that runs after the ack' }] },
    );
  },
};
