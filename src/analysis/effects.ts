// Side effects: what a call does to the world, classified by library and by the arguments it
// is given. Rules ask "is repeating this harmful?" (no-dedup), "is this a state write or a
// message/call to another party?" (dual-write), "does this overwrite?" (order-dependent).
//
// Public API:
//   classifyCall(node, ctx)   one call (or tagged SQL template) -> Effect | undefined
//   functionEffects(fn, ctx)  the effects a function performs itself (cached per function)
//   effectsOf(reach, ctx)     the effects of a handler's whole reach, with the reached function
//   repeatIsHarmful(effect)   a non-idempotent effect without an idempotency marker of its own
//
// A call is an effect only when its library is known (from imports, constructor injection,
// `new`, factory calls) or its SQL text says so; unknown calls are not effects unless
// config.sideEffects names them.
import { ts, accessChain, calleeName, functionName, isFunctionNode, literalValue, objectProperty, propertyNameText, stringText, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';
import { walkOwn, type Reach, type ReachedFunction } from './reach.js';
import { familyOf, originOf, type Family } from './origins.js';
import { hasIncrement, isConditionalWhere, readSql, type SqlStatement } from './sql.js';
import { deferredWithin, isDeferredFunction } from './deferred.js';
import type { ResolvedConfig } from '../config.js';

export type EffectKind =
  | 'insert'
  | 'increment'
  | 'append'
  | 'payment'
  | 'email'
  | 'sms'
  | 'push'
  | 'publish'
  | 'http'
  | 'fresh-id'
  | 'absolute-write'
  | 'upsert'
  | 'delete'
  | 'read';

export interface Effect {
  kind: EffectKind;
  /** The call (or tagged SQL template) that performs it. */
  node: ts.CallExpression | ts.TaggedTemplateExpression;
  /** Library family ('prisma', 'pg'/'sql', 'stripe', 'kafka', 'http', ...) or 'config'. */
  library: Family | 'config';
  /** The operation as written: `create`, `updateOne`, `send`, `INSERT`. */
  op: string;
  /** Table, model, collection, topic, queue or URL text when visible. */
  target?: string;
  /** Why repeating it is harmless although its kind is not: `ON CONFLICT DO NOTHING`, `idempotency key`, ... */
  idempotentBecause?: string;
  /** The write applies only under a condition beyond its key (version/status check, ConditionExpression, setWhere). */
  conditional?: string;
  /** The idempotency key / dedup id handed downstream (Stripe idempotencyKey, Idempotency-Key, msgID, jobId). */
  idempotencyKey?: ts.Expression;
  /** HTTP requests: the method and the URL expression. */
  http?: { method: string; url?: ts.Expression };
  /** The message or request a publish/HTTP call sends (arguments to inspect for correlation ids). */
  outgoing?: ts.Expression[];
  /** Third-party SaaS provider (payment, email, SMS, push SDKs). */
  thirdParty?: boolean;
}

export interface EffectContext {
  project: Project;
  config: ResolvedConfig;
}

export interface LocatedEffect {
  effect: Effect;
  reached: ReachedFunction;
}

const NON_IDEMPOTENT = new Set<EffectKind>(['insert', 'increment', 'append', 'payment', 'email', 'sms', 'push', 'publish', 'http', 'fresh-id']);
export const STATE_WRITES = new Set<EffectKind>(['insert', 'increment', 'append', 'fresh-id', 'absolute-write', 'upsert', 'delete']);
export const DATABASES = new Set<string>(['prisma', 'typeorm', 'sequelize', 'mongoose', 'mongodb', 'knex', 'drizzle', 'mikro-orm', 'sql', 'dynamodb', 'aws-v2', 'firestore', 'firebase-admin']);

/** True when repeating the effect (a redelivery) does it a second time. */
export function repeatIsHarmful(e: Effect): boolean {
  return NON_IDEMPOTENT.has(e.kind) && !e.idempotentBecause;
}

/** True for the non-idempotent kinds, whatever guards them. */
export function isNonIdempotentKind(kind: EffectKind): boolean {
  return NON_IDEMPOTENT.has(kind);
}

// ---------------------------------------------------------------- caching and walking

const perConfig = new WeakMap<ResolvedConfig, WeakMap<ts.Node, Effect[]>>();

/** The effects a function performs in its own body (inline callbacks included), cached. */
export function functionEffects(fn: ts.Node, ctx: EffectContext): Effect[] {
  let byFn = perConfig.get(ctx.config);
  if (!byFn) perConfig.set(ctx.config, (byFn = new WeakMap()));
  const hit = byFn.get(fn);
  if (hit) return hit;
  const out: Effect[] = [];
  walkOwn(fn, (n) => {
    // A returned object's member or a function stored on a property runs later, for someone else.
    if (n !== fn && isFunctionNode(n) && isDeferredFunction(n)) return false;
    if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
      let e: Effect | undefined;
      try {
        e = classifyCall(n, ctx);
      } catch {
        e = undefined;
      }
      if (e) out.push(e);
    }
  });
  byFn.set(fn, out);
  return out;
}

/** Every effect in a handler's reach, in reach order (handler first) and source order. */
export function effectsOf(reach: Reach, ctx: EffectContext): LocatedEffect[] {
  const out: LocatedEffect[] = [];
  const roots = new Set<ts.Node>(reach.functions.filter((r) => r.depth === 0).map((r) => r.fn));
  for (const r of reach.functions) {
    if (reachedOnlyLater(r, roots)) continue;
    for (const effect of functionEffects(r.fn, ctx)) out.push({ effect, reached: r });
  }
  return out;
}

/** A function reached through a call that sits in a deferred function of its caller (a returned callback), so not run by the handler. */
function reachedOnlyLater(r: ReachedFunction, roots: Set<ts.Node>): boolean {
  return r.chain.some((edge, i) => {
    const caller = i === 0 ? undefined : r.chain[i - 1]!.target;
    return deferredWithin(edge.call, (n) => (caller ? n === caller : roots.has(n)));
  });
}

// ---------------------------------------------------------------- call chains

interface Segment {
  name: string;
  call?: ts.CallExpression;
  args: readonly ts.Expression[];
}

const PROMISE_TAIL = new Set(['then', 'catch', 'finally', 'promise']);
/** RxJS tails on a call's Observable result: NestJS `client.emit(...).subscribe(...)`, `.pipe(timeout(...))`. */
const OBSERVABLE_TAIL = new Set(['subscribe', 'pipe', 'toPromise']);

/** True when `name` is a promise or Observable tail applied to the result of a call (not `redis.subscribe(ch)`). */
function isTail(name: string, onCallResult: boolean): boolean {
  return PROMISE_TAIL.has(name) || (onCallResult && OBSERVABLE_TAIL.has(name));
}

/**
 * True when the call is the outer end of a fluent chain. A call followed by `.then/.catch` or an
 * Observable tail is classified from the tail's call (which drops the tail), so it is not a head:
 * one effect per call.
 */
function isChainHead(call: ts.CallExpression): boolean {
  const p = call.parent;
  return !(p && ts.isPropertyAccessExpression(p) && p.expression === call && p.parent && ts.isCallExpression(p.parent) && p.parent.expression === p);
}

function segmentsOf(head: ts.CallExpression): { segs: Segment[]; root: ts.Expression } {
  const segs: Segment[] = [];
  let n: ts.Expression = head;
  for (let guard = 0; guard < 60; guard++) {
    n = unwrapExpression(n);
    if (ts.isCallExpression(n)) {
      const c = unwrapExpression(n.expression);
      if (ts.isPropertyAccessExpression(c)) {
        segs.unshift({ name: c.name.text, call: n, args: n.arguments });
        n = c.expression;
        continue;
      }
      if (ts.isElementAccessExpression(c)) {
        const k = literalValue(c.argumentExpression);
        segs.unshift({ name: k === undefined ? '?' : String(k), call: n, args: n.arguments });
        n = c.expression;
        continue;
      }
      if (ts.isIdentifier(c)) {
        segs.unshift({ name: c.text, call: n, args: n.arguments });
        return { segs, root: c };
      }
      return { segs, root: c };
    }
    if (ts.isPropertyAccessExpression(n)) {
      segs.unshift({ name: n.name.text, args: [] });
      n = n.expression;
      continue;
    }
    if (ts.isAwaitExpression(n)) {
      n = n.expression;
      continue;
    }
    // The root name is a segment too: axios.post -> [axios, post], prisma.order.create -> [prisma, order, create]
    if (ts.isIdentifier(n)) segs.unshift({ name: n.text, args: [] });
    return { segs, root: n };
  }
  return { segs, root: n };
}

