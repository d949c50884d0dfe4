// @azure/event-hubs: `consumerClient.subscribe({ processEvents, processError }, options)`, or the
// partition overload `subscribe(partitionId, handlers, options)`. processEvents receives a batch
// of events from one partition (in order) and the partition context; processError is not a handler.
import { ts, calleeName, objectProperty, walk } from '../analysis/ast.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type FrameworkAdapter, type Registration } from './types.js';
import { fromModule, objectLiteralOf, receiverOf, traceValue } from './trace.js';

const MODULE = '@azure/event-hubs';

export const azureEventHubs: FrameworkAdapter = {
  name: 'azure-event-hubs',
  mayRegister: (text) => text.includes('processEvents'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n) || calleeName(n) !== 'subscribe') return;
      const handlers = n.arguments.slice(0, 2).map((a) => objectLiteralOf(ctx.project, a)).find((o) => o && objectProperty(o, 'processEvents'));
      const handler = handlers && objectProperty(handlers, 'processEvents');
      if (!handlers || !handler) return;
      const recv = receiverOf(n);
      const traces = recv ? traceValue(ctx.project, recv) : [];
      const eh = traces.find((t) => fromModule(t, MODULE));
      if (traces.length && !eh) return;
      if (!eh && !ctx.importsModule(MODULE) && !objectProperty(handlers, 'processError')) return;
      out.push({
        handler,
        node: n,
        framework: 'azure-event-hubs',
        kind: 'processEvents',
        name: 'processEvents',
        delivery: delivery({
          params: [0],
          // The delivery identity is partition + sequenceNumber (offset is per partition too).
          idFields: ['sequenceNumber', 'offset', ...COMMON_EVENT_IDS],
          correlationFields: [...COMMON_CORRELATION, 'Diagnostic-Id'],
          timeFields: ['enqueuedTimeUtc', ...COMMON_EVENT_TIMES],
          // No per-event ack: progress is the checkpoint.
          ackMethods: ['updateCheckpoint'],
          nackMethods: [],
          acksOnReturn: false,
          // A throw goes to processError; a plain Error stops the partition's pump, which resumes from the
          // last checkpoint when the partition is claimed again: the batch is read again.
          redeliversOnThrow: true,
          ordered: true,
          orderReason: 'an Event Hubs partition',
          batched: true,
        }),
      });
    });
    return out;
  },
};
