// Which calls start asynchronous work, and which of them a handler leaves running when it
// returns (not awaited, returned or collected). Without a type checker a promise is only
// assumed where the syntax proves it: a project function that is `async` or declared to
// return a Promise, `fetch`, or an I/O verb on a client built from a known I/O package.
import {
  ts,
  calleeName,
  enclosingClass,
  hasModifier,
  isFunctionNode,
  propertyNameText,
  unwrapExpression,
  walk,
  type FunctionNode,
} from './ast.js';
import type { Binding, Project } from './project.js';
import type { Reach } from './reach.js';

/** Packages whose clients do network or database I/O and return promises from their verbs. */
const IO_PACKAGE = new RegExp(
  '^(?:' +
    // whole scopes of cloud and database SDKs
    '@aws-sdk/|@google-cloud/|@azure/|@redis/|@mikro-orm/|@sendgrid/|@opensearch-project/|@elastic/|@nats-io/|@upstash/|@neondatabase/|@planetscale/|@libsql/|@confluentinc/|@slack/|' +
    // single packages (and their subpaths)
    '(?:pg|pg-promise|postgres|mysql|mysql2|ioredis|redis|@prisma/client|mongoose|mongodb|knex|typeorm|sequelize|drizzle-orm|aws-sdk|kafkajs|amqplib|amqp-connection-manager|' +
    'nodemailer|stripe|twilio|firebase-admin|nats|bullmq|bull|axios|got|ky|node-fetch|undici|superagent|ofetch|postmark|mailgun\\.js|resend|' +
    '@nestjs-modules/mailer|@nestjs-modules/ioredis|@nestjs/mongoose|@nestjs/typeorm|@nestjs/axios|cassandra-driver)(?:/|$)' +
    ')',
);

/** Packages whose default export is itself an HTTP function: `axios(cfg)`, `got(url)`. */
const HTTP_FUNCTION_PACKAGE = /^(axios|got|ky|node-fetch|undici|superagent|ofetch)$/;

/** Method names that start I/O and return a promise on the clients above. Reads are left out: an unused read is harmless. */
const ASYNC_VERBS = new Set([
  'send', 'sendMail', 'sendMessage', 'sendMessages', 'sendBatch', 'sendEmail', 'sendEach', 'sendMulticast',
  'publish', 'publishMessage', 'produce', 'emitAsync',
  'query', 'execute', 'exec', 'run', 'raw', 'transaction', '$transaction', '$executeRaw', '$executeRawUnsafe',
  'del', 'set', 'setex', 'hset', 'hdel', 'hincrby', 'incr', 'incrby', 'decr', 'decrby', 'expire', 'xadd', 'xack', 'lpush', 'rpush', 'sadd', 'srem', 'zadd', 'zincrby', 'unlink',
  'delete', 'create', 'createMany', 'update', 'updateOne', 'updateMany', 'upsert', 'insert', 'insertOne', 'insertMany',
  'save', 'remove', 'destroy', 'deleteOne', 'deleteMany', 'findOneAndUpdate', 'findOneAndDelete', 'bulkWrite', 'bulkCreate',
  'increment', 'decrement', 'persistAndFlush', 'flush', 'nativeUpdate', 'nativeDelete',
  'post', 'put', 'patch', 'request', 'index', 'bulk', 'add', 'addBulk', 'upload', 'download', 'copy',
  'putObject', 'putItem', 'write', 'commit', 'refund', 'capture', 'confirm',
]);

/** Generic verbs that mean I/O only on key-value stores, caches and job queues (elsewhere: Map, Headers, Set). */
const STORE_ONLY_VERBS = new Set(['set', 'add', 'del', 'get', 'delete', 'hset', 'hdel', 'sadd', 'srem', 'zadd', 'expire', 'incr', 'decr']);
const STORE_PACKAGE = /redis|bull|cache|keyv|memcache|@opensearch-project|@elastic|@prisma|mongoose|typeorm|@aws-sdk|axios|got|ky|undici|superagent|ofetch|firebase|@google-cloud|knex|sequelize|drizzle|mongodb/;

/** Methods that are synchronous on a particular package although their name says otherwise. */
const SYNC_ON_PACKAGE: Record<string, Set<string>> = {
  amqplib: new Set(['publish', 'sendToQueue', 'ack', 'nack', 'reject', 'ackAll', 'nackAll']),
  nats: new Set(['publish', 'set', 'append', 'delete', 'get', 'add']),
  '@nats-io/transport-node': new Set(['publish']),
  mongoose: new Set(['set']),
};

/** Callbacks registered with these are not part of the handler's flow (listeners, timers). */
const DETACHED_CALLBACK = new Set(['on', 'once', 'addListener', 'prependListener', 'addEventListener', 'setTimeout', 'setInterval', 'setImmediate', 'nextTick', 'subscribe']);

