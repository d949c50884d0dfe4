// @nestjs/microservices: @EventPattern / @MessagePattern methods. What a delivery looks like
// depends on the transport, read from the @Ctx() parameter's type (KafkaContext, RmqContext, ...),
// the decorator's transport argument, how the handler uses its context, or the one server
// transport configured in the project (NestFactory.createMicroservice / app.connectMicroservice).
import { ts, calleeName, calleeReceiver, literalValue, objectProperty, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { DeliveryModel } from '../model.js';
import { decoratedParams, decoratorArg, enumName, frameworkDecorators, optionsObject, paramTypeName } from './nest-decorators.js';
import { TRANSPORT_NAMES, transportFromDependencies, transportInHelper, type Transport } from './nestjs-transport-inference.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';

const PACKAGES = ['@nestjs/microservices'];

const CONTEXT_TYPES: Record<string, Transport> = {
  KafkaContext: 'KAFKA',
  RmqContext: 'RMQ',
  NatsContext: 'NATS',
  RedisContext: 'REDIS',
  MqttContext: 'MQTT',
  TcpContext: 'TCP',
};

/** Context methods that only one transport's context has. */
const CONTEXT_METHODS: Record<string, Transport> = {
  getChannelRef: 'RMQ',
  getPartition: 'KAFKA',
  getConsumer: 'KAFKA',
  getHeartbeat: 'KAFKA',
  getProducer: 'KAFKA',
  getSubject: 'NATS',
  getPacket: 'MQTT',
};

export const nestjsMicroservices: FrameworkAdapter = {
  name: 'nestjs-microservices',
  mayRegister: (text) => text.includes('EventPattern') || text.includes('MessagePattern'),
  discover(ctx) {
    const out: Registration[] = [];
    walk(ctx.sf, (n) => {
      if (!ts.isMethodDeclaration(n) || !n.body) return;
      for (const o of frameworkDecorators(ctx, n, ['EventPattern', 'MessagePattern'], PACKAGES)) {
        const isEvent = o.name === 'EventPattern';
        const transport = transportOf(ctx, n, decoratorArg(o.decorator, 1));
        const servers = serversFor(ctx.project, ctx.file);
        out.push({
          handler: n,
          node: o.decorator,
          framework: 'nestjs',
          kind: transport === 'UNKNOWN' ? o.name : `${o.name} (${transport.toLowerCase()})`,
          delivery: transportDelivery(servers, transport, paramsOf(ctx, n), isEvent, inferredReason(servers, transport)),
        });
        break; // one method, one handler, however many patterns it carries
      }
    });
    return out;
  },
};

function paramsOf(ctx: AdapterContext, m: ts.MethodDeclaration): number[] {
  const payload = decoratedParams(ctx, m, ['Payload']);
  const context = decoratedParams(ctx, m, ['Ctx']);
  if (!payload.length && !context.length) return m.parameters.length > 1 ? [0, 1] : [0];
  return [...new Set([...(payload.length ? payload : m.parameters.length ? [0] : []), ...context])].sort();
}

function transportOf(ctx: AdapterContext, m: ts.MethodDeclaration, transportArg: ts.Expression | undefined, siblingOf = false): Transport {
  const ctxIndex = decoratedParams(ctx, m, ['Ctx'])[0];
  const ctxParam = ctxIndex === undefined ? undefined : m.parameters[ctxIndex];
  const byType = CONTEXT_TYPES[paramTypeName(ctxParam) ?? ''];
  if (byType) return byType;
  const byArg = transportName(transportArg);
  if (byArg) return byArg;
  if (ctxParam && ts.isIdentifier(ctxParam.name)) {
    const used = contextUse(m, ctxParam.name.text);
    if (used) return used;
  }
  if (!siblingOf) {
    // A controller's pattern methods share its transport: a read-only @MessagePattern beside KafkaContext handlers is Kafka too.
    const siblings = new Set<Transport>();
    const members = ts.isClassLike(m.parent) ? m.parent.members : [];
    for (const other of members) {
      const d = other !== m && ts.isMethodDeclaration(other) ? frameworkDecorators(ctx, other, ['EventPattern', 'MessagePattern'], PACKAGES)[0] : undefined;
      if (!d) continue;
      const t = transportOf(ctx, other as ts.MethodDeclaration, decoratorArg(d.decorator, 1), true);
      if (t !== 'UNKNOWN') siblings.add(t);
    }
    if (siblings.size === 1) return [...siblings][0]!;
  }
  const servers = serversFor(ctx.project, ctx.file);
  const kinds = new Set(servers.map((s) => s.transport));
  return kinds.size === 1 ? [...kinds][0]! : 'UNKNOWN';
}

function transportName(expr: ts.Node | undefined): Transport | undefined {
  const name = enumName(expr)?.toUpperCase();
  return name && TRANSPORT_NAMES.includes(name as Transport) ? (name as Transport) : undefined;
}

/** The transport a context parameter's method calls reveal (`ctx.getChannelRef()` is RabbitMQ). */
function contextUse(m: ts.MethodDeclaration, ctxName: string): Transport | undefined {
  let found: Transport | undefined;
  walk(m, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n)) {
      const recv = calleeReceiver(n);
      const t = CONTEXT_METHODS[calleeName(n) ?? ''];
      if (t && recv && ts.isIdentifier(recv) && recv.text === ctxName) found = t;
    }
    return undefined;
  });
  return found;
}

