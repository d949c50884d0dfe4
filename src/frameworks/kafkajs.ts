// kafkajs and the KafkaJS-compatible API of @confluentinc/kafka-javascript:
// consumer.run({ eachMessage | eachBatch }) — the handler is a property of run's argument.
import { ts, calleeName, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';

export const kafkajs: FrameworkAdapter = {
  name: 'kafkajs',
  mayRegister: (text) => text.includes('eachMessage') || text.includes('eachBatch'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'run') return;
      const arg = n.arguments[0] && unwrapExpression(n.arguments[0]);
      if (!arg || !ts.isObjectLiteralExpression(arg)) return;
      const autoCommit = literalValue(objectProperty(arg, 'autoCommit'));
      const autoResolve = literalValue(objectProperty(arg, 'eachBatchAutoResolve'));
      for (const kind of ['eachMessage', 'eachBatch'] as const) {
        const h = objectProperty(arg, kind);
        if (!h) continue;
        const batched = kind === 'eachBatch';
        out.push({
          handler: h,
          node: n,
          framework: 'kafkajs',
          kind,
          name: kind,
          delivery: delivery({
            params: [0],
            idFields: ['offset', ...COMMON_EVENT_IDS],
            correlationFields: [...COMMON_CORRELATION, 'kafka_correlationId'],
            timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
            ackMethods: ['resolveOffset', 'commitOffsets', 'commitOffsetsIfNecessary'],
            nackMethods: ['seek'],
            // With autoCommit off, offsets are committed by hand; a batch is resolved on return unless told otherwise.
            acksOnReturn: autoCommit !== false && !(batched && autoResolve === false),
            redeliversOnThrow: true,
            ordered: true,
            orderReason: 'a Kafka partition',
            batched,
          }),
        });
      }
    });
    return out;
  },
};
