// A broken or invalid configuration is one clear line on stderr naming the file (and the key),
// exit code 2, nothing on stdout and never a stack trace.
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { cleanupTrees, kafkaConsumer, runBuiltCli, tree } from './support.js';

afterAll(cleanupTrees);

interface Case {
  name: string;
  files: Record<string, string | Buffer>;
  args?: string[];
  /** Expected in the one line, after `event-audit: `. */
  says: RegExp;
  /** Run the built CLI in a child process (plain Node module loading, not the test runner's). */
  built?: boolean;
}

const SRC = { 'src/consumer.ts': kafkaConsumer() };

const CASES: Case[] = [
  { name: 'broken JSON', files: { '.event-auditrc.json': '{ "rules": { "no-dedup": "off", }' }, says: /cannot load config .*\.event-auditrc\.json: .*JSON at line 1 column \d+$/ },
  { name: 'broken JSON without extension', files: { '.event-auditrc': '{ "rules": ' }, says: /cannot load config .*\.event-auditrc: / },
  { name: 'broken YAML', files: { '.event-auditrc.yaml': 'rules:\n  no-dedup: [off\n  bad: : :\n' }, says: /cannot load config .*\.event-auditrc\.yaml: .*\(\d+:\d+\)$/ },
  { name: 'broken package.json', files: { 'package.json': '{ "name": "x", "event-audit": { "rules": 5 } ' }, says: /cannot load config .*package\.json: .*JSON at line/ },
  { name: 'a config that is not an object', files: { '.event-auditrc.json': '["no-dedup"]' }, says: /\.event-auditrc\.json: the configuration must be an object$/ },
  { name: 'a package.json key that is not an object', files: { 'package.json': '{ "name": "x", "event-audit": "strict" }' }, says: /package\.json: the configuration must be an object$/ },
  { name: 'an unknown key', files: { '.event-auditrc.json': '{ "rulez": {} }' }, says: /\.event-auditrc\.json: rulez: unknown key \(allowed: rules, ignore, handlers/ },
  { name: 'an unknown nested key', files: { '.event-auditrc.json': '{ "handlers": [{ "call": "bus.on", "handler": 1 }] }' }, says: /handlers\.0\.handler: unknown key \(allowed: call, arg/ },
  { name: 'an unknown rule id', files: { '.event-auditrc.json': '{ "rules": { "no-such-rule": "off" } }' }, says: /rules: "no-such-rule" is not a rule id \(rules: no-dedup, / },
  { name: 'a wrong rule level', files: { '.event-auditrc.yaml': 'rules:\n  no-dedup: fatal\n' }, says: /rules\.no-dedup: must be one of off, note, warning, error \(got "fatal"\)$/ },
  { name: 'a wrong type (string for number)', files: { '.event-auditrc.json': '{ "maxFileBytes": "2MB" }' }, says: /maxFileBytes: must be a whole number \(got "2MB"\)$/ },
  { name: 'a wrong type (string for list)', files: { '.event-auditrc.json': '{ "ignore": "dist" }' }, says: /ignore: must be an array \(got "dist"\)$/ },
  { name: 'a number out of range', files: { '.event-auditrc.json': '{ "maxCallDepth": 99 }' }, says: /maxCallDepth: must be <= 20$/ },
  { name: 'a fractional number', files: { '.event-auditrc.json': '{ "maxFunctionsPerHandler": 2.5 }' }, says: /maxFunctionsPerHandler: must be a whole number \(got 2\.5\)$/ },
  { name: 'a handler spec with two kinds', files: { '.event-auditrc.json': '{ "handlers": [{ "call": "a", "decorator": "b" }] }' }, says: /handlers\.0: give exactly one of call, decorator or type$/ },
  { name: '--config naming a missing file', files: {}, args: ['--config', 'nope.json'], says: /cannot read config file .*nope\.json: no such file$/ },
  { name: '--config naming a folder', files: {}, args: ['--config', 'src'], says: /cannot read config file .*src: it is a folder$/ },
  { name: '--config naming an empty file', files: { 'empty.json': '' }, args: ['--config', 'empty.json'], says: /empty\.json: the config file is empty$/ },
  { name: '--config with an unknown extension', files: { 'cfg.txt': 'rules: {}' }, args: ['--config', 'cfg.txt'], says: /cannot load config .*cfg\.txt: No loader specified for extension "\.txt"$/ },
  { name: 'a .cjs config that throws', files: { 'event-audit.config.cjs': "throw new Error('config exploded');\n" }, says: /cannot load config .*event-audit\.config\.cjs: config exploded$/ },
  { name: 'a .js config that throws a string', files: { 'package.json': '{ "type": "module" }', 'event-audit.config.js': "throw 'plain string';\n" }, says: /cannot load config .*event-audit\.config\.js: plain string$/ },
  { name: 'an .mjs config with a syntax error', files: { 'event-audit.config.mjs': 'export default {\n' }, says: /cannot load config .*event-audit\.config\.mjs: Unexpected end of input$/, built: true },
  { name: 'an .mjs config whose default export rejects', files: { 'event-audit.config.mjs': "export default Promise.reject(new Error('async boom'));\n" }, says: /cannot load config .*event-audit\.config\.mjs: async boom$/ },
  { name: 'a .cjs config exporting a function', files: { 'event-audit.config.cjs': 'module.exports = () => ({});\n' }, says: /event-audit\.config\.cjs: the configuration must be an object$/ },
  { name: '--rule with an unknown rule', files: {}, args: ['--rule', 'nope=off'], says: /--rule nope=off: unknown rule 'nope'/ },
];

describe('config errors', () => {
  for (const c of CASES) {
    it(`${c.name}: one line, exit 2`, async () => {
      const dir = tree({ ...SRC, ...c.files });
      const args = [...(c.args ?? []), 'src'];
      const r = c.built ? runBuiltCli(args, dir) : await runCli(args, dir);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]!.startsWith('event-audit: ')).toBe(true);
      expect(lines[0]!.slice('event-audit: '.length)).toMatch(c.says);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    });
  }

  it('finds and reports a broken config in a parent folder of the audited one', async () => {
    const dir = tree({ ...SRC, '.event-auditrc.json': '{ broken' });
    const r = await runCli(['.'], `${dir}/src`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^event-audit: cannot load config .*\.event-auditrc\.json: .*\n$/);
  });

  it('reports a broken package.json in the folder it is started from (read by cosmiconfig itself) as one line', () => {
    const dir = tree({ ...SRC, 'package.json': '{ "name": "x", ' });
    const r = runBuiltCli(['src'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^event-audit: cannot load config .*package\.json: [^\n]+\n$/);
  });

  it('reads a config that starts with a byte order mark', async () => {
    for (const name of ['.event-auditrc.json', '.event-auditrc.yaml', '.event-auditrc', 'package.json']) {
      const body = name === '.event-auditrc.yaml' ? 'rules:\n  no-dedup: "off"\n' : name === 'package.json' ? '{ "event-audit": { "rules": { "no-dedup": "off" } } }' : '{ "rules": { "no-dedup": "off" } }';
      const dir = tree({ ...SRC, [name]: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]) });
      const r = await runCli(['--format', 'json', 'src'], dir);
      expect(r.stderr, name).toBe('');
      expect([0, 1], name).toContain(r.code);
    }
  });

  it('accepts odd but valid ignore globs without crashing', async () => {
    const dir = tree({ ...SRC, '.event-auditrc.json': '{ "ignore": ["[", "**/*.{ts", "!(", "\\\\", "src/**/*.ts/**"] }' });
    const r = await runCli(['--list-handlers', '--format', 'json', 'src'], dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
