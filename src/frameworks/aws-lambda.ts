// AWS Lambda functions triggered by a queue, stream, topic, event bus, bucket or schedule.
// A Lambda handler is an export (`export const handler = ...`, `export async function handler`,
// `exports.handler =`, `module.exports.handler =`, `module.exports = { handler }`), often wrapped
// (`middy(fn).use(...)`, `makeIdempotent(fn, ...)`: handlers.ts unwraps those). The trigger comes
// from the `aws-lambda` types (SQSHandler, Handler<SQSEvent>, a parameter typed SQSEvent, a result
// typed SQSBatchResponse), from Powertools (BatchProcessor's EventType, parser schemas), or, for
// untyped code, from the event's shape (`event.Records[].Sns`, `event.detail`). HTTP-facing
// Lambdas (API Gateway, ALB, function URLs) and other synchronous triggers are not handlers, and an
// exported `handler` with no such evidence is not one either.
import { ts, calleeName, calleeReceiver, isFunctionNode, isInside, objectProperty, propertyNameText, unwrapExpression, walk, accessChain, type FunctionNode } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { walkOwn } from '../analysis/reach.js';
import type { DeliveryModel } from '../model.js';
import { isFalseLiteral, objectLiteralOf, typeNames, unwrapValue, valueFacts } from './local-values.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';

type Trigger = 'sqs' | 'sns' | 'eventbridge' | 'scheduled' | 'kinesis' | 'dynamodb-stream' | 's3' | 'kafka' | 'cloudwatch-logs' | 'records';
/** A decision: a message trigger, or a reason it is not a message handler. */
type Verdict = Trigger | 'not-message' | 'record';

const HANDLER_TYPES: Record<string, Trigger> = {
  SQSHandler: 'sqs',
  SNSHandler: 'sns',
  EventBridgeHandler: 'eventbridge',
  ScheduledHandler: 'scheduled',
  KinesisStreamHandler: 'kinesis',
  DynamoDBStreamHandler: 'dynamodb-stream',
  S3Handler: 's3',
  MSKHandler: 'kafka',
  SelfManagedKafkaHandler: 'kafka',
  CloudWatchLogsHandler: 'cloudwatch-logs',
};

/** Event (parameter) types of `aws-lambda` and of the Powertools parser. */
const EVENT_TYPES: Record<string, Trigger> = {
  SQSEvent: 'sqs',
  SqsEvent: 'sqs',
  SNSEvent: 'sns',
  SnsEvent: 'sns',
  EventBridgeEvent: 'eventbridge',
  ScheduledEvent: 'scheduled',
  KinesisStreamEvent: 'kinesis',
  KinesisDataStreamEvent: 'kinesis',
  DynamoDBStreamEvent: 'dynamodb-stream',
  S3Event: 's3',
  MSKEvent: 'kafka',
  SelfManagedKafkaEvent: 'kafka',
  KafkaMskEvent: 'kafka',
  KafkaSelfManagedEvent: 'kafka',
  CloudWatchLogsEvent: 'cloudwatch-logs',
  // Results that only a batch trigger can return.
  SQSBatchResponse: 'sqs',
  KinesisStreamBatchResponse: 'kinesis',
  DynamoDBBatchResponse: 'dynamodb-stream',
};

/** Per-record types: a function taking one is a record handler (part of a Lambda's body), not the Lambda. */
const RECORD_TYPES = /^(SQSRecord|SqsRecord|SNSEventRecord|SnsRecord|KinesisStreamRecord|KinesisDataStreamRecord|DynamoDBRecord|S3EventRecord|MSKRecord)$/;

/** Synchronous, HTTP-facing or platform-internal triggers: not deliveries of a message. */
const NOT_MESSAGE =
  /^(APIGateway|ALB|LambdaFunctionURL|CloudFront|AppSync|Cognito|CloudFormationCustomResource|CdkCustomResource|Lex|Alexa|SecretsManagerRotation|Firehose|CodePipeline|CustomAuthorizer)|Authorizer|Trigger(Event|Handler)$/;

