import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>, config?: unknown) => auditSources(files, { config }).handlers;
const summary = (files: Record<string, string>) => handlersOf(files).map((h) => `${h.framework} ${h.kind} ${h.name}`);

const RMQ_CONTROLLER = `import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RmqContext } from '@nestjs/microservices';

@Controller()
export class InvoicesController {
  @EventPattern('invoice.issued')
  async onIssued(@Payload() evt: { id: string }, @Ctx() ctx: RmqContext) {
    await save(evt);
    ctx.getChannelRef().ack(ctx.getMessage());
  }
}
declare function save(x: unknown): Promise<void>;
`;

describe('@nestjs/microservices', () => {
  it('takes the transport from the @Ctx() type: RMQ defaults to noAck: true', () => {
    const [h, ...rest] = handlersOf({ 'src/invoices.controller.ts': RMQ_CONTROLLER });
    expect(rest).toHaveLength(0);
    expect(h).toMatchObject({ framework: 'nestjs', kind: 'EventPattern (rmq)', name: 'onIssued' });
    expect(h!.delivery).toMatchObject({
      params: [0, 1],
      ackMethods: ['ack', 'ackAll'],
      nackMethods: ['nack', 'reject', 'nackAll'],
      acksOnReturn: false,
      autoAck: { reason: 'NestJS RMQ transport defaults to noAck: true', byDefault: true },
    });
    expect(h!.delivery.idFields).toContain('messageId');
  });

  it('reads noAck from the RMQ server options in sight: false means manual acks, true is explicit', () => {
    const main = (noAck: string) => `import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { AppModule } from './app.module';
const rmq: MicroserviceOptions = { transport: Transport.RMQ, options: { urls: ['amqp://mq'], queue: 'billing', ${noAck} } };
export async function bootstrap() {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(AppModule, rmq);
  await app.listen();
}
`;
    const manual = handlersOf({ 'src/invoices.controller.ts': RMQ_CONTROLLER, 'src/main.ts': main('noAck: false') });
    expect(manual[0]!.delivery.autoAck).toBeUndefined();
    const auto = handlersOf({ 'src/invoices.controller.ts': RMQ_CONTROLLER, 'src/main.ts': main('noAck: true') });
    expect(auto[0]!.delivery.autoAck?.byDefault).toBeUndefined();
    expect(auto[0]!.delivery.autoAck?.reason).toContain('noAck: true');
    expect(auto[0]!.delivery.autoAck?.node?.getText()).toBe('true');
    const unset = handlersOf({ 'src/invoices.controller.ts': RMQ_CONTROLLER, 'src/main.ts': main('prefetchCount: 10') });
    expect(unset[0]!.delivery.autoAck).toMatchObject({ byDefault: true });
  });

  it('describes Kafka (ordered, redelivers on throw) and honours run.autoCommit: false', () => {
    const controller = `import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, MessagePattern, Payload } from '@nestjs/microservices';
@Controller()
export class TrackingController {
  @EventPattern('orders.status-changed')
  async onStatus(@Payload() evt: { orderId: string }, @Ctx() context: KafkaContext) { await apply(evt); }

  @MessagePattern('orders.tracking.get')
  async get(@Payload() req: { orderId: string }) { return { orderId: req.orderId }; }
}
declare function apply(x: unknown): Promise<void>;
`;
    const hs = handlersOf({ 'src/tracking.controller.ts': controller });
    expect(hs.map((h) => h.kind)).toEqual(['EventPattern (kafka)', 'MessagePattern (kafka)']);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true, ordered: true, ackMethods: ['commitOffsets'] });
    expect(hs[0]!.delivery.correlationFields).toContain('kafka_correlationId');

    const manual = handlersOf({
      'src/tracking.controller.ts': controller,
      'src/main.ts': `import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
export async function bootstrap(app: any) {
  app.connectMicroservice({ transport: Transport.KAFKA, options: { client: { brokers: ['k'] }, run: { autoCommit: false } } });
}
`,
    });
    expect(manual[0]!.delivery.acksOnReturn).toBe(false);
  });

  it('infers the transport from context use, the decorator argument, or the one server transport', () => {
    const hs = handlersOf({
      'src/a.controller.ts': `import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Transport } from '@nestjs/microservices';
@Controller()
export class A {
  @EventPattern('a.happened')
  async onA(data: unknown, @Ctx() ctx: any) { ctx.getChannelRef().ack(ctx.getMessage()); }

  @EventPattern('b.happened', Transport.NATS)
  async onB(data: unknown) { await work(data); }
}
declare function work(x: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => h.kind)).toEqual(['EventPattern (rmq)', 'EventPattern (nats)']);
    // NATS events are at most once, and the transport only logs an event handler's error.
    expect(hs[1]!.delivery).toMatchObject({ acksOnReturn: false, redeliversOnThrow: false });
    expect(hs[1]!.delivery.errorsSuppressed?.reason).toContain('NATS');

    const viaServer = handlersOf({
      'src/billing.consumer.ts': `import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
@Controller()
export class BillingConsumer {
  @EventPattern('accounts.seats-changed')
  async onSeats(@Payload() evt: unknown) { await apply(evt); }
}
declare function apply(x: unknown): Promise<void>;
`,
      'src/main.ts': `import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
export const start = () => NestFactory.createMicroservice({} as any, { transport: Transport.KAFKA, options: { client: { brokers: ['k'] } } });
`,
    });
    expect(viaServer[0]!.kind).toBe('EventPattern (kafka)');
  });

  it('keeps a pattern handler with an unknown transport, describing nothing it cannot know', () => {
    const [h] = handlersOf({
      'src/billing.consumer.ts': `import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
@Controller()
export class BillingConsumer {
  @EventPattern('accounts.plan-changed')
  async onPlan(@Payload() evt: unknown) { await apply(evt); }
}
declare function apply(x: unknown): Promise<void>;
`,
    });
    expect(h).toMatchObject({ kind: 'EventPattern', name: 'onPlan' });
    expect(h!.delivery).toMatchObject({ acksOnReturn: false, redeliversOnThrow: false, ordered: false });
    expect(h!.delivery.autoAck).toBeUndefined();
  });

  it('follows a barrel that re-exports the decorators, and ignores a same-named project decorator', () => {
    expect(
      summary({
        'src/common/index.ts': `export * from '@nestjs/microservices';\n`,
        'src/a.controller.ts': `import { Controller } from '@nestjs/common';
import { EventPattern as On } from './common';
@Controller()
export class A { @On('x') async onX(data: unknown) { console.log(data); } }
`,
        'src/own/decorators.ts': `export const EventPattern = (p: string): MethodDecorator => () => undefined;\n`,
        'src/b.ts': `import { EventPattern } from './own/decorators';
export class B { @EventPattern('y') async onY(data: unknown) { console.log(data); } }
`,
      }),
    ).toEqual(['nestjs EventPattern onX']);
  });

  it('does not take an HTTP controller, a ClientKafka producer or lifecycle hooks for handlers', () => {
    expect(
      summary({
        'src/orders-http.controller.ts': `import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { ClientKafka } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
@Controller('orders')
export class OrdersHttpController {
  constructor(@Inject('KAFKA') private readonly kafka: ClientKafka, private readonly db: any) {}
  @Post()
  async place(@Body() dto: { customerId: string }) {
    const order = await this.db.order.create({ data: { id: randomUUID(), customerId: dto.customerId } });
    this.kafka.emit('orders.placed', { key: order.id, value: order });
    return order;
  }
  @Get(':id') get() { return this.db.order.findFirst(); }
}
`,
        'src/hooks.ts': `import { OnWorkerEvent, OnQueueEvent, QueueEventsListener, Processor, WorkerHost } from '@nestjs/bullmq';
import { OnQueueFailed } from '@nestjs/bull';
import { SqsConsumerEventHandler } from '@ssut/nestjs-sqs';
@QueueEventsListener('mail')
export class MailEvents { @OnQueueEvent('completed') done() { console.log('done'); } }
export class Hooks {
  @OnWorkerEvent('failed') failed(job: any) { console.log(job.id); }
  @OnQueueFailed() queueFailed(job: any) { console.log(job.id); }
  @SqsConsumerEventHandler('orders', 'processing_error') onError(err: Error) { console.log(err); }
}
`,
      }),
    ).toEqual([]);
  });
});

describe('NestJS queue, event and RabbitMQ integrations', () => {
  it('counts a @Processor WorkerHost `process` once, with BullMQ semantics, and not its @OnWorkerEvent hooks', () => {
    const hs = handlersOf({
      'src/export.processor.ts': `import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
@Processor('data-export')
export class ExportProcessor extends WorkerHost {
  async process(job: Job<{ id: string }>): Promise<void> { await build(job.data.id); }
  @OnWorkerEvent('failed') onFailed(job: Job) { console.log(job.id); }
}
declare function build(id: string): Promise<void>;
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ framework: 'nestjs', kind: 'Processor', name: 'process' });
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: false, ackMethods: ['moveToCompleted'] });
    expect(hs[0]!.delivery.retryBound?.reason).toContain('attempts');
    expect(hs[0]!.delivery.idFields).toContain('id');
  });

  it('finds a processor `process` inherited from a project base class', () => {
    const hs = handlersOf({
      'src/base.ts': `import { WorkerHost } from '@nestjs/bullmq';
export abstract class BaseProcessor extends WorkerHost {
  async process(job: any) { await this.handle(job); }
  abstract handle(job: any): Promise<void>;
}
`,
      'src/mail.processor.ts': `import { Processor } from '@nestjs/bullmq';
import { BaseProcessor } from './base';
@Processor('mail')
export class MailProcessor extends BaseProcessor { async handle(job: any) { console.log(job.id); } }
`,
    });
    expect(hs.map((h) => [h.name, h.file.endsWith('base.ts')])).toEqual([['process', true]]);
  });

  it('counts @nestjs/bull @Process methods; a (job, done) method is in callback mode', () => {
    const hs = handlersOf({
      'src/audio.processor.ts': `import { Process, Processor, OnQueueFailed } from '@nestjs/bull';
import type { Job, DoneCallback } from 'bull';
@Processor('audio')
export class AudioProcessor {
  @Process('transcode') async transcode(job: Job) { await run(job.data); }
  @Process({ name: 'legacy', concurrency: 2 }) legacy(job: Job, done: DoneCallback) { run(job.data).then(() => done(), done); }
  @OnQueueFailed() failed(job: Job) { console.log(job.id); }
}
declare function run(x: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.kind} ${h.name} ${h.delivery.acksOnReturn}`)).toEqual(['Process transcode true', 'Process legacy false']);
    expect(hs[1]!.delivery.callbackParam).toBe(1);
  });

  it('counts @OnEvent as in-process with suppressed errors, unless suppressErrors: false', () => {
    const hs = handlersOf({
      'src/listeners.ts': `import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
@Injectable()
export class Listeners {
  @OnEvent('user.deleted', { async: true }) async onDeleted(e: { userId: string }) { await purge(e.userId); }
  @OnEvent('user.created', { suppressErrors: false }) async onCreated(e: { userId: string }) { await purge(e.userId); }
}
declare function purge(id: string): Promise<void>;
`,
    });
    expect(hs.map((h) => h.name)).toEqual(['onDeleted', 'onCreated']);
    expect(hs[0]!.delivery).toMatchObject({ inProcess: true, acksOnReturn: false, redeliversOnThrow: false });
    expect(hs[0]!.delivery.errorsSuppressed?.reason).toContain('suppressErrors');
    expect(hs[1]!.delivery.errorsSuppressed).toBeUndefined();
  });

  it('counts a cqrs @EventsHandler `handle` and a @Saga property, not a @CommandHandler', () => {
    const hs = handlersOf({
      'src/cqrs.ts': `import { CommandHandler, EventsHandler, ICommandHandler, IEventHandler, Saga, ofType } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
class OrderPlaced { constructor(readonly id: string) {} }
class ShipOrder { constructor(readonly id: string) {} }
@EventsHandler(OrderPlaced)
export class OrderPlacedHandler implements IEventHandler<OrderPlaced> {
  async handle(event: OrderPlaced) { await notify(event.id); }
}
@CommandHandler(ShipOrder)
export class ShipOrderHandler implements ICommandHandler<ShipOrder> {
  async execute(cmd: ShipOrder) { await notify(cmd.id); }
}
export class OrderSagas {
  @Saga() placed = (events$: Observable<any>) => events$.pipe(ofType(OrderPlaced), map((e) => new ShipOrder(e.id)));
}
declare function notify(id: string): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.kind} ${h.name}`)).toEqual(['EventsHandler handle', 'Saga placed']);
    expect(hs[0]!.delivery.inProcess).toBe(true);
    expect(hs[0]!.delivery.errorsSuppressed?.reason).toContain('UnhandledExceptionBus');
  });

  it('reads golevelup @RabbitSubscribe error behaviour: REQUEUE by default, NACK and DLX when set', () => {
    const hs = handlersOf({
      'src/subscribers.ts': `import { Injectable } from '@nestjs/common';
import { MessageHandlerErrorBehavior, Nack, RabbitPayload, RabbitSubscribe, defaultNackErrorHandler } from '@golevelup/nestjs-rabbitmq';
@Injectable()
export class Subscribers {
  @RabbitSubscribe({ exchange: 'payments', routingKey: 'payment.captured', queue: 'revenue' })
  async onCaptured(evt: { id: string }) { await book(evt.id); }

  @RabbitSubscribe({
    exchange: 'logistics', routingKey: 'shipment.dispatched', queue: 'storefront',
    queueOptions: { durable: true, deadLetterExchange: 'logistics.dlx' },
    errorBehavior: MessageHandlerErrorBehavior.NACK,
  })
  async onDispatched(@RabbitPayload() evt: { id: string }) { await book(evt.id); }

  @RabbitSubscribe({ exchange: 'x', routingKey: 'y', queue: 'z', errorHandler: defaultNackErrorHandler })
  async onOther(evt: { id: string }): Promise<Nack | void> { await book(evt.id); }
}
declare function book(id: string): Promise<void>;
`,
    });
    expect(hs.map((h) => h.name)).toEqual(['onCaptured', 'onDispatched', 'onOther']);
    const [requeue, nack, handler] = hs.map((h) => h.delivery);
    expect(requeue).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true, nackMethods: ['Nack'], params: [0, 1] });
    expect(requeue!.retryBound).toBeUndefined();
    expect(nack).toMatchObject({ redeliversOnThrow: false, params: [0] });
    expect(nack!.retryBound?.reason).toContain('deadLetterExchange');
    expect(handler).toMatchObject({ redeliversOnThrow: false });
    expect(handler!.retryBound).toBeUndefined();
  });

  it('uses the module-level defaultSubscribeErrorBehavior when the subscription sets none', () => {
    const [h] = handlersOf({
      'src/app.module.ts': `import { RabbitMQModule, MessageHandlerErrorBehavior } from '@golevelup/nestjs-rabbitmq';
export const rabbit = RabbitMQModule.forRoot({ uri: 'amqp://mq', defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK });
`,
      'src/sub.ts': `import { RabbitSubscribe } from '@golevelup/nestjs-rabbitmq';
export class Sub { @RabbitSubscribe({ exchange: 'a', routingKey: 'b', queue: 'c' }) async on(evt: unknown) { console.log(evt); } }
`,
    });
    expect(h!.delivery.redeliversOnThrow).toBe(false);
  });

  it('counts @SqsMessageHandler with its batch flag', () => {
    const hs = handlersOf({
      'src/sqs.ts': `import { Injectable } from '@nestjs/common';
import { SqsMessageHandler, SqsConsumerEventHandler } from '@ssut/nestjs-sqs';
import type { Message } from '@aws-sdk/client-sqs';
@Injectable()
export class Handlers {
  @SqsMessageHandler('signups', false) async one(message: Message) { console.log(message.MessageId); return message; }
  @SqsMessageHandler('clicks', true) async many(messages: Message[]) { console.log(messages.length); }
  @SqsConsumerEventHandler('signups', 'processing_error') onError(err: Error) { console.log(err); }
}
`,
    });
    expect(hs.map((h) => `${h.kind} ${h.name} ${h.delivery.batched}`)).toEqual(['SqsMessageHandler one false', 'SqsMessageHandler many true']);
    expect(hs[0]!.delivery).toMatchObject({ acksOnReturn: true, redeliversOnThrow: true });
    expect(hs[0]!.delivery.idFields).toContain('MessageId');
  });
});
