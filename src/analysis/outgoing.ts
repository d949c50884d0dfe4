// Outgoing messages and requests: where an HTTP call goes (a service of the same system, a third
// party, a URL from the payload) and whether a publish or request carries an id of the incoming
// delivery (its correlation/causation/trace id, its message or event id, its headers).
import { ts, calleeName, isFunctionNode, literalValue, propertyNameText, thisClass, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';
import type { Reach } from './reach.js';
import { walkOwn } from './reach.js';
import { containsFreshId, type Effect } from './effects.js';
import { CORRELATION_KEY, type DeliveryValues } from './delivery-values.js';
import { constructorParamIndex } from './origins.js';

export type UrlScope = 'internal' | 'external' | 'unknown';

interface Ctx {
  project: Project;
  reach: Reach;
  values: DeliveryValues;
}

const INTERNAL_HOST = /^(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|[^.]+|.*\.(internal|local|svc|cluster\.local|consul|lan|intra|corp))$/i;
const PRIVATE_IP = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/;

function hostScope(text: string): UrlScope | 'relative' {
  if (text.startsWith('/')) return 'relative';
  const m = /^https?:\/\/([^/:?#]+)/i.exec(text);
  if (!m) return 'unknown';
  const host = m[1]!;
  return INTERNAL_HOST.test(host) || PRIVATE_IP.test(host) ? 'internal' : 'external';
}

/** Where an HTTP effect goes: env/config-configured or cluster-internal URLs are the same system. */
export function httpScope(e: Effect, ctx: Ctx): UrlScope {
  const url = e.http?.url;
  if (!url) return 'unknown';
  const s = urlScope(url, ctx, 0);
  if (s !== 'relative') return s;
  // A path on a client instance: axios.create({ baseURL: process.env.X }).post('/v1/push')
  const callee = ts.isCallExpression(e.node) ? unwrapExpression(e.node.expression) : undefined;
  const recv = callee && ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
  const base = recv ? baseUrlOf(recv, ctx) : undefined;
  if (!base) return 'unknown';
  const b = urlScope(base, ctx, 0);
  return b === 'relative' ? 'unknown' : b;
}

function baseUrlOf(recv: ts.Expression, ctx: Ctx): ts.Expression | undefined {
  const init = initializerOf(recv, ctx);
  const ie = init && unwrapExpression(init);
  if (ie && ts.isCallExpression(ie) && calleeName(ie) === 'create') {
    const o = ie.arguments[0] && unwrapExpression(ie.arguments[0]);
    if (o && ts.isObjectLiteralExpression(o)) {
      for (const p of o.properties) {
        if (propertyNameText(p.name) !== 'baseURL' && propertyNameText(p.name) !== 'prefixUrl') continue;
        if (ts.isPropertyAssignment(p)) return p.initializer;
        if (ts.isShorthandPropertyAssignment(p)) return p.name;
      }
    }
  }
  return undefined;
}

/** The expression a variable or `this.member` was initialised with. */
function initializerOf(expr: ts.Expression, ctx: Ctx): ts.Expression | undefined {
  const e = unwrapExpression(expr);
  if (ts.isIdentifier(e)) {
    const b = ctx.project.lookup(e);
    if (b?.kind === 'var' && !b.path.length) return b.decl.initializer;
    return undefined;
  }
  if (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword) {
    const cls = thisClass(e);
    if (!cls) return undefined;
    for (const m of cls.members) {
      if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === e.name.text && m.initializer) return m.initializer;
      if (ts.isConstructorDeclaration(m)) {
        for (const st of m.body?.statements ?? []) {
          if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression) || st.expression.operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
          const l = unwrapExpression(st.expression.left);
          if (ts.isPropertyAccessExpression(l) && l.expression.kind === ts.SyntaxKind.ThisKeyword && l.name.text === e.name.text) return st.expression.right;
        }
      }
    }
  }
  return undefined;
}

function urlScope(expr: ts.Expression, ctx: Ctx, depth: number): UrlScope | 'relative' {
  if (depth > 6) return 'unknown';
  const e = unwrapExpression(expr);
  const lit = literalValue(e);
  if (typeof lit === 'string') return hostScope(lit);
  if (ts.isTemplateExpression(e)) {
    if (e.head.text) return hostScope(e.head.text);
    return urlScope(e.templateSpans[0]!.expression, ctx, depth + 1);
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return urlScope(e.left, ctx, depth + 1);
  if (ts.isBinaryExpression(e) && [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken].includes(e.operatorToken.kind)) return urlScope(e.left, ctx, depth + 1);
  // A URL taken from the delivery is somebody else's endpoint (a customer webhook).
  const k = ctx.values.kindOf(e);
  if (k) return 'external';
  if (ts.isPropertyAccessExpression(e)) {
    const chain = e.getText();
    if (/^process\.env\b|^import\.meta\.env\b/.test(chain)) return 'internal';
    const root = rootName(e);
    if (root && /^(env|config|cfg|settings|options|opts|conf)$/i.test(root)) return 'internal';
    if (/\b(config|settings|env)\b/i.test(chain.split('.').slice(0, -1).join('.'))) return 'internal';
    if (e.expression.kind === ts.SyntaxKind.ThisKeyword) {
      const init = initializerOf(e, ctx);
      if (init) return urlScope(init, ctx, depth + 1);
      const cls = thisClass(e);
      const idx = cls ? constructorParamIndex(cls, e.name.text) : undefined;
      if (cls && idx !== undefined) return fromConstructions(cls, idx, ctx, depth);
    }
    return 'unknown';
  }
  if (ts.isIdentifier(e)) {
    const b = ctx.project.lookup(e);
    if (b?.kind === 'var' && b.decl.initializer && !b.path.length) return urlScope(b.decl.initializer, ctx, depth + 1);
    if (b?.kind === 'import' && b.file) {
      const d = ctx.project.exported(b.file, b.name);
      if (d && ts.isVariableDeclaration(d) && d.initializer) return urlScope(d.initializer, ctx, depth + 1);
    }
    if (b?.kind === 'param') {
      if (ts.isConstructorDeclaration(b.fn)) {
        const cls = b.fn.parent;
        if (cls && (ts.isClassDeclaration(cls) || ts.isClassExpression(cls))) return fromConstructions(cls, b.index, ctx, depth);
      }
      for (const c of callersOf(b.fn, ctx)) {
        const a = c.arguments?.[b.index];
        if (a) {
          const s = urlScope(a, ctx, depth + 1);
          if (s !== 'unknown') return s;
        }
      }
    }
    return 'unknown';
  }
  if (ts.isCallExpression(e)) {
    const n = calleeName(e) ?? '';
    const recv = ts.isPropertyAccessExpression(unwrapExpression(e.expression)) ? (unwrapExpression(e.expression) as ts.PropertyAccessExpression).expression.getText() : '';
    if (n === 'get' && /config|settings|env/i.test(recv)) return 'internal';
    if (/^(getEnv|env|requireEnv|mustEnv|getConfig)$/i.test(n)) return 'internal';
    if (n === 'String' && e.arguments[0]) return urlScope(e.arguments[0], ctx, depth + 1);
    if (n === 'toString' && ts.isPropertyAccessExpression(unwrapExpression(e.expression))) return urlScope((unwrapExpression(e.expression) as ts.PropertyAccessExpression).expression, ctx, depth + 1);
  }
  if (ts.isNewExpression(e) && calleeName(e) === 'URL' && e.arguments?.length) {
    const first = urlScope(e.arguments[0]!, ctx, depth + 1);
    if (first === 'relative' && e.arguments[1]) return urlScope(e.arguments[1], ctx, depth + 1);
    return first;
  }
  return 'unknown';
}

function rootName(e: ts.Expression): string | undefined {
  let n = unwrapExpression(e);
  while (ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n)) n = unwrapExpression(n.expression);
  return ts.isIdentifier(n) ? n.text : undefined;
}

/** `new Client(process.env.X)`: the argument given for a constructor parameter, in the files the handler reaches. */
function fromConstructions(cls: ts.ClassLikeDeclaration, index: number, ctx: Ctx, depth: number): UrlScope {
  const name = cls.name?.text;
  if (!name) return 'unknown';
  const files = new Set<ts.SourceFile>([cls.getSourceFile(), ...ctx.reach.functions.map((r) => r.fn.getSourceFile())]);
  for (const sf of files) {
    let out: UrlScope | undefined;
    walk(sf, (n) => {
      if (out) return false;
      if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name && n.arguments?.[index]) {
        const s = urlScope(n.arguments[index]!, ctx, depth + 1);
        if (s !== 'unknown' && s !== 'relative') out = s;
      }
      return undefined;
    });
    if (out) return out;
  }
  return 'unknown';
}

