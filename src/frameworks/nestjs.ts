// NestJS integrations registered by decorators, other than @nestjs/microservices patterns
// (nestjs-microservices.ts): @nestjs/bullmq and @nestjs/bull processors, @nestjs/event-emitter
// @OnEvent, @nestjs/cqrs @EventsHandler / @Saga, @golevelup/nestjs-rabbitmq @RabbitSubscribe and
// @ssut/nestjs-sqs @SqsMessageHandler. Lifecycle hooks (@OnWorkerEvent, @OnQueueFailed,
// @OnQueueEvent, @SqsConsumerEventHandler) are listeners, never handlers.
import { ts, isFunctionNode, literalValue, objectProperty, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { DeliveryModel } from '../model.js';
import { decoratedParams, decoratorArg, frameworkDecorators, optionsObject } from './nest-decorators.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { golevelupDelivery } from './nestjs-rabbitmq.js';
import { jobDelivery, retriesConfigured } from './job-queue-common.js';

const BULLMQ = ['@nestjs/bullmq'];
const BULL = ['@nestjs/bull'];
const EVENT_EMITTER = ['@nestjs/event-emitter'];
const CQRS = ['@nestjs/cqrs'];
const GOLEVELUP = ['@golevelup/nestjs-rabbitmq'];
const SSUT_SQS = ['@ssut/nestjs-sqs'];

// A decorator use (`@OnEvent(`, `@nest.OnEvent(`), or an import of one of the packages (an aliased decorator).
const DECORATOR_USE = /@\s*(?:\w+\s*\.\s*)?(?:Processor|Process|OnEvent|EventsHandler|Saga|RabbitSubscribe|RabbitRPC|SqsMessageHandler)\b/;
const PACKAGE_USE = /@nestjs\/(?:bull|bullmq|event-emitter|cqrs)\b|@golevelup\/nestjs-rabbitmq|@ssut\/nestjs-sqs/;

export const nestjs: FrameworkAdapter = {
  name: 'nestjs',
  mayRegister: (text) => DECORATOR_USE.test(text) || PACKAGE_USE.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) out.push(...classRegistrations(ctx, n));
      else if (ts.isMethodDeclaration(n) && n.body) out.push(...methodRegistrations(ctx, n));
    });
    return out;
  },
};

/** Registrations decided by a class decorator: a bullmq processor's `process`, a cqrs handler's `handle`. */
function classRegistrations(ctx: AdapterContext, cls: ts.ClassLikeDeclaration): Registration[] {
  const out: Registration[] = [];
  const bullmq = frameworkDecorators(ctx, cls, ['Processor'], BULLMQ)[0];
  if (bullmq) {
    const process = ownOrInheritedMethod(ctx, cls, 'process');
    if (process) out.push({ handler: process, node: bullmq.decorator, framework: 'nestjs', kind: 'Processor', name: 'process', delivery: bullJobDelivery(ctx) });
  }
  const cqrs = frameworkDecorators(ctx, cls, ['EventsHandler'], CQRS)[0];
  if (cqrs) {
    const handle = ownOrInheritedMethod(ctx, cls, 'handle');
    if (handle) {
      out.push({
        handler: handle,
        node: cqrs.decorator,
        framework: 'nestjs',
        kind: 'EventsHandler',
        name: 'handle',
        delivery: inProcessDelivery('errors of @nestjs/cqrs event handlers go to the UnhandledExceptionBus and never reach the publisher'),
      });
    }
  }
  // @Saga() properties: `saga = (events$) => events$.pipe(ofType(E), map(...))`.
  for (const m of cls.members) {
    if (!ts.isPropertyDeclaration(m) || !m.initializer) continue;
    const saga = frameworkDecorators(ctx, m, ['Saga'], CQRS)[0];
    const init = unwrapExpression(m.initializer);
    if (saga && isFunctionNode(init)) out.push({ handler: init, node: saga.decorator, framework: 'nestjs', kind: 'Saga', name: propertyNameText(m.name), delivery: inProcessDelivery() });
  }
  return out;
}