// ---------- server transport configuration in sight ----------

interface ServerConfig {
  file: string;
  transport: Transport;
  /** The `options` object of the microservice options, when it can be read. */
  options?: ts.ObjectLiteralExpression;
  /** False when the microservice options could not be read (from config, an unknown function). */
  readable: boolean;
  /** The literal value of an option node, through a helper's parameters when a helper built the options. */
  value(node: ts.Node | undefined): string | number | boolean | undefined;
  /** Why the transport is taken as it is when the options did not name it (a helper's code, package.json). */
  inferred?: string;
}

const serverCache = new WeakMap<Project, ServerConfig[]>();

/** Server-side microservice configurations anywhere in the project (clients are producers and do not count). */
export function serverTransports(project: Project): ServerConfig[] {
  const hit = serverCache.get(project);
  if (hit) return hit;
  const out: ServerConfig[] = [];
  for (const file of project.files) {
    const text = project.sources.text(file);
    if (!text || !(text.includes('createMicroservice') || text.includes('connectMicroservice'))) continue;
    const sf = project.parsed(file)?.sf;
    if (!sf) continue;
    walk(sf, (n) => {
      if (!ts.isCallExpression(n)) return;
      const name = calleeName(n);
      if (name !== 'createMicroservice' && name !== 'connectMicroservice') return;
      const arg = n.arguments[name === 'createMicroservice' ? 1 : 0];
      const built = optionsObject(project, arg) ? undefined : builtOptions(project, arg);
      const obj = built?.obj ?? optionsObject(project, arg);
      const value = built?.value ?? ((node: ts.Node | undefined) => literalValue(node));
      if (!obj) {
        // Options from a call the tool cannot read as one object: the helper's code, then the package's broker client.
        const found = transportInHelper(project, arg) ?? transportFromDependencies(file);
        out.push({ file, transport: found?.transport ?? 'UNKNOWN', readable: false, value, inferred: found?.reason });
        return;
      }
      const custom = objectProperty(obj, 'strategy');
      let t: Transport = custom ? 'UNKNOWN' : (transportName(objectProperty(obj, 'transport')) ?? (objectProperty(obj, 'transport') ? 'UNKNOWN' : 'TCP'));
      const found = !custom && t === 'UNKNOWN' ? transportFromDependencies(file) : undefined;
      if (found) t = found.transport;
      const opts = objectProperty(obj, 'options');
      const options = opts ? optionsObject(project, opts) : undefined;
      out.push({ file, transport: t, options, readable: !opts || options !== undefined, value, inferred: found?.reason });
    });
  }
  serverCache.set(project, out);
  return out;
}

/**
 * Options built by a project helper, `app.connectMicroservice(rmq.getOptions('billing'))` with
 * `getOptions(queue, noAck = false) { return { transport: Transport.RMQ, options: { queue, noAck } } }`:
 * the returned object, and option values read through the helper's parameters.
 */
function builtOptions(project: Project, arg: ts.Node | undefined): { obj: ts.ObjectLiteralExpression; value: ServerConfig['value'] } | undefined {
  const call = arg && ts.isExpression(arg) ? unwrapExpression(arg) : undefined;
  if (!call || !ts.isCallExpression(call)) return undefined;
  let fn: ts.FunctionLikeDeclaration | undefined;
  try {
    const targets = project.resolveFunctions(call.expression);
    fn = targets.length === 1 && targets[0]!.kind === 'function' ? targets[0]!.fn : undefined;
  } catch {
    return undefined;
  }
  if (!fn?.body) return undefined;
  let returned: ts.Expression | undefined = ts.isBlock(fn.body) ? undefined : fn.body;
  if (ts.isBlock(fn.body)) {
    walk(fn.body, (n) => {
      if (isFunctionLike(n)) return false;
      if (ts.isReturnStatement(n) && n.expression && !returned) returned = n.expression;
      return undefined;
    });
  }
  const obj = returned ? optionsObject(project, returned) : undefined;
  if (!obj) return undefined;
  const value = (node: ts.Node | undefined): string | number | boolean | undefined => {
    const direct = literalValue(node);
    if (direct !== undefined || !node || !ts.isIdentifier(node)) return direct;
    const i = fn!.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === node.text);
    if (i < 0) return undefined;
    const passed = call.arguments[i];
    return passed ? literalValue(passed) : literalValue(fn!.parameters[i]!.initializer);
  };
  return { obj, value };
}

function isFunctionLike(n: ts.Node): boolean {
  return ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n);
}

