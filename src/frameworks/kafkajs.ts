// kafkajs and the KafkaJS-compatible API of @confluentinc/kafka-javascript
// (`require('@confluentinc/kafka-javascript').KafkaJS`): consumer.run({ eachMessage | eachBatch }),
// the handler a property of run's argument. Both are reported as framework `kafkajs`: the
// registration, payload and commit-on-resolve contract are the same. The differences that
// matter here: confluent takes `autoCommit` on the consumer (`kafka.consumer({ kafkaJS: { autoCommit } })`),
// not on run(), and after a throw it seeks back and redelivers with no limit (kafkajs retries,
// then restarts the consumer via restartOnFailure, also unbounded by default).
import { ts, calleeName, calleeReceiver, literalValue, objectProperty, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { isFalseLiteral, objectLiteralOf, unwrapValue, valueFacts } from './local-values.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';

export const kafkajs: FrameworkAdapter = {
  name: 'kafkajs',
  mayRegister: (text) => text.includes('eachMessage') || text.includes('eachBatch'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'run') return;
      const arg = objectLiteralOf(ctx.project, n.arguments[0]);
      if (!arg) return;
      const recv = calleeReceiver(n);
      const autoCommit = literalValue(objectProperty(arg, 'autoCommit')) ?? (recv ? consumerAutoCommit(ctx.project, recv) : undefined);
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

/**
 * The confluent KafkaJS API sets auto-commit on the consumer:
 * `kafka.consumer({ kafkaJS: { groupId, autoCommit: false } })`, or the librdkafka key
 * `'enable.auto.commit': false` beside it. Returns false when it is visibly off.
 */
function consumerAutoCommit(project: Project, recv: ts.Expression): boolean | undefined {
  for (const v of valueFacts(project, recv).values) {
    const call = unwrapValue(v);
    if (!ts.isCallExpression(call) || calleeName(call) !== 'consumer') continue;
    const cfg = objectLiteralOf(project, call.arguments[0]);
    if (!cfg) continue;
    const kjs = objectLiteralOf(project, objectProperty(cfg, 'kafkaJS'));
    if ((kjs && isFalseLiteral(objectProperty(kjs, 'autoCommit'))) || isFalseLiteral(objectProperty(cfg, 'enable.auto.commit'))) return false;
  }
  return undefined;
}
