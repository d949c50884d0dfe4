// Which expressions of a handler's reach hold the delivery, its stable id or its correlation
// values: the handler's delivery parameters (DeliveryModel.params), what is destructured or copied
// from them, JSON.parse/decode of their payload, loop variables over a batch, values the adapter
// names (a webhook's verified event) and the parameters of project functions they are passed into.
import { ts, isFunctionNode, literalValue, propertyNameText, unwrapExpression, walk } from './ast.js';
import type { Binding, Project } from './project.js';
import { walkOwn, type Reach } from './reach.js';
import type { Handler } from '../model.js';

/**
 * - `delivery`: the message, its payload or a batch of messages (the whole of it)
 * - `headers`: its headers / properties / attributes
 * - `id`: the delivery's stable id (message id, event id, job id, offset, ...)
 * - `correlation`: a correlation, causation or trace id of the delivery
 * - `part`: some other field of it (business data)
 */
export type ValueKind = 'delivery' | 'headers' | 'id' | 'correlation' | 'part';

export interface DeliveryValues {
  kindOf(expr: ts.Node): ValueKind | undefined;
  /** The expression or a part of it (template, concatenation, `??`) holds the delivery's id. */
  holdsId(expr: ts.Node): boolean;
  /** The expression or a part of it holds the delivery's id, a correlation value or its headers. */
  holdsIncomingId(expr: ts.Node): boolean;
}

const HEADERISH = new Set(['headers', 'properties', 'attributes', 'messageAttributes', 'MessageAttributes', 'applicationProperties', 'userProperties', 'userProperties']);
const PAYLOADISH = new Set([
  'body', 'Body', 'value', 'data', 'detail', 'payload', 'content', 'message', 'Message', 'Sns', 'kinesis', 'dynamodb', 'NewImage',
  'Records', 'records', 'messages', 'Messages', 'batch', 'entries', 'event', 'events', 'jobs', 'job', 'msg', 'record', 'params',
]);
const ARRAY_METHODS = new Set(['map', 'forEach', 'filter', 'flatMap', 'some', 'every', 'find', 'findLast', 'reduce', 'sort']);
const RECEIVE_CALLS = /^(receiveMessages?|xreadgroup|xautoclaim|xread|consume|fetch|pull|receive|getMessages|next)$/;
// request ids: x-request-id, requestId, request_id, requestUniqueId, requestUuid
const CORRELATION_KEY = /correlation|causation|trace|traceparent|request[-_]?(?:unique[-_]?)?(?:id|uuid)|conversation/i;

const cache = new WeakMap<Handler, DeliveryValues>();

export function deliveryValues(handler: Handler, reach: Reach, project: Project): DeliveryValues {
  const hit = cache.get(handler);
  if (hit) return hit;
  const dv = build(handler, reach, project);
  cache.set(handler, dv);
  return dv;
}

