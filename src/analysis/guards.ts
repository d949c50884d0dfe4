// Dedup guards: what keeps a redelivered message from repeating a handler's effect.
//  - an idempotency wrapper around the handler or the function holding the effect
//    (Powertools makeIdempotent / makeHandlerIdempotent, the team's config.dedupHelpers)
//  - a claim or check that gates the effect: a conflict-ignoring insert, SET NX, a conditional
//    write or a lookup of the delivery id, whose outcome leads to an early exit (or encloses the effect)
//  - a unique violation (P2002, 23505, ER_DUP_ENTRY, 11000, ConditionalCheckFailed) caught as
//    "duplicate" around the effect, or before it with an exit
//  - an idempotency key on the effect itself (classified by effects.ts as `idempotentBecause`)
import { ts, calleeName, accessChain, decoratorName, decoratorsOf, functionName, isFunctionNode, walk } from './ast.js';
import type { Project } from './project.js';
import type { Reach, ReachedFunction } from './reach.js';
import { functionEffects, STATE_WRITES, type Effect, type EffectContext, type LocatedEffect } from './effects.js';
import type { DeliveryValues } from './delivery-values.js';
import type { Handler } from '../model.js';
import type { ResolvedConfig } from '../config.js';

export interface DedupGuard {
  kind: 'wrapper' | 'helper' | 'claim' | 'check' | 'unique-violation';
  node: ts.Node;
  description: string;
}

export interface GuardContext {
  handler: Handler;
  reach: Reach;
  project: Project;
  config: ResolvedConfig;
  effects: LocatedEffect[];
  values: DeliveryValues;
}

const WRAPPERS = /^(makeIdempotent|makeHandlerIdempotent|idempotent|Idempotent|withIdempotency|withIdempotence|idempotency|deduplicate|withDedup|dedupe)$/;
const DUPLICATE = /P2002|23505|ER_DUP_ENTRY|\b1062\b|\b11000\b|E11000|ConditionalCheckFailed|UniqueConstraint|unique[_ ]?violation|duplicate key|isDuplicate|isUniqueViolation|SQLITE_CONSTRAINT|TransactionCanceled|ALREADY_EXISTS|AlreadyExists/i;

/** A write whose outcome tells a first delivery from a repeat: conflict-ignoring insert, SET NX, conditional write. */
export function isClaim(e: Effect): boolean {
  return STATE_WRITES.has(e.kind) && !!(e.idempotentBecause || e.conditional);
}

function helperMatches(call: ts.CallExpression | ts.NewExpression, helpers: string[]): boolean {
  if (!helpers.length) return false;
  const name = calleeName(call);
  const chain = ts.isCallExpression(call) ? accessChain(call.expression) : undefined;
  return helpers.some((h) => h === name || h === chain || (!!chain && chain.endsWith(`.${h}`)));
}

function isWrapperCall(call: ts.Node, config: ResolvedConfig): call is ts.CallExpression {
  return ts.isCallExpression(call) && (WRAPPERS.test(calleeName(call) ?? '') || helperMatches(call, config.dedupHelpers));
}

/** A guard that covers the whole handler: an idempotency wrapper at registration, a dedup helper anywhere in its reach. */
export function handlerDedupGuard(ctx: GuardContext): DedupGuard | undefined {
  const { handler, config } = ctx;
  const wrapper = handler.wrappers.find((w) => WRAPPERS.test(w) || config.dedupHelpers.includes(w));
  if (wrapper) return { kind: 'wrapper', node: handler.registration.node, description: `${wrapper}(...)` };
  const body = handler.body;
  if (ts.isMethodDeclaration(body)) {
    const d = decoratorsOf(body).find((x) => WRAPPERS.test(decoratorName(x) ?? '') || config.dedupHelpers.includes(decoratorName(x) ?? ''));
    if (d) return { kind: 'wrapper', node: d, description: `@${decoratorName(d)}` };
  } else {
    // export const handler = middy(fn).use(makeHandlerIdempotent({...}))
    let top: ts.Node = body;
    while (top.parent && !ts.isSourceFile(top.parent)) top = top.parent;
    if (!ts.isClassDeclaration(top)) {
      const found = findCall(top, (c) => isWrapperCall(c, config));
      if (found) return { kind: 'wrapper', node: found, description: `${calleeName(found)}(...)` };
    }
  }
  for (const r of ctx.reach.functions) {
    let hit: ts.CallExpression | undefined;
    walkOwnCalls(r.fn, (c) => {
      if (!hit && ts.isCallExpression(c) && helperMatches(c, config.dedupHelpers)) hit = c;
    });
    if (hit) return { kind: 'helper', node: hit, description: `${calleeName(hit)}(...) (a dedup helper from the configuration)` };
  }
  return undefined;
}

function findCall(node: ts.Node, pred: (c: ts.CallExpression) => boolean): ts.CallExpression | undefined {
  let found: ts.CallExpression | undefined;
  walk(node, (n) => {
    if (found) return false;
    if (ts.isCallExpression(n) && pred(n)) found = n;
    return undefined;
  });
  return found;
}

