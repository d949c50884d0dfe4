import { describe, expect, it } from 'vitest';
import { auditSources } from '../helpers/audit.js';

const handlersOf = (files: Record<string, string>) => auditSources(files).handlers.filter((h) => h.framework === 'medusa');

describe('medusa adapter', () => {
  it('finds a subscriber: a default-exported function beside a config with an event', () => {
    const hs = handlersOf({
      'src/subscribers/order-placed.ts': `import type { SubscriberArgs, SubscriberConfig } from '@medusajs/framework';
export default async function orderPlacedHandler({ event: { data }, container }: SubscriberArgs<{ id: string }>) {
  const notifications = container.resolve('notification');
  await notifications.createNotifications({ to: data.id, channel: 'email', template: 'order-placed' });
}
export const config: SubscriberConfig = { event: 'order.placed' };
`,
      'src/subscribers/product.ts': `const handler = async ({ event }: { event: { data: { id: string } } }) => { console.log(event.data.id); };
export default handler;
export const config = { event: ['product.created', 'product.updated'] };
`,
    });
    expect(hs.map((h) => h.name).sort()).toEqual(['handler', 'orderPlacedHandler']);
    expect(hs[0]!.delivery).toMatchObject({ params: [0], acksOnReturn: true, ordered: false });
  });

  it('reports no handler for other modules exporting a config', () => {
    const result = auditSources({
      'src/lib/analytics.ts': `export default function track(name: string) { return name; }
export const config = { event: 'page_view', sampleRate: 0.1 };
`,
      'src/api/route.ts': `import type { MedusaRequest, MedusaResponse } from '@medusajs/framework/http';
export const config = { runtime: 'node' };
export default async function GET(req: MedusaRequest, res: MedusaResponse) { res.json({}); }
`,
    });
    expect(result.handlers).toHaveLength(0);
  });
});