/** Powertools parser schemas and envelopes name the trigger too. */
const SCHEMAS: [RegExp, Trigger][] = [
  [/^(SqsSchema|SqsEnvelope|SnsSqsEnvelope|SqsRecordSchema)$/, 'sqs'],
  [/^(SnsSchema|SnsEnvelope)$/, 'sns'],
  [/^(EventBridgeSchema|EventBridgeEnvelope)$/, 'eventbridge'],
  [/^(KinesisDataStreamSchema|KinesisEnvelope)$/, 'kinesis'],
  [/^(DynamoDBStreamSchema|DynamoDBStreamEnvelope)$/, 'dynamodb-stream'],
  [/^S3Schema$/, 's3'],
];

const BATCH_EVENT_TYPES: Record<string, Trigger> = { SQS: 'sqs', KinesisDataStreams: 'kinesis', DynamoDBStreams: 'dynamodb-stream' };

/** Export names an untyped Lambda commonly has (with the event's shape as evidence). */
const LAMBDA_EXPORT_NAME = /^(handler|main|handle|lambdaHandler)$|Handler$/;

const TEXT_HINT =
  /\b(SQS|SNS|S3|Sqs|Sns|EventBridge|Scheduled|Kinesis|DynamoDB|MSK|SelfManagedKafka|KafkaMsk|KafkaSelfManaged|CloudWatchLogs)\w*(Event|Handler|Response|Schema|Envelope)\b|\bRecords\b|\.detail\b|detail-type|\bdetail\s*[,}]|\bprocessPartialResponse|BatchProcessor|PartialProcessor/;

export const awsLambda: FrameworkAdapter = {
  name: 'aws-lambda',
  mayRegister: (text) => /\bexport/.test(text) && TEXT_HINT.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    for (const ex of exportedValues(ctx.sf)) {
      const reg = lambdaRegistration(ctx, ex);
      if (reg) out.push(reg);
    }
    return out;
  },
};

interface ExportedValue {
  name: string;
  /** The local name of the exported binding, when it has one. */
  local?: string;
  value: ts.Node;
  /** The declared type of the exported variable (`export const handler: SQSHandler = ...`). */
  type?: ts.TypeNode;
  node: ts.Node;
}

/** Every value the module exports, ESM or CommonJS, with its declared type when there is one. */
function exportedValues(sf: ts.SourceFile): ExportedValue[] {
  const out: ExportedValue[] = [];
  const locals = new Map<string, { value: ts.Node; type?: ts.TypeNode }>();
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) locals.set(d.name.text, { value: d.initializer, type: d.type });
    } else if (ts.isFunctionDeclaration(st) && st.name) locals.set(st.name.text, { value: st });
  }
  const byLocal = (exported: string, local: string, node: ts.Node, value?: ts.Node) => {
    const l = locals.get(local);
    out.push({ name: exported, local, value: l?.value ?? value ?? node, type: l?.type, node });
  };
  const isExported = (st: ts.Statement) => ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st) && isExported(st)) {
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) out.push({ name: d.name.text, local: d.name.text, value: d.initializer, type: d.type, node: d });
      }
    } else if (ts.isFunctionDeclaration(st) && isExported(st) && st.body) {
      const isDefault = (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      out.push({ name: isDefault ? 'default' : (st.name?.text ?? 'default'), local: st.name?.text, value: st, node: st });
    } else if (ts.isExportAssignment(st)) {
      const e = unwrapExpression(st.expression);
      if (ts.isIdentifier(e)) byLocal('default', e.text, st, e);
      else out.push({ name: 'default', value: st.expression, node: st });
    } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) if (!el.isTypeOnly) byLocal(el.name.text, (el.propertyName ?? el.name).text, el);
    } else if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const { left, right } = st.expression;
      const chain = accessChain(left);
      if (!chain) continue;
      if (chain === 'module.exports') {
        const r = unwrapExpression(right);
        if (ts.isObjectLiteralExpression(r)) {
          for (const p of r.properties) {
            const name = propertyNameText(p.name);
            if (!name) continue;
            if (ts.isShorthandPropertyAssignment(p)) byLocal(name, name, p, p.name);
            else if (ts.isPropertyAssignment(p)) {
              const v = unwrapExpression(p.initializer);
              if (ts.isIdentifier(v)) byLocal(name, v.text, p, v);
              else out.push({ name, value: p.initializer, node: p });
            } else if (ts.isMethodDeclaration(p)) out.push({ name, value: p, node: p });
          }
        } else if (ts.isIdentifier(r)) byLocal('default', r.text, st, r);
        else out.push({ name: 'default', value: right, node: st });
      } else if (/^(module\.)?exports\.[^.]+$/.test(chain)) {
        const name = chain.split('.').pop()!;
        const r = unwrapExpression(right);
        if (ts.isIdentifier(r)) byLocal(name, r.text, st, r);
        else out.push({ name, value: right, node: st });
      }
    }
  }
  return out;
}