export const PROMISE_COMBINATORS = new Set(['all', 'allSettled', 'any', 'race']);

/** True when a project function is `async`, declared to return a promise, or plainly returns one. */
export function isAsyncFunction(fn: FunctionNode, project?: Project, depth = 0): boolean {
  if (hasModifier(fn, ts.SyntaxKind.AsyncKeyword)) return true;
  if (fn.type && ts.isTypeReferenceNode(fn.type)) {
    const n = fn.type.typeName;
    const name = ts.isIdentifier(n) ? n.text : n.right.text;
    if (name === 'Promise' || name === 'PromiseLike') return true;
  }
  if (!fn.body || depth > 2) return false;
  if (!ts.isBlock(fn.body)) return returnsPromise(fn.body, project, depth);
  // function f() { return somethingAsync(); }
  let found = false;
  walk(fn.body, (n) => {
    if (found || isFunctionNode(n)) return false;
    if (ts.isReturnStatement(n) && n.expression && returnsPromise(n.expression, project, depth)) found = true;
    return undefined;
  });
  return found;
}

function returnsPromise(expr: ts.Expression, project: Project | undefined, depth: number): boolean {
  const e = unwrapExpression(expr);
  if (ts.isNewExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Promise') return true;
  if (!ts.isCallExpression(e)) return false;
  if (isPromiseStatic(e)) return true;
  if (!project) return false;
  return asyncCallKind(e, project, undefined, depth + 1) !== undefined;
}

/** `Promise.all(...)`, `Promise.resolve(...)` and friends. */
export function isPromiseStatic(call: ts.CallExpression): boolean {
  const e = unwrapExpression(call.expression);
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'Promise';
}

export type AsyncCallKind = 'project' | 'fetch' | 'http' | 'io' | 'promise' | 'then';

/**
 * Whether a call returns a promise, as far as syntax proves: a project function that is async,
 * global `fetch`, an HTTP client function, an I/O verb on a client from a known package,
 * `Promise.all`-style combinators, or a `.then/.catch/.finally` chain on one of those.
 */
export function asyncCallKind(call: ts.CallExpression, project: Project, reach?: Reach, depth = 0): AsyncCallKind | undefined {
  if (depth > 3) return undefined;
  const callee = unwrapExpression(call.expression);
  const name = calleeName(call);
  if (isPromiseStatic(call)) return 'promise';
  if (ts.isPropertyAccessExpression(callee) && (name === 'then' || name === 'catch' || name === 'finally')) {
    const inner = unwrapExpression(callee.expression);
    if (ts.isCallExpression(inner) && asyncCallKind(inner, project, reach, depth + 1)) return 'then';
    return undefined;
  }
  const targets = reach ? reach.targets(call) : [];
  const fns = targets.length ? targets : projectTargets(call, project);
  if (fns.length) return fns.some((f) => isAsyncFunction(f, project, depth)) ? 'project' : undefined;
  if (inProcessQueueCall(call, project)) return 'promise';
  if (ts.isIdentifier(callee)) {
    if (callee.text === 'fetch' && !project.lookup(callee)) return 'fetch';
    const b = project.lookup(callee);
    if (b?.kind === 'import' && HTTP_FUNCTION_PACKAGE.test(b.module)) return 'http';
    return undefined;
  }
  if (!name) return undefined;
  // A method on a client: find the package the receiver comes from, then the verb.
  const pkg = ioPackageOf(callee, project);
  if (!pkg) return undefined;
  const verbs = chainVerbs(call);
  const sync = SYNC_ON_PACKAGE[pkg];
  if (sync && sync.has(name)) return undefined;
  if (HTTP_FUNCTION_PACKAGE.test(pkg) && ['get', 'head', 'options'].includes(name)) return 'http';
  const isVerb = (v: string) => ASYNC_VERBS.has(v) && !(sync && sync.has(v)) && (!STORE_ONLY_VERBS.has(v) || STORE_PACKAGE.test(pkg));
  return verbs.some(isVerb) ? (HTTP_FUNCTION_PACKAGE.test(pkg) ? 'http' : 'io') : undefined;
}

/**
 * In-process promise queues and limiters (p-queue, p-limit, p-retry, ...): `queue.add(fn)`,
 * `limit(fn)`, `pRetry(fn)` return a promise of the work; handing work to them is not durable.
 */
const PROMISE_QUEUE_PACKAGE = /^(p-queue|p-limit|p-throttle|p-retry|async-retry|p-map|p-all|p-series|promise-retry)$/;
const PROMISE_QUEUE_VERBS = new Set(['add', 'addAll']);

function inProcessQueueCall(call: ts.CallExpression, project: Project): boolean {
  const callee = unwrapExpression(call.expression);
  const moduleOf = (e: ts.Expression, depth = 0): string | undefined => {
    const u = unwrapExpression(e);
    if (depth > 3) return undefined;
    if (ts.isNewExpression(u) || ts.isCallExpression(u)) return moduleOf(u.expression, depth + 1);
    if (ts.isPropertyAccessExpression(u) && u.expression.kind === ts.SyntaxKind.ThisKeyword) {
      const cls = enclosingClass(u);
      for (const m of cls?.members ?? []) {
        if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === u.name.text && m.initializer) return moduleOf(m.initializer, depth + 1);
      }
      return undefined;
    }
    if (!ts.isIdentifier(u)) return undefined;
    const b = quietLookup(project, u);
    if (b?.kind === 'import') return b.module;
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return moduleOf(b.decl.initializer, depth + 1);
    return undefined;
  };
  if (ts.isIdentifier(callee)) {
    // pRetry(fn), limit(fn) where `const limit = pLimit(2)`
    const m = moduleOf(callee);
    return !!m && PROMISE_QUEUE_PACKAGE.test(m) && call.arguments.length > 0;
  }
  if (ts.isPropertyAccessExpression(callee) && PROMISE_QUEUE_VERBS.has(callee.name.text)) {
    const m = moduleOf(callee.expression);
    return !!m && PROMISE_QUEUE_PACKAGE.test(m);
  }
  return false;
}

