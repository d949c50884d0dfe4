// The published package works: `npm pack`, install the tarball into an empty project, and
// `npx event-audit ./src` runs there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');

describe('npm pack', () => {
  it('installs into an empty project and audits ./src with npx', () => {
    const work = mkdtempSync(join(tmpdir(), 'ea-pack-'));
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: repo, encoding: 'utf8' }).trim().split('\n').pop()!;
    const tarball = join(work, packed);
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    expect(listing).toContain('package/dist/src/cli.js');
    expect(listing).toContain('package/rules/no-dedup.md');
    expect(listing).toContain('package/schema/config.schema.json');
    expect(listing).not.toContain('package/src/');
    expect(listing).not.toContain('package/test/');

    const app = join(work, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
    writeFileSync(
      join(app, 'src/consumer.ts'),
      "import { Kafka } from 'kafkajs';\nconst c = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\nc.run({ eachMessage: async ({ message }) => { console.log(message.offset); } });\n",
    );
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, stdio: 'pipe' });
    expect(readdirSync(join(app, 'node_modules/.bin'))).toContain('event-audit');
    const r = spawnSync('npx', ['--no-install', 'event-audit', './src', '--list-handlers'], { cwd: app, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('src/consumer.ts:3');
    const audit = spawnSync('npx', ['--no-install', 'event-audit', './src'], { cwd: app, encoding: 'utf8' });
    expect(audit.status, audit.stderr).not.toBe(2);
  }, 180_000);
});
