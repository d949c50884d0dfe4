// What makes an HTTP route a webhook handler (frameworks.md §11): it verifies a sender's
// signature or reads a sender's delivery headers. Ordinary routes, however they write, are not
// handlers. The evidence may sit in the route, in middleware of the same registration, or one
// level down in a project function the route calls.
import { ts, accessChain, calleeName, decoratorsOf, unwrapExpression, type FunctionNode } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { walkOwn } from '../analysis/reach.js';

/** `generic`: a signature verified by hand (HMAC + timing-safe compare) or by a webhook SDK of another sender. */
export type Sender = 'stripe' | 'svix' | 'github' | 'shopify' | 'slack' | 'twilio' | 'generic';

/** Most specific first: a route that calls constructEvent and reads stripe-signature is Stripe's. */
const PRIORITY: Sender[] = ['stripe', 'svix', 'github', 'shopify', 'slack', 'twilio', 'generic'];

/** Request headers only a webhook sender sets (lower case). */
const SENDER_HEADERS: Record<string, Sender> = {
  'stripe-signature': 'stripe',
  'svix-id': 'svix',
  'svix-signature': 'svix',
  'svix-timestamp': 'svix',
  'webhook-id': 'svix',
  'webhook-signature': 'svix',
  'webhook-timestamp': 'svix',
  'x-hub-signature-256': 'github',
  'x-hub-signature': 'github',
  'x-github-delivery': 'github',
  'x-github-event': 'github',
  'x-github-hook-id': 'github',
  'x-shopify-hmac-sha256': 'shopify',
  'x-shopify-webhook-id': 'shopify',
  'x-shopify-topic': 'shopify',
  'x-slack-signature': 'slack',
  'x-slack-request-timestamp': 'slack',
  'x-slack-retry-num': 'slack',
  'x-twilio-signature': 'twilio',
  'paypal-transmission-id': 'generic',
  'paypal-transmission-sig': 'generic',
};

const SVIX_MODULES = /^(svix|standardwebhooks|@clerk\/)/;
const OCTOKIT_MODULES = /^(@octokit\/(webhooks|webhooks-methods|app)|octokit|probot)$/;
const TWILIO_VALIDATORS = new Set(['validateRequest', 'validateExpressRequest', 'validateRequestWithBody']);

export interface Evidence {
  sender: Sender;
  /** Calls in the scanned functions whose value is the verified event (constructEvent, verify, or the call leading to one). */
  values: ts.Node[];
}

interface Signals {
  senders: Set<Sender>;
  values: ts.Node[];
  hmac: boolean;
  compare: boolean;
  signatureHeader: boolean;
}

const cache = new WeakMap<ts.Node, Signals>();

/**
 * The webhook evidence of a route: the signals of `fns` (route handler and middleware) and of
 * the project functions they call directly. Undefined when the route shows none.
 */
export function webhookEvidence(project: Project, fns: readonly FunctionNode[], extra: readonly ts.Node[] = []): Evidence | undefined {
  const total: Signals = { senders: new Set(), values: [], hmac: false, compare: false, signatureHeader: false };
  const merge = (s: Signals, valueAt?: ts.Node) => {
    for (const x of s.senders) total.senders.add(x);
    if (s.values.length) total.values.push(valueAt ?? s.values[0]!);
    total.hmac ||= s.hmac;
    total.compare ||= s.compare;
    total.signatureHeader ||= s.signatureHeader;
  };
  for (const node of extra) merge(nodeSignals(project, node));
  for (const fn of fns) {
    merge(functionSignals(project, fn));
    for (const p of fn.parameters) for (const d of decoratorsOf(p)) merge(nodeSignals(project, d));
    // One level down: `const event = verifyStripeEvent(req)` in the route, constructEvent in the helper.
    walkOwn(fn, (n) => {
      if (!ts.isCallExpression(n)) return;
      let targets: ReturnType<Project['resolveFunctions']> = [];
      try {
        targets = project.resolveFunctions(n.expression);
      } catch {
        return;
      }
      for (const t of targets) if (t.kind === 'function' && t.fn !== fn) merge(functionSignals(project, t.fn), n);
    });
  }
  const sender = PRIORITY.find((s) => total.senders.has(s)) ?? (total.hmac && total.compare && total.signatureHeader ? 'generic' : undefined);
  return sender ? { sender, values: [...new Set(total.values)] } : undefined;
}

function functionSignals(project: Project, fn: FunctionNode): Signals {
  const hit = cache.get(fn);
  if (hit) return hit;
  const s = scan(project, fn, (visit) => walkOwn(fn, visit));
  cache.set(fn, s);
  return s;
}

function nodeSignals(project: Project, node: ts.Node): Signals {
  return scan(project, node, (visit) => {
    visit(node);
    node.forEachChild(function rec(c): void {
      visit(c);
      c.forEachChild(rec);
    });
  });
}

