// dual-write: The handler writes the database and publishes or calls another service as two separate steps with no outbox.
// Business-state writes exclude dedup bookkeeping (processed-events rows, SET NX keys, parking
// rows, the outbox itself); an outbox row or a configured outbox helper means the team uses an
// outbox; a compensating write in the failure path of the outgoing call is a saga step.
import type { Rule } from '../src/rule.js';
import { ts, calleeName, accessChain, functionName, walk, isFunctionNode } from '../src/analysis/ast.js';
import { handlerEffects } from '../src/analysis/handler-effects.js';
import { DATABASES, STATE_WRITES, type LocatedEffect } from '../src/analysis/effects.js';
import { inFailurePath } from '../src/analysis/guards.js';
import { describeEffect } from '../src/analysis/effect-text.js';

const BOOKKEEPING = /processed|inbox|dedup|idempot|dead.?letter|parked|parking|dlq|outbox|seen_|_seen|handled_|consumed_/i;
const OUTGOING_KINDS = new Set(['publish', 'email', 'sms', 'push', 'payment']);
const COMPENSATION = /compensat|rollback|revert|undo|release|cancel|markFailed|fail/i;

function isOutgoing(l: LocatedEffect): boolean {
  const e = l.effect;
  if (OUTGOING_KINDS.has(e.kind)) return true;
  if ((e.library === 'http' || e.library === 'nest-http') && e.kind !== 'read') return true;
  if ((e.library === 'stripe' || e.library === 'payment') && e.kind !== 'read') return true;
  return false;
}

function isBusinessWrite(l: LocatedEffect): boolean {
  const e = l.effect;
  if (!STATE_WRITES.has(e.kind) || !DATABASES.has(e.library)) return false;
  if (BOOKKEEPING.test(e.target ?? '')) return false;
  if (inFailurePath(e.node, l.reached.fn)) return false;
  const owner = functionName(l.reached.fn) ?? '';
  if (/park|deadLetter|dlq/i.test(owner)) return false;
  return true;
}

/** The outgoing call sits in a try whose catch compensates (a write or a compensate/cancel call), or has a `.catch` that does. */
function compensated(l: LocatedEffect, writes: Set<ts.Node>): boolean {
  const node = l.effect.node;
  const compensates = (block: ts.Node) => {
    let found = false;
    walk(block, (n) => {
      if (found) return false;
      if (writes.has(n)) found = true;
      else if (ts.isCallExpression(n) && COMPENSATION.test(calleeName(n) ?? '') && !/^(nack|reject|abandonMessage|deadLetterMessage)$/.test(calleeName(n) ?? '')) found = true;
      return undefined;
    });
    return found;
  };
  for (let n: ts.Node | undefined = node.parent; n && n !== l.reached.fn; n = n.parent) {
    if (ts.isTryStatement(n) && n.catchClause && isInside(node, n.tryBlock) && compensates(n.catchClause.block)) return true;
  }
  // send(...).catch(async (err) => { await undo(...) })
  const p = node.parent;
  if (p && ts.isPropertyAccessExpression(p) && p.name.text === 'catch' && p.parent && ts.isCallExpression(p.parent)) {
    const cb = p.parent.arguments[0];
    if (cb && isFunctionNode(cb) && compensates(cb)) return true;
  }
  return false;
}

function isInside(node: ts.Node, container: ts.Node): boolean {
  return node.pos >= container.pos && node.end <= container.end;
}

export const dualWrite: Rule = {
  id: 'dual-write',
  defaultLevel: 'warning',
  description: 'The handler writes the database and publishes or calls another service as two separate steps with no outbox.',
  tags: ['reliability', 'consistency'],
  precision: 'medium',
  check(ctx) {
    const he = handlerEffects(ctx);
    const effects = he.effects;
    // An outbox in use: an outbox row, or a configured outbox helper anywhere in the reach.
    if (effects.some((l) => STATE_WRITES.has(l.effect.kind) && /outbox/i.test(l.effect.target ?? ''))) return;
    if (ctx.config.outboxHelpers.length) {
      for (const r of ctx.reach.functions) {
        let hit = false;
        walk(r.fn, (n) => {
          if (hit) return false;
          if (ts.isCallExpression(n)) {
            const name = calleeName(n);
            const chain = accessChain(n.expression);
            if (ctx.config.outboxHelpers.some((h) => h === name || h === chain || (!!chain && chain.endsWith(`.${h}`)))) hit = true;
          }
          return undefined;
        });
        if (hit) return;
      }
    }
    const writes = effects.filter(isBusinessWrite);
    if (!writes.length) return;
    // Any database write counts as compensation when it sits in the failure path of the outgoing call.
    const writeNodes = new Set<ts.Node>(effects.filter((l) => STATE_WRITES.has(l.effect.kind) && DATABASES.has(l.effect.library)).map((w) => w.effect.node));
    const outgoing = effects.filter((l) => isOutgoing(l) && !inFailurePath(l.effect.node, l.reached.fn) && !compensated(l, writeNodes));
    const out = outgoing[0];
    if (!out) return;
    const w = writes[0]!;
    ctx.report(
      out.effect.node,
      `The handler ${describeEffect(w.effect)} and ${describeEffect(out.effect)} as two separate steps, with no outbox and no shared transaction: ` +
        'a crash or failure between them leaves one done and the other not (state changed but no message or call, or the other way round).',
      { related: [{ node: w.effect.node, message: `the database write: ${describeEffect(w.effect)}` }] },
    );
  },
};
