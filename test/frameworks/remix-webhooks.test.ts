import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const BILLING_HANDLER = `import Stripe from 'stripe';
const stripe = new Stripe(process.env.STRIPE_KEY!);
export const handleBillingWebhook = async (req: Request): Promise<Response> => {
  const signature = req.headers.get('stripe-signature') ?? '';
  const event = stripe.webhooks.constructEvent(await req.text(), signature, process.env.STRIPE_WEBHOOK_SECRET!);
  if (event.type === 'invoice.paid') await markPaid((event.data.object as { id: string }).id);
  return Response.json({ received: true });
};
declare function markPaid(id: string): Promise<void>;
`;

describe('Remix / React Router route modules', () => {
  it('counts a route action that verifies a Stripe signature through a helper in another package', () => {
    const { handlers } = auditSources({
      'packages/billing/package.json': JSON.stringify({ name: '@acme/billing', main: 'src/index.ts' }),
      'packages/billing/src/webhook.ts': BILLING_HANDLER,
      'apps/web/app/routes/api.billing.webhook.ts': `import { handleBillingWebhook } from '@acme/billing/webhook';
import type { ActionFunctionArgs } from 'react-router';
export async function action({ request }: ActionFunctionArgs) {
  return handleBillingWebhook(request);
}
`,
    });
    expect(handlers.map((h) => `${h.framework} ${h.kind} ${h.name}`)).toEqual(['stripe-webhook remix-action action']);
    expect(handlers[0]!.delivery.acksOnReturn).toBe(true);
  });

  it('does not count form actions, loaders, or an action outside app/routes', () => {
    const { handlers } = auditSources({
      'app/routes/settings.profile.tsx': `import { redirect } from 'react-router';
export async function action({ request }: { request: Request }) {
  const form = await request.formData();
  await saveProfile(String(form.get('name')));
  return redirect('/settings');
}
export async function loader() { return { webhookUrl: '/api/stripe/webhook' }; }
declare function saveProfile(name: string): Promise<void>;
`,
      'src/lib/webhook.ts': BILLING_HANDLER.replace('export const handleBillingWebhook', 'export const action'),
    });
    expect(handlers).toEqual([]);
  });
});