function callersOf(fn: ts.Node, ctx: Ctx): (ts.CallExpression | ts.NewExpression)[] {
  const out: (ts.CallExpression | ts.NewExpression)[] = [];
  for (const r of ctx.reach.functions) {
    walkOwn(r.fn, (n) => {
      if ((ts.isCallExpression(n) || ts.isNewExpression(n)) && ctx.reach.targets(n).includes(fn as never)) out.push(n);
    });
  }
  return out;
}

/** OpenTelemetry context propagation somewhere in the reach: propagation.inject(...), context.with(...). */
export function propagatesContext(reach: Reach): boolean {
  for (const r of reach.functions) {
    let found = false;
    walkOwn(r.fn, (n) => {
      if (found) return false;
      if (ts.isCallExpression(n)) {
        const t = n.expression.getText();
        if (/(^|\.)propagation\.inject$|(^|\.)context\.with$|^injectTraceContext$|^withTraceContext$/.test(t)) found = true;
      }
      return undefined;
    });
    if (found) return true;
  }
  return false;
}

/** Whether a publish/request carries an id of the incoming delivery (header, attribute, field, idempotency key). */
export function carriesIncomingId(e: Effect, ctx: Ctx): boolean {
  if (e.idempotencyKey && ctx.values.holdsIncomingId(e.idempotencyKey)) return true;
  const seen = new Set<ts.Node>();
  return (e.outgoing ?? []).some((x) => carries(x, ctx, seen, 0, true));
}