/**
 * The server configurations that belong with a handler file: in a monorepo of several services
 * (apps/orders/src/main.ts, apps/billing/src/main.ts), those whose folder shares the longest
 * path with the handler's; in a single service, all of them.
 */
function serversFor(project: Project, file: string): ServerConfig[] {
  const all = serverTransports(project);
  const shared = (f: string) => {
    const a = f.split(/[\\/]/);
    const b = file.split(/[\\/]/);
    let i = 0;
    while (i < a.length - 1 && i < b.length - 1 && a[i] === b[i]) i++;
    return i;
  };
  const best = Math.max(0, ...all.map((s) => shared(s.file)));
  return all.filter((s) => shared(s.file) === best);
}

/** How the RMQ servers in sight set noAck: 'auto' (explicit or default true), 'manual', or unknown when they disagree. */
function rmqAckMode(servers: ServerConfig[]): { mode: 'auto' | 'manual' | 'unknown'; explicit?: ts.Node } {
  const rmq = servers.filter((s) => s.transport === 'RMQ');
  let sawTrue = false;
  let sawFalse = false;
  let explicit: ts.Node | undefined;
  for (const s of rmq) {
    if (!s.readable) continue;
    const node = s.options && objectProperty(s.options, 'noAck');
    const v = node ? s.value(node) : true; // NestJS RQM_DEFAULT_NOACK
    if (node && v === true) explicit ??= node;
    if (v === true) sawTrue = true;
    else if (v === false) sawFalse = true;
  }
  if (sawTrue && sawFalse) return { mode: 'unknown' };
  if (sawFalse) return { mode: 'manual' };
  return { mode: 'auto', explicit };
}

function kafkaAutoCommit(servers: ServerConfig[]): boolean {
  const kafka = servers.filter((s) => s.transport === 'KAFKA' && s.options);
  if (!kafka.length) return true;
  return !kafka.every((s) => {
    const run = objectProperty(s.options!, 'run');
    const obj = run && ts.isObjectLiteralExpression(run) ? run : undefined;
    return obj !== undefined && s.value(objectProperty(obj, 'autoCommit')) === false;
  });
}

/** Why the transport was taken from inference, when every server configuration of it in sight was inferred. */
function inferredReason(servers: ServerConfig[], transport: Transport): string | undefined {
  const of = servers.filter((s) => s.transport === transport);
  return of.length && of.every((s) => s.inferred) ? of[0]!.inferred : undefined;
}

function transportDelivery(servers: ServerConfig[], transport: Transport, params: number[], isEvent: boolean, inferred?: string): DeliveryModel {
  const why = inferred ? ` (the transport is taken as ${transport.toLowerCase()}: ${inferred})` : '';
  const base = { params, correlationFields: COMMON_CORRELATION, timeFields: COMMON_EVENT_TIMES, idFields: COMMON_EVENT_IDS };
  switch (transport) {
    case 'KAFKA':
      // Nest awaits the handler inside kafkajs eachMessage; since v9 any exception leaves the offset uncommitted.
      return delivery({
        ...base,
        idFields: ['offset', ...COMMON_EVENT_IDS],
        correlationFields: [...COMMON_CORRELATION, 'kafka_correlationId'],
        timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
        ackMethods: ['commitOffsets'],
        nackMethods: ['seek'],
        acksOnReturn: kafkaAutoCommit(servers),
        redeliversOnThrow: true,
        ordered: true,
        orderReason: `a Kafka partition${why}`,
      });
    case 'RMQ': {
      const m = rmqAckMode(servers);
      const model = delivery({
        ...base,
        idFields: ['messageId', ...COMMON_EVENT_IDS],
        correlationFields: [...COMMON_CORRELATION, 'correlation_id'],
        timeFields: ['timestamp', ...COMMON_EVENT_TIMES],
        ackMethods: ['ack', 'ackAll'],
        nackMethods: ['nack', 'reject', 'nackAll'],
        // Nest neither acks nor nacks for you: a manual-mode message stays unacked until the channel closes.
        acksOnReturn: false,
        redeliversOnThrow: false,
      });
      // An inferred RMQ server's options were not read, so whether it runs with noAck is not known.
      if (m.mode === 'auto' && !inferred) {
        model.autoAck = m.explicit
          ? { reason: 'the RMQ transport options set noAck: true, so the broker drops each message as soon as it is delivered', node: m.explicit }
          : { reason: 'NestJS RMQ transport defaults to noAck: true', byDefault: true };
      }
      return model;
    }
    case 'NATS':
    case 'REDIS':
    case 'MQTT':
    case 'TCP':
    case 'GRPC': {
      // Fire-and-forget transports: at most once, no ack, a throw in an event handler is only logged.
      const model = delivery(base);
      if (isEvent) model.errorsSuppressed = { reason: `the NestJS ${transport} transport only logs an event handler's error; the message is gone${why}` };
      return model;
    }
    default:
      return delivery(base);
  }
}