function lambdaRegistration(ctx: AdapterContext, ex: ExportedValue): Registration | undefined {
  const project = ctx.project;
  let fns: FunctionNode[];
  try {
    fns = project
      .resolveFunctions(ex.value)
      .filter((t) => t.kind === 'function')
      .map((t) => t.fn);
  } catch {
    return undefined;
  }
  if (!fns.length) return undefined;
  const annotated = verdictOfTypes(typeNames(ex.type)) ?? verdictOfTypes(callTypeArguments(ex.value));
  const declared = annotated ?? verdictOfFunctions(fns) ?? schemaVerdict(ex.value) ?? decoratorSchemaVerdict(fns);
  if (declared === 'not-message' || declared === 'record') return undefined;
  // Cheap exits first: most exports of most files are not Lambda handlers.
  if (!declared && !LAMBDA_EXPORT_NAME.test(ex.name) && !/Processor\b/.test(ctx.text)) return undefined;
  const batch = powertoolsBatch(project, fns);
  const typed = declared ?? batch.trigger;
  let trigger: Trigger | undefined;
  if (typed) {
    trigger = typed;
    // An exported helper that takes the event (called by the real handler) is part of that handler's body.
    if (!annotated && ex.name !== 'handler' && calledAsHelper(ctx, ex, fns)) return undefined;
  } else {
    if (!LAMBDA_EXPORT_NAME.test(ex.name)) return undefined;
    trigger = shapeTrigger(fns[0]!);
    if (!trigger) return undefined;
  }
  return {
    handler: ex.value,
    node: ex.node,
    framework: 'aws-lambda',
    kind: `lambda-${trigger}`,
    name: ex.name === 'default' ? (ex.local ?? 'handler') : ex.name,
    delivery: lambdaDelivery(ctx, trigger, batch),
    extraBodies: batch.recordHandlers.length ? batch.recordHandlers : undefined,
  };
}

function verdictOfTypes(names: string[]): Verdict | undefined {
  for (const n of names) {
    if (HANDLER_TYPES[n]) return HANDLER_TYPES[n];
    if (EVENT_TYPES[n]) return EVENT_TYPES[n];
    if (RECORD_TYPES.test(n)) return 'record';
    // A bare `Handler` says nothing; its type arguments (visited next) may.
    if (n !== 'Handler' && NOT_MESSAGE.test(n)) return 'not-message';
  }
  return undefined;
}

/** Type arguments written on the export's wrapper calls: `middy<SQSEvent, SQSBatchResponse>()`. */
function callTypeArguments(value: ts.Node): string[] {
  const out: string[] = [];
  let e: ts.Node | undefined = ts.isExpression(value) ? unwrapExpression(value) : undefined;
  for (let i = 0; e && i < 10; i++) {
    if (!ts.isCallExpression(e)) break;
    for (const t of e.typeArguments ?? []) out.push(...typeNames(t));
    const callee = unwrapExpression(e.expression);
    if (ts.isPropertyAccessExpression(callee)) e = unwrapExpression(callee.expression);
    else break;
  }
  return out;
}

