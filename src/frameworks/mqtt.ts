// MQTT.js (`mqtt`, also `async-mqtt`): `client.on('message', (topic, payload, packet) => …)`
// (handler arg1) and the manual-ack form, a `client.handleMessage = (packet, callback) => …`
// override. 'connect' / 'error' / 'close' listeners are not handlers. The client must trace to
// `mqtt.connect(...)` / `connectAsync` / `new MqttClient` or an MqttClient type.
//
// Ack timing (MQTT.js src/lib/handlers/publish.ts): for QoS 1 the client emits 'message'
// synchronously, then runs handleMessage (by default done at once), then sends PUBACK: an async
// listener's work is still running when the broker is told the message was received.
import { ts, literalValue, objectProperty, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { callsOnSameReceiver, chainOf, fromModule, hasLocalImport, isAsyncFunction, listenerEvent, literalOf, objectLiteralOf, receiverOf, traceValue } from './trace.js';

const MODULES = /^(mqtt|async-mqtt)$/;

export const mqtt: FrameworkAdapter = {
  name: 'mqtt',
  mayRegister: (text) => (text.includes('mqtt') || hasLocalImport(text)) && (/['"`]message['"`]/.test(text) || text.includes('handleMessage')),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      // client.handleMessage = (packet, callback) => { ...; callback() }
      if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const left = unwrapExpression(n.left);
        if (!ts.isPropertyAccessExpression(left) || left.name.text !== 'handleMessage' || !isClient(ctx.project, left.expression)) return;
        out.push({
          handler: n.right,
          node: n,
          framework: 'mqtt',
          kind: 'handleMessage',
          name: 'handleMessage',
          delivery: model({ params: [0], callbackParam: 1, acksOnReturn: false }),
        });
        return;
      }
      if (!ts.isCallExpression(n) || listenerEvent(n) !== 'message' || !n.arguments[1]) return;
      const recv = receiverOf(n);
      if (!recv || !isClient(ctx.project, recv)) return;
      const handler = n.arguments[1];
      const qos = highestQos(ctx, recv);
      // With a handleMessage override on this client, PUBACK waits for its callback instead.
      const overridden = hasHandleMessageOverride(ctx.sf, recv);
      const autoAck =
        qos && literalValue(qos) !== 0 && !overridden && isAsyncFunction(ctx.project, handler)
          ? { reason: "MQTT.js sends PUBACK right after emitting 'message', before this async listener finishes (QoS 1 subscription)", node: qos }
          : undefined;
      out.push({
        handler,
        node: n,
        framework: 'mqtt',
        kind: 'message',
        name: 'message',
        // (topic, payload, packet): the payload and the packet carry the delivery.
        delivery: model({ params: [1, 2], acksOnReturn: true, autoAck }),
      });
    });
    return out;
  },
};

function isClient(project: Project, expr: ts.Expression): boolean {
  return traceValue(project, expr).some((t) => fromModule(t, MODULES));
}

/** The highest QoS requested by this client's subscribe calls in the file (the `qos` node), if any. */
function highestQos(ctx: AdapterContext, recv: ts.Expression): ts.Node | undefined {
  let best: ts.Node | undefined;
  let bestValue = -1;
  const consider = (node: ts.Node | undefined) => {
    if (!node) return;
    const v = literalOf(ctx.project, node);
    // A non-literal QoS is taken as at-least-once: it is configured, and QoS 0 is the default.
    const value = typeof v === 'number' ? v : 1;
    if (value > bestValue) {
      bestValue = value;
      best = node;
    }
  };
  for (const call of callsOnSameReceiver(ctx.sf, recv, new Set(['subscribe', 'subscribeAsync']))) {
    const [topics, opts] = call.arguments;
    consider(qosOf(ctx.project, opts));
    // subscribe({ 'a/b': { qos: 1 } }) — the topic map form.
    const map = objectLiteralOf(ctx.project, topics);
    if (map) for (const p of map.properties) if (ts.isPropertyAssignment(p) && propertyNameText(p.name) !== undefined) consider(qosOf(ctx.project, p.initializer));
  }
  return bestValue > 0 ? best : undefined;
}

function qosOf(project: Project, opts: ts.Node | undefined): ts.Node | undefined {
  const obj = objectLiteralOf(project, opts);
  return obj ? objectProperty(obj, 'qos') : undefined;
}

function hasHandleMessageOverride(sf: ts.SourceFile, recv: ts.Expression): boolean {
  const chain = chainOf(recv);
  let hit = false;
  walk(sf, (n) => {
    if (hit) return false;
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && chain !== undefined && chainOf(n.left) === `${chain}.handleMessage`) hit = true;
  });
  return hit;
}

function model(shape: { params: number[]; acksOnReturn: boolean; callbackParam?: number; autoAck?: { reason: string; node?: ts.Node } }) {
  return delivery({
    params: shape.params,
    callbackParam: shape.callbackParam,
    // packet.messageId is a 16-bit id reused per session: never a dedup key, so the name is left out
    // even though payloads sometimes carry one. Business ids come from the payload.
    idFields: COMMON_EVENT_IDS.filter((f) => f !== 'messageId' && f !== 'message_id'),
    // MQTT 5 carries correlationData and userProperties in packet.properties.
    correlationFields: [...COMMON_CORRELATION, 'correlationData'],
    timeFields: COMMON_EVENT_TIMES,
    ackMethods: [],
    nackMethods: [],
    acksOnReturn: shape.acksOnReturn,
    // MQTT.js never reports a listener's failure to the broker; only a persistent session
    // (clean: false) redelivers, and only what was never acked.
    redeliversOnThrow: false,
    // The broker keeps per-topic order to one client, but async listeners overlap.
    ordered: false,
    batched: false,
    autoAck: shape.autoAck,
  });
}
