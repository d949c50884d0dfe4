// @azure/service-bus: `receiver.subscribe({ processMessage, processError }, options)` (the
// handler is arg0.processMessage; processError is an error callback, not a handler), and pull
// loops over `receiver.receiveMessages(...)` or `receiver.getMessageIterator()` (the loop body
// is the handler). Settlement is on the receiver: completeMessage / abandonMessage / ...
import { ts, calleeName, objectProperty, walk } from '../analysis/ast.js';
import type { DeliveryModel } from '../model.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { consumeLoop, fromModule, literalOf, objectLiteralOf, optionOf, receiverOf, traceValue, type Trace } from './trace.js';

const MODULE = '@azure/service-bus';
const RECEIVER_FACTORIES = new Set(['createReceiver()', 'acceptSession()', 'acceptNextSession()']);
const SESSION_FACTORIES = new Set(['acceptSession()', 'acceptNextSession()']);

export const azureServiceBus: FrameworkAdapter = {
  name: 'azure-service-bus',
  mayRegister: (text) => text.includes('processMessage') || text.includes('receiveMessages') || text.includes('getMessageIterator'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isCallExpression(n)) return;
      const name = calleeName(n);
      if (name === 'subscribe') {
        const handlers = objectLiteralOf(ctx.project, n.arguments[0]);
        const handler = handlers && objectProperty(handlers, 'processMessage');
        if (!handlers || !handler) return;
        const recv = receiverOf(n);
        const traces = recv ? traceValue(ctx.project, recv) : [];
        const sb = traces.find((t) => fromModule(t, MODULE));
        if (traces.length && !sb) return; // a receiver of another library
        // The handlers object of a Service Bus receiver always carries processError too (it is required).
        if (!sb && !ctx.importsModule(MODULE) && !objectProperty(handlers, 'processError')) return;
        const autoComplete = literalOf(ctx.project, optionOf(ctx.project, n.arguments[1], 'autoCompleteMessages'));
        out.push({
          handler,
          node: n,
          framework: 'azure-service-bus',
          kind: 'processMessage',
          name: 'processMessage',
          delivery: model(ctx, sb, { acksOnReturn: autoComplete !== false, batched: false }),
        });
      } else if (name === 'receiveMessages' || name === 'getMessageIterator') {
        const recv = receiverOf(n);
        if (!recv) return;
        const traces = traceValue(ctx.project, recv);
        const sb = traces.find((t) => fromModule(t, MODULE) && isReceiver(t));
        if (!sb && (traces.length || !ctx.importsModule(MODULE))) return;
        const loop = consumeLoop(n);
        if (!loop) return;
        out.push({
          handler: loop.body,
          node: n,
          framework: 'azure-service-bus',
          kind: name,
          name,
          // Pulled messages are settled by hand (peekLock) or already deleted (receiveAndDelete).
          delivery: model(ctx, sb, { acksOnReturn: false, batched: !loop.perItem }),
        });
      }
    });
    return out;
  },
};

function isReceiver(t: Trace): boolean {
  return t.steps.some((s) => RECEIVER_FACTORIES.has(s) || /^:ServiceBus(Session)?Receiver$/.test(s));
}

/** The call that created the receiver (createReceiver / acceptSession / acceptNextSession), if on the trace. */
function receiverFactory(t: Trace | undefined): ts.CallExpression | undefined {
  if (!t) return undefined;
  for (let i = t.steps.length - 1; i >= 0; i--) {
    const node = t.nodes[i];
    if (RECEIVER_FACTORIES.has(t.steps[i]!) && node && ts.isCallExpression(node)) return node;
  }
  return undefined;
}

function model(ctx: AdapterContext, sb: Trace | undefined, shape: { acksOnReturn: boolean; batched: boolean }): DeliveryModel {
  const factory = receiverFactory(sb);
  // Options are the last argument: createReceiver(queue, opts) / createReceiver(topic, sub, opts).
  const opts = factory?.arguments.length ? objectLiteralOf(ctx.project, factory.arguments[factory.arguments.length - 1]) : undefined;
  const modeNode = opts && objectProperty(opts, 'receiveMode');
  const receiveAndDelete = literalOf(ctx.project, modeNode) === 'receiveAndDelete';
  const session = !!sb && sb.steps.some((s) => SESSION_FACTORIES.has(s) || s === ':ServiceBusSessionReceiver');
  return delivery({
    params: [0],
    // messageId is application-set and stable; sequenceNumber is broker-assigned and unique. lockToken is a settle handle.
    idFields: ['messageId', 'sequenceNumber', ...COMMON_EVENT_IDS],
    correlationFields: [...COMMON_CORRELATION, 'Diagnostic-Id'],
    timeFields: ['enqueuedTimeUtc', ...COMMON_EVENT_TIMES],
    ackMethods: ['completeMessage'],
    nackMethods: ['abandonMessage', 'deadLetterMessage', 'deferMessage'],
    // autoCompleteMessages (default true) completes the message when processMessage resolves, also on an early return.
    acksOnReturn: shape.acksOnReturn && !receiveAndDelete,
    // peekLock: a throw abandons the message (subscribe) or its lock expires (pull): it is redelivered.
    // receiveAndDelete: it was deleted on receipt and never comes back.
    redeliversOnThrow: !receiveAndDelete,
    ordered: session,
    orderReason: session ? 'a Service Bus session (FIFO per sessionId)' : undefined,
    batched: shape.batched,
    autoAck: receiveAndDelete
      ? { reason: "the receiver uses receiveMode 'receiveAndDelete': Service Bus deletes each message as it is handed over, before the handler runs", node: modeNode }
      : undefined,
    // The broker bounds redelivery by the entity's maxDeliveryCount (default 10), then dead-letters.
    retryBound: { reason: 'Service Bus moves a message to its dead-letter queue after maxDeliveryCount deliveries (default 10)' },
  });
}
