import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers;
const summary = (files: Record<string, string>) => handlersOf(files).map((h) => `${h.framework} ${h.kind} ${h.name}`);

const STRIPE_EXPRESS = `import express from 'express';
import Stripe from 'stripe';
const stripe = new Stripe(process.env.STRIPE_KEY!);
export const router = express.Router();

router.post('/hooks/stripe', express.raw({ type: 'application/json' }), async (req, res) => {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] as string, process.env.WH_SECRET!);
  } catch (err) {
    return res.status(400).send('bad signature');
  }
  await record(event.id, event.type);
  res.json({ received: true });
});

router.post('/admin/reindex', express.json(), async (req, res) => {
  await record(req.body.id, 'reindex');
  res.sendStatus(204);
});
declare function record(id: string, type: string): Promise<void>;
`;

describe('webhook routes', () => {
  it('counts an Express route that calls stripe.webhooks.constructEvent, not its neighbour route', () => {
    const hs = handlersOf({ 'src/stripe.ts': STRIPE_EXPRESS });
    expect(hs.map((h) => `${h.framework} ${h.kind} ${h.name}`)).toEqual(['stripe-webhook express-route POST /hooks/stripe']);
    const d = hs[0]!.delivery;
    expect(d).toMatchObject({ params: [0], acksOnReturn: false, redeliversOnThrow: true, ordered: false });
    expect(d.ackMethods).toEqual(expect.arrayContaining(['sendStatus', 'status', 'json', 'send']));
    expect(d.idFields[0]).toBe('id');
    expect(d.timeFields[0]).toBe('created');
    // The constructEvent call is the delivery's value: `event` carries the Stripe event id.
    expect(d.deliveryValues?.map((n) => n.getText().split('(')[0])).toEqual(['stripe.webhooks.constructEvent']);
  });

  it('finds the verification one call down, and a handler defined in another file is counted there', () => {
    const hs = handlersOf({
      'src/stripe/verify.ts': `import Stripe from 'stripe';
const stripe = new Stripe('sk');
export function verifyStripe(body: Buffer, sig: string): Stripe.Event {
  return stripe.webhooks.constructEvent(body, sig, process.env.WH!);
}
`,
      'src/stripe/handler.ts': `import type { Request, Response } from 'express';
import { verifyStripe } from './verify';
export async function stripeWebhook(req: Request, res: Response) {
  const event = verifyStripe(req.body, req.get('stripe-signature') ?? '');
  await fulfil(event.id);
  res.sendStatus(200);
}
declare function fulfil(id: string): Promise<void>;
`,
      'src/routes.ts': `import { Router, raw } from 'express';
import { stripeWebhook } from './stripe/handler';
export const routes = Router();
routes.post('/webhooks/stripe', raw({ type: 'application/json' }), stripeWebhook);
`,
    });
    expect(hs).toHaveLength(1);
    expect(hs[0]!.file.endsWith('src/stripe/handler.ts')).toBe(true);
    expect(hs[0]!.registration.file.endsWith('src/routes.ts')).toBe(true);
    expect(hs[0]).toMatchObject({ name: 'stripeWebhook', framework: 'stripe-webhook' });
    expect(hs[0]!.delivery.deliveryValues?.[0]?.getText()).toContain('verifyStripe(');
  });

  it('recognises Svix, GitHub headers, Shopify headers and hand-written HMAC verification', () => {
    const hs = handlersOf({
      'src/clerk.ts': `import express from 'express';
import { Webhook } from 'svix';
const app = express();
app.post('/webhooks/clerk', express.raw({ type: 'application/json' }), async (req, res) => {
  const evt = new Webhook(process.env.CLERK_SECRET!).verify(req.body, req.headers as Record<string, string>) as { type: string };
  await sync(evt);
  res.sendStatus(204);
});
declare function sync(e: unknown): Promise<void>;
`,
      'src/github.ts': `import express from 'express';
const app = express();
app.post('/webhooks/github', async (req, res) => {
  const delivery = req.header('X-GitHub-Delivery');
  await handle(delivery, req.body);
  res.status(202).end();
});
declare function handle(id: unknown, body: unknown): Promise<void>;
`,
      'src/shopify.ts': `import Fastify from 'fastify';
const app = Fastify();
app.post('/webhooks/shopify', { config: { rawBody: true } }, async (request, reply) => {
  const { 'x-shopify-hmac-sha256': hmac } = request.headers;
  await handle(hmac, request.body);
  return reply.code(200).send();
});
declare function handle(h: unknown, body: unknown): Promise<void>;
`,
      'src/paddle.ts': `import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
const app = new Hono();
const SIGNATURE_HEADER = 'x-acme-signature';
function valid(raw: string, sig: string): boolean {
  const mac = createHmac('sha256', process.env.ACME_SECRET!).update(raw).digest();
  return timingSafeEqual(mac, Buffer.from(sig, 'hex'));
}
app.post('/webhooks/acme', async (c) => {
  const raw = await c.req.text();
  if (!valid(raw, c.req.header(SIGNATURE_HEADER) ?? '')) return c.text('bad', 401);
  await handle(JSON.parse(raw));
  return c.json({ ok: true });
});
declare function handle(body: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.framework} ${h.kind}`)).toEqual([
      'svix-webhook express-route',
      'github-webhook express-route',
      'webhook hono-route',
      'shopify-webhook fastify-route',
    ]);
    const [svix, github, hmac, shopify] = hs.map((h) => h.delivery);
    expect(svix).toMatchObject({ redeliversOnThrow: true });
    expect(svix!.idFields).toEqual(expect.arrayContaining(['svix-id', 'webhook-id']));
    expect(github).toMatchObject({ redeliversOnThrow: false });
    expect(github!.idFields).toContain('x-github-delivery');
    expect(hmac).toMatchObject({ acksOnReturn: true, redeliversOnThrow: false });
    expect(shopify).toMatchObject({ acksOnReturn: true, ackMethods: ['code', 'status', 'send'] });
  });

  it('covers fastify.route, Next.js App and Pages Router files, and NestJS @Post with @Headers', () => {
    const hs = handlersOf({
      'src/fastify-route.ts': `import Fastify from 'fastify';
import Stripe from 'stripe';
const stripe = new Stripe('sk');
const app = Fastify();
app.route({
  method: 'POST',
  url: '/stripe',
  handler: async (request: any, reply: any) => {
    const event = stripe.webhooks.constructEvent(request.rawBody, request.headers['stripe-signature'], 'whsec');
    await handle(event);
    return reply.send({ ok: true });
  },
});
app.route({ method: 'GET', url: '/stripe', handler: async () => ({ ok: true }) });
app.post('/github', { preHandler: checkGithub, handler: async (request: any) => { await handle(request.body); return { ok: true }; } });
function checkGithub(request: any, reply: any, done: () => void) {
  if (!request.headers['x-hub-signature-256']) return reply.code(401).send();
  done();
}
declare function handle(e: unknown): Promise<void>;
`,
      'app/api/webhooks/stripe/route.ts': `import Stripe from 'stripe';
import { headers } from 'next/headers';
const stripe = new Stripe('sk');
export async function POST(req: Request) {
  const event = await stripe.webhooks.constructEventAsync(await req.text(), (await headers()).get('stripe-signature')!, 'whsec');
  await handle(event);
  return new Response(null, { status: 200 });
}
export async function GET() { return new Response('ok'); }
declare function handle(e: unknown): Promise<void>;
`,
      'pages/api/github.ts': `import type { NextApiRequest, NextApiResponse } from 'next';
export const config = { api: { bodyParser: false } };
export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const id = req.headers['x-github-delivery'];
  await handle(id);
  res.status(200).end();
}
declare function handle(e: unknown): Promise<void>;
`,
      'src/stripe.controller.ts': `import { Controller, Headers, Post, Req, type RawBodyRequest } from '@nestjs/common';
import Stripe from 'stripe';
@Controller('webhooks')
export class StripeController {
  private readonly stripe = new Stripe('sk');
  @Post('stripe')
  async receive(@Req() req: RawBodyRequest<any>, @Headers('stripe-signature') sig: string) {
    const event = this.stripe.webhooks.constructEvent(req.rawBody!, sig, 'whsec');
    await handle(event);
  }
  @Post('refund')
  async refund(@Req() req: any) { await handle(req.body); }
}
declare function handle(e: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.framework} ${h.kind} ${h.name}`)).toEqual([
      'stripe-webhook next-app-route POST',
      'github-webhook next-pages-api handler',
      'stripe-webhook fastify-route handler',
      'github-webhook fastify-route handler',
      'stripe-webhook nest-post receive',
    ]);
    expect(hs[4]!.delivery).toMatchObject({ params: [0, 1], acksOnReturn: true });
  });

  it('takes another sender SDK verifying in middleware as evidence, not a project auth check', () => {
    expect(
      summary({
        'src/routes.ts': `import express from 'express';
import { verifyWebhookSignature } from '@hookdeck/sdk/webhooks/helpers';
import { Paddle } from '@paddle/paddle-node-sdk';
import { verifyToken } from './auth';
const router = express.Router();
const paddle = new Paddle('key');
async function verifyHookdeck(req: any, res: any, next: any) {
  const result = await verifyWebhookSignature({ headers: req.headers, rawBody: req.rawBody, signingSecret: 's' });
  if (!result.isValidSignature) return res.sendStatus(401);
  next();
}
router.post('/hooks/relay', verifyHookdeck, (req, res) => { console.log(req.body); res.send('ok'); });
router.post('/hooks/paddle', async (req, res) => {
  const event = await paddle.webhooks.unmarshal(req.body, 'secret', req.get('paddle-signature') ?? '');
  await handle(event);
  res.sendStatus(200);
});
router.post('/api/orders', async (req, res) => {
  verifyToken(req.get('authorization'));
  await handle(req.body);
  res.sendStatus(201);
});
declare function handle(x: unknown): Promise<void>;
`,
        'src/auth.ts': `export function verifyToken(t: string | undefined) { if (!t) throw new Error('unauthorized'); }\n`,
      }),
    ).toEqual(['webhook express-route POST /hooks/relay', 'webhook express-route POST /hooks/paddle']);
  });

  it('takes a NestJS guard that checks the signature as evidence; @Res() means the reply is the ack', () => {
    const files = {
      'src/github.guard.ts': `import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
@Injectable()
export class GithubSignatureGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest();
    const sig = Buffer.from(req.headers['x-hub-signature-256'] ?? '');
    const mac = Buffer.from('sha256=' + createHmac('sha256', 's').update(req.rawBody).digest('hex'));
    return sig.length === mac.length && timingSafeEqual(sig, mac);
  }
}
`,
      'src/github.controller.ts': `import { Body, Controller, Post, Res, UseGuards } from '@nestjs/common';
import { GithubSignatureGuard } from './github.guard';
@Controller('webhooks')
@UseGuards(GithubSignatureGuard)
export class GithubController {
  @Post('github')
  async receive(@Body() body: unknown) { await handle(body); }

  @Post('github/manual')
  async manual(@Body() body: unknown, @Res() res: any) { await handle(body); res.status(204).send(); }
}
declare function handle(e: unknown): Promise<void>;
`,
    };
    const hs = handlersOf(files);
    expect(hs.map((h) => `${h.framework} ${h.kind} ${h.name} ${h.delivery.acksOnReturn}`)).toEqual([
      'github-webhook nest-post receive true',
      'github-webhook nest-post manual false',
    ]);
  });

  it('counts @octokit/webhooks listeners and Probot app.on, not onError', () => {
    const hs = handlersOf({
      'src/octokit.ts': `import { Webhooks, createNodeMiddleware } from '@octokit/webhooks';
const webhooks = new Webhooks({ secret: process.env.GH_SECRET! });
webhooks.on('issues.opened', async ({ id, payload }) => { await track(id, payload); });
webhooks.onAny(async ({ id, name }) => { await track(id, name); });
webhooks.onError((error) => { console.error(error); });
export const middleware = createNodeMiddleware(webhooks);
declare function track(id: string, x: unknown): Promise<void>;
`,
      'src/probot.ts': `import type { Probot } from 'probot';
export default (app: Probot) => {
  app.on(['pull_request.opened', 'pull_request.reopened'], async (context) => { await track(context.id, context.payload); });
};
declare function track(id: string, x: unknown): Promise<void>;
`,
    });
    expect(hs.map((h) => `${h.framework} ${h.kind}`)).toEqual(['github-webhook webhooks.on', 'github-webhook webhooks.onAny', 'github-webhook probot on']);
    expect(hs[0]!.delivery).toMatchObject({ idFields: ['id', 'x-github-delivery'], acksOnReturn: true, redeliversOnThrow: false });
  });

  it('ignores ordinary routes that write, POST to other services or swallow errors, and outgoing signed webhooks', () => {
    expect(
      summary({
        'src/admin.ts': `import express from 'express';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
const pool = new Pool();
export const admin = express.Router();
admin.post('/admin/customers/import', async (req, res) => {
  try { await pool.query('INSERT INTO customers (id) VALUES ($1)', [randomUUID()]); } catch (err) { console.warn(err); }
  pool.query('INSERT INTO audit (id) VALUES ($1)', [randomUUID()]).catch(() => {});
  res.json({ ok: true });
});
`,
        'src/leads.ts': `import Fastify from 'fastify';
const app = Fastify();
app.post('/api/leads', async (request, reply) => {
  fetch(process.env.SLACK_WEBHOOK_URL!, { method: 'POST', body: JSON.stringify(request.body) });
  try { await save(request.body); } catch {}
  return reply.code(201).send({});
});
declare function save(x: unknown): Promise<void>;
`,
        'src/dispatch.ts': `import express from 'express';
import { createHmac } from 'node:crypto';
const app = express();
// Sends webhooks to customers: signs outgoing requests, reads no incoming signature.
app.post('/internal/dispatch', async (req, res) => {
  const body = JSON.stringify(req.body);
  const sig = createHmac('sha256', 'k').update(body).digest('hex');
  await fetch(req.body.url, { method: 'POST', body, headers: { 'X-Hub-Signature-256': sig, 'webhook-id': req.body.id } });
  res.sendStatus(202);
});
`,
        'src/api-key.ts': `import express from 'express';
import { timingSafeEqual } from 'node:crypto';
const app = express();
app.post('/api/jobs', async (req, res) => {
  const key = Buffer.from(req.get('x-api-key') ?? '');
  if (!timingSafeEqual(key, Buffer.from(process.env.API_KEY!))) return res.sendStatus(401);
  await enqueue(req.body);
  res.sendStatus(202);
});
declare function enqueue(x: unknown): Promise<void>;
`,
        'src/client.ts': `import axios from 'axios';
export const send = (x: unknown) => axios.post('https://example.com/hooks', x, { headers: { 'stripe-signature': 'x' } });
`,
      }),
    ).toEqual([]);
  });
});
