import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers;

const CONTROLLER = `import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
@Controller()
export class OrdersController {
  @EventPattern('payments.captured')
  async onCaptured(@Payload() evt: { orderId: string }) { await markPaid(evt.orderId); }
}
declare function markPaid(id: string): Promise<void>;
`;

/** A service whose options come from `options()` imported from `spec`. */
const main = (spec: string, call = `serverOptions('orders')`) => `import { NestFactory } from '@nestjs/core';
import { serverOptions } from '${spec}';
import { AppModule } from './app.module';
export async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.connectMicroservice(${call});
  await app.startAllMicroservices();
}
`;

const pkg = (deps: Record<string, string>) => JSON.stringify({ name: 'orders-service', dependencies: deps });

describe('NestJS microservice transport from options the tool cannot read as one object', () => {
  it('follows the options helper into a workspace package and reads Transport.X in it', () => {
    const files = {
      'package.json': JSON.stringify({ name: 'acme', private: true, workspaces: ['apps/*', 'libs/*'] }),
      'libs/messaging/package.json': JSON.stringify({ name: '@acme/messaging', main: 'dist/index.js' }),
      // The returned value is a merge, not an object literal: only the helper's code names the transport.
      'libs/messaging/src/index.ts': `import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { merge } from 'lodash';
const defaults = { options: { consumer: { groupId: process.env.GROUP_ID } } };
export function serverOptions(clientId: string): MicroserviceOptions {
  const overrides = { transport: Transport.KAFKA, options: { client: { clientId, brokers: [process.env.KAFKA!] } } };
  return merge({}, defaults, overrides);
}
`,
      'apps/orders/src/main.ts': main('@acme/messaging'),
      'apps/orders/src/orders.controller.ts': CONTROLLER,
    };
    const [h] = handlersOf(files);
    expect(h).toMatchObject({ kind: 'EventPattern (kafka)', name: 'onCaptured' });
    expect(h!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true, ordered: true });
    expect(h!.delivery.orderReason).toContain('serverOptions(), which uses Transport.KAFKA');

    // Through a variable, and a helper that calls the project function that names the transport.
    const [v] = handlersOf({
      ...files,
      'libs/messaging/src/index.ts': `import { Transport } from '@nestjs/microservices';
function rmq(queue: string) { return Object.assign({ transport: Transport.RMQ }, { options: { queue } }); }
export const serverOptions = (name: string) => rmq(name + '-queue');
`,
      'apps/orders/src/main.ts': main('@acme/messaging', 'options').replace('export async', `const options = serverOptions('orders');\nexport async`),
    });
    expect(v!.kind).toBe('EventPattern (rmq)');
    // The options were not read: whether the server runs with noAck is not known, so no auto-ack is claimed.
    expect(v!.delivery.autoAck).toBeUndefined();
  });

  it('does not guess when the helper names two transports and no package.json tells them apart', () => {
    const [h] = handlersOf({
      'libs/messaging/package.json': JSON.stringify({ name: '@acme/messaging' }),
      'libs/messaging/src/index.ts': `import { Transport } from '@nestjs/microservices';
export function serverOptions(kind: string) {
  return kind === 'kafka' ? build(Transport.KAFKA) : build(Transport.NATS);
}
declare function build(t: unknown): any;
`,
      'apps/orders/src/main.ts': main('@acme/messaging'),
      'apps/orders/src/orders.controller.ts': CONTROLLER,
    });
    expect(h).toMatchObject({ kind: 'EventPattern' });
    expect(h!.delivery).toMatchObject({ acksOnReturn: false, redeliversOnThrow: false, ordered: false });
  });

  it('falls back on the one message broker client in the nearest package.json (a Redis cache does not count against it)', () => {
    const [h] = handlersOf({
      'package.json': pkg({ '@nestjs/microservices': '^10.0.0', kafkajs: '^2.2.4', ioredis: '^5.4.0' }),
      'src/main.ts': main('@acme/broker-config'),
      'src/orders.controller.ts': CONTROLLER,
    });
    expect(h!.kind).toBe('EventPattern (kafka)');
    expect(h!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true, ordered: true });
    expect(h!.delivery.orderReason).toContain('kafkajs is the only message broker client in package.json (orders-service)');

    // A service package without broker clients of its own: the monorepo root's dependencies decide.
    const [nested] = handlersOf({
      'package.json': pkg({ amqplib: '^0.10.0', 'amqp-connection-manager': '^4.1.0' }),
      'apps/orders/package.json': JSON.stringify({ name: 'orders', dependencies: { '@nestjs/core': '^10.0.0' } }),
      'apps/orders/src/main.ts': main('@acme/broker-config', 'config.get("microservice")').replace("import { serverOptions } from '@acme/broker-config';", 'declare const config: any;'),
      'apps/orders/src/orders.controller.ts': CONTROLLER,
    });
    expect(nested!.kind).toBe('EventPattern (rmq)');
    expect(nested!.delivery.autoAck).toBeUndefined();
  });

  it('keeps the transport unknown when the package depends on two brokers, none, or the options use a custom strategy', () => {
    const two = handlersOf({
      'package.json': pkg({ kafkajs: '^2.2.4', nats: '^2.0.0' }),
      'src/main.ts': main('@acme/broker-config'),
      'src/orders.controller.ts': CONTROLLER,
    });
    expect(two[0]!.kind).toBe('EventPattern');
    expect(two[0]!.delivery.acksOnReturn).toBe(false);

    const none = handlersOf({
      'package.json': pkg({ '@nestjs/microservices': '^10.0.0' }),
      'src/main.ts': main('@acme/broker-config'),
      'src/orders.controller.ts': CONTROLLER,
    });
    expect(none[0]!.kind).toBe('EventPattern');

    const strategy = handlersOf({
      'package.json': pkg({ kafkajs: '^2.2.4' }),
      'src/main.ts': main('./pubsub', '{ strategy: new PubSubServer() }').replace("import { serverOptions } from './pubsub';", "import { PubSubServer } from './pubsub';"),
      'src/pubsub.ts': `export class PubSubServer {}\n`,
      'src/orders.controller.ts': CONTROLLER,
    });
    expect(strategy[0]!.kind).toBe('EventPattern');
  });

  it('prefers a readable transport over the dependencies', () => {
    const [h] = handlersOf({
      'package.json': pkg({ kafkajs: '^2.2.4' }),
      'src/main.ts': `import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
export const start = () => NestFactory.createMicroservice({} as any, { transport: Transport.NATS, options: { servers: ['nats://n'] } });
`,
      'src/orders.controller.ts': CONTROLLER,
    });
    expect(h!.kind).toBe('EventPattern (nats)');
    expect(h!.delivery.errorsSuppressed?.reason).not.toContain('taken as');
  });
});