/** `project.lookup`, or undefined where it throws on odd input. */
function quietLookup(project: Project, id: ts.Identifier): Binding | undefined {
  try {
    return project.lookup(id);
  } catch {
    return undefined;
  }
}

function projectTargets(call: ts.CallExpression, project: Project, expr: ts.Node = call.expression): FunctionNode[] {
  try {
    return project
      .resolveFunctions(expr)
      .filter((t) => t.kind === 'function')
      .map((t) => t.fn);
  } catch {
    return [];
  }
}

/** Method names along a call chain: `db('t').insert(x).onConflict('id').ignore()` -> ignore, onConflict, insert. */
function chainVerbs(call: ts.CallExpression): string[] {
  const out: string[] = [];
  let n: ts.Expression = call;
  for (let i = 0; i < 12; i++) {
    n = unwrapExpression(n);
    if (ts.isCallExpression(n)) {
      const nm = calleeName(n);
      if (nm) out.push(nm);
      n = n.expression;
    } else if (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = n.expression;
    else break;
  }
  return out;
}

/** The I/O package a receiver expression's value comes from, if syntax shows it. */
export function ioPackageOf(expr: ts.Expression, project: Project, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isAwaitExpression(e)) return ioPackageOf(e.expression, project, depth + 1);
  if (ts.isCallExpression(e) || ts.isNewExpression(e)) return ioPackageOf(e.expression, project, depth + 1);
  if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    if (e.expression.kind === ts.SyntaxKind.ThisKeyword && ts.isPropertyAccessExpression(e)) {
      return thisMemberPackage(e, project, depth);
    }
    return ioPackageOf(e.expression, project, depth + 1);
  }
  if (!ts.isIdentifier(e)) return undefined;
  const b = quietLookup(project, e);
  if (!b) return undefined;
  if (b.kind === 'import') return IO_PACKAGE.test(b.module) ? b.module : undefined;
  if (b.kind === 'var') {
    if (b.decl.type) {
      const t = typePackage(b.decl.type, project);
      if (t) return t;
    }
    return b.decl.initializer ? ioPackageOf(b.decl.initializer, project, depth + 1) : undefined;
  }
  if (b.kind === 'param') return b.decl.type && !b.path.length ? typePackage(b.decl.type, project) : undefined;
  return undefined;
}

/** `this.x`: the package of the class property's declared type or initializer, or of the constructor parameter. */
function thisMemberPackage(e: ts.PropertyAccessExpression, project: Project, depth: number): string | undefined {
  const cls = enclosingClass(e);
  if (!cls) return undefined;
  const name = e.name.text;
  for (const m of cls.members) {
    if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) {
      if (m.type) {
        const t = typePackage(m.type, project);
        if (t) return t;
      }
      if (m.initializer) return ioPackageOf(m.initializer, project, depth + 1);
    }
    if (ts.isConstructorDeclaration(m)) {
      for (const p of m.parameters) {
        if (ts.isIdentifier(p.name) && p.name.text === name && p.type) return typePackage(p.type, project);
      }
      // this.x = new Client() in the constructor body
      if (m.body) {
        for (const st of m.body.statements) {
          if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression)) continue;
          const bin = st.expression;
          const left = unwrapExpression(bin.left);
          if (bin.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !ts.isPropertyAccessExpression(left)) continue;
          if (left.expression.kind === ts.SyntaxKind.ThisKeyword && left.name.text === name) {
            const r = ioPackageOf(bin.right, project, depth + 1);
            if (r) return r;
          }
        }
      }
    }
  }
  return undefined;
}

