import { readdirSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../rules/index.js';
import { RULE_IDS } from '../src/rule-ids.js';
import { writeProject } from './helpers/audit.js';
import { runCli } from './helpers/cli.js';

const CONSUMER = `import { Kafka } from 'kafkajs';
import { handle } from './service';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
consumer.run({ eachMessage: async ({ message }) => { await handle(message); } });
`;

describe('--cache', () => {
  it('reuses the report while no input changed, and re-audits when a reached file changes', async () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/service.ts': 'export async function handle(m: unknown) {}\n' });
    const loc = join(dir, '.cache-here');
    const args = ['src', '--format', 'json', '--cache', '--cache-location', loc];
    const cold = await runCli(args, dir);
    expect(cold.code).toBe(0);
    expect(readdirSync(loc).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const coldDoc = JSON.parse(cold.stdout);

    const warm = await runCli(args, dir);
    expect(JSON.parse(warm.stdout)).toEqual(coldDoc);

    // Same content, new mtime (a fresh checkout): still a hit, and same output.
    utimesSync(join(dir, 'src/service.ts'), new Date(2030, 1, 1), new Date(2030, 1, 1));
    expect(JSON.parse((await runCli(args, dir)).stdout)).toEqual(coldDoc);

    // A change in the callee's file invalidates the entry: the new handler appears.
    writeFileSync(join(dir, 'src/service.ts'), `export async function handle(m: unknown) {}\n${CONSUMER.replace("import { handle } from './service';\n", '')}`);
    const after = JSON.parse((await runCli(args, dir)).stdout);
    expect(after.handlers).toHaveLength(2);
  });

  it('keys the entry by the options that change the analysis', async () => {
    const dir = writeProject({ 'src/consumer.ts': CONSUMER, 'src/service.ts': 'export async function handle(m: unknown) {}\n' });
    const loc = join(dir, 'c');
    await runCli(['src', '--cache', '--cache-location', loc], dir);
    await runCli(['src', '--cache', '--cache-location', loc, '--rule', 'no-dedup=off'], dir);
    expect(readdirSync(loc)).toHaveLength(2);
  });
});

describe('rule ids', () => {
  it('the light list the CLI checks --rule against matches the rule modules', () => {
    expect([...RULE_IDS]).toEqual(RULES.map((r) => r.id));
  });
});
