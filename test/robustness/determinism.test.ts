// Output is byte-identical for the same input: audited twice, in one process or two, with the
// files named in any order, with the folder listed in any order, and under any locale.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { auditTree, kafkaConsumer, cleanupTrees, prng, renderAll, runBuiltCli, tree } from './support.js';

// Folder listings come back in an order the test chooses (the file system promises none): the
// built-in fs is patched for the duration of one test and its ES module exports re-synced.
const listing = { shuffled: 0 };
async function withShuffledListings<T>(rnd: () => number, fn: () => Promise<T>): Promise<T> {
  const orig = fs.readdirSync;
  fs.readdirSync = ((...args: Parameters<typeof orig>) => {
    const entries = [...(orig as (...a: unknown[]) => unknown[])(...args)];
    listing.shuffled++;
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [entries[i], entries[j]] = [entries[j], entries[i]];
    }
    return entries;
  }) as typeof orig;
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    fs.readdirSync = orig;
    syncBuiltinESMExports();
  }
}

afterAll(cleanupTrees);

/** A tree with findings from the real rules, notes, odd names and files in several folders. */
function sampleTree(): string {
  const paymentHandler = (name: string) => `import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
const pool = new Pool();
const consumer = new Kafka({ clientId: 'billing', brokers: ['kafka:9092'] }).consumer({ groupId: 'billing' });

export async function ${name}({ message }: { message: { value: Buffer | null; offset: string } }) {
  const event = JSON.parse(String(message.value));
  await pool.query('INSERT INTO payments (order_id, amount) VALUES ($1, $2)', [event.orderId, event.amount]);
  await pool.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [event.amount, event.accountId]);
  fetch('https://ledger.internal/entries', { method: 'POST', body: JSON.stringify(event) });
  try {
    await pool.query('UPDATE orders SET status = $1 WHERE id = $2', ['paid', event.orderId]);
  } catch (err) {
    console.log(err);
  }
}

export async function start() {
  await consumer.run({ eachMessage: ${name} });
}
`;
  return tree({
    'package.json': '{ "name": "sample", "type": "module" }',
    'src/billing/payments.ts': paymentHandler('handlePayment'),
    'src/billing/refunds.ts': paymentHandler('handleRefund'),
    'src/Billing/Upper.ts': paymentHandler('handleUpper'),
    'src/ä/umlaut.ts': paymentHandler('handleUmlaut'),
    'src/b/plain.ts': paymentHandler('handlePlain'),
    'src/orders/consumer.ts': kafkaConsumer('handleOrder'),
    'src/orders/same-name.ts': kafkaConsumer('handleOrder'),
    'src/ä/broken.ts': `${kafkaConsumer('handleBrokenA')}\nexport function half( {\n`,
    'src/b/broken.ts': `${kafkaConsumer('handleBrokenB')}\nexport function half( {\n`,
    'src/z/blob.ts': Buffer.from([0x00, 0x01, 0x02]),
    'src/util/a.ts': 'export const a = 1;\n',
    'src/util/B.ts': 'export const b = 2;\n',
  });
}

const FORMATS = [['--format', 'text'], ['--format', 'json'], ['--format', 'sarif'], ['--list-handlers'], ['--list-handlers', '--format', 'json']];

async function outputs(dir: string, paths: string[], extra: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const f of FORMATS) {
    const r = await runCli([...f, ...extra, ...paths], dir);
    out.push(`${r.code}\n${r.stdout}\n--stderr--\n${r.stderr}`);
  }
  return out;
}

describe('deterministic output', () => {
  const dir = sampleTree();

  it('the sample tree gives findings, handlers and notes to compare', async () => {
    const r = await runCli(['--format', 'json', 'src'], dir);
    const doc = JSON.parse(r.stdout);
    expect(doc.handlers.length).toBeGreaterThanOrEqual(9);
    expect(doc.findings.length).toBeGreaterThan(5);
    expect(doc.notifications.length).toBeGreaterThanOrEqual(3);
  });

  it('is byte-identical when the same tree is audited twice in one process', async () => {
    const first = await outputs(dir, ['src']);
    const second = await outputs(dir, ['src']);
    expect(second).toEqual(first);
  });

  it('is byte-identical in a fresh process, and whatever the locale', () => {
    const runs = ['C.UTF-8', 'en_US.UTF-8', 'sv_SE.UTF-8'].map((locale) =>
      FORMATS.slice(0, 3).map((f) => {
        const r = runBuiltCli([...f, 'src'], dir, { env: { LC_ALL: locale, LANG: locale } });
        return `${r.code}\n${r.stdout}\n--stderr--\n${r.stderr}`;
      }),
    );
    for (const r of runs.slice(1)) expect(r).toEqual(runs[0]);
  });

  it('is byte-identical however the folder and the paths are written', async () => {
    const first = await outputs(dir, ['src']);
    expect(await outputs(dir, ['./src/'])).toEqual(first);
    expect(await outputs(dir, [`${dir}/src`])).toEqual(first);
    expect(await outputs(dir, ['src', 'src/billing'])).toEqual(first);
  });

  it('is byte-identical with the files named in any order', async () => {
    const files = ['src/billing/payments.ts', 'src/billing/refunds.ts', 'src/Billing/Upper.ts', 'src/ä/umlaut.ts', 'src/b/plain.ts', 'src/orders/consumer.ts', 'src/orders/same-name.ts', 'src/ä/broken.ts', 'src/b/broken.ts', 'src/z/blob.ts'];
    const first = await outputs(dir, files);
    const rnd = prng(7);
    for (let k = 0; k < 3; k++) {
      const order = [...files];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      expect(await outputs(dir, order), order.join(' ')).toEqual(first);
    }
    expect(await outputs(dir, [...files].reverse())).toEqual(first);
  });

  it('renders the same for a library caller that hands over the files in any order', () => {
    const sorted = auditTree(dir, { paths: ['src'] });
    const files = [...sorted.files];
    const first = renderAll(sorted, dir);
    const rnd = prng(11);
    for (let k = 0; k < 3; k++) {
      const order = [...files];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const r = auditTree(dir, { paths: ['src'], selection: { files: order, notifications: [], explicitFiles: false } });
      expect(renderAll(r, dir)).toEqual(first);
    }
  });

  it('is byte-identical whatever order the file system lists folders in', async () => {
    const first = await outputs(dir, ['src']);
    for (const seed of [1, 2, 3]) {
      listing.shuffled = 0;
      const shuffled = await withShuffledListings(prng(seed), () => outputs(dir, ['src']));
      expect(listing.shuffled, 'the patched listing was used').toBeGreaterThan(10);
      expect(shuffled, `seed ${seed}`).toEqual(first);
    }
  });
});