/** The package a type reference is imported from (`Redis`, `Model<T>`, `Repository<T>`, `Stripe.Charge`). */
function typePackage(type: ts.TypeNode, project: Project): string | undefined {
  if (!ts.isTypeReferenceNode(type)) return undefined;
  let n: ts.EntityName = type.typeName;
  while (ts.isQualifiedName(n)) n = n.left;
  try {
    const b = project.lookupName(n.text, type);
    if (b?.kind === 'import' && IO_PACKAGE.test(b.module)) return b.module;
  } catch {
    /* unresolvable: not an I/O client */
  }
  return undefined;
}

/** True when a function node sits in a callback that runs detached from the handler (a listener, a timer, a Promise executor). */
export function isDetachedCallback(fn: ts.Node): boolean {
  const p = fn.parent;
  if (!p) return false;
  if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && (p.arguments ?? []).some((a) => unwrapExpression(a) === fn)) {
    if (ts.isNewExpression(p)) return ts.isIdentifier(p.expression) && p.expression.text === 'Promise';
    const name = calleeName(p);
    return name !== undefined && DETACHED_CALLBACK.has(name);
  }
  return false;
}

/** Whether a function is async (keyword) or an expression-bodied arrow that returns a promise. */
export function callbackReturnsPromise(fn: ts.Node, project: Project, reach?: Reach): boolean {
  if (!isFunctionNode(fn)) return false;
  if (isAsyncFunction(fn, project)) return true;
  if (fn.body && !ts.isBlock(fn.body)) {
    const b = unwrapExpression(fn.body);
    return ts.isCallExpression(b) && asyncCallKind(b, project, reach) !== undefined;
  }
  return false;
}

export interface FloatingSite {
  /** The call whose promise nobody waits for (for `forEach(async ...)`, the forEach call). */
  node: ts.CallExpression;
  kind: 'unawaited' | 'void' | 'async-iteration';
  /** For unawaited calls: what made it async. */
  why?: AsyncCallKind;
}

const ITERATION_METHODS = new Set(['forEach', 'map', 'flatMap', 'filter', 'some', 'every', 'reduce']);

/**
 * Calls in one function (its own nodes, inline callbacks included) whose promise is dropped:
 * an expression statement or `void` of an async call, and `forEach(async ...)` (or a `map` of
 * async callbacks whose array of promises is dropped).
 */
export function floatingSites(fn: ts.Node, project: Project, reach: Reach, walkOwn: (fn: ts.Node, v: (n: ts.Node) => boolean | void) => void): FloatingSite[] {
  const out: FloatingSite[] = [];
  walkOwn(fn, (n) => {
    if (isFunctionNode(n) && n !== fn && isDetachedCallback(n)) return false;
    let expr: ts.Expression | undefined;
    let viaVoid = false;
    if (ts.isExpressionStatement(n)) expr = n.expression;
    else if (ts.isVoidExpression(n)) {
      expr = n.expression;
      viaVoid = true;
    }
    if (!expr) return undefined;
    const e = unwrapExpression(expr);
    if (!ts.isCallExpression(e)) return undefined;
    const name = calleeName(e);
    if (name && ITERATION_METHODS.has(name) && ts.isPropertyAccessExpression(unwrapExpression(e.expression))) {
      // items.forEach(async (x) => ...) / items.map(async ...) with the promises dropped
      const cb = e.arguments[0] && unwrapExpression(e.arguments[0]);
      if (cb && (name === 'forEach' || name === 'map' || name === 'flatMap')) {
        const fns = isFunctionNode(cb) ? [cb] : ts.isIdentifier(cb) || ts.isPropertyAccessExpression(cb) ? projectTargets(e, project, cb) : [];
        if (fns.some((f) => callbackReturnsPromise(f, project, reach))) out.push({ node: e, kind: 'async-iteration' });
      }
      return undefined;
    }
    const why = asyncCallKind(e, project, reach);
    if (why) out.push({ node: e, kind: viaVoid ? 'void' : 'unawaited', why });
    return undefined;
  });
  return out;
}

/**
 * Medusa workflow composition: the function given to `createWorkflow` runs once to record the steps, and a
 * step call there returns a placeholder (WorkflowData), not a promise; the workflow engine runs and awaits the steps.
 */
export function inWorkflowComposition(node: ts.Node, project: Project): boolean {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (!isFunctionNode(p) || !p.parent || !ts.isCallExpression(p.parent)) continue;
    const callee = p.parent.expression;
    if (!ts.isIdentifier(callee) || callee.text !== 'createWorkflow') continue;
    const b = quietLookup(project, callee);
    if (b?.kind === 'import' && /^@medusajs\//.test(b.module)) return true;
  }
  return false;
}
