import { describe, expect, it } from 'vitest';
import { auditSources } from './helpers/audit.js';

const chain = `import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
consumer.run({ eachMessage: async ({ message }) => { await a(message); } });
async function a(m: unknown) { await b(m); }
async function b(m: unknown) { await c(m); }
async function c(m: unknown) { await fetch('https://ledger.internal/entries', { method: 'POST', body: String(m) }); }
`;

describe('limits on call following', () => {
  it('says which handler was cut short and how to raise the limit, as a note that does not fail the run', () => {
    const r = auditSources({ 'src/c.ts': chain }, { config: { maxCallDepth: 1 } });
    const n = r.notifications.filter((x) => x.id === 'reach-truncated');
    expect(n).toHaveLength(1);
    expect(n[0]).toMatchObject({ level: 'note' });
    expect(n[0]!.message).toContain('maxCallDepth 1');
    expect(r.notifications.some((x) => x.level === 'error')).toBe(false);
  });

  it('gives no note when the whole chain fits', () => {
    const r = auditSources({ 'src/c.ts': chain });
    expect(r.notifications.filter((x) => x.id === 'reach-truncated')).toHaveLength(0);
  });
});
