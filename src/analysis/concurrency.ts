// Concurrent processing of a batch of deliveries. An ordered source (Kafka partition, Kinesis
// shard, DynamoDB stream, FIFO group, Redis stream) hands a handler its deliveries in order;
// `Promise.all(batch.map(async ...))`, `batch.forEach(async ...)`, p-map with concurrency > 1
// or a Powertools BatchProcessor in its default parallel mode throw that order away. Sequential
// `for...of` with `await`, p-limit(1), and grouping by key with each group processed in order
// keep it.
import { ts, accessChain, calleeName, isFunctionNode, literalValue, objectProperty, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';

export interface ConcurrentBatch {
  /** The call that starts the concurrent work (Promise.all, forEach, pMap, processPartialResponse). */
  node: ts.Node;
  /** How, in words: `Promise.all over event.Records.map(...)`. */
  how: string;
  /** The collection of deliveries processed concurrently. */
  collection?: ts.Expression;
  /** Where the processor declares an ordered source itself (Powertools EventType), the reason. */
  orderedBy?: string;
}

export interface BatchContext {
  project: Project;
  /** True when the expression denotes the batch of deliveries (not a payload's own array). */
  isDeliveryBatch(expr: ts.Expression): boolean;
}

const PASS_THROUGH = new Set(['filter', 'slice', 'concat', 'sort', 'reverse', 'flat', 'toSorted', 'toReversed']);

/** Strips `.filter(...)`, `.slice(...)`, `[...x]`, `Array.from(x)` around a collection. */
export function collectionRoot(expr: ts.Expression): ts.Expression {
  let e = unwrapExpression(expr);
  for (let i = 0; i < 10; i++) {
    if (ts.isCallExpression(e)) {
      const n = calleeName(e) ?? '';
      const c = unwrapExpression(e.expression);
      if (PASS_THROUGH.has(n) && ts.isPropertyAccessExpression(c)) {
        e = unwrapExpression(c.expression);
        continue;
      }
      if (accessChain(e.expression) === 'Array.from' && e.arguments[0]) {
        e = unwrapExpression(e.arguments[0]);
        continue;
      }
    }
    if (ts.isArrayLiteralExpression(e) && e.elements.length === 1 && ts.isSpreadElement(e.elements[0]!)) {
      e = unwrapExpression(e.elements[0].expression);
      continue;
    }
    break;
  }
  return e;
}

/** The callback's work runs in order within it: `for (const m of group) await ...` over its parameter. */
function processesGroupInOrder(cb: ts.Node | undefined): boolean {
  if (!cb || !isFunctionNode(cb)) return false;
  const params = new Set<string>();
  for (const p of cb.parameters) {
    walk(p.name, (n) => {
      if (ts.isIdentifier(n)) params.add(n.text);
    });
    if (ts.isIdentifier(p.name)) params.add(p.name.text);
  }
  let ordered = false;
  walk(cb, (n) => {
    if (ordered) return false;
    if (ts.isForOfStatement(n) || ts.isForStatement(n) || ts.isWhileStatement(n)) {
      const over = ts.isForOfStatement(n) ? n.expression.getText() : n.getText().slice(0, 200);
      const usesParam = [...params].some((p) => new RegExp(`\\b${p}\\b`).test(over));
      let awaits = false;
      walk(n.statement, (m) => {
        if (ts.isAwaitExpression(m)) awaits = true;
        return isFunctionNode(m) ? false : undefined;
      });
      if (usesParam && (awaits || (ts.isForOfStatement(n) && !!n.awaitModifier))) ordered = true;
    }
    return undefined;
  });
  return ordered;
}

/** `limit(() => ...)` inside the map callback where `limit = pLimit(1)`: one at a time. */
function throttledToOne(cb: ts.Node | undefined, project: Project): boolean {
  if (!cb || !isFunctionNode(cb) || !cb.body) return false;
  let one = false;
  const visit = (n: ts.Node): boolean | undefined => {
    if (one) return false;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) {
      const b = project.lookup(n.expression);
      const init = b?.kind === 'var' ? b.decl.initializer && unwrapExpression(b.decl.initializer) : undefined;
      if (init && ts.isCallExpression(init) && /^(pLimit|limitFunction|pThrottle)$/.test(calleeName(init) ?? '') && literalValue(init.arguments[0]) === 1) one = true;
    }
    return undefined;
  };
  // `walk` starts below its root; an expression body (`(m) => limit(...)`) is itself the call.
  if (visit(cb.body) !== false) walk(cb.body, visit);
  return one;
}