function walkOwnCalls(fn: ts.Node, visit: (c: ts.CallExpression | ts.NewExpression) => void): void {
  const start = isFunctionNode(fn) ? fn.body : fn;
  if (!start) return;
  walk(start, (n) => {
    if (ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) return false;
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) visit(n);
    return undefined;
  });
}

/**
 * The guard that keeps one effect from repeating on a redelivery, looked for at the effect and at
 * every call on the way to it from the handler (a gate in the handler covers its callees).
 */
export function dedupGuardFor(ctx: GuardContext, located: LocatedEffect): DedupGuard | undefined {
  const g = new GuardSearch(ctx);
  const { effect, reached } = located;
  const sites: { node: ts.Node; fn: ts.Node }[] = [{ node: effect.node, fn: reached.fn }];
  const chain = reached.chain;
  for (let i = chain.length - 1; i >= 0; i--) {
    const caller = i === 0 ? rootOf(ctx, chain[0]!.call) : chain[i - 1]!.target;
    sites.push({ node: chain[i]!.call, fn: caller });
  }
  for (const s of sites) {
    const found = g.wrapped(s.node) ?? g.gated(s.node, s.fn);
    if (found) return found;
  }
  return undefined;
}

/** The handler body (or extra body) a depth-1 call sits in. */
function rootOf(ctx: GuardContext, call: ts.Node): ts.Node {
  for (const r of ctx.reach.functions) if (r.depth === 0 && call.pos >= r.fn.pos && call.end <= r.fn.end && call.getSourceFile() === r.fn.getSourceFile()) return r.fn;
  return ctx.handler.body;
}

class GuardSearch {
  private readonly byNode = new Map<ts.Node, Effect>();
  private readonly effectCtx: EffectContext;
  constructor(private readonly ctx: GuardContext) {
    for (const l of ctx.effects) this.byNode.set(l.effect.node, l.effect);
    this.effectCtx = { project: ctx.project, config: ctx.config };
  }

