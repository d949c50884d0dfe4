// Webhook receivers (frameworks.md §11): HTTP routes of Express, Fastify, Hono, Koa, Next.js
// (App and Pages Router) and NestJS that verify a sender's signature or read its delivery
// headers (webhook-evidence.ts), plus @octokit/webhooks `webhooks.on(event, h)` and Probot
// `app.on(event, h)`. A route without such evidence is an ordinary route and never a handler.
import { ts, accessChain, calleeName, decoratorArgs, isFunctionNode, literalValue, objectProperty, propertyNameText, unwrapExpression, walk, type FunctionNode } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import type { DeliveryModel } from '../model.js';
import { decoratedParams, frameworkDecorators, paramTypeName } from './nest-decorators.js';
import { COMMON_CORRELATION, COMMON_EVENT_IDS, COMMON_EVENT_TIMES, delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';
import { webhookEvidence, type Evidence, type Sender } from './webhook-evidence.js';

type RouteKind = 'express-route' | 'fastify-route' | 'hono-route' | 'koa-route' | 'next-app-route' | 'next-pages-api' | 'nest-post' | 'remix-action';

const NEXT_APP_ROUTE = /[\\/]app[\\/](?:.*[\\/])?route\.[cm]?[jt]sx?$/;
const NEXT_PAGES_API = /[\\/]pages[\\/]api[\\/]/;
/** Remix and React Router framework mode: route modules under app/routes/ answer POSTs with their `action` export. */
const REMIX_ROUTE = /[\\/]app[\\/]routes[\\/]/;
const FASTIFY_HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler'];
const OCTOKIT = /^(@octokit\/(webhooks|app)|octokit)$/;

const SENDER_HINT = /webhook|signature|hmac|svix|stripe|verif|x-hub|github|shopify|twilio|slack|clerk|paddle|octokit|probot|timingSafeEqual|constructEvent|unmarshal/i;

export const webhooks: FrameworkAdapter = {
  name: 'webhooks',
  // A webhook route names its sender somewhere in its file (the path, the verifier, a guard, a
  // header): ordinary controllers, the bulk of a codebase, are not parsed for discovery at all.
  mayRegister: (text) =>
    SENDER_HINT.test(text) &&
    (/\.(post|route)\s*[(<]/.test(text) ||
      /@\s*(?:\w+\s*\.\s*)?Post\s*\(|\bPost\s+as\b/.test(text) ||
      /export\b[^\n;]*\bPOST\b|\bas\s+POST\b/.test(text) ||
      /export\s+(?:async\s+)?(?:function|const|let)\s+action\b|\bas\s+action\b/.test(text) ||
      (/export\s+default/.test(text) && /\b(req|res)\b|NextApi/.test(text)) ||
      (/\.on(Any)?\s*\(/.test(text) && /octokit|probot/.test(text))),
  discover(ctx) {
    const out: Registration[] = [];
    out.push(...nextRoutes(ctx));
    walk(ctx.sf, (n) => {
      if (ts.isCallExpression(n)) out.push(...routeCall(ctx, n), ...githubListener(ctx, n));
      else if (ts.isMethodDeclaration(n) && n.body) out.push(...nestPost(ctx, n));
    });
    return out;
  },
};

// ---------- route shapes ----------

/** `app.post(path, ...mw, h)`, `router.route(path).post(h)`, `fastify.route({ method: 'POST', handler })`. */
function routeCall(ctx: AdapterContext, call: ts.CallExpression): Registration[] {
  const callee = unwrapExpression(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return [];
  const name = callee.name.text;
  const args = call.arguments;
  if (name === 'post' && args.length) {
    const recv = unwrapExpression(callee.expression);
    const chained = ts.isCallExpression(recv) && calleeName(recv) === 'route';
    if (!chained && (args.length < 2 || !pathLike(args[0]!))) return [];
    const middleware = args.slice(chained ? 0 : 1, -1).flatMap((a) => middlewareExprs(a));
    let handler: ts.Node = args[args.length - 1]!;
    const last = unwrapExpression(args[args.length - 1]!);
    if (ts.isObjectLiteralExpression(last)) {
      // Fastify's route options form: fastify.post(path, { preHandler, handler })
      const h = objectProperty(last, 'handler');
      if (!h) return [];
      handler = h;
      middleware.push(...middlewareExprs(last));
    }
    return route(ctx, call, handler, middleware, routeKind(ctx), routeName(chained ? recv.arguments[0] : args[0]));
  }
  if (name === 'route' && args.length === 1) {
    const obj = unwrapExpression(args[0]!);
    if (!ts.isObjectLiteralExpression(obj) || !isPostMethod(objectProperty(obj, 'method'))) return [];
    const handler = objectProperty(obj, 'handler');
    return handler ? route(ctx, call, handler, middlewareExprs(obj), 'fastify-route', routeName(objectProperty(obj, 'url'))) : [];
  }
  return [];
}

/** `POST /webhooks/stripe` when the path is a literal. */
function routeName(path: ts.Node | undefined): string | undefined {
  const v = literalValue(path);
  return typeof v === 'string' ? `POST ${v}` : undefined;
}

function pathLike(a: ts.Expression): boolean {
  const e = unwrapExpression(a);
  return !isFunctionNode(e) && !ts.isObjectLiteralExpression(e);
}

function isPostMethod(node: ts.Node | undefined): boolean {
  if (!node || !ts.isExpression(node)) return false;
  const e = unwrapExpression(node);
  if (ts.isStringLiteralLike(e)) return e.text.toUpperCase() === 'POST';
  if (ts.isArrayLiteralExpression(e)) return e.elements.some((x) => isPostMethod(x));
  return false;
}

/** Middleware expressions of a registration argument: functions, arrays of them, Fastify hook options. */
function middlewareExprs(a: ts.Node): ts.Node[] {
  const e = ts.isExpression(a) ? unwrapExpression(a) : a;
  if (ts.isArrayLiteralExpression(e)) return e.elements.flatMap(middlewareExprs);
  if (ts.isObjectLiteralExpression(e)) return FASTIFY_HOOKS.flatMap((k) => (objectProperty(e, k) ? middlewareExprs(objectProperty(e, k)!) : []));
  return [e];
}

function routeKind(ctx: AdapterContext): RouteKind {
  if (ctx.importsModule('fastify')) return 'fastify-route';
  if (ctx.importsModule('hono')) return 'hono-route';
  if (ctx.importsModule('@koa/router') || ctx.importsModule('koa-router') || ctx.importsModule('koa')) return 'koa-route';
  return 'express-route';
}

/** A registered route function that shows webhook evidence (its own, its middleware's, or one call down). */
function route(ctx: AdapterContext, node: ts.Node, handlerExpr: ts.Node, middleware: ts.Node[], kind: RouteKind, name?: string, guards: FunctionNode[] = []): Registration[] {
  const fns = functionsOf(ctx.project, handlerExpr);
  if (!fns.length) return [];
  const mw = [...middleware.flatMap((m) => functionsOf(ctx.project, m)), ...guards];
  const out: Registration[] = [];
  for (const fn of fns) {
    const ev = webhookEvidence(ctx.project, [fn, ...mw]);
    if (!ev) continue;
    const params = kind === 'nest-post' ? nestParams(ctx, fn) : [0];
    const model = routeDelivery(ev, kind, params);
    // A Nest handler that injects @Res() answers by hand: returning no longer replies.
    if (kind === 'nest-post' && decoratedParams(ctx, fn, ['Res', 'Response']).length) model.acksOnReturn = false;
    // The expression itself keeps wrapper names (asyncHandler(fn)); several targets are registered one by one.
    out.push({ handler: fns.length === 1 ? handlerExpr : fn, node, framework: frameworkOf(ev.sender), kind, name, delivery: model });
  }
  return out;
}

function functionsOf(project: Project, expr: ts.Node): FunctionNode[] {
  try {
    return project.resolveFunctions(expr).flatMap((t) => (t.kind === 'function' ? [t.fn] : []));
  } catch {
    return [];
  }
}

/** Next.js: `export async function POST(req)` in app/**\/route.ts, the default export of pages/api/**; a Remix route module's `action`. */
function nextRoutes(ctx: AdapterContext): Registration[] {
  const file = ctx.file;
  const kind: RouteKind | undefined = NEXT_APP_ROUTE.test(file)
    ? 'next-app-route'
    : NEXT_PAGES_API.test(file)
      ? 'next-pages-api'
      : REMIX_ROUTE.test(file)
        ? 'remix-action'
        : undefined;
  if (!kind) return [];
  const decl = ctx.project.exported(file, kind === 'next-app-route' ? 'POST' : kind === 'remix-action' ? 'action' : 'default');
  if (!decl) return [];
  return route(ctx, decl, decl, [], kind);
}

/** NestJS: a @Post() method (guards from @UseGuards count as middleware). */
function nestPost(ctx: AdapterContext, m: ts.MethodDeclaration): Registration[] {
  const post = frameworkDecorators(ctx, m, ['Post'], ['@nestjs/common'])[0];
  if (!post) return [];
  const cls = m.parent;
  const guardDecorators = [...frameworkDecorators(ctx, m, ['UseGuards'], ['@nestjs/common']), ...(ts.isClassLike(cls) ? frameworkDecorators(ctx, cls, ['UseGuards'], ['@nestjs/common']) : [])];
  const guards: FunctionNode[] = [];
  for (const g of guardDecorators) {
    for (const a of decoratorArgs(g.decorator)) {
      const guardClass = ctx.project.classFromExpression(ts.isNewExpression(unwrapExpression(a)) ? (unwrapExpression(a) as ts.NewExpression).expression : a);
      const can = guardClass?.members.find((x): x is ts.MethodDeclaration => ts.isMethodDeclaration(x) && !!x.body && propertyNameText(x.name) === 'canActivate');
      if (can) guards.push(can);
    }
  }
  return route(ctx, post.decorator, m, [], 'nest-post', undefined, guards);
}

function nestParams(ctx: AdapterContext, fn: FunctionNode): number[] {
  const p = decoratedParams(ctx, fn, ['Req', 'Request', 'Body', 'RawBody', 'Headers']);
  return p.length ? p : [0];
}

// ---------- GitHub: @octokit/webhooks and Probot ----------

/** `webhooks.on('issues.opened', h)`, `app.webhooks.onAny(h)`, Probot `app.on('push', h)`. `onError` is an error callback. */
function githubListener(ctx: AdapterContext, call: ts.CallExpression): Registration[] {
  const name = calleeName(call);
  if (name !== 'on' && name !== 'onAny') return [];
  const callee = unwrapExpression(call.expression);
  if (!ts.isPropertyAccessExpression(callee)) return [];
  const handler = call.arguments[name === 'on' ? 1 : 0];
  if (!handler || (name === 'on' && !eventNameLike(call.arguments[0]!))) return [];
  const recv = unwrapExpression(callee.expression);
  let kind: string | undefined;
  if (ctx.importsModule(OCTOKIT) && isOctokitWebhooks(ctx.project, recv)) kind = `webhooks.${name}`;
  else if (ctx.importsModule('probot') && isProbotApp(recv, ctx)) kind = `probot ${name}`;
  if (!kind) return [];
  return [
    {
      handler,
      node: call,
      framework: 'github-webhook',
      kind,
      delivery: delivery({
        params: [0],
        // The handler's argument is { id, name, payload } (octokit) or a Probot context: `id` is X-GitHub-Delivery.
        idFields: ['id', 'x-github-delivery'],
        correlationFields: COMMON_CORRELATION,
        timeFields: COMMON_EVENT_TIMES,
        acksOnReturn: true,
        redeliversOnThrow: false, // GitHub never redelivers automatically
      }),
    },
  ];
}

function eventNameLike(a: ts.Expression): boolean {
  const e = unwrapExpression(a);
  if (ts.isStringLiteralLike(e)) return !['error', 'close', 'connect'].includes(e.text);
  return ts.isArrayLiteralExpression(e) || ts.isTemplateExpression(e) || ts.isIdentifier(e) || ts.isPropertyAccessExpression(e);
}

function isOctokitWebhooks(project: Project, recv: ts.Expression): boolean {
  if (/(^|\.)webhooks$/i.test(accessChain(recv) ?? '')) return true;
  if (!ts.isIdentifier(recv)) return false;
  const b = project.lookup(recv);
  const init = b?.kind === 'var' && b.decl.initializer ? unwrapExpression(b.decl.initializer) : undefined;
  return !!init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && init.expression.text === 'Webhooks';
}

/** Probot's `app`: a parameter typed Probot (or untyped, in a module that imports probot). */
function isProbotApp(recv: ts.Expression, ctx: AdapterContext): boolean {
  if (!ts.isIdentifier(recv)) return false;
  const b = ctx.project.lookup(recv);
  if (b?.kind !== 'param' || b.path.length) return false;
  const t = paramTypeName(b.decl);
  return t === undefined || t === 'Probot' || t === 'Application';
}

// ---------- delivery facts by sender ----------

interface SenderFacts {
  idFields: string[];
  timeFields: string[];
  /** The sender retries a delivery that failed (non-2xx, timeout). */
  retries: boolean;
}

const SENDERS: Record<Sender, SenderFacts> = {
  stripe: { idFields: ['id'], timeFields: ['created'], retries: true },
  svix: { idFields: ['svix-id', 'webhook-id'], timeFields: ['svix-timestamp', 'webhook-timestamp'], retries: true },
  github: { idFields: ['x-github-delivery'], timeFields: [], retries: false },
  shopify: { idFields: ['x-shopify-webhook-id', 'x-shopify-event-id'], timeFields: ['x-shopify-triggered-at'], retries: true },
  slack: { idFields: ['event_id'], timeFields: ['event_time'], retries: true },
  twilio: { idFields: ['MessageSid', 'CallSid'], timeFields: [], retries: false },
  generic: { idFields: ['id'], timeFields: [], retries: false },
};

const REPLIES: Record<RouteKind, { ack: string[]; onReturn: boolean }> = {
  'express-route': { ack: ['sendStatus', 'status', 'json', 'send', 'end'], onReturn: false },
  'next-pages-api': { ack: ['status', 'json', 'send', 'end'], onReturn: false },
  'koa-route': { ack: ['status', 'body'], onReturn: true },
  'fastify-route': { ack: ['code', 'status', 'send'], onReturn: true },
  'hono-route': { ack: ['json', 'text', 'body', 'newResponse'], onReturn: true },
  'next-app-route': { ack: ['Response', 'NextResponse', 'json'], onReturn: true },
  'remix-action': { ack: ['Response', 'json', 'data'], onReturn: true },
  'nest-post': { ack: ['status', 'json', 'send', 'sendStatus', 'end'], onReturn: true },
};

function frameworkOf(sender: Sender): string {
  return sender === 'generic' ? 'webhook' : `${sender}-webhook`;
}

function routeDelivery(ev: Evidence, kind: RouteKind, params: number[]): DeliveryModel {
  const s = SENDERS[ev.sender];
  const r = REPLIES[kind];
  const model = delivery({
    params,
    idFields: [...s.idFields, ...COMMON_EVENT_IDS],
    correlationFields: COMMON_CORRELATION,
    timeFields: [...s.timeFields, ...COMMON_EVENT_TIMES],
    // A 2xx reply acks; a 4xx/5xx or a thrown error (500) asks a retrying sender to redeliver.
    ackMethods: r.ack,
    acksOnReturn: r.onReturn,
    redeliversOnThrow: s.retries,
  });
  if (ev.values.length) model.deliveryValues = ev.values;
  return model;
}