// ---------------------------------------------------------------- small helpers

/** An object literal an expression denotes (directly or through a const). */
function objectOf(expr: ts.Node | undefined, depth = 0): ts.ObjectLiteralExpression | undefined {
  if (!expr || depth > 4 || !ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isObjectLiteralExpression(e)) return e;
  if (ts.isNewExpression(e) && e.arguments?.[0]) return objectOf(e.arguments[0], depth + 1);
  if (ts.isIdentifier(e)) {
    const decl = localConst(e);
    return decl ? objectOf(decl, depth + 1) : undefined;
  }
  return undefined;
}

/** The initializer of a same-file `const` an identifier names. */
function localConst(id: ts.Identifier): ts.Expression | undefined {
  let scope: ts.Node | undefined = id.parent;
  while (scope) {
    const found = findConst(scope, id.text);
    if (found) return found;
    scope = scope.parent;
  }
  return undefined;
}

function findConst(scope: ts.Node, name: string): ts.Expression | undefined {
  const statements = ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) ? scope.statements : undefined;
  if (!statements) return undefined;
  for (const st of statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

function prop(obj: ts.ObjectLiteralExpression | undefined, name: string): ts.Expression | undefined {
  if (!obj) return undefined;
  const p = objectProperty(obj, name);
  return p && ts.isExpression(p) ? p : undefined;
}

function propKeys(obj: ts.ObjectLiteralExpression | undefined): string[] {
  return obj ? obj.properties.map((p) => propertyNameText(p.name) ?? '').filter(Boolean) : [];
}

/** Text of a string-ish expression, following a local const. */
function textOf(expr: ts.Node | undefined): string | undefined {
  if (!expr || !ts.isExpression(expr)) return undefined;
  const e = unwrapExpression(expr);
  const direct = stringText(e);
  if (direct !== undefined) return direct;
  if (ts.isIdentifier(e)) {
    const c = localConst(e);
    return c ? stringText(c) : undefined;
  }
  return undefined;
}

const FRESH_ID = /^(randomUUID|uuid|uuidv4|uuidV4|v4|v1|v7|uuidv7|uuidv1|nanoid|cuid|cuid2|createId|ulid|monotonicFactory|ObjectId|randomBytes|generateId|genId)$/;

/** An expression that contains a freshly generated id (randomUUID(), nanoid(), new ObjectId()). */
export function containsFreshId(expr: ts.Node | undefined): boolean {
  if (!expr) return false;
  let found = false;
  const check = (n: ts.Node): boolean | void => {
    if (found || isFunctionNode(n)) return false;
    if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && FRESH_ID.test(calleeName(n) ?? '')) {
      found = true;
      return false;
    }
    return undefined;
  };
  if (check(expr) !== false) walk(expr, check);
  return found;
}

function isEmptyObject(expr: ts.Expression | undefined): boolean {
  const o = expr && unwrapExpression(expr);
  return !!o && ts.isObjectLiteralExpression(o) && o.properties.length === 0;
}

function hasKeyDeep(expr: ts.Node | undefined, keys: RegExp): boolean {
  if (!expr) return false;
  let found = false;
  walk(expr, (n) => {
    if (found || isFunctionNode(n)) return false;
    if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && keys.test(propertyNameText(n.name) ?? '')) found = true;
    return undefined;
  });
  return found;
}

/** A `where`/criteria object that does more than select by key: a literal status, an operator object. */
function whereConditional(where: ts.Expression | undefined): string | undefined {
  const o = objectOf(where);
  if (!o) return undefined;
  for (const p of o.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const v = unwrapExpression(p.initializer);
    const key = propertyNameText(p.name) ?? '';
    if (/^(AND|OR|NOT|\$and|\$or|\$nor)$/.test(key)) return key;
    if (literalValue(v) !== undefined || v.kind === ts.SyntaxKind.NullKeyword) return `${key} = ${v.getText()}`;
    if (ts.isObjectLiteralExpression(v) && v.properties.some((q) => /^(\$?(in|notIn|nin|not|ne|lt|lte|gt|gte|equals)|In|Not|LessThan|MoreThan)$/.test(propertyNameText(q.name) ?? ''))) return `${key} ${v.getText()}`;
    if (ts.isCallExpression(v) && /^(In|Not|LessThan|MoreThan|LessThanOrEqual|MoreThanOrEqual|IsNull|Raw)$/.test(calleeName(v) ?? '')) return `${key} ${v.getText()}`;
  }
  return undefined;
}

/** An idempotency key in any object argument: `idempotencyKey`, `Idempotency-Key` header, ... */
function idempotencyKeyIn(args: readonly ts.Expression[], names = /^(x-)?idempotency[-_]?key$/i): ts.Expression | undefined {
  for (const a of args) {
    let found: ts.Expression | undefined;
    const o = objectOf(a);
    const scan = (obj: ts.ObjectLiteralExpression, depth: number) => {
      for (const p of obj.properties) {
        if (found) return;
        const k = propertyNameText(p.name) ?? '';
        if (ts.isPropertyAssignment(p)) {
          if (names.test(k)) found = p.initializer;
          else if (depth < 3) {
            const inner = objectOf(p.initializer);
            if (inner) scan(inner, depth + 1);
          }
        } else if (ts.isShorthandPropertyAssignment(p) && names.test(k)) found = p.name;
      }
    };
    if (o) scan(o, 0);
    if (found && !containsFreshId(found)) return found;
  }
  return undefined;
}

function tableName(expr: ts.Expression | undefined): string | undefined {
  if (!expr) return undefined;
  const e = unwrapExpression(expr);
  const lit = literalValue(e);
  if (typeof lit === 'string') return lit;
  if (ts.isIdentifier(e)) {
    const init = localConst(e);
    const ie = init && unwrapExpression(init);
    // pgTable('audit_events', {...}) / mysqlTable / sqliteTable
    if (ie && ts.isCallExpression(ie) && /Table$/.test(calleeName(ie) ?? '')) {
      const n = literalValue(ie.arguments[0]);
      if (typeof n === 'string') return n;
    }
    return e.text;
  }
  return accessChain(e) ?? undefined;
}

// ---------------------------------------------------------------- classification

/** Classifies one call or tagged SQL template. */
export function classifyCall(node: ts.CallExpression | ts.TaggedTemplateExpression, ctx: EffectContext): Effect | undefined {
  if (ts.isTaggedTemplateExpression(node)) return classifyTagged(node);
  if (!isChainHead(node)) return undefined;
  const { segs } = segmentsOf(node);
  // Drop promise and Observable tails: x.send(...).catch(() => {}), client.emit(...).subscribe(...)
  while (segs.length > 1 && isTail(segs[segs.length - 1]!.name, !!segs[segs.length - 2]!.call)) segs.pop();
  const opSeg = segs[segs.length - 1];
  if (!opSeg?.call) return undefined;
  const call = opSeg.call;

  const configured = fromConfig(call, ctx.config);
  if (configured) return configured;

  const family = familyOf(originOf(ctx.project, call.expression));
  const byFamily = family ? classifyFamily(family, segs, call, ctx) : undefined;
  if (byFamily) return byFamily;
  if (family && family !== 'sql' && DATABASES.has(family) === false) return undefined;
  // Library unknown: SQL text and a few unmistakable shapes still speak for themselves.
  return classifySqlCall(segs, call, family ?? 'sql') ?? (family ? undefined : classifyByShape(segs, call));
}