/** Registrations decided by a method decorator. */
function methodRegistrations(ctx: AdapterContext, m: ts.MethodDeclaration): Registration[] {
  const reg = (node: ts.Node, kind: string, model: DeliveryModel): Registration[] => [{ handler: m, node, framework: 'nestjs', kind, delivery: model }];

  const bull = frameworkDecorators(ctx, m, ['Process'], BULL)[0];
  // A bull processor declaring (job, done) runs in callback mode: done() settles, the promise is ignored.
  if (bull) return reg(bull.decorator, 'Process', bullJobDelivery(ctx, m.parameters.filter((p) => !p.dotDotDotToken && !p.initializer).length >= 2));

  const onEvent = frameworkDecorators(ctx, m, ['OnEvent'], EVENT_EMITTER)[0];
  if (onEvent) {
    const opts = optionsObject(ctx.project, decoratorArg(onEvent.decorator, 1));
    const suppress = opts ? literalValue(objectProperty(opts, 'suppressErrors')) : undefined;
    return reg(onEvent.decorator, 'OnEvent', inProcessDelivery(suppress === false ? undefined : '@OnEvent listeners run with suppressErrors: true by default, so a failure is only logged'));
  }

  const saga = frameworkDecorators(ctx, m, ['Saga'], CQRS)[0];
  if (saga) return reg(saga.decorator, 'Saga', inProcessDelivery());

  const rabbit = frameworkDecorators(ctx, m, ['RabbitSubscribe', 'RabbitRPC'], GOLEVELUP)[0];
  if (rabbit) {
    const params = decoratedParams(ctx, m, ['RabbitPayload', 'RabbitRequest', 'RabbitHeader']);
    const opts = optionsObject(ctx.project, decoratorArg(rabbit.decorator, 0));
    return reg(rabbit.decorator, rabbit.name, golevelupDelivery(ctx.project, opts, params.length ? params : [0, 1]));
  }

  const sqs = frameworkDecorators(ctx, m, ['SqsMessageHandler'], SSUT_SQS)[0];
  if (sqs) {
    const batched = literalValue(decoratorArg(sqs.decorator, 1)) === true;
    return reg(sqs.decorator, 'SqsMessageHandler', sqsConsumerDelivery(batched));
  }
  return [];
}

/** A method of the class or of a project base class it extends. */
function ownOrInheritedMethod(ctx: AdapterContext, cls: ts.ClassLikeDeclaration, name: string, depth = 0): ts.MethodDeclaration | undefined {
  const own = cls.members.find((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m) && !!m.body && propertyNameText(m.name) === name);
  if (own || depth > 4) return own;
  const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  const base = ext ? ctx.project.classFromExpression(ext.expression) : undefined;
  return base ? ownOrInheritedMethod(ctx, base, name, depth + 1) : undefined;
}

/**
 * BullMQ / bull job semantics (frameworks.md §7.1, §7.2), as the bullmq and bull adapters read them:
 * resolve completes, a throw fails the job and retries it only while `attempts` (default 1) remain.
 */
function bullJobDelivery(ctx: AdapterContext, callback = false): DeliveryModel {
  return jobDelivery(callback, {
    timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
    ackMethods: ['moveToCompleted'],
    nackMethods: ['moveToFailed', 'moveToDelayed'],
    redeliversOnThrow: retriesConfigured(ctx, 'attempts'),
    retryBound: { reason: 'a failed job is retried at most `attempts` times (default 1: no retry)' },
  });
}

/** sqs-consumer as bundled by @ssut/nestjs-sqs (v11): resolve deletes the message, throw leaves it for redelivery. */
function sqsConsumerDelivery(batched: boolean): DeliveryModel {
  return delivery({
    params: [0],
    idFields: ['MessageId', ...COMMON_EVENT_IDS],
    correlationFields: COMMON_CORRELATION,
    timeFields: ['SentTimestamp', ...COMMON_EVENT_TIMES],
    acksOnReturn: true,
    redeliversOnThrow: true,
    batched,
  });
}

/** In-process bus: at most once, no persistence, no retry (frameworks.md §8.6, §8.7, §13). */
function inProcessDelivery(errorsSuppressed?: string): DeliveryModel {
  const model = delivery({
    params: [0],
    idFields: COMMON_EVENT_IDS,
    correlationFields: COMMON_CORRELATION,
    timeFields: COMMON_EVENT_TIMES,
    inProcess: true,
  });
  if (errorsSuppressed) model.errorsSuppressed = { reason: errorsSuppressed };
  return model;
}