/** The event parameter's type, then the declared result type. */
function verdictOfFunctions(fns: FunctionNode[]): Verdict | undefined {
  for (const fn of fns) {
    const v = verdictOfTypes(typeNames(fn.parameters[0]?.type)) ?? verdictOfTypes(typeNames(fn.type));
    if (v) return v;
  }
  return undefined;
}

function schemaVerdict(value: ts.Node): Trigger | undefined {
  let found: Trigger | undefined;
  walk(value, (n) => {
    if (found) return false;
    if (isFunctionNode(n)) return false; // the wrapper's arguments, not the handler's body
    if (ts.isIdentifier(n)) for (const [re, t] of SCHEMAS) if (re.test(n.text)) found = t;
    return undefined;
  });
  return found;
}

/** `@parser({ schema, envelope: EventBridgeEnvelope })` on a class handler method. */
function decoratorSchemaVerdict(fns: FunctionNode[]): Trigger | undefined {
  for (const fn of fns) {
    if (!ts.isMethodDeclaration(fn)) continue;
    for (const d of ts.getDecorators(fn) ?? []) {
      const t = schemaVerdict(d.expression);
      if (t) return t;
    }
  }
  return undefined;
}

/**
 * An untyped handler's trigger from the event's shape: `event.Records` (with `.Sns`, `.kinesis`,
 * `.dynamodb`, `.s3`, or an SQS record's `body` / `messageId` / `receiptHandle`) or an
 * EventBridge `event.detail` / `event['detail-type']`.
 */
function shapeTrigger(fn: FunctionNode): Trigger | undefined {
  const p0 = fn.parameters[0];
  if (!p0 || !fn.body) return undefined;
  const root = new Set<string>();
  const all = new Set<string>();
  const eventName = ts.isIdentifier(p0.name) ? p0.name.text : undefined;
  if (ts.isObjectBindingPattern(p0.name)) for (const el of p0.name.elements) root.add(propertyNameText(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : ''));
  const isEvent = (e: ts.Expression) => {
    const x = unwrapExpression(e);
    return !!eventName && ts.isIdentifier(x) && x.text === eventName;
  };
  walk(fn.body, (n) => {
    if (ts.isPropertyAccessExpression(n)) {
      all.add(n.name.text);
      if (isEvent(n.expression)) root.add(n.name.text);
    } else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression)) {
      all.add(n.argumentExpression.text);
      if (isEvent(n.expression)) root.add(n.argumentExpression.text);
    } else if (ts.isVariableDeclaration(n) && n.initializer && isEvent(n.initializer) && ts.isObjectBindingPattern(n.name)) {
      for (const el of n.name.elements) root.add(propertyNameText(el.propertyName) ?? (ts.isIdentifier(el.name) ? el.name.text : ''));
    }
    return undefined;
  });
  if (root.has('Records')) {
    if (all.has('Sns')) return 'sns';
    if (all.has('kinesis')) return 'kinesis';
    if (all.has('dynamodb')) return 'dynamodb-stream';
    if (all.has('s3')) return 's3';
    if (all.has('receiptHandle') || all.has('messageId') || all.has('body')) return 'sqs';
    return 'records';
  }
  if (root.has('detail') || root.has('detail-type')) return 'eventbridge';
  return undefined;
}