  /** The node sits in a function handed to an idempotency wrapper: makeIdempotent(async (record) => ...). */
  wrapped(node: ts.Node): DedupGuard | undefined {
    for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
      if (!isFunctionNode(n)) continue;
      const p = n.parent;
      if (p && ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression) && isWrapperCall(p, this.ctx.config)) {
        return { kind: 'wrapper', node: p, description: `${calleeName(p)}(...)` };
      }
      const name = functionName(n);
      if (name) {
        const text = n.getSourceFile().text;
        const re = new RegExp(`\\b(makeIdempotent|withIdempotency${this.ctx.config.dedupHelpers.map((h) => `|${escape(h)}`).join('')})\\s*\\(\\s*${escape(name)}\\b`);
        const m = re.exec(text);
        if (m) return { kind: 'wrapper', node: n, description: `${m[1]}(${name})` };
      }
    }
    return undefined;
  }

  /** A claim, check or duplicate catch before `node` in `fn` (or around it). */
  gated(node: ts.Node, fn: ts.Node): DedupGuard | undefined {
    let child: ts.Node = node;
    for (let n: ts.Node | undefined = node.parent; n; child = n, n = n.parent) {
      if (ts.isIfStatement(n) && child !== n.expression) {
        const c = this.fromClaim(n.expression, 0);
        if (c) return c;
      } else if (ts.isConditionalExpression(n) && child !== n.condition) {
        const c = this.fromClaim(n.condition, 0);
        if (c) return c;
      } else if (ts.isBinaryExpression(n) && child === n.right && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken].includes(n.operatorToken.kind)) {
        const c = this.fromClaim(n.left, 0);
        if (c) return c;
      } else if (ts.isTryStatement(n) && child === n.tryBlock && n.catchClause && DUPLICATE.test(n.catchClause.block.getText())) {
        return { kind: 'unique-violation', node: n.catchClause, description: 'a unique violation caught as a duplicate' };
      }
      const statements = ts.isBlock(n) || ts.isSourceFile(n) || ts.isCaseClause(n) || ts.isDefaultClause(n) || ts.isModuleBlock(n) ? n.statements : undefined;
      if (statements) {
        for (const st of statements) {
          if (st === child) break;
          if (ts.isIfStatement(st) && exits(st.thenStatement)) {
            const c = this.fromClaim(st.expression, 0);
            if (c) return c;
          }
          if (ts.isTryStatement(st) && st.catchClause && DUPLICATE.test(st.catchClause.block.getText()) && hasExit(st.catchClause.block)) {
            return { kind: 'unique-violation', node: st.catchClause, description: 'a unique violation caught as a duplicate, with an early exit' };
          }
        }
      }
      if (n === fn) break;
    }
    return undefined;
  }

  /** Whether an expression's value comes from a claim or a check of the delivery id. */
  private fromClaim(expr: ts.Node, depth: number): DedupGuard | undefined {
    if (depth > 4) return undefined;
    let found: DedupGuard | undefined;
    const visit = (n: ts.Node): boolean | void => {
      if (found) return false;
      if (isFunctionNode(n)) return false;
      if (ts.isCallExpression(n) || ts.isTaggedTemplateExpression(n)) {
        found = this.claimCall(n, depth);
        if (found) return false;
      }
      if (ts.isIdentifier(n)) {
        found = this.claimIdentifier(n, depth);
        if (found) return false;
      }
      return undefined;
    };
    if (visit(expr) !== false) walk(expr, visit);
    return found;
  }

  private claimIdentifier(id: ts.Identifier, depth: number): DedupGuard | undefined {
    const b = this.ctx.project.lookup(id);
    if (!b || b.kind !== 'var') return undefined;
    if (b.decl.initializer) {
      const c = this.fromClaim(b.decl.initializer, depth + 1);
      if (c) return c;
    }
    // let allocated = 0; allocated = await prisma.$transaction(...)
    const scope = b.decl.parent?.parent?.parent;
    let found: DedupGuard | undefined;
    if (scope) {
      walk(scope, (n) => {
        if (found) return false;
        if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === id.text && n.right !== id) {
          found = this.fromClaim(n.right, depth + 1);
        }
        return undefined;
      });
    }
    return found;
  }

  private claimCall(call: ts.CallExpression | ts.TaggedTemplateExpression, depth: number): DedupGuard | undefined {
    const e = this.byNode.get(call);
    if (e && isClaim(e)) return { kind: 'claim', node: call, description: `${describeClaim(e)}` };
    if (e && e.kind === 'read' && ts.isCallExpression(call) && call.arguments.some((a) => this.ctx.values.holdsId(a))) {
      return { kind: 'check', node: call, description: 'a lookup of the delivery id' };
    }
    if (!ts.isCallExpression(call)) return undefined;
    if (helperMatches(call, this.ctx.config.dedupHelpers)) return { kind: 'helper', node: call, description: `${calleeName(call)}(...)` };
    // A project function whose outcome is a claim: createPending(event.id) -> false when it already exists.
    for (const t of this.ctx.reach.targets(call)) {
      if (this.functionClaims(t, depth + 1)) return { kind: 'claim', node: call, description: `${functionName(t) ?? 'a function'}(...) that claims the delivery` };
    }
    // A transaction callback holding the claim: db.transaction(async (trx) => { ...claim...; return true })
    for (const a of call.arguments) {
      if (isFunctionNode(a) && this.functionClaims(a, depth + 1)) return { kind: 'claim', node: call, description: 'a transaction that claims the delivery' };
    }
    return undefined;
  }

  private functionClaims(fn: ts.Node, depth: number): boolean {
    if (depth > 4) return false;
    for (const e of functionEffects(fn, this.effectCtx)) {
      if (isClaim(e)) return true;
      if (e.kind === 'read' && ts.isCallExpression(e.node) && e.node.arguments.some((a) => this.ctx.values.holdsId(a))) return true;
    }
    let dup = false;
    walk(fn, (n) => {
      if (dup) return false;
      if (ts.isCatchClause(n) && DUPLICATE.test(n.block.getText())) dup = true;
      return undefined;
    });
    if (dup) return true;
    const reached = this.ctx.reach.reachedOf(fn) as ReachedFunction | undefined;
    if (!reached) return false;
    let inner = false;
    walkOwnCalls(fn, (c) => {
      if (inner) return;
      for (const t of this.ctx.reach.targets(c)) if (t !== fn && this.functionClaims(t, depth + 1)) inner = true;
    });
    return inner;
  }
}

function describeClaim(e: Effect): string {
  if (e.idempotentBecause) return `${e.op}${e.target ? ` on ${e.target}` : ''} (${e.idempotentBecause})`;
  return `a conditional ${e.op}${e.target ? ` on ${e.target}` : ''} (${e.conditional})`;
}

function exits(st: ts.Statement): boolean {
  if (ts.isReturnStatement(st) || ts.isContinueStatement(st) || ts.isBreakStatement(st) || ts.isThrowStatement(st)) return true;
  if (ts.isBlock(st)) return st.statements.some((s) => exits(s));
  return false;
}

function hasExit(block: ts.Block): boolean {
  let found = false;
  walk(block, (n) => {
    if (found || isFunctionNode(n)) return false;
    if (ts.isReturnStatement(n) || ts.isContinueStatement(n)) found = true;
    return undefined;
  });
  return found;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * True when the node sits in a failure path of `fn` (parking, dead-lettering, a retry topic): a catch
 * clause, a `.catch(cb)` callback or the rejection callback of `.then(ok, onRejected)`.
 */
export function inFailurePath(node: ts.Node, fn: ts.Node): boolean {
  for (let n: ts.Node | undefined = node.parent; n && n !== fn; n = n.parent) {
    if (ts.isCatchClause(n)) return true;
    if (isFunctionNode(n) && isRejectionCallback(n)) return true;
  }
  return false;
}

function isRejectionCallback(fn: ts.Node): boolean {
  const call = fn.parent;
  if (!call || !ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return false;
  const method = call.expression.name.text;
  return (method === 'catch' && call.arguments[0] === fn) || (method === 'then' && call.arguments[1] === fn);
}
