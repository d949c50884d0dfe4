import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { clockSource } from '../../src/analysis/clock.js';

const first = (text: string) => {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  let out: ts.Node | undefined;
  const visit = (n: ts.Node): void => {
    if (!out && (ts.isCallExpression(n) || ts.isNewExpression(n))) out = n;
    n.forEachChild(visit);
  };
  visit(sf);
  return out!;
};

describe('clockSource', () => {
  it('recognises wall-clock and random reads', () => {
    expect(clockSource(first('Date.now()'))).toBe('clock');
    expect(clockSource(first('new Date()'))).toBe('clock');
    expect(clockSource(first('dayjs()'))).toBe('clock');
    expect(clockSource(first('DateTime.now()'))).toBe('clock');
    expect(clockSource(first('Math.random()'))).toBe('random');
  });

  it('does not take the event time for the clock', () => {
    expect(clockSource(first('new Date(evt.occurredAt)'))).toBeUndefined();
    expect(clockSource(first('Date.parse(evt.at)'))).toBeUndefined();
    expect(clockSource(first('dayjs(evt.at)'))).toBeUndefined();
  });
});