// Calls that pass their argument's content through (JSON.parse(JSON.stringify(x)) is a deep copy).
const SERIALISERS = /^(stringify|parse|from|encode|serialize|serialise|toBuffer|marshall|pack|structuredClone|cloneDeep)$/;

function carries(expr: ts.Node, ctx: Ctx, seen: Set<ts.Node>, depth: number, top: boolean): boolean {
  if (depth > 16 || seen.has(expr) || !ts.isExpression(expr)) return false;
  seen.add(expr);
  const e = unwrapExpression(expr);
  const k = ctx.values.kindOf(e);
  if (k === 'id' || k === 'correlation' || k === 'headers' || (k === 'delivery' && top)) return true;
  if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      const key = propertyNameText(p.name) ?? '';
      if (CORRELATION_KEY.test(key)) {
        const v = ts.isPropertyAssignment(p) ? p.initializer : undefined;
        if (!v || !containsFreshId(v)) return true;
      }
      if (ts.isPropertyAssignment(p) && carries(p.initializer, ctx, seen, depth + 1, true)) return true;
      if (ts.isShorthandPropertyAssignment(p) && carries(p.name, ctx, seen, depth + 1, true)) return true;
      if (ts.isSpreadAssignment(p) && carries(p.expression, ctx, seen, depth + 1, true)) return true;
    }
    return false;
  }
  if (ts.isArrayLiteralExpression(e)) return e.elements.some((x) => carries(ts.isSpreadElement(x) ? x.expression : x, ctx, seen, depth + 1, true));
  if (ts.isTemplateExpression(e) || ts.isBinaryExpression(e) || ts.isConditionalExpression(e)) return ctx.values.holdsIncomingId(e);
  // An envelope built by a library class around the fields: new CloudEvent({ id, traceparent, data }).
  if (ts.isNewExpression(e) && !ctx.project.classFromExpression(e.expression)) {
    return (e.arguments ?? []).some((a) => carries(a, ctx, seen, depth + 1, true));
  }
  if (ts.isCallExpression(e)) {
    const n = calleeName(e) ?? '';
    if (SERIALISERS.test(n)) return e.arguments.some((a) => carries(a, ctx, seen, depth + 1, true));
    // A project function building the message: look at the keys of what it returns.
    for (const t of ctx.reach.targets(e).length ? ctx.reach.targets(e) : safeResolve(ctx.project, e.expression)) {
      if (returnsCorrelationKey(t)) return true;
    }
    return false;
  }
  if (ts.isIdentifier(e)) {
    const b = ctx.project.lookup(e);
    if (b?.kind === 'var') {
      if (b.decl.initializer && !b.path.length && carries(b.decl.initializer, ctx, seen, depth + 1, top)) return true;
      // const h = headers(); h.set('correlation-id', ...)
      const scope = b.decl.parent?.parent?.parent;
      if (scope && setsCorrelation(scope, e.text, ctx)) return true;
    }
    if (b?.kind === 'param') {
      for (const c of callersOf(b.fn, ctx)) {
        const a = c.arguments?.[b.index];
        if (a && !b.path.length && carries(a, ctx, seen, depth + 1, top)) return true;
      }
    }
    return false;
  }
  return false;
}

function safeResolve(project: Project, expr: ts.Expression): ts.Node[] {
  try {
    return project.resolveFunctions(expr).flatMap((t) => (t.kind === 'function' ? [t.fn] : []));
  } catch {
    return [];
  }
}

function returnsCorrelationKey(fn: ts.Node): boolean {
  let found = false;
  walkOwn(fn, (n) => {
    if (found) return false;
    if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && CORRELATION_KEY.test(propertyNameText(n.name) ?? '')) found = true;
    return undefined;
  });
  return found;
}

/** `h.set('correlation-id', v)`, `h['x-correlation-id'] = v`, `h.correlationId = v`, or any of them holding an incoming id. */
function setsCorrelation(scope: ts.Node, name: string, ctx: Ctx): boolean {
  let found = false;
  walk(scope, (n) => {
    if (found || isFunctionNode(n)) return found ? false : undefined;
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression) && n.expression.expression.text === name && /^(set|append|add|put)$/.test(n.expression.name.text)) {
      const key = literalValue(n.arguments[0]);
      if ((typeof key === 'string' && CORRELATION_KEY.test(key)) || n.arguments.slice(1).some((a) => ctx.values.holdsIncomingId(a))) found = true;
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const l = unwrapExpression(n.left);
      const base = ts.isPropertyAccessExpression(l) || ts.isElementAccessExpression(l) ? unwrapExpression(l.expression) : undefined;
      if (base && ts.isIdentifier(base) && base.text === name) {
        const key = ts.isPropertyAccessExpression(l) ? l.name.text : String(literalValue((l as ts.ElementAccessExpression).argumentExpression) ?? '');
        if (CORRELATION_KEY.test(key) || ctx.values.holdsIncomingId(n.right)) found = true;
      }
    }
    return undefined;
  });
  return found;
}