function callbackOf(project: Project, arg: ts.Expression | undefined): ts.Node | undefined {
  if (!arg) return undefined;
  const e = unwrapExpression(arg);
  if (isFunctionNode(e)) return e;
  try {
    const t = project.resolveFunctions(e).find((x) => x.kind === 'function');
    return t?.kind === 'function' ? t.fn : undefined;
  } catch {
    return undefined;
  }
}

function isAsyncish(cb: ts.Node | undefined): boolean {
  if (!cb || !isFunctionNode(cb)) return true; // an unresolved function handed to Promise.all is taken to be async
  if (ts.getModifiers?.(cb as ts.FunctionLikeDeclaration & ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) return true;
  let awaits = false;
  walk(cb, (n) => {
    if (ts.isAwaitExpression(n) || (ts.isCallExpression(n) && /^(then|catch)$/.test(calleeName(n) ?? ''))) awaits = true;
    return undefined;
  });
  return awaits || !!cb.type?.getText().includes('Promise');
}

/** `x.map(cb)` -> [x, cb]; also a variable initialised by one (`const tasks = x.map(...)`). */
function mapCall(project: Project, expr: ts.Expression, depth = 0): { coll: ts.Expression; cb?: ts.Node } | undefined {
  const e = unwrapExpression(expr);
  if (ts.isCallExpression(e) && calleeName(e) === 'map') {
    const c = unwrapExpression(e.expression);
    if (ts.isPropertyAccessExpression(c)) return { coll: c.expression, cb: callbackOf(project, e.arguments[0]) };
  }
  if (ts.isIdentifier(e) && depth < 3) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return mapCall(project, b.decl.initializer, depth + 1);
  }
  return undefined;
}

/** Concurrent batch processing in a function's own body. */
export function concurrentBatchesIn(fn: ts.Node, ctx: BatchContext, walkOwn: (fn: ts.Node, visit: (n: ts.Node) => boolean | void) => void): ConcurrentBatch[] {
  const out: ConcurrentBatch[] = [];
  walkOwn(fn, (n) => {
    if (!ts.isCallExpression(n)) return;
    try {
      const chain = accessChain(n.expression) ?? '';
      const name = calleeName(n) ?? '';
      // Promise.all(batch.map(async ...)) / Promise.allSettled(...)
      if (/^(Promise|Bluebird|bluebird)\.(all|allSettled|any|race)$/.test(chain) && n.arguments[0]) {
        const m = mapCall(ctx.project, n.arguments[0]);
        if (m && ctx.isDeliveryBatch(collectionRoot(m.coll)) && !processesGroupInOrder(m.cb) && !throttledToOne(m.cb, ctx.project)) {
          out.push({ node: n, how: `${chain}(${snip(m.coll)}.map(...))`, collection: m.coll });
        }
        return;
      }
      // batch.forEach(async ...)
      if (name === 'forEach' && ts.isPropertyAccessExpression(unwrapExpression(n.expression))) {
        const coll = (unwrapExpression(n.expression) as ts.PropertyAccessExpression).expression;
        const cb = callbackOf(ctx.project, n.arguments[0]);
        if (cb && isFunctionNode(cb) && isAsyncish(cb) && ctx.isDeliveryBatch(collectionRoot(coll))) {
          out.push({ node: n, how: `${snip(coll)}.forEach(async ...)`, collection: coll });
        }
        return;
      }
      // pMap(batch, fn, { concurrency }) / Bluebird.map(batch, fn, { concurrency }) / async.each(batch, fn)
      if ((/^(pMap|pMapSkip)$/.test(chain) || /^(Bluebird|bluebird|Promise)\.(map|each)$/.test(chain) || /^async\.(each|map|forEach|eachLimit|mapLimit)$/.test(chain)) && n.arguments[0]) {
        const coll = n.arguments[0];
        if (!ctx.isDeliveryBatch(collectionRoot(coll))) return;
        let conc: unknown = Infinity;
        if (/Limit$/.test(chain)) conc = literalValue(n.arguments[1]);
        else {
          const opts = n.arguments[2] && unwrapExpression(n.arguments[2]);
          if (opts && ts.isObjectLiteralExpression(opts)) {
            const c = objectProperty(opts, 'concurrency');
            conc = c ? (literalValue(c) ?? Infinity) : Infinity;
          }
          if (/\.each$/.test(chain) && /^(Bluebird|bluebird|Promise)/.test(chain)) conc = 1; // Bluebird.each is sequential
        }
        if (conc === 1) return;
        const cb = callbackOf(ctx.project, /Limit$/.test(chain) ? n.arguments[2] : n.arguments[1]);
        if (processesGroupInOrder(cb)) return;
        out.push({ node: n, how: `${chain}(${snip(coll)}, ...)`, collection: coll });
        return;
      }
      // Powertools: processPartialResponse(event, recordHandler, new BatchProcessor(...)) runs records in parallel by default.
      if (/^processPartialResponse$/.test(name)) {
        const proc = n.arguments[2] && resolveNew(ctx.project, n.arguments[2]);
        if (!proc || calleeName(proc) !== 'BatchProcessor') return;
        const opts = n.arguments[3] && unwrapExpression(n.arguments[3]);
        const parallel = opts && ts.isObjectLiteralExpression(opts) ? literalValue(objectProperty(opts, 'processInParallel')) : undefined;
        const ctorOpts = proc.arguments?.[1] && unwrapExpression(proc.arguments[1]);
        const ctorParallel = ctorOpts && ts.isObjectLiteralExpression(ctorOpts) ? literalValue(objectProperty(ctorOpts, 'processInParallel')) : undefined;
        if (parallel === false || ctorParallel === false) return;
        const type = proc.arguments?.[0]?.getText() ?? '';
        const orderedBy = /Kinesis/.test(type) ? 'a Kinesis shard' : /DynamoDB/.test(type) ? 'a DynamoDB stream' : undefined;
        out.push({ node: n, how: 'Powertools BatchProcessor (processInParallel defaults to true)', orderedBy });
      }
    } catch {
      /* odd shapes are skipped */
    }
  });
  return out;
}

