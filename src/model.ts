// The data that flows through the pipeline: handlers found by adapters, findings made by rules.
import type { ts } from 'ts-morph';

export type Level = 'off' | 'note' | 'warning' | 'error';
export type ReportLevel = Exclude<Level, 'off'>;

/** A function-like node whose body is analysed, or a loop statement whose body is the handler. */
export type HandlerBody = ts.FunctionLikeDeclaration | ts.IterationStatement;

/**
 * What an adapter knows about how deliveries reach a handler and how they are settled.
 * Adapters describe; rules judge. Every field is a fact of the framework, not of the code,
 * except `autoAck` and `retryBound`, which the adapter reads from options near the registration.
 */
export interface DeliveryModel {
  /** Indexes of the handler function's parameters that carry the delivery (message, event, job, batch, request). */
  params: number[];
  /** Property names that carry the delivery's stable id (dedup key), e.g. messageId, id, offset. */
  idFields: string[];
  /** Property names or header keys that carry correlation, causation or trace ids. */
  correlationFields: string[];
  /** Property names that carry the event's own time. */
  timeFields: string[];
  /** Method names that acknowledge, commit, delete or complete the delivery. */
  ackMethods: string[];
  /** Method names that hand the delivery back for redelivery or dead-letter it. */
  nackMethods: string[];
  /** Returning (resolving) from the handler settles the delivery as success. */
  acksOnReturn: boolean;
  /** A throw or rejection makes the platform redeliver the delivery. */
  redeliversOnThrow: boolean;
  /** The source keeps order per key (Kafka partition, Kinesis shard, FIFO group, stream). */
  ordered: boolean;
  /** The handler receives several deliveries at once. */
  batched: boolean;
  /**
   * The delivery is settled on receipt (noAck, receiveAndDelete, QoS 1 listener, ...).
   * `byDefault` marks a framework default that a manual ack call in the handler disproves
   * (NestJS RMQ: a manual channel ack means the transport runs with noAck: false).
   */
  autoAck?: { reason: string; node?: ts.Node; byDefault?: boolean };
  /** A bound on redelivery seen near the registration (DLQ, max deliveries, attempts). */
  retryBound?: { reason: string };
  /** Where an ordered source is visible only from configuration, the reason it is taken as ordered. */
  orderReason?: string;
  /**
   * Index of a completion-callback parameter that settles the delivery (bull/bee-queue/agenda
   * `(job, done)`, MQTT.js `handleMessage(packet, callback)`): called with no error it acks,
   * called with an error it reports the failure (not a swallowed error); the return value is ignored.
   */
  callbackParam?: number;
  /**
   * The framework itself runs deliveries of one batch or partition concurrently (Powertools
   * BatchProcessor's default processInParallel, an async node-rdkafka 'data' listener,
   * sqs-consumer handleMessage with batchSize > 1), so sequential-looking handler code does
   * not keep the source's order.
   */
  concurrent?: { reason: string; node?: ts.Node };
  /**
   * In-process delivery (EventEmitter listeners, NestJS @OnEvent, cqrs @EventsHandler): no broker,
   * no persistence, no redelivery. There is no delivery to dedup, ack or retry; only
   * swallowed-error, floating-promise and dual-write are meaningful (frameworks.md §13).
   */
  inProcess?: boolean;
  /** The source delivers at most once (Redis pub/sub, core NATS): no ack, no redelivery, nothing to deduplicate. */
  atMostOnce?: boolean;
  /** The framework itself catches and only logs the handler's errors (@OnEvent suppressErrors, cqrs, Nest NATS events). */
  errorsSuppressed?: { reason: string };
  /**
   * Expressions in the handler (or the call in it that leads to them) whose value is the delivery,
   * beside the params: a webhook's verified event, e.g. the `stripe.webhooks.constructEvent(...)` call.
   * The variable such a call is assigned to carries the delivery's id and time fields.
   */
  deliveryValues?: ts.Node[];
}

export interface Handler {
  /** Stable key: repository-relative file path + '#' + name (+ ordinal when names repeat). */
  key: string;
  /** Absolute path of the file that holds the handler's body (findings are reported there). */
  file: string;
  sourceFile: ts.SourceFile;
  body: HandlerBody;
  name: string;
  framework: string;
  /** Registration shape, e.g. eachMessage, consume, lambda-sqs, EventPattern. */
  kind: string;
  delivery: DeliveryModel;
  /** Where the handler was registered; may be in another file than the body. */
  registration: { file: string; node: ts.Node };
  /** Names of higher-order wrappers around the handler at registration (makeIdempotent, middy, ...). */
  wrappers: string[];
  /** Functions that are part of this handler's body though written apart (a Powertools record handler). */
  extraBodies: ts.FunctionLikeDeclaration[];
}

export interface Position {
  line: number; // 1-based
  column: number; // 1-based, UTF-16 code units
}

export interface Span {
  file: string; // absolute
  start: Position;
  end: Position;
}

export interface RelatedLocation {
  span: Span;
  message: string;
}

export interface Finding {
  ruleId: string;
  level: ReportLevel;
  /** One sentence: what was found and what happens in production. */
  message: string;
  span: Span;
  handler: { key: string; name: string; framework: string; kind: string };
  related: RelatedLocation[];
  /** Call chain from the handler to the problem site, handler first. */
  chain: RelatedLocation[];
  /** Line-independent fingerprint (rule + file + handler + normalised snippet). */
  fingerprint: string;
  suppressed?: { kind: 'inSource' | 'external'; justification?: string };
}

export interface Notification {
  level: 'error' | 'warning' | 'note';
  message: string;
  file?: string;
  /** Stable id of the kind of notification, e.g. parse-error, rule-crash. */
  id: string;
}

/** A handler as reported: plain data, no syntax tree (JSON, SARIF, the cache). */
export interface HandlerInfo {
  file: string; // absolute
  line: number;
  column: number;
  framework: string;
  kind: string;
  name: string;
  key: string;
  registeredIn: string; // absolute
  delivery: {
    acksOnReturn: boolean;
    redeliversOnThrow: boolean;
    ordered: boolean;
    batched: boolean;
    autoAck: string | null;
    retryBound: string | null;
    /** Delivered in-process (an event bus in the same process): nothing redelivers it. */
    inProcess: boolean;
  };
  wrappers: string[];
}

export interface RuleInfo {
  id: string;
  defaultLevel: ReportLevel;
  description: string;
  tags: string[];
  precision: 'very-high' | 'high' | 'medium' | 'low';
}

export interface UnusedDirective {
  file: string;
  line: number;
  column: number;
  rules: string[];
}

/** Everything the reporters, the baseline and the cache need: plain, serialisable data. */
export interface AuditReport {
  /** Repository root: SARIF paths, fingerprints and baselines are relative to it. */
  root: string;
  files: string[];
  handlers: HandlerInfo[];
  findings: Finding[];
  suppressed: Finding[];
  notifications: Notification[];
  unusedDirectives: UnusedDirective[];
  rules: RuleInfo[];
  stats: { files: number; parsed: number; searched: number; handlers: number; ms: number; cached?: boolean; stages?: Record<string, number> };
}