function scan(project: Project, at: ts.Node, each: (visit: (n: ts.Node) => void) => void): Signals {
  const s: Signals = { senders: new Set(), values: [], hmac: false, compare: false, signatureHeader: false };
  const imports = [...project.imports(at.getSourceFile().fileName).values()].map((i) => i.module);
  const imported = (re: RegExp) => imports.some((m) => re.test(m));
  each((n) => {
    if (ts.isCallExpression(n)) {
      const name = calleeName(n);
      const chain = accessChain(n.expression) ?? '';
      if (/(^|\.)webhooks\.constructEvent(Async)?$/.test(chain)) {
        s.senders.add('stripe');
        s.values.push(n);
      } else if (name === 'verify' && n.arguments.length >= 2 && imported(SVIX_MODULES)) {
        s.senders.add('svix');
        s.values.push(n);
      } else if (name === 'verifyWebhook' && imported(/^@clerk\//)) {
        s.senders.add('svix');
        s.values.push(n);
      } else if (name === 'verify' && n.arguments.length >= 2 && imported(OCTOKIT_MODULES)) {
        s.senders.add('github');
      } else if (/(^|\.)webhooks\.validate$/.test(chain) && imported(/^@shopify\//)) {
        s.senders.add('shopify');
      } else if (name && TWILIO_VALIDATORS.has(name) && imported(/^twilio$/)) {
        s.senders.add('twilio');
      } else if (/(^|\.)webhooks?\.(verify\w*|validate\w*|unmarshal|construct\w*)$/i.test(chain) || importedVerifier(project, n)) {
        // Another sender's SDK: paddle.webhooks.unmarshal, resend.webhooks.verify, verifyWebhookSignature from a *webhook* package.
        s.senders.add('generic');
        s.values.push(n);
      } else if (name === 'createHmac') {
        s.hmac = true;
      } else if (name === 'timingSafeEqual') {
        s.compare = true;
      } else if (name === 'verify' && /(^|\.)subtle$/.test(chain.replace(/\.verify$/, ''))) {
        s.hmac = s.compare = true;
      }
    }
    const header = headerRead(project, n);
    if (header) {
      const sender = SENDER_HEADERS[header];
      if (sender) s.senders.add(sender);
      if (/signature|hmac/.test(header)) s.signatureHeader = true;
    }
  });
  return s;
}

/** `verifyWebhookSignature(...)` / `verify(...)` imported from a package whose name says webhook. */
function importedVerifier(project: Project, call: ts.CallExpression): boolean {
  const callee = unwrapExpression(call.expression);
  if (!ts.isIdentifier(callee) || !/^(verify|validate)/i.test(callee.text)) return false;
  const imp = project.imports(call.getSourceFile().fileName).get(callee.text);
  return !!imp && !imp.module.startsWith('.') && /webhook/i.test(imp.module);
}

const HEADER_GETTERS = new Set(['get', 'header', 'getHeader', 'Headers']);

/** The lower-case header name `n` reads from a request, if it is a header read. */
function headerRead(project: Project, n: ts.Node): string | undefined {
  // req.headers['stripe-signature'] (not an assignment target)
  if (ts.isElementAccessExpression(n)) {
    const recv = accessChain(n.expression) ?? '';
    if (!/(^|\.)headers(\(\))?$/i.test(recv)) return undefined;
    const p = n.parent;
    if (p && ts.isBinaryExpression(p) && p.left === n && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) return undefined;
    return constantText(project, n.argumentExpression);
  }
  // req.get('x'), req.header('x'), request.headers.get('x'), (await headers()).get('x'), @Headers('x')
  if (ts.isCallExpression(n) && n.arguments.length === 1 && HEADER_GETTERS.has(calleeName(n) ?? '')) {
    return constantText(project, n.arguments[0]!);
  }
  // const { 'x-hub-signature-256': signature } = req.headers
  if (ts.isBindingElement(n) && n.propertyName && ts.isStringLiteral(n.propertyName)) {
    const decl = n.parent?.parent;
    const init = decl && ts.isVariableDeclaration(decl) ? decl.initializer : undefined;
    if (init && /(^|\.)headers$/i.test(accessChain(init) ?? '')) return n.propertyName.text.toLowerCase();
  }
  return undefined;
}

/** A string literal, or a constant initialised with one. */
function constantText(project: Project, expr: ts.Expression): string | undefined {
  const e = unwrapExpression(expr);
  if (ts.isStringLiteralLike(e)) return e.text.toLowerCase();
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) {
      const init = unwrapExpression(b.decl.initializer);
      if (ts.isStringLiteralLike(init)) return init.text.toLowerCase();
    }
  }
  return undefined;
}

