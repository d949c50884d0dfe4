import { describe, expect, it } from 'vitest';
import { audit } from '../src/audit.js';
import { resolveConfig } from '../src/config.js';
import { parseDirectives } from '../src/suppress.js';
import { writeProject } from './helpers/audit.js';
import { effectCallRule } from './helpers/test-rule.js';

const wrap = (body: string, head = '') => `${head}import { Kafka } from 'kafkajs';
const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });
consumer.run({
  eachMessage: async () => {
${body}
  },
});
declare function effect(): void;
`;

function lines(src: string) {
  const dir = writeProject({ 'src/c.ts': src });
  const r = audit({ cwd: dir, paths: ['.'], config: resolveConfig({}, undefined, dir), rules: [effectCallRule] });
  return { kept: r.findings.map((f) => f.span.start.line), suppressed: r.suppressed.map((f) => f.span.start.line), unused: r.unusedDirectives.map((u) => u.line) };
}

describe('inline suppressions', () => {
  it('disable-next-line and disable-line silence one line for the named rule', () => {
    const r = lines(wrap('    // event-audit-disable-next-line no-dedup -- logged elsewhere\n    effect();\n    effect(); // event-audit-disable-line no-dedup\n    effect();'));
    expect(r.suppressed).toEqual([6, 7]);
    expect(r.kept).toEqual([8]);
  });

  it('a directive for another rule does not silence this one, and is reported as unused', () => {
    const r = lines(wrap('    // event-audit-disable-next-line dual-write\n    effect();'));
    expect(r.kept).toEqual([6]);
    expect(r.unused).toEqual([5]);
  });

  it('disable ... enable covers a block', () => {
    const r = lines(wrap('    /* event-audit-disable no-dedup */\n    effect();\n    effect();\n    /* event-audit-enable no-dedup */\n    effect();'));
    expect(r.suppressed).toEqual([6, 7]);
    expect(r.kept).toEqual([9]);
  });

  it('disable-file silences the whole file', () => {
    const r = lines(wrap('    effect();\n    effect();', '// event-audit-disable-file no-dedup -- legacy consumer, replaced in Q3\n'));
    expect(r.kept).toEqual([]);
    expect(r.suppressed).toHaveLength(2);
  });

  it('parses rule lists and reasons', () => {
    const d = parseDirectives('// event-audit-disable-next-line no-dedup, dual-write -- because\n');
    expect(d[0]).toMatchObject({ kind: 'next-line', rules: ['no-dedup', 'dual-write'], reason: 'because', line: 1 });
  });
});
