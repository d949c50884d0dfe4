import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'mqtt');

describe('mqtt adapter', () => {
  it("marks an async 'message' listener on a QoS 1 subscription as auto-ack", () => {
    const result = auditSources({
      'src/telemetry.ts': `import mqtt from 'mqtt';
const client = mqtt.connect('mqtt://broker', { clean: false });
client.on('connect', () => { client.subscribe('devices/+/status', { qos: 1 }); });
client.on('message', async (topic, payload) => { await save(topic, payload.toString()); });
client.on('error', (err) => console.error(err));
declare function save(t: string, p: string): Promise<void>;
`,
    });
    const hs = result.handlers;
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ framework: 'mqtt', kind: 'message' });
    expect(hs[0]!.delivery).toMatchObject({ params: [1, 2], acksOnReturn: true, redeliversOnThrow: false, ordered: false, batched: false });
    expect(hs[0]!.delivery.autoAck?.reason).toMatch(/PUBACK right after emitting 'message'/);
    expect(hs[0]!.delivery.idFields).not.toContain('messageId');
  });

  it('does not mark QoS 0 subscriptions or synchronous listeners as auto-ack', () => {
    const [qos0] = handlersOf({
      'src/a.ts': `import { connect } from 'mqtt';
const c = connect('mqtt://x');
c.subscribe('a/#');
c.on('message', async (t, p) => { await store(p); });
declare function store(p: Buffer): Promise<void>;
`,
    });
    expect(qos0!.delivery.autoAck).toBeUndefined();
    const [sync] = handlersOf({
      'src/b.ts': `import mqtt from 'mqtt';
const c = mqtt.connect('mqtt://x');
c.subscribe({ 'a/#': { qos: 1 } });
c.on('message', (t, p) => { console.log(t, p.length); });
`,
    });
    expect(sync!.delivery.autoAck).toBeUndefined();
  });

  it('finds the handleMessage override, the manual-ack form, and a client from another file', () => {
    const hs = handlersOf({
      'src/client.ts': `import * as mqtt from 'mqtt';
export const client = mqtt.connect(process.env.MQTT_URL!);
`,
      'src/ingest.ts': `import type { IPublishPacket } from 'mqtt-packet';
import { client } from './client';
client.subscribe('sensors/#', { qos: 1 });
client.handleMessage = async (packet: IPublishPacket, callback: (e?: Error) => void) => {
  try { await store(packet.payload); callback(); } catch (e) { callback(e as Error); }
};
declare function store(p: unknown): Promise<void>;
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ kind: 'handleMessage' });
    expect(hs[0]!.delivery).toMatchObject({ params: [0], callbackParam: 1, acksOnReturn: false });
    expect(hs[0]!.delivery.autoAck).toBeUndefined();
  });

  it("reports no handler for websocket or emitter 'message' listeners, even beside an MQTT publisher", () => {
    const result = auditSources({
      'src/bridge.ts': `import mqtt from 'mqtt';
import { WebSocketServer } from 'ws';
const client = mqtt.connect('mqtt://x');
const wss = new WebSocketServer({ port: 1 });
wss.on('connection', (ws) => {
  ws.on('message', async (data) => { await client.publishAsync('in', String(data), { qos: 1 }); });
});
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
