// The contract between the pipeline and a framework adapter. An adapter says how its
// framework registers handlers and what deliveries look like; it never judges code.
import type { ts } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { DeliveryModel } from '../model.js';
import type { ResolvedConfig } from '../config.js';

export interface AdapterContext {
  /** Absolute path of the file being searched. */
  file: string;
  sf: ts.SourceFile;
  text: string;
  project: Project;
  config: ResolvedConfig;
  /** Local name -> the module and name it is imported from (ESM imports and require()). */
  imports: Map<string, { module: string; name: string }>;
  /** True when the file imports a module whose specifier equals `spec` or starts with `spec/`. */
  importsModule(spec: string | RegExp): boolean;
  /** Local names under which `name` (or the namespace/default with name '*'/'default') is imported from `spec`. */
  localNames(spec: string | RegExp, name: string): string[];
}

export interface Registration {
  /**
   * The handler: an inline function, a name or member that resolves to one (possibly in
   * another file, possibly a wrapper's parameter), or a loop statement whose body is the
   * handler (polling and consume loops).
   */
  handler: ts.Node;
  /** The registration site (call, decorator, export, loop). */
  node: ts.Node;
  framework: string;
  kind: string;
  /** Display name when the function has none of its own (e.g. `eachMessage`, `queue`). */
  name?: string;
  delivery: DeliveryModel;
  /** Expressions denoting functions that are part of this handler's body (a Powertools record handler). */
  extraBodies?: ts.Node[];
}

export interface FrameworkAdapter {
  /** Framework id as shown to users, e.g. `kafkajs`, `amqplib`, `aws-lambda`. */
  readonly name: string;
  /**
   * Cheap test on the raw text: false when the file cannot register a handler of this
   * framework, so it is not parsed for discovery. Must never miss a real registration.
   */
  mayRegister(text: string): boolean;
  /** Optional: false when the configuration turns this adapter off (emitter listeners are opt-in). */
  enabled?(config: ResolvedConfig): boolean;
  discover(ctx: AdapterContext): Registration[];
}

/** A delivery model with the conservative defaults: nothing known. */
export function delivery(partial: Partial<DeliveryModel>): DeliveryModel {
  return {
    params: [0],
    idFields: [],
    correlationFields: [],
    timeFields: [],
    ackMethods: [],
    nackMethods: [],
    acksOnReturn: false,
    redeliversOnThrow: false,
    ordered: false,
    batched: false,
    ...partial,
  };
}

/** A delivery model whose ids, correlation and times are the common payload fields; `partial` says the rest. */
export function eventDelivery(partial: Partial<DeliveryModel>): DeliveryModel {
  return delivery({ idFields: [...COMMON_EVENT_IDS], correlationFields: COMMON_CORRELATION, timeFields: COMMON_EVENT_TIMES, ...partial });
}

/** At most once (core NATS, Redis pub/sub): a message is pushed once; nothing acks, retries or persists it. */
export function atMostOnceDelivery(params: number[]): DeliveryModel {
  return eventDelivery({ params, acksOnReturn: false, redeliversOnThrow: false, ordered: false, batched: false, atMostOnce: true });
}

/** Correlation fields common to every framework's headers and payloads. */
export const COMMON_CORRELATION = [
  'correlationId',
  'correlation_id',
  'x-correlation-id',
  'correlation-id',
  'causationId',
  'causation_id',
  'x-causation-id',
  'traceparent',
  'tracestate',
  'x-request-id',
  'requestId',
  'traceId',
  'trace_id',
];

/** Payload fields that commonly carry the event's own id and time. */
export const COMMON_EVENT_IDS = ['eventId', 'event_id', 'messageId', 'message_id', 'idempotencyKey', 'idempotency_key'];
export const COMMON_EVENT_TIMES = ['occurredAt', 'occurred_at', 'timestamp', 'eventTime', 'event_time', 'createdAt', 'publishedAt', 'emittedAt', 'time'];