function fromConfig(call: ts.CallExpression, config: ResolvedConfig): Effect | undefined {
  if (!config.sideEffects.length) return undefined;
  const name = calleeName(call);
  const chain = accessChain(call.expression);
  for (const s of config.sideEffects) {
    if (s.name === name || s.name === chain || (chain && chain.endsWith(`.${s.name}`))) {
      const kind: EffectKind = s.kind === 'write' ? 'absolute-write' : s.kind;
      return { kind, node: call, library: 'config', op: name ?? s.name, target: s.name, outgoing: kind === 'publish' || kind === 'http' ? [...call.arguments] : undefined };
    }
  }
  return undefined;
}

function classifyTagged(node: ts.TaggedTemplateExpression): Effect | undefined {
  // db.execute(sql`...`) is classified at the call.
  if (node.parent && ts.isCallExpression(node.parent) && node.parent.arguments.includes(node)) return undefined;
  const tag = accessChain(node.tag)?.split('.').pop() ?? '';
  if (!/^(sql|\$executeRaw|\$queryRaw|\$executeRawUnsafe|query|raw|execute)$/.test(tag)) return undefined;
  const st = readSql(stringText(node.template));
  return st ? fromSql(st, node, tag === 'sql' ? 'sql' : 'prisma', tag, undefined) : undefined;
}

const SQL_OPS = /^(query|execute|none|one|many|any|oneOrNone|manyOrNone|result|run|all|get|exec|prepare|unsafe|raw|\$executeRaw|\$executeRawUnsafe|\$queryRaw|\$queryRawUnsafe|sql|batch)$/;

function classifySqlCall(segs: Segment[], call: ts.CallExpression, family: Family): Effect | undefined {
  // The SQL may sit in any segment of a chain: env.DB.prepare(sql).bind(...).run()
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    if (!s.call || !SQL_OPS.test(s.name)) continue;
    const a0 = s.args[0];
    const text = textOf(a0) ?? textOf(prop(objectOf(a0), 'text')) ?? textOf(prop(objectOf(a0), 'sql'));
    const st = readSql(text);
    if (st) return fromSql(st, call, family, s.name, s.args[1]);
  }
  return undefined;
}

function fromSql(st: SqlStatement, node: Effect['node'], library: Family, op: string, params: ts.Expression | undefined): Effect | undefined {
  const base = { node, library, op, target: st.table };
  switch (st.kind) {
    case 'insert': {
      if (st.conflict === 'ignore') return { ...base, kind: 'insert', idempotentBecause: 'the INSERT ignores conflicts (ON CONFLICT DO NOTHING / INSERT IGNORE)' };
      if (st.conflict === 'update') {
        const kind: EffectKind = st.increment ? 'increment' : st.append ? 'append' : 'upsert';
        return { ...base, kind, conditional: st.conditional ? 'DO UPDATE ... WHERE' : undefined };
      }
      return { ...base, kind: st.freshId || containsFreshId(params) ? 'fresh-id' : 'insert' };
    }
    case 'update':
      return { ...base, kind: st.increment ? 'increment' : st.append ? 'append' : 'absolute-write', conditional: st.conditional ? 'WHERE condition' : undefined };
    case 'delete':
      return { ...base, kind: 'delete' };
    case 'merge':
      return { ...base, kind: 'upsert' };
    case 'select':
      return { ...base, kind: 'read' };
    default:
      return undefined;
  }
}

function classifyFamily(family: Family, segs: Segment[], call: ts.CallExpression, ctx: EffectContext): Effect | undefined {
  switch (family) {
    case 'prisma':
      return prisma(segs, call);
    case 'typeorm':
      return typeorm(segs, call);
    case 'sequelize':
      return sequelize(segs, call);
    case 'mongoose':
    case 'mongodb':
      return mongo(segs, call, family);
    case 'knex':
      return knex(segs, call);
    case 'drizzle':
      return drizzle(segs, call);
    case 'mikro-orm':
      return mikro(segs, call);
    case 'sql':
      return classifySqlCall(segs, call, 'sql');
    case 'dynamodb':
    case 'aws-v2':
    case 'sns':
    case 'sqs':
    case 'eventbridge':
    case 'kinesis':
    case 'ses':
      return aws(family, segs, call);
    case 'firestore':
      return firestore(segs, call, 'firestore');
    case 'firebase-admin':
      return segs.some((s) => s.name === 'messaging') ? push(segs, call, 'firebase-admin') : firestore(segs, call, 'firebase-admin');
    case 'redis':
      return redis(segs, call);
    case 'http':
    case 'nest-http':
      return http(family, segs, call, ctx);
    case 'nodemailer':
    case 'email':
      return email(family, segs, call);
    case 'sms':
      return sms(segs, call);
    case 'push':
      return push(segs, call, 'push');
    case 'stripe':
      return stripe(segs, call);
    case 'payment':
      return payment(segs, call);
    default:
      return publishers(family, segs, call);
  }
}

const op = (segs: Segment[]) => segs[segs.length - 1]!.name;

// ---- Prisma

const PRISMA_OPS = /^(create|createMany|createManyAndReturn|upsert|update|updateMany|updateManyAndReturn|delete|deleteMany|findUnique|findUniqueOrThrow|findFirst|findFirstOrThrow|findMany|count|aggregate|groupBy)$/;

function prismaData(data: ts.Expression | undefined): 'increment' | 'append' | 'insert' | undefined {
  const o = objectOf(data);
  if (!o) return undefined;
  for (const p of o.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const v = objectOf(p.initializer);
    if (!v) continue;
    const keys = propKeys(v);
    if (keys.some((k) => /^(increment|decrement|multiply|divide)$/.test(k))) return 'increment';
    if (keys.includes('push')) return 'append';
    if (keys.some((k) => k === 'create' || k === 'createMany')) return 'insert';
  }
  return undefined;
}

function prisma(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  if (/^\$(executeRaw|queryRaw)/.test(o)) return classifySqlCall(segs, call, 'prisma');
  if (!PRISMA_OPS.test(o)) return undefined;
  const model = segs.length >= 2 ? segs[segs.length - 2]!.name : undefined;
  const arg = objectOf(call.arguments[0]);
  const base = { node: call, library: 'prisma' as const, op: o, target: model };
  switch (o) {
    case 'create':
      return { ...base, kind: containsFreshId(prop(arg, 'data')) ? 'fresh-id' : 'insert' };
    case 'createMany':
    case 'createManyAndReturn': {
      const skip = literalValue(prop(arg, 'skipDuplicates')) === true;
      return { ...base, kind: !skip && containsFreshId(prop(arg, 'data')) ? 'fresh-id' : 'insert', idempotentBecause: skip ? 'createMany skips duplicates (skipDuplicates)' : undefined };
    }
    case 'upsert': {
      const update = prop(arg, 'update');
      if (isEmptyObject(update)) return { ...base, kind: 'upsert', idempotentBecause: 'the upsert only creates when absent (update: {})' };
      const d = prismaData(update);
      return { ...base, kind: d === 'increment' ? 'increment' : d === 'append' ? 'append' : 'upsert' };
    }
    case 'update':
    case 'updateMany':
    case 'updateManyAndReturn': {
      const d = prismaData(prop(arg, 'data'));
      return { ...base, kind: d ?? 'absolute-write', conditional: whereConditional(prop(arg, 'where')) };
    }
    case 'delete':
    case 'deleteMany':
      return { ...base, kind: 'delete' };
    default:
      return { ...base, kind: 'read' };
  }
}

// ---- TypeORM