function build(handler: Handler, reach: Reach, project: Project): DeliveryValues {
  const d = handler.delivery;
  const idFields = new Set(d.idFields);
  const corrFields = new Set(d.correlationFields);
  const named = new Set<ts.Node>((d.deliveryValues ?? []).map((n) => (ts.isExpression(n) ? unwrapExpression(n) : n)));
  const bodies = new Set<ts.Node>([handler.body, ...handler.extraBodies]);
  const loopHandler = !isFunctionNode(handler.body);

  // Calls into each reached function, to map arguments onto its parameters.
  let callers: Map<ts.Node, (ts.CallExpression | ts.NewExpression)[]> | undefined;
  const callersOf = (fn: ts.Node) => {
    if (!callers) {
      callers = new Map();
      for (const r of reach.functions) {
        walkOwn(r.fn, (n) => {
          if (!ts.isCallExpression(n) && !ts.isNewExpression(n)) return;
          for (const t of reach.targets(n)) {
            const list = callers!.get(t) ?? [];
            list.push(n);
            callers!.set(t, list);
          }
        });
      }
    }
    return callers.get(fn) ?? [];
  };

  const memo = new Map<ts.Node, ValueKind | null>();
  const active = new Set<ts.Node>();

  const step = (kind: ValueKind | undefined, name: string): ValueKind | undefined => {
    if (!kind) return undefined;
    switch (kind) {
      case 'delivery':
        if (idFields.has(name)) return 'id';
        if (corrFields.has(name)) return 'correlation';
        if (HEADERISH.has(name)) return 'headers';
        if (PAYLOADISH.has(name) || /^\d+$/.test(name)) return 'delivery';
        return 'part';
      case 'headers':
        if (corrFields.has(name) || CORRELATION_KEY.test(name)) return 'correlation';
        if (idFields.has(name) || /^(message-?id|event-?id)$/i.test(name)) return 'id';
        if (name === 'stringValue' || name === 'StringValue' || name === 'Value') return 'headers';
        return 'part';
      case 'id':
      case 'correlation':
        // record.messageAttributes.correlationId.stringValue, headers['x'].toString
        return name === 'stringValue' || name === 'StringValue' || name === 'Value' ? kind : 'part';
      default:
        return 'part';
    }
  };

  const pathKind = (kind: ValueKind | undefined, path: string[]): ValueKind | undefined => {
    let k = kind;
    for (const p of path) {
      if (!k) return undefined;
      k = p === '[]' || p === '{}' ? (k === 'delivery' ? 'delivery' : k) : step(k, p);
    }
    return k;
  };

  const bindingKind = (b: Binding, id: ts.Identifier): ValueKind | undefined => {
    if (b.kind === 'param') {
      const fn = b.fn;
      if (bodies.has(fn)) {
        const isDelivery = fn === handler.body ? d.params.includes(b.index) : b.index === 0;
        return isDelivery ? pathKind('delivery', b.path) : undefined;
      }
      // An inline callback over a batch: batch.messages.map(async (m) => ...)
      const call = fn.parent;
      if (call && ts.isCallExpression(call) && call.arguments.includes(fn as ts.Expression)) {
        const callee = unwrapExpression(call.expression);
        if (ts.isPropertyAccessExpression(callee) && ARRAY_METHODS.has(callee.name.text)) {
          const idx = callee.name.text === 'reduce' ? 1 : 0;
          if (b.index === idx && kindOf(callee.expression) === 'delivery') return pathKind('delivery', b.path);
          return undefined;
        }
      }
      // A project function the delivery is passed into.
      for (const c of callersOf(fn)) {
        const args = c.arguments ?? [];
        // items.map(handle): the element of a delivery batch
        if (ts.isCallExpression(c) && b.index === 0) {
          const callee = unwrapExpression(c.expression);
          if (ts.isPropertyAccessExpression(callee) && ARRAY_METHODS.has(callee.name.text) && args.some((a) => refersTo(a, fn))) {
            if (kindOf(callee.expression) === 'delivery') return pathKind('delivery', b.path);
            continue;
          }
        }
        const arg = args[b.index];
        if (!arg) continue;
        const k = kindOf(arg);
        if (k) return pathKind(k, b.path);
      }
      return undefined;
    }
    if (b.kind === 'var') {
      const decl = b.decl;
      const loop = decl.parent?.parent;
      if (loop && ts.isForOfStatement(loop) && decl.parent === loop.initializer) {
        if (loopHandler && loop === handler.body) return pathKind('delivery', b.path);
        const src = kindOf(loop.expression);
        return src === 'delivery' ? pathKind('delivery', b.path) : undefined;
      }
      if (decl.initializer) return pathKind(kindOf(decl.initializer), b.path);
      // let event; ... event = stripe.webhooks.constructEvent(...)
      const scope = decl.parent?.parent?.parent;
      let found: ValueKind | undefined;
      if (scope) {
        walk(scope, (n) => {
          if (found) return false;
          if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(n.left) && n.left.text === id.text) {
            found = kindOf(n.right);
          }
          return undefined;
        });
      }
      return pathKind(found, b.path);
    }
    return undefined;
  };

  function kindOf(node: ts.Node): ValueKind | undefined {
    if (!ts.isExpression(node)) return undefined;
    const e = unwrapExpression(node);
    if (named.has(e)) return 'delivery';
    const hit = memo.get(e);
    if (hit !== undefined) return hit ?? undefined;
    if (active.has(e)) return undefined;
    active.add(e);
    let k: ValueKind | undefined;
    try {
      k = compute(e);
    } finally {
      active.delete(e);
    }
    memo.set(e, k ?? null);
    return k;
  }

  function compute(e: ts.Expression): ValueKind | undefined {
    if (ts.isIdentifier(e)) {
      const b = project.lookup(e);
      return b ? bindingKind(b, e) : undefined;
    }
    if (ts.isPropertyAccessExpression(e)) return step(kindOf(e.expression), e.name.text);
    if (ts.isElementAccessExpression(e)) {
      const base = kindOf(e.expression);
      const key = literalValue(e.argumentExpression);
      if (key === undefined) return base === 'delivery' ? 'delivery' : base ? 'part' : undefined;
      return step(base, String(key));
    }
    if (ts.isAwaitExpression(e)) return kindOf(e.expression);
    if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(e.operatorToken.kind)) {
      return strongest(kindOf(e.left), kindOf(e.right));
    }
    if (ts.isConditionalExpression(e)) return strongest(kindOf(e.whenTrue), kindOf(e.whenFalse));
    if (ts.isCallExpression(e)) {
      const callee = unwrapExpression(e.expression);
      const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : undefined;
      const recv = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
      const arg0 = e.arguments[0];
      if (!name) return undefined;
      // Conversions keep what they convert.
      if ((name === 'toString' || name === 'trim' || name === 'toLowerCase') && recv) return kindOf(recv);
      if (/^(String|Number|BigInt)$/.test(name) && ts.isIdentifier(callee) && arg0) return kindOf(arg0);
      if (name === 'from' && recv && ts.isIdentifier(recv) && recv.text === 'Buffer' && arg0) return kindOf(arg0);
      // Header lookups: headers.get('correlation-id')
      if ((name === 'get' || name === 'getHeader') && recv && arg0) {
        const rk = kindOf(recv);
        if (rk === 'headers' || rk === 'delivery') {
          const key = literalValue(arg0);
          return key === undefined ? 'part' : step(rk === 'delivery' ? 'headers' : rk, String(key));
        }
      }
      // Parsing the payload: JSON.parse(msg.value.toString()), jc.decode(m.data), m.json(), unmarshall(image)
      if (/^(parse|decode|deserialize|unmarshall|unmarshal|fromBinary|constructEvent|constructEventAsync|json|string|getData|getMessage|getPayload)$/.test(name)) {
        const srcs = [...e.arguments, ...(recv ? [recv] : [])];
        for (const a of srcs) {
          const k = kindOf(a);
          if (k === 'delivery' || k === 'part') return 'delivery';
        }
      }
      // A receive inside a polling loop handler: the messages it returns are the deliveries.
      if (loopHandler && RECEIVE_CALLS.test(name)) return 'delivery';
      if (loopHandler && name === 'send' && arg0 && ts.isNewExpression(unwrapExpression(arg0))) {
        const cmd = (unwrapExpression(arg0) as ts.NewExpression).expression;
        if (ts.isIdentifier(cmd) && /^Receive(Message)?Command$/.test(cmd.text)) return 'delivery';
      }
      return undefined;
    }
    return undefined;
  }

  const holds = (expr: ts.Node, want: (k: ValueKind) => boolean): boolean => {
    let found = false;
    const visit = (n: ts.Node): boolean | void => {
      if (found) return false;
      if (isFunctionNode(n)) return false;
      if (ts.isExpression(n)) {
        const k = kindOf(n);
        if (k && want(k)) {
          found = true;
          return false;
        }
      }
      return undefined;
    };
    if (visit(expr) !== false) walk(expr, visit);
    return found;
  };

  return {
    kindOf,
    holdsId: (expr) => holds(expr, (k) => k === 'id'),
    holdsIncomingId: (expr) => holds(expr, (k) => k === 'id' || k === 'correlation' || k === 'headers'),
  };
}

function strongest(a: ValueKind | undefined, b: ValueKind | undefined): ValueKind | undefined {
  const rank: Record<ValueKind, number> = { id: 5, correlation: 4, headers: 3, delivery: 2, part: 1 };
  if (!a) return b;
  if (!b) return a;
  return rank[a] >= rank[b] ? a : b;
}

function refersTo(arg: ts.Expression, fn: ts.Node): boolean {
  const a = unwrapExpression(arg);
  if (a === fn) return true;
  if (ts.isIdentifier(a) || ts.isPropertyAccessExpression(a)) {
    const name = ts.isIdentifier(a) ? a.text : a.name.text;
    const fnName = (ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn)) && fn.name ? propertyNameText(fn.name) : fn.parent && ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
    return name === fnName;
  }
  return false;
}

export { CORRELATION_KEY };
