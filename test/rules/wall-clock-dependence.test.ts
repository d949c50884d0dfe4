import { describe, expect, it } from 'vitest';
import { auditSources, findingsOf } from '../helpers/audit.js';

const config = { handlers: [{ call: 'onEvent' }] };
const PG = `import { Pool } from 'pg';\nconst pool = new Pool();\ndeclare const metrics: any;\ndeclare const logger: any;`;
const run = (body: string) =>
  findingsOf(auditSources({ 'src/h.ts': `${PG}\ndeclare function onEvent(fn: (evt: any) => Promise<void>): void;\nonEvent(async (evt) => {\n${body}\n});\n` }, { config }), 'wall-clock-dependence');

describe('wall-clock-dependence', () => {
  it('reports an expiry decided with Date.now()', () => {
    const f = run(`if (Date.now() > Date.parse(evt.endsAt)) return;\nawait pool.query('INSERT INTO r VALUES ($1)', [evt.id]);`);
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain('Date.now()');
    expect(f[0]!.message).toMatch(/replayed or late delivery decides differently/);
  });

  it('follows a weekday taken from new Date() through variables to a comparison', () => {
    expect(run(`const day = new Date().getDay();\nconst multiplier = day === 0 || day === 6 ? 2 : 1;\nawait pool.query('INSERT INTO p VALUES ($1)', [evt.points * multiplier]);`)).toHaveLength(1);
  });

  it('reports a grace period counted from now and stored, and a date moved with setDate', () => {
    expect(run(`const graceEndsAt = new Date(Date.now() + 7 * 86400000);\nawait pool.query('UPDATE a SET grace_ends_at = $2 WHERE id = $1', [evt.accountId, graceEndsAt]);`)).toHaveLength(1);
    expect(run(`const due = new Date();\ndue.setUTCDate(due.getUTCDate() + 5);\nawait pool.query('INSERT INTO p (due) VALUES ($1)', [due.toISOString()]);`)).toHaveLength(1);
  });

  it('follows now through a project function that computes a date from it', () => {
    const helper = `function addWorkingDays(from: Date, days: number): Date { const d = new Date(from.getTime()); d.setUTCDate(d.getUTCDate() + days); return d; }\n`;
    const f = run(`${helper}const dispatchBy = addWorkingDays(new Date(), 2);\nawait pool.query('UPDATE o SET dispatch_by = $2 WHERE id = $1', [evt.orderId, dispatchBy]);`);
    expect(f).toHaveLength(1);
    // The same helper fed the event's own time is not a wall-clock decision.
    expect(run(`${helper}const dispatchBy = addWorkingDays(new Date(evt.paidAt), 2);\nawait pool.query('UPDATE o SET dispatch_by = $2 WHERE id = $1', [evt.orderId, dispatchBy]);`)).toHaveLength(0);
  });

  it('reports a branch decided by Math.random()', () => {
    expect(run(`if (Math.random() < 0.1) await pool.query('INSERT INTO lottery VALUES ($1)', [evt.id]);`)).toHaveLength(1);
  });

  it('is cleared by using the event time', () => {
    expect(run(`if (Date.parse(evt.occurredAt) > Date.parse(evt.endsAt)) return;\nconst due = new Date(evt.occurredAt);`)).toHaveLength(0);
  });

  it('does not report stamps, logs, metrics, elapsed time, timers or ids', () => {
    expect(run(`await pool.query('UPDATE o SET status = $2, updated_at = $3 WHERE id = $1', [evt.id, evt.status, new Date()]);`)).toHaveLength(0);
    expect(run(`await pool.query('INSERT INTO o (id, processed_at) VALUES ($1, $2)', [evt.id, { processedAt: new Date().toISOString() }]);`)).toHaveLength(0);
    expect(run(`metrics.timing('lag_ms', Date.now() - Number(evt.timestamp));`)).toHaveLength(0);
    expect(run(`logger.info({ at: new Date().toISOString() }, 'handled');`)).toHaveLength(0);
    expect(run(`const started = Date.now();\nawait pool.query('SELECT 1');\nif (Date.now() - started > 1000) logger.warn('slow');`)).toHaveLength(0);
    expect(run(`await new Promise((r) => setTimeout(r, 1000 * (1 + Math.random())));`)).toHaveLength(0);
    expect(run(`const id = Math.random().toString(36).slice(2);\nawait pool.query('INSERT INTO t VALUES ($1)', [id]);`)).toHaveLength(0);
    expect(run(`if (Math.random() < 0.01) logger.debug('sampled', evt);`)).toHaveLength(0);
  });

  it('does not report a retention expiry counted from now (now + ttl), but does report a business deadline', () => {
    expect(run(`const expiresAt = new Date(Date.now() + evt.cacheTtlMinutes * 60_000);\nawait pool.query('UPDATE memo SET data = $1, expires_at = $2 WHERE k = $3', [evt.data, expiresAt, evt.key]);`)).toHaveLength(0);
    expect(run(`const MEMORY_TTL_MS = 3_600_000;\nconst memo = { data: evt.data, expiresAt: new Date(Date.now() + MEMORY_TTL_MS) };\nawait pool.query('INSERT INTO memo VALUES ($1)', [memo]);`)).toHaveLength(0);
    expect(run(`const GRACE_MS = 7 * 86_400_000;\nconst account = { id: evt.accountId, graceEndsAt: new Date(Date.now() + GRACE_MS) };\nawait pool.query('INSERT INTO grace VALUES ($1)', [account]);`)).toHaveLength(1);
  });

  it('does not report the wall clock as a fallback when the event carries no time', () => {
    expect(run(`const at = evt.occurredAt ? new Date(evt.occurredAt) : new Date();\nif (at.getHours() > 20) await pool.query('INSERT INTO n VALUES ($1)', [evt.id]);`)).toHaveLength(0);
    expect(run(`const at = evt.occurredAt ?? Date.now();\nawait pool.query('INSERT INTO n VALUES ($1, $2)', [evt.id, at]);`)).toHaveLength(0);
  });

  it("names the trigger's own time in the hint: EventBridge `time`, SQS `SentTimestamp`", () => {
    const lambda = (imports: string, param: string, body: string) =>
      findingsOf(
        auditSources({ 'src/fn.ts': `import type { ${imports} } from 'aws-lambda';\n${PG}\nexport const handler = async (event: ${param}) => {\n${body}\n};\n` }),
        'wall-clock-dependence',
      );
    const eb = lambda('EventBridgeEvent', "EventBridgeEvent<'trial.ended', { accountId: string; endsAt: string }>", `if (Date.now() > Date.parse(event.detail.endsAt)) await pool.query('INSERT INTO r VALUES ($1)', [event.detail.accountId]);`);
    expect(eb).toHaveLength(1);
    expect(eb[0]!.message).toContain('`time`');
    expect(eb[0]!.message).not.toMatch(/SentTimestamp|ApproximateFirstReceiveTimestamp/);
    const sqs = lambda('SQSEvent', 'SQSEvent', `for (const r of event.Records) {\n  if (Date.now() > Date.parse(JSON.parse(r.body).endsAt)) await pool.query('INSERT INTO r VALUES ($1)', [r.messageId]);\n}`);
    expect(sqs).toHaveLength(1);
    expect(sqs[0]!.message).toContain('`SentTimestamp`');
  });
});