function typeorm(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const names = segs.map((s) => s.name);
  const o = op(segs);
  const verb = names.find((n) => /^(insert|update|delete|softDelete)$/.test(n));
  const repo = segs.length >= 2 ? segs[segs.length - 2]!.name : undefined;
  const base = { node: call, library: 'typeorm' as const, op: o, target: repo && !/^(manager|dataSource|connection|queryRunner|this)$/.test(repo) ? repo : undefined };
  if (names.includes('createQueryBuilder') || (o === 'execute' && names.some((n) => /^(insert|update|delete|softDelete)$/.test(n)))) {
    if (o !== 'execute' && o !== 'getMany' && o !== 'getOne' && o !== 'getRawMany' && o !== 'getRawOne' && o !== 'getCount') return undefined;
    const seg = (n: string) => segs.find((s) => s.name === n);
    const target = tableName(seg('into')?.args[0] ?? seg('update')?.args[0] ?? seg('from')?.args[0]) ?? (repo === 'createQueryBuilder' ? undefined : base.target);
    base.op = `createQueryBuilder().${verb ?? o}`;
    if (names.includes('insert')) {
      if (names.includes('orIgnore')) return { ...base, kind: 'insert', target, idempotentBecause: 'the insert ignores conflicts (orIgnore)' };
      if (names.includes('orUpdate')) return { ...base, kind: 'upsert', target };
      return { ...base, kind: containsFreshId(seg('values')?.args[0]) ? 'fresh-id' : 'insert', target };
    }
    if (names.includes('update')) {
      const set = objectOf(seg('set')?.args[0]);
      const inc = set?.properties.some((p) => ts.isPropertyAssignment(p) && isFunctionNode(unwrapExpression(p.initializer)) && /[+-]/.test(p.initializer.getText()));
      const where = segs.filter((s) => /^(where|andWhere)$/.test(s.name)).map((s) => textOf(s.args[0]) ?? '').join(' AND ');
      return { ...base, kind: inc ? 'increment' : 'absolute-write', target, conditional: where && isConditionalWhere(where) ? 'WHERE condition' : undefined };
    }
    if (names.includes('delete') || names.includes('softDelete')) return { ...base, kind: 'delete', target };
    return { ...base, kind: 'read', target };
  }
  const a0 = call.arguments[0];
  switch (o) {
    case 'query':
      return classifySqlCall(segs, call, 'typeorm');
    case 'insert':
      return { ...base, kind: containsFreshId(call.arguments[call.arguments.length - 1]) ? 'fresh-id' : 'insert' };
    case 'save': {
      const arg = a0 && unwrapExpression(a0);
      const created = arg && ((ts.isCallExpression(arg) && calleeName(arg) === 'create') || ts.isNewExpression(arg));
      if (created || containsFreshId(a0)) return { ...base, kind: containsFreshId(a0) ? 'fresh-id' : 'insert' };
      return { ...base, kind: 'absolute-write' };
    }
    case 'update': {
      const partial = objectOf(call.arguments[call.arguments.length - 1]);
      const inc = partial?.properties.some((p) => ts.isPropertyAssignment(p) && isFunctionNode(unwrapExpression(p.initializer)) && /[+-]/.test(p.initializer.getText()));
      return { ...base, kind: inc ? 'increment' : 'absolute-write', conditional: whereConditional(call.arguments.length >= 3 ? call.arguments[1] : a0) };
    }
    case 'increment':
    case 'decrement':
      return { ...base, kind: 'increment' };
    case 'upsert':
      return { ...base, kind: 'upsert' };
    case 'delete':
    case 'remove':
    case 'softDelete':
    case 'softRemove':
      return { ...base, kind: 'delete' };
    default:
      return /^(find|findOne|findOneBy|findBy|findOneOrFail|findOneByOrFail|findAndCount|count|exist|exists|existsBy|countBy)$/.test(o) ? { ...base, kind: 'read' } : undefined;
  }
}

// ---- Sequelize

function sequelize(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  const base = { node: call, library: 'sequelize' as const, op: o, target: segs.length >= 2 ? segs[segs.length - 2]!.name : undefined };
  const opts = objectOf(call.arguments[1]);
  switch (o) {
    case 'create':
      return { ...base, kind: containsFreshId(call.arguments[0]) ? 'fresh-id' : 'insert' };
    case 'bulkCreate':
      if (literalValue(prop(opts, 'ignoreDuplicates')) === true) return { ...base, kind: 'insert', idempotentBecause: 'bulkCreate ignores duplicates' };
      if (prop(opts, 'updateOnDuplicate')) return { ...base, kind: 'upsert' };
      return { ...base, kind: 'insert' };
    case 'findOrCreate':
      return { ...base, kind: 'insert', idempotentBecause: 'findOrCreate only creates when absent' };
    case 'upsert':
      return { ...base, kind: 'upsert' };
    case 'update':
      return { ...base, kind: /literal\([^)]*[+-]/.test(call.arguments[0]?.getText() ?? '') ? 'increment' : 'absolute-write', conditional: whereConditional(prop(objectOf(call.arguments[1]), 'where')) };
    case 'increment':
    case 'decrement':
      return { ...base, kind: 'increment' };
    case 'destroy':
      return { ...base, kind: 'delete' };
    case 'query':
      return classifySqlCall(segs, call, 'sequelize' as Family);
    default:
      return /^(findOne|findAll|findByPk|findAndCountAll|count|max|min|sum)$/.test(o) ? { ...base, kind: 'read' } : undefined;
  }
}

// ---- Mongoose / MongoDB

function mongo(segs: Segment[], call: ts.CallExpression, library: 'mongoose' | 'mongodb'): Effect | undefined {
  const o = op(segs);
  const recv = segs.length >= 2 ? segs[segs.length - 2] : undefined;
  const target = recv?.name === 'collection' ? textOf(recv.args[0]) : recv?.name;
  const base = { node: call, library, op: o, target };
  if (/^(create|insertMany|insertOne)$/.test(o)) return { ...base, kind: containsFreshId(call.arguments[0]) ? 'fresh-id' : 'insert' };
  if (o === 'save') {
    const r = call.expression && ts.isPropertyAccessExpression(unwrapExpression(call.expression)) ? unwrapExpression((unwrapExpression(call.expression) as ts.PropertyAccessExpression).expression) : undefined;
    const init = r && ts.isIdentifier(r) ? localConst(r) : r;
    if (init && ts.isNewExpression(unwrapExpression(init))) return { ...base, kind: 'insert' };
    return { ...base, kind: 'absolute-write' };
  }
  if (/^(updateOne|updateMany|findOneAndUpdate|findByIdAndUpdate|update)$/.test(o)) {
    const filter = objectOf(call.arguments[0]);
    const update = objectOf(call.arguments[1]);
    const opts = objectOf(call.arguments[2]);
    const keys = propKeys(update);
    const upsert = literalValue(prop(opts, 'upsert')) === true;
    const pushed = [prop(update, '$push'), prop(update, '$addToSet')].filter(Boolean).map((x) => x!.getText()).join(' ');
    const ne = neGuard(filter, pushed);
    const idem = ne ? `the filter skips an id already applied (${ne})` : undefined;
    if (keys.includes('$inc')) return { ...base, kind: 'increment', idempotentBecause: idem, conditional: ne };
    if (keys.includes('$push')) return { ...base, kind: 'append', idempotentBecause: idem, conditional: ne };
    if (upsert && keys.length > 0 && keys.every((k) => k === '$setOnInsert')) return { ...base, kind: 'upsert', idempotentBecause: 'the upsert only sets fields on insert ($setOnInsert)' };
    return { ...base, kind: upsert ? 'upsert' : 'absolute-write', conditional: ne ?? whereConditional(call.arguments[0]) };
  }
  if (/^(replaceOne|findOneAndReplace)$/.test(o)) return { ...base, kind: 'absolute-write' };
  if (/^(deleteOne|deleteMany|findByIdAndDelete|findOneAndDelete|findByIdAndRemove|findOneAndRemove|remove)$/.test(o)) return { ...base, kind: 'delete' };
  if (/^(find|findOne|findById|countDocuments|estimatedDocumentCount|exists|aggregate|distinct)$/.test(o)) return { ...base, kind: 'read' };
  return undefined;
}

/** `{ appliedIds: { $ne: id } }` where the same id is pushed: an applied-ids guard. */
function neGuard(filter: ts.ObjectLiteralExpression | undefined, pushed: string): string | undefined {
  if (!filter) return undefined;
  for (const p of filter.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const v = objectOf(p.initializer);
    const ne = prop(v, '$ne') ?? prop(v, '$nin');
    if (!ne) continue;
    const t = unwrapExpression(ne).getText();
    if (pushed.includes(t) || /applied|processed|seen|handled|event.?id|message.?id/i.test(propertyNameText(p.name) ?? '')) return `${propertyNameText(p.name)}: { $ne: ${t} }`;
  }
  return undefined;
}