/** True when an exported event-typed function is called by other code (a helper of the real handler). */
function calledAsHelper(ctx: AdapterContext, ex: ExportedValue, fns: FunctionNode[]): boolean {
  const local = ex.local;
  if (local) {
    let called = false;
    walk(ctx.sf, (n) => {
      if (called) return false;
      if (ts.isCallExpression(n)) {
        const c = unwrapExpression(n.expression);
        if (ts.isIdentifier(c) && c.text === local && !fns.some((f) => isInside(n, f))) called = true;
      }
      return undefined;
    });
    if (called) return true;
  }
  if (ex.name === 'default') return false;
  const project = ctx.project;
  for (const f of project.files) {
    if (f === ctx.file) continue;
    const text = project.sources.text(f);
    if (!text || !text.includes(ex.name)) continue;
    for (const [name, imp] of project.imports(f)) {
      if (imp.name !== ex.name || project.resolveModule(f, imp.module) !== ctx.file) continue;
      if (new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\s*\\(`).test(text)) return true;
    }
  }
  return false;
}

interface BatchUse {
  /** Record handlers handed to processPartialResponse / processor.register: part of the Lambda's body. */
  recordHandlers: ts.Node[];
  trigger?: Trigger;
  fifo?: string;
  concurrent?: { reason: string; node?: ts.Node };
}

const BATCH_CALLS = new Set(['processPartialResponse', 'processPartialResponseSync']);
const PROCESSORS = /^(BatchProcessor|BatchProcessorSync|SqsFifoPartialProcessor|SqsFifoPartialProcessorAsync)$/;

/** Powertools batch use in the handler's own body. */
function powertoolsBatch(project: Project, fns: FunctionNode[]): BatchUse {
  const use: BatchUse = { recordHandlers: [] };
  for (const fn of fns) {
    walkOwn(fn, (n) => {
      if (!ts.isCallExpression(n)) return;
      const name = calleeName(n);
      let processorExpr: ts.Expression | undefined;
      let options: ts.Expression | undefined;
      const sync = name === 'processPartialResponseSync';
      if (name && BATCH_CALLS.has(name) && n.arguments[1]) {
        use.recordHandlers.push(n.arguments[1]);
        processorExpr = n.arguments[2];
        options = n.arguments[3];
      } else if (name === 'register' && n.arguments[1]) {
        const recv = calleeReceiver(n);
        if (!recv || !processorOf(project, recv)) return;
        use.recordHandlers.push(n.arguments[1]);
        processorExpr = recv;
        options = n.arguments[2];
      } else return;
      const proc = processorExpr && processorOf(project, processorExpr);
      if (!proc) return;
      const cls = calleeName(proc);
      if (cls?.startsWith('SqsFifo')) {
        use.trigger ??= 'sqs';
        use.fifo = `an SQS FIFO queue (Powertools ${cls}), ordered per MessageGroupId`;
      } else {
        const et = proc.arguments?.[0] && accessChain(proc.arguments[0]);
        const t = et ? BATCH_EVENT_TYPES[et.split('.').pop()!] : undefined;
        if (t) use.trigger ??= t;
      }
      // BatchProcessor's processPartialResponse runs the records through Promise.all unless processInParallel is false.
      const opts = objectLiteralOf(project, options);
      if (cls === 'BatchProcessor' && !sync && !(opts && isFalseLiteral(objectProperty(opts, 'processInParallel')))) {
        use.concurrent = { reason: 'Powertools BatchProcessor processes the records in parallel by default (`processInParallel` is not false)', node: n };
      }
    });
  }
  return use;
}

function processorOf(project: Project, expr: ts.Expression): ts.NewExpression | undefined {
  const e = unwrapValue(expr);
  if (ts.isNewExpression(e)) return PROCESSORS.test(calleeName(e) ?? '') ? e : undefined;
  for (const v of valueFacts(project, e).values) {
    const x = unwrapValue(v);
    if (ts.isNewExpression(x) && PROCESSORS.test(calleeName(x) ?? '')) return x;
  }
  return undefined;
}

/** Property names the Lambda event records and payloads carry ids and times under. */
const LAMBDA_IDS = ['messageId', 'MessageId', 'id', 'sequenceNumber', 'SequenceNumber', 'eventID', ...COMMON_EVENT_IDS];
const LAMBDA_TIMES = ['SentTimestamp', 'ApproximateFirstReceiveTimestamp', 'time', 'approximateArrivalTimestamp', 'ApproximateCreationDateTime', 'Timestamp', 'eventTime', ...COMMON_EVENT_TIMES];
const FIRST_ID: Record<Trigger, string[]> = {
  sqs: ['messageId'],
  sns: ['MessageId'],
  eventbridge: ['id'],
  scheduled: ['id'],
  kinesis: ['sequenceNumber', 'eventID'],
  'dynamodb-stream': ['SequenceNumber', 'eventID'],
  // S3 has no delivery id: bucket + key + sequencer (or versionId) identify the change.
  s3: ['sequencer', 'versionId'],
  kafka: ['offset'],
  'cloudwatch-logs': ['id'],
  records: [],
};

/** The time each trigger's own event carries (the wall-clock hint names these first, not another trigger's). */
const TRIGGER_TIMES: Record<Trigger, string[]> = {
  sqs: ['SentTimestamp', 'ApproximateFirstReceiveTimestamp'],
  sns: ['Timestamp'],
  eventbridge: ['time'],
  scheduled: ['time'],
  kinesis: ['approximateArrivalTimestamp'],
  'dynamodb-stream': ['ApproximateCreationDateTime'],
  s3: ['eventTime'],
  kafka: ['timestamp'],
  'cloudwatch-logs': ['timestamp'],
  records: LAMBDA_TIMES,
};

const ASYNC_RETRIES = 'asynchronous invocation retries a failed event at most twice (MaximumRetryAttempts 0-2), then sends it to the on-failure destination or drops it';

function lambdaDelivery(ctx: AdapterContext, trigger: Trigger, batch: BatchUse): DeliveryModel {
  const base = {
    params: [0],
    idFields: [...new Set([...FIRST_ID[trigger], ...LAMBDA_IDS])],
    correlationFields: [...COMMON_CORRELATION, 'AWSTraceHeader'],
    timeFields: [...new Set([...TRIGGER_TIMES[trigger], ...COMMON_EVENT_TIMES])],
    // Lambda settles the whole invocation: no ack call, a resolved promise is success
    // (the batch is deleted or checkpointed), a throw fails it (`batchItemFailures` reports
    // part of a batch, and only with ReportBatchItemFailures on the event source mapping).
    acksOnReturn: true,
    redeliversOnThrow: true,
    concurrent: batch.concurrent,
  };
  switch (trigger) {
    case 'sqs': {
      const fifo = batch.fifo ?? (readsMessageGroupId(ctx.sf) ? 'an SQS FIFO queue (the handler reads MessageGroupId), ordered per message group' : undefined);
      return delivery({ ...base, batched: true, ordered: !!fifo, orderReason: fifo });
    }
    case 'kinesis':
      return delivery({ ...base, batched: true, ordered: true, orderReason: 'a Kinesis shard (ordered per partition key)' });
    case 'dynamodb-stream':
      return delivery({ ...base, batched: true, ordered: true, orderReason: 'a DynamoDB stream (ordered per item key)' });
    case 'kafka':
      return delivery({ ...base, batched: true, ordered: true, orderReason: 'a Kafka partition' });
    case 'records':
      return delivery({ ...base, batched: true, ordered: false });
    case 'cloudwatch-logs':
      return delivery({ ...base, batched: true, ordered: false, retryBound: { reason: ASYNC_RETRIES } });
    default:
      // SNS, EventBridge, S3 and schedules invoke asynchronously with one event (SNS and S3
      // events hold a single record); there is no order and duplicates happen.
      return delivery({ ...base, batched: false, ordered: false, retryBound: { reason: ASYNC_RETRIES } });
  }
}

/** `record.attributes.MessageGroupId` read somewhere in the file (FIFO queues only set it). */
function readsMessageGroupId(sf: ts.SourceFile): boolean {
  let found = false;
  walk(sf, (n) => {
    if (found) return false;
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'MessageGroupId') {
      const p = n.parent;
      if (!(ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken)) found = true;
    }
    return undefined;
  });
  return found;
}