function resolveNew(project: Project, expr: ts.Expression, depth = 0): ts.NewExpression | undefined {
  const e = unwrapExpression(expr);
  if (ts.isNewExpression(e)) return e;
  if (ts.isIdentifier(e) && depth < 3) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return resolveNew(project, b.decl.initializer, depth + 1);
  }
  return undefined;
}

function snip(e: ts.Node): string {
  const t = e.getText().replace(/\s+/g, ' ');
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
}

const PAYLOAD_FIELD = /^(body|Body|value|data|detail|payload|Message|content|json|parsed)$/;
const BATCH_FIELD = /^(Records|records|messages|Messages|entries|events|Events|items|Items|batch)$/;

/**
 * A predicate for the handler's batch of deliveries: a property chain from a delivery
 * parameter (`event.Records`, `batch.messages`) that does not go through a payload, or,
 * for a consume loop, a value received inside the loop (`res[0][1]` of an XREADGROUP).
 */
export function deliveryBatchMatcher(project: Project, deliveryParams: { fn: ts.Node; index: number }[], loop?: ts.Node): (expr: ts.Expression) => boolean {
  const fromParam = (id: ts.Identifier, path: string[]): boolean => {
    const b = project.lookup(id);
    if (!b) return false;
    if (b.kind === 'param') {
      if (!deliveryParams.some((d) => d.fn === b.fn && d.index === b.index)) return false;
      const full = [...b.path, ...path];
      return full.length > 0 && !full.some((p) => PAYLOAD_FIELD.test(p)) && BATCH_FIELD.test(full[full.length - 1]!);
    }
    if (b.kind === 'var' && b.decl.initializer) {
      const init = unwrapExpression(b.decl.initializer);
      if (loop && b.decl.pos >= loop.pos && b.decl.end <= loop.end && ts.isAwaitExpression(init) && !/JSON\.parse|decode\(/.test(init.getText())) return true;
      if (!b.path.length) {
        const r = chainOf(init);
        if (r) return fromParam(r.root, [...r.path, ...path]);
      } else {
        const r = chainOf(init);
        if (r) return fromParam(r.root, [...r.path, ...b.path, ...path]);
      }
    }
    return false;
  };
  return (expr) => {
    const r = chainOf(expr);
    return !!r && fromParam(r.root, r.path);
  };
}

/** `a.b[0].c` -> root a, path [b, c] (literal indexes skipped); undefined through calls. */
function chainOf(expr: ts.Expression): { root: ts.Identifier; path: string[] } | undefined {
  const path: string[] = [];
  let e = unwrapExpression(expr);
  for (let i = 0; i < 20; i++) {
    if (ts.isPropertyAccessExpression(e)) {
      path.unshift(e.name.text);
      e = unwrapExpression(e.expression);
    } else if (ts.isElementAccessExpression(e)) {
      const a = unwrapExpression(e.argumentExpression);
      if (ts.isStringLiteralLike(a)) path.unshift(a.text);
      else if (!ts.isNumericLiteral(a)) return undefined;
      e = unwrapExpression(e.expression);
    } else if (ts.isIdentifier(e)) return { root: e, path };
    else return undefined;
  }
  return undefined;
}