// ---- Knex

function knex(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const names = segs.map((s) => s.name);
  const seg = (n: string) => segs.find((s) => s.name === n);
  const first = segs[0];
  const target =
    (first?.call && segs.indexOf(first) === 0 && first.args[0] ? tableName(first.args[0]) : undefined) ??
    tableName(seg('into')?.args[0] ?? seg('table')?.args[0] ?? seg('from')?.args[0] ?? seg('withSchema')?.args[0]);
  const verb = names.find((n) => /^(insert|batchInsert|merge|increment|decrement|update|del|delete|truncate|select|first)$/.test(n));
  const base = { node: call, library: 'knex' as const, op: names.includes('merge') ? 'insert ... merge' : (verb ?? op(segs)), target };
  if (names.includes('raw') && segs.length <= 2) return classifySqlCall(segs, call, 'knex');
  if (names.includes('insert') || names.includes('batchInsert')) {
    if (names.includes('onConflict') && names.includes('ignore')) return { ...base, kind: 'insert', idempotentBecause: 'the insert ignores conflicts (onConflict().ignore())' };
    if (names.includes('merge')) {
      const m = seg('merge');
      const inc = rawIncrement(m?.args[0]);
      return { ...base, kind: inc ? 'increment' : 'upsert', conditional: names.includes('where') ? 'merge ... where' : undefined };
    }
    return { ...base, kind: containsFreshId(seg('insert')?.args[0]) ? 'fresh-id' : 'insert' };
  }
  if (names.includes('increment') || names.includes('decrement')) return { ...base, kind: 'increment' };
  if (names.includes('update')) {
    const u = seg('update');
    const inc = rawIncrement(u?.args[0]);
    const cond = segs.some((s) => /^(whereIn|whereNot|whereNotIn|whereNull|whereNotNull|whereRaw|andWhereNot|whereExists|whereNotExists)$/.test(s.name) || (/^(where|andWhere)$/.test(s.name) && (s.args.length === 3 || !!whereConditional(s.args[0]))));
    return { ...base, kind: inc ? 'increment' : 'absolute-write', conditional: cond ? 'where condition' : undefined };
  }
  if (names.includes('del') || names.includes('delete') || names.includes('truncate')) return { ...base, kind: 'delete' };
  if (names.some((n) => /^(select|first|pluck|count|where|whereIn)$/.test(n))) return { ...base, kind: 'read' };
  return undefined;
}

/** knex `merge({ x: trx.raw('t.x + excluded.x') })` / `update({ x: db.raw('x + ?', [n]) })`. */
function rawIncrement(values: ts.Expression | undefined): boolean {
  const o = objectOf(values);
  if (!o) return false;
  for (const p of o.properties) {
    if (!ts.isPropertyAssignment(p)) continue;
    const v = unwrapExpression(p.initializer);
    if (ts.isCallExpression(v) && calleeName(v) === 'raw') {
      const raw = textOf(v.arguments[0]);
      if (raw && hasIncrement(`${propertyNameText(p.name)} = ${raw}`)) return true;
    }
  }
  return false;
}

// ---- Drizzle

function drizzle(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const names = segs.map((s) => s.name);
  const seg = (n: string) => segs.find((s) => s.name === n);
  const verb = names.find((n) => /^(insert|update|delete|select|execute|run)$/.test(n));
  const base = { node: call, library: 'drizzle' as const, op: verb ?? op(segs) };
  if (names.includes('execute') || names.includes('run')) {
    const e = classifySqlCall(segs, call, 'drizzle');
    if (e) return e;
  }
  if (names.includes('insert')) {
    const target = tableName(seg('insert')?.args[0]);
    if (names.includes('onConflictDoNothing')) return { ...base, kind: 'insert', target, idempotentBecause: 'the insert ignores conflicts (onConflictDoNothing)' };
    if (names.includes('onConflictDoUpdate')) {
      const cfg = objectOf(seg('onConflictDoUpdate')?.args[0]);
      const inc = sqlSetIncrement(prop(cfg, 'set'));
      return { ...base, kind: inc ? 'increment' : 'upsert', target, conditional: prop(cfg, 'setWhere') || prop(cfg, 'where') ? 'setWhere' : undefined };
    }
    return { ...base, kind: containsFreshId(seg('values')?.args[0]) ? 'fresh-id' : 'insert', target };
  }
  if (names.includes('update')) {
    const target = tableName(seg('update')?.args[0]);
    const inc = sqlSetIncrement(seg('set')?.args[0]);
    const where = seg('where')?.args[0]?.getText() ?? '';
    return { ...base, kind: inc ? 'increment' : 'absolute-write', target, conditional: /\b(lt|lte|gt|gte|ne|inArray|notInArray|isNull|isNotNull|and|or|not)\(/.test(where) ? 'where condition' : undefined };
  }
  if (names.includes('delete')) return { ...base, kind: 'delete', target: tableName(seg('delete')?.args[0]) };
  if (names.includes('select') || names.includes('query')) return { ...base, kind: 'read' };
  return undefined;
}

/** A drizzle `set` whose value adds to the column: sql`${t.balance} + ${n}`. */
function sqlSetIncrement(set: ts.Expression | undefined): boolean {
  const o = objectOf(set);
  if (!o) return false;
  return o.properties.some((p) => {
    if (!ts.isPropertyAssignment(p)) return false;
    const v = unwrapExpression(p.initializer);
    if (!ts.isTaggedTemplateExpression(v)) return false;
    const t = v.template;
    const literal = ts.isNoSubstitutionTemplateLiteral(t) ? t.text : [t.head.text, ...t.templateSpans.map((s) => s.literal.text)].join('?');
    return /[+-]/.test(literal) && !/excluded\./i.test(literal);
  });
}

// ---- MikroORM

function mikro(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  const base = { node: call, library: 'mikro-orm' as const, op: o };
  if (/^(persist|persistAndFlush)$/.test(o)) {
    const a = call.arguments[0] && unwrapExpression(call.arguments[0]);
    const init = a && ts.isIdentifier(a) ? localConst(a) : a;
    const ie = init && unwrapExpression(init);
    if (ie && (ts.isNewExpression(ie) || (ts.isCallExpression(ie) && calleeName(ie) === 'create'))) return { ...base, kind: containsFreshId(ie) ? 'fresh-id' : 'insert' };
    return { ...base, kind: 'absolute-write' };
  }
  if (/^(insert|insertMany|nativeInsert)$/.test(o)) return { ...base, kind: 'insert', target: call.arguments[0]?.getText() };
  if (o === 'nativeUpdate') return { ...base, kind: 'absolute-write', conditional: whereConditional(call.arguments[1]) };
  if (/^(nativeDelete|remove|removeAndFlush)$/.test(o)) return { ...base, kind: 'delete' };
  if (/^(upsert|upsertMany)$/.test(o)) return { ...base, kind: 'upsert' };
  if (o === 'execute') return classifySqlCall(segs, call, 'mikro-orm');
  if (/^(find|findOne|findOneOrFail|findAll|count|findAndCount)$/.test(o)) return { ...base, kind: 'read' };
  return undefined;
}

// ---- AWS SDK (DynamoDB, SES, SNS, SQS, EventBridge, Kinesis; v3 commands and v2 methods)

function commandOf(call: ts.CallExpression): { name: string; params?: ts.ObjectLiteralExpression } | undefined {
  const a = call.arguments[0] && unwrapExpression(call.arguments[0]);
  let ne: ts.Expression | undefined = a;
  if (a && ts.isIdentifier(a)) ne = localConst(a) ?? a;
  ne = ne && unwrapExpression(ne);
  if (ne && ts.isNewExpression(ne) && ts.isIdentifier(ne.expression)) return { name: ne.expression.text, params: objectOf(ne.arguments?.[0]) };
  return undefined;
}

const V2_METHODS: Record<string, string> = {
  put: 'PutCommand', update: 'UpdateCommand', delete: 'DeleteCommand', get: 'GetCommand', query: 'QueryCommand', scan: 'ScanCommand',
  transactWrite: 'TransactWriteCommand', batchWrite: 'BatchWriteCommand', putItem: 'PutItemCommand', updateItem: 'UpdateItemCommand',
  deleteItem: 'DeleteItemCommand', getItem: 'GetItemCommand', transactWriteItems: 'TransactWriteItemsCommand', batchWriteItem: 'BatchWriteItemCommand',
  sendEmail: 'SendEmailCommand', sendRawEmail: 'SendRawEmailCommand', sendTemplatedEmail: 'SendTemplatedEmailCommand', sendBulkTemplatedEmail: 'SendBulkTemplatedEmailCommand',
  publish: 'PublishCommand', publishBatch: 'PublishBatchCommand', sendMessage: 'SendMessageCommand', sendMessageBatch: 'SendMessageBatchCommand',
  putEvents: 'PutEventsCommand', putRecord: 'PutRecordCommand', putRecords: 'PutRecordsCommand', putRecordBatch: 'PutRecordBatchCommand',
  executeStatement: 'ExecuteStatementCommand',
};

function aws(family: Family, segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  let cmd: { name: string; params?: ts.ObjectLiteralExpression } | undefined;
  if (o === 'send') cmd = commandOf(call);
  else if (V2_METHODS[o] && call.arguments[0]) cmd = { name: V2_METHODS[o]!, params: objectOf(call.arguments[0]) };
  if (!cmd) return undefined;
  const name = cmd.name.replace(/Item(s)?Command$/, 'Command').replace(/Items?Command$/, 'Command');
  const p = cmd.params;
  const base = { node: call, library: family, op: cmd.name };
  switch (name) {
    case 'PutCommand':
    case 'UpdateCommand':
    case 'DeleteCommand':
      return dynamoWrite(name, p, base);
    case 'GetCommand':
    case 'QueryCommand':
    case 'ScanCommand':
    case 'BatchGetCommand':
      return { ...base, library: 'dynamodb', kind: 'read', target: tableText(p) };
    case 'TransactWriteCommand': {
      const items = prop(p, 'TransactItems');
      const list = items && ts.isArrayLiteralExpression(unwrapExpression(items)) ? (unwrapExpression(items) as ts.ArrayLiteralExpression).elements : [];
      const subs: Effect[] = [];
      for (const el of list) {
        const o2 = objectOf(el);
        for (const k of ['Put', 'Update', 'Delete', 'ConditionCheck'] as const) {
          const sp = objectOf(prop(o2, k));
          if (!sp) continue;
          if (k === 'ConditionCheck') {
            if (/attribute_not_exists/i.test(textOf(prop(sp, 'ConditionExpression')) ?? '')) subs.push({ ...base, library: 'dynamodb', kind: 'insert', idempotentBecause: 'a ConditionCheck attribute_not_exists in the same transaction' });
          } else subs.push(dynamoWrite(`${k}Command`, sp, base));
        }
      }
      const claim = subs.find((s) => s.idempotentBecause && (s.kind === 'insert' || s.op === 'ConditionCheck'));
      const worst = subs.find((s) => repeatIsHarmful(s)) ?? subs[0];
      if (!worst) return { ...base, library: 'dynamodb', kind: 'absolute-write' };
      return claim && claim !== worst ? { ...worst, idempotentBecause: `a conditional claim in the same transaction (${claim.target ?? 'attribute_not_exists'})` } : worst;
    }
    case 'BatchWriteCommand':
      return { ...base, library: 'dynamodb', kind: containsFreshId(p) ? 'fresh-id' : 'absolute-write' };
    case 'ExecuteStatementCommand': {
      const st = readSql(textOf(prop(p, 'Statement')));
      return st ? fromSql(st, call, 'dynamodb', 'ExecuteStatement', undefined) : undefined;
    }
    case 'SendEmailCommand':
    case 'SendRawEmailCommand':
    case 'SendTemplatedEmailCommand':
    case 'SendBulkEmailCommand':
    case 'SendBulkTemplatedEmailCommand':
      return { ...base, library: 'ses', kind: 'email', target: 'SES', thirdParty: true };
    case 'PublishCommand':
    case 'PublishBatchCommand':
      if (prop(p, 'PhoneNumber')) return { ...base, library: 'sns', kind: 'sms', target: 'SNS SMS', thirdParty: true };
      return { ...base, library: 'sns', kind: 'publish', target: textOf(prop(p, 'TopicArn')) ?? prop(p, 'TopicArn')?.getText(), outgoing: p ? [p] : [...call.arguments], idempotencyKey: dedupIdOf(p), idempotentBecause: dedupIdOf(p) ? 'MessageDeduplicationId' : undefined };
    case 'SendMessageCommand':
    case 'SendMessageBatchCommand':
      return { ...base, library: 'sqs', kind: 'publish', target: textOf(prop(p, 'QueueUrl')) ?? prop(p, 'QueueUrl')?.getText(), outgoing: p ? [p] : [...call.arguments], idempotencyKey: dedupIdOf(p), idempotentBecause: dedupIdOf(p) ? 'MessageDeduplicationId' : undefined };
    case 'PutEventsCommand':
      return { ...base, library: 'eventbridge', kind: 'publish', target: 'EventBridge', outgoing: p ? [p] : [...call.arguments] };
    case 'PutRecordCommand':
    case 'PutRecordsCommand':
    case 'PutRecordBatchCommand':
      return { ...base, library: 'kinesis', kind: 'publish', target: textOf(prop(p, 'StreamName')) ?? 'Kinesis', outgoing: p ? [p] : [...call.arguments] };
    default:
      return undefined;
  }
}

function dedupIdOf(p: ts.ObjectLiteralExpression | undefined): ts.Expression | undefined {
  const v = prop(p, 'MessageDeduplicationId');
  return v && !containsFreshId(v) ? v : undefined;
}

function tableText(p: ts.ObjectLiteralExpression | undefined): string | undefined {
  const t = prop(p, 'TableName');
  if (!t) return undefined;
  const lit = literalValue(t);
  if (typeof lit === 'string') return lit;
  return unwrapExpression(t).getText().replace(/^process\.env\./, '');
}

function dynamoWrite(name: string, p: ts.ObjectLiteralExpression | undefined, base: { node: ts.CallExpression; op: string }): Effect {
  const target = tableText(p);
  const cond = textOf(prop(p, 'ConditionExpression')) ?? '';
  const notExists = /attribute_not_exists|NOT\s+contains\s*\(/i.test(cond);
  const b = { ...base, library: 'dynamodb' as const, target };
  if (name === 'PutCommand') {
    const item = prop(p, 'Item');
    if (containsFreshId(item)) return { ...b, kind: 'fresh-id' };
    if (notExists) return { ...b, kind: 'insert', idempotentBecause: 'the put is conditional on attribute_not_exists', conditional: cond };
    return { ...b, kind: 'absolute-write', conditional: cond || undefined };
  }
  if (name === 'UpdateCommand') {
    const ue = textOf(prop(p, 'UpdateExpression')) ?? '';
    const inc = /(^|\s)ADD\s/i.test(ue) || /(\w+)\s*=\s*(if_not_exists\s*\(\s*)?\1\b[^,]*?[+-]/i.test(ue);
    const app = /list_append\s*\(/i.test(ue);
    const kind: EffectKind = inc ? 'increment' : app ? 'append' : 'absolute-write';
    return { ...b, kind, conditional: cond || undefined, idempotentBecause: notExists && kind !== 'absolute-write' ? `the update is conditional (${cond})` : undefined };
  }
  return { ...b, kind: 'delete' };
}

// ---- Firestore

function firestore(segs: Segment[], call: ts.CallExpression, library: Family): Effect | undefined {
  const o = op(segs);
  const names = segs.map((s) => s.name);
  const col = segs.filter((s) => s.name === 'collection').map((s) => textOf(s.args[0])).filter(Boolean).pop();
  const base = { node: call, library, op: o, target: col };
  if (o === 'add') return { ...base, kind: 'fresh-id' };
  const docSeg = segs.find((s) => s.name === 'doc');
  if (o === 'set' || o === 'create' || o === 'update') {
    // tx.set(ref, data) / batch.update(ref, data)
    const data = call.arguments.length >= 2 && !names.includes('doc') ? call.arguments[1] : call.arguments[0];
    if (docSeg && docSeg.args.length === 0 && o !== 'update') return { ...base, kind: 'fresh-id' };
    if (/FieldValue\.increment\s*\(|\bincrement\s*\(/.test(data?.getText() ?? '')) return { ...base, kind: 'increment' };
    if (o === 'create') return { ...base, kind: 'insert' };
    return { ...base, kind: 'absolute-write' };
  }
  if (o === 'delete') return { ...base, kind: 'delete' };
  if (o === 'get' && (names.includes('doc') || names.includes('collection') || call.arguments.length)) return { ...base, kind: 'read' };
  return undefined;
}

// ---- Redis

function redis(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  let best: Effect | undefined;
  for (const s of segs) {
    if (!s.call) continue;
    const e = redisOp(s, call);
    if (!e) continue;
    if (!best || (repeatIsHarmful(e) && !repeatIsHarmful(best)) || (best.kind === 'read' && e.kind !== 'read')) best = e;
  }
  return best;
}

function redisOp(s: Segment, call: ts.CallExpression): Effect | undefined {
  const o = s.name.toLowerCase();
  const target = textOf(s.args[0]) ?? s.args[0]?.getText();
  const base = { node: call, library: 'redis' as const, op: s.name, target };
  if (/^(incr|incrby|incrbyfloat|decr|decrby|hincrby|hincrbyfloat|zincrby)$/.test(o)) return { ...base, kind: 'increment' };
  if (/^(lpush|rpush|lpushx|rpushx)$/.test(o)) return { ...base, kind: 'append' };
  if (o === 'xadd') return { ...base, kind: 'publish', outgoing: [...s.args.slice(1)] };
  if (o === 'publish' || o === 'spublish') return { ...base, kind: 'publish', outgoing: [...s.args.slice(1)] };
  if (/^(setnx|hsetnx|msetnx)$/.test(o)) return { ...base, kind: 'insert', idempotentBecause: 'SET NX' };
  if (o === 'set') {
    const nx = s.args.some((a) => /^nx$/i.test(String(literalValue(a) ?? ''))) || s.args.some((a) => literalValue(prop(objectOf(a), 'NX')) === true);
    return nx ? { ...base, kind: 'insert', idempotentBecause: 'SET NX' } : { ...base, kind: 'absolute-write' };
  }
  if (/^(hset|hmset|mset|setex|psetex|sadd|zadd|expire|pexpire|getset|json\.set)$/.test(o)) return { ...base, kind: 'absolute-write' };
  if (/^(del|unlink|hdel|srem|zrem|lrem)$/.test(o)) return { ...base, kind: 'delete' };
  if (/^(get|mget|hget|hgetall|hmget|exists|sismember|smembers|zscore|zrange|lrange|ttl|hexists|scard)$/.test(o)) return { ...base, kind: 'read' };
  return undefined;
}

// ---- HTTP

const HTTP_VERBS = /^(get|post|put|patch|delete|head|options)$/i;

function http(family: Family, segs: Segment[], call: ts.CallExpression, ctx: EffectContext): Effect | undefined {
  const o = op(segs);
  void ctx;
  let method: string | undefined;
  let url: ts.Expression | undefined;
  let config: ts.Expression | undefined;
  let body: ts.Expression | undefined;
  const args = call.arguments;
  if (HTTP_VERBS.test(o) && segs.length >= 2) {
    method = o.toUpperCase();
    url = args[0];
    if (/^(POST|PUT|PATCH)$/.test(method)) {
      body = args[1];
      config = args[2];
    } else config = args[1];
    // got.post(url, { json }) / ky.post(url, { json })
    if (family === 'http' && !config && body && objectOf(body) && (prop(objectOf(body), 'json') || prop(objectOf(body), 'headers'))) config = body;
  } else if (/^(request|fetch)$/.test(o) || segs.length === 1) {
    // fetch(url, init) / axios(config) / axios(url, config) / got(url, opts) / undici.request(url, opts)
    const a0 = args[0] && unwrapExpression(args[0]);
    if (a0 && ts.isObjectLiteralExpression(a0)) {
      config = a0;
      url = prop(a0, 'url');
    } else {
      url = args[0];
      config = args[1];
    }
    const m = prop(objectOf(config), 'method');
    if (!m) method = 'GET';
    else {
      const v = literalValue(m);
      if (typeof v !== 'string') return undefined;
      method = v.toUpperCase();
    }
    body = prop(objectOf(config), 'body') ?? prop(objectOf(config), 'data') ?? prop(objectOf(config), 'json');
  } else return undefined;
  const headers = prop(objectOf(config), 'headers');
  const key = idempotencyKeyIn(headers ? [headers] : []);
  const lit = url ? literalValue(url) : undefined;
  const target = url ? (typeof lit === 'string' ? lit : url.getText().replace(/\s+/g, ' ')) : undefined;
  const base = { node: call, library: family, op: o, target, http: { method, url }, outgoing: [body, config].filter((x): x is ts.Expression => !!x) };
  if (method === 'POST' && !key && postIsQuery(call, body)) return { ...base, kind: 'read' };
  if (method === 'POST') return { ...base, kind: 'http', idempotencyKey: key, idempotentBecause: key ? 'an Idempotency-Key header' : undefined };
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return { ...base, kind: 'read' };
  if (method === 'DELETE') return { ...base, kind: 'delete' };
  return { ...base, kind: 'absolute-write', idempotencyKey: key };
}

/**
 * A POST that only asks a question: a GraphQL `query` operation, or a request whose answer a
 * query-named function returns (`getVersion() { const r = await axios.post(...); return r.data }`).
 * Repeating it changes nothing, so it is a read, like a GET.
 */
function postIsQuery(call: ts.CallExpression, body: ts.Expression | undefined): boolean {
  const payload = jsonPayload(body);
  const q = textOf(prop(objectOf(payload), 'query'));
  if (q !== undefined) return /^\s*(query\b|\{)/.test(q);
  const fn = enclosingNamedFunction(call);
  const name = fn && functionName(fn);
  if (!name || !QUERY_NAME.test(name) || WRITE_WORD.test(name)) return false;
  return answerIsUsed(call);
}

const QUERY_NAME = /^(get|find|fetch|lookup|lookUp|query|search|resolve|list|count|calculate|compute|estimate|preview|quote|check|validate|verify|is|has)([A-Z_]|$)/;
/** Names that announce a write although they start like a query: getOrCreateX, fetchAndStoreX, checkAndSendX. */
const WRITE_WORD = /(Create|Insert|Add|Save|Store|Send|Post|Publish|Notify|Upload|Submit|Register|Charge|Update|Upsert|Delete|Remove|Trigger|Enqueue|Emit|Sync|Import|Record|Log)|^check(In|Out)/;

/** JSON.stringify(x) -> x; anything else as is. */
function jsonPayload(body: ts.Expression | undefined): ts.Expression | undefined {
  if (!body) return undefined;
  const b = unwrapExpression(body);
  if (ts.isCallExpression(b) && accessChain(b.expression) === 'JSON.stringify' && b.arguments[0]) return b.arguments[0];
  return b;
}

function enclosingNamedFunction(node: ts.Node): ts.Node | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) if (isFunctionNode(n)) return n;
  return undefined;
}

/** The request's response is kept or returned: `const r = await post(...)`, `return post(...)`, `(await post(...)).data`. */
function answerIsUsed(call: ts.CallExpression): boolean {
  let n: ts.Node = call;
  while (n.parent && (ts.isAwaitExpression(n.parent) || ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent))) n = n.parent;
  const p = n.parent;
  if (!p) return false;
  return ts.isVariableDeclaration(p) || ts.isReturnStatement(p) || (ts.isArrowFunction(p) && p.body === n) || ts.isPropertyAccessExpression(p) || (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === n);
}

// ---- email, SMS, push

function email(family: Family, segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  const names = segs.map((s) => s.name);
  const base = { node: call, library: family, op: o, thirdParty: true };
  if (/^(sendMail|sendEmail\w*|sendMultiple|sendTransacEmail|sendTemplate)$/.test(o)) return { ...base, kind: 'email', target: family === 'nodemailer' ? 'SMTP' : undefined };
  if (family === 'email' && o === 'send') return { ...base, kind: 'email' };
  if (family === 'email' && (o === 'create' || o === 'send') && (names.includes('messages') || names.includes('emails'))) return { ...base, kind: 'email' };
  return undefined;
}

function sms(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  const names = segs.map((s) => s.name);
  if ((o === 'create' && (names.includes('messages') || names.includes('calls'))) || (o === 'send' && (names.includes('sms') || names.includes('messages')))) {
    return { kind: 'sms', node: call, library: 'sms', op: o, target: names.includes('calls') ? 'phone call' : 'SMS', thirdParty: true, idempotencyKey: idempotencyKeyIn(call.arguments) };
  }
  return undefined;
}

function push(segs: Segment[], call: ts.CallExpression, library: Family): Effect | undefined {
  const o = op(segs);
  if (/^(send|sendMulticast|sendEach|sendEachForMulticast|sendAll|sendToDevice|sendToTopic|sendToCondition|sendNotification|sendPushNotificationsAsync|createNotification)$/.test(o)) {
    return { kind: 'push', node: call, library, op: o, target: 'push notification', thirdParty: true };
  }
  return undefined;
}

// ---- payments

const STRIPE_MONEY = /^(charges|paymentIntents|refunds|transfers|payouts|topups|invoices|applicationFees|transferReversals|creditNotes|subscriptions|subscriptionSchedules|invoiceItems|usageRecords|meterEvents|sessions)$/;

function stripe(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const names = segs.map((s) => s.name);
  if (names.includes('webhooks')) return undefined;
  const o = op(segs);
  const resource = segs.length >= 2 ? segs[segs.length - 2]!.name : undefined;
  const key = idempotencyKeyIn(call.arguments, /^idempotency_?key$/i);
  const base = { node: call, library: 'stripe' as const, op: o, target: resource ? `Stripe ${resource}` : 'Stripe', thirdParty: true, idempotencyKey: key, idempotentBecause: key ? 'a Stripe idempotencyKey' : undefined };
  if (/^(retrieve|list|search|retrieveUpcoming|listLineItems)$/.test(o)) return { ...base, kind: 'read', idempotentBecause: undefined };
  if (o === 'del' || o === 'cancel') return { ...base, kind: 'delete' };
  if (o === 'update') return { ...base, kind: 'absolute-write' };
  if (/^(create|confirm|capture|pay|createUsageRecord|finalizeInvoice|sendInvoice|reverse|createReversal)$/.test(o)) {
    return { ...base, kind: resource && STRIPE_MONEY.test(resource) ? 'payment' : 'insert' };
  }
  return undefined;
}

function payment(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  if (!/^(create|sale|capture|refund|charge|payments|createPayment|createRefund|submitForSettlement|authorize|pay|createOrder|capturePayment)$/i.test(o)) return undefined;
  const key = idempotencyKeyIn(call.arguments, /^(idempotency_?key|x-idempotency-key|idempotency-key)$/i);
  return { kind: 'payment', node: call, library: 'payment', op: o, target: segs.length >= 2 ? segs[segs.length - 2]!.name : o, thirdParty: true, idempotencyKey: key, idempotentBecause: key ? 'an idempotency key' : undefined };
}

// ---- brokers

function publishers(family: Family, segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  const args = call.arguments;
  const base = { node: call, library: family, op: o, kind: 'publish' as const, outgoing: [...args] };
  switch (family) {
    case 'kafka': {
      if (!/^(send|sendBatch|produce)$/.test(o)) return undefined;
      const a = objectOf(args[0]);
      return { ...base, target: textOf(prop(a, 'topic')) ?? (family === 'kafka' && o === 'produce' ? textOf(args[0]) : undefined) };
    }
    case 'amqp':
      if (o === 'publish') return { ...base, target: [textOf(args[0]), textOf(args[1])].filter(Boolean).join(' ') || undefined };
      if (o === 'sendToQueue') return { ...base, target: textOf(args[0]) };
      return undefined;
    case 'pubsub': {
      if (!/^(publishMessage|publish|publishJSON)$/.test(o)) return undefined;
      const topic = segs.find((s) => s.name === 'topic');
      return { ...base, target: textOf(topic?.args[0]) ?? topic?.args[0]?.getText() };
    }
    case 'servicebus':
      if (!/^(sendMessages|scheduleMessages)$/.test(o)) return undefined;
      return { ...base, target: 'Service Bus' };
    case 'eventhubs':
      return /^(sendBatch|send)$/.test(o) ? { ...base, target: 'Event Hubs' } : undefined;
    case 'nats': {
      if (o !== 'publish') return undefined;
      const key = prop(objectOf(args[2]), 'msgID');
      const usable = key && !containsFreshId(key) ? key : undefined;
      return { ...base, target: textOf(args[0]), idempotencyKey: usable, idempotentBecause: usable ? 'a JetStream msgID' : undefined };
    }
    case 'queue': {
      if (o === 'add' || o === 'send' || o === 'addJob' || o === 'sendAfter') {
        const opts = objectOf(o === 'addJob' ? args[2] : args[2]);
        const key = prop(opts, 'jobId') ?? prop(opts, 'singletonKey') ?? prop(opts, 'jobKey');
        const usable = key && !containsFreshId(key) ? key : undefined;
        return { ...base, target: textOf(args[0]), idempotencyKey: usable, idempotentBecause: usable ? 'a deterministic jobId' : undefined };
      }
      if (o === 'addBulk' || o === 'insert') {
        const arr = args[0] && unwrapExpression(args[0]);
        const items = arr && ts.isArrayLiteralExpression(arr) ? arr.elements : [];
        const keys = items.map((it) => prop(objectOf(prop(objectOf(it), 'opts')), 'jobId'));
        const all = items.length > 0 && keys.every((k) => k && !containsFreshId(k));
        return { ...base, target: 'queue', idempotencyKey: all ? keys[0] : undefined, idempotentBecause: all ? 'deterministic jobIds' : undefined };
      }
      return undefined;
    }
    case 'nest-client':
      return /^(emit|send|dispatchEvent)$/.test(o) ? { ...base, target: textOf(args[0]) } : undefined;
    case 'golevelup':
      return /^(publish|request)$/.test(o) ? { ...base, target: [textOf(args[0]), textOf(args[1])].filter(Boolean).join(' ') || undefined } : undefined;
    case 'mqtt':
      return o === 'publish' || o === 'publishAsync' ? { ...base, target: textOf(args[0]) } : undefined;
    default:
      return undefined;
  }
}

// ---- shapes that speak for themselves without a known library

function classifyByShape(segs: Segment[], call: ts.CallExpression): Effect | undefined {
  const o = op(segs);
  // A Prisma-shaped call on an unresolved client: x.model.create({ data }) / upsert({ where, create, update })
  if (segs.length >= 3 && PRISMA_OPS.test(o) && !/^(count|aggregate|groupBy)$/.test(o)) {
    const a = objectOf(call.arguments[0]);
    const keys = propKeys(a);
    if (a && (keys.includes('data') || (o === 'upsert' && keys.includes('create') && keys.includes('update')))) return prisma(segs, call);
  }
  // nodemailer's sendMail is the de facto mail API (Nest MailerService, transport wrappers)
  if (o === 'sendMail' && call.arguments.length === 1 && hasKeyDeep(call.arguments[0], /^(to|subject)$/)) return email('email', segs, call);
  return undefined;
}
