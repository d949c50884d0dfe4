import { describe, expect, it } from 'vitest';
import { ts } from '../../src/analysis/ast.js';
import { classifySql, criteriaCondition, sqlCondition } from '../../src/analysis/state-writes.js';

const expr = (text: string) => {
  const sf = ts.createSourceFile('x.ts', `(${text});`, ts.ScriptTarget.Latest, true);
  return ((sf.statements[0] as ts.ExpressionStatement).expression as ts.ParenthesizedExpression).expression;
};

describe('classifySql', () => {
  it('reads an unconditional UPDATE as an overwrite of its SET columns', () => {
    expect(classifySql('UPDATE account_view SET balance = $2, status = $3, updated_at = now() WHERE account_id = $1')).toMatchObject({
      verb: 'UPDATE',
      effect: 'overwrite',
      table: 'account_view',
      fields: ['balance', 'status'],
      condition: undefined,
    });
  });

  it('finds the conditions that guard an UPDATE', () => {
    expect(classifySql('UPDATE c SET addr = $2, v = $3 WHERE id = $1 AND v < $3')?.condition).toMatch(/</);
    expect(classifySql("UPDATE o SET s = 'paid' WHERE id = $1 AND s = 'awaiting'")?.condition).toBeDefined();
    expect(classifySql("UPDATE o SET s = 'x' WHERE id = $1 AND s IN ('a', 'b')")?.condition).toBeDefined();
    expect(classifySql('UPDATE k SET revoked_at = $2 WHERE owner = $1 AND revoked_at IS NULL')?.condition).toBeDefined();
    expect(classifySql('UPDATE o SET s = $2 WHERE id = $1 AND tenant_id = $3')?.condition).toBeUndefined();
  });

  it('tells increments and audit-only writes from overwrites', () => {
    expect(classifySql('UPDATE w SET balance = balance + $2 WHERE id = $1')?.effect).toBe('increment');
    expect(classifySql('UPDATE w SET touched_at = now() WHERE id = $1')?.effect).toBe('touch');
  });

  it('reads INSERT conflict handling', () => {
    expect(classifySql('INSERT INTO l (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING')).toMatchObject({ effect: 'insert-if-absent', keyedByDelivery: true });
    expect(classifySql('INSERT INTO s (sku, n) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET n = s.n + EXCLUDED.n')?.effect).toBe('increment');
    expect(classifySql('INSERT INTO s (sku, n) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET n = EXCLUDED.n')).toMatchObject({ verb: 'upsert', effect: 'overwrite', fields: ['n'] });
    expect(classifySql('INSERT INTO s (sku, n, v) VALUES ($1, $2, $3) ON CONFLICT (sku) DO UPDATE SET n = EXCLUDED.n WHERE s.v < EXCLUDED.v')?.condition).toBeDefined();
    expect(classifySql('INSERT INTO s (a) VALUES (?) ON DUPLICATE KEY UPDATE a = VALUES(a)')?.effect).toBe('overwrite');
    expect(classifySql('REPLACE INTO s (a) VALUES (?)')?.effect).toBe('overwrite');
    expect(classifySql('INSERT INTO t (a) VALUES ($1)')?.effect).toBe('insert');
    expect(classifySql('DELETE FROM t WHERE id = $1')?.effect).toBe('delete');
    expect(classifySql('SELECT * FROM t')).toBeUndefined();
  });
});

describe('criteriaCondition', () => {
  it('treats a plain key as no condition', () => {
    expect(criteriaCondition(expr('{ id: evt.id }'))).toBeUndefined();
    expect(criteriaCondition(expr('{ warehouseId_sku: { warehouseId: a, sku: b } }'))).toBeUndefined();
  });

  it('finds literal state values, operators, state fields and find operators', () => {
    expect(criteriaCondition(expr("{ id: evt.id, status: 'active' }"))).toBeDefined();
    expect(criteriaCondition(expr('{ id: evt.id, revokedAt: null }'))).toBeDefined();
    expect(criteriaCondition(expr('{ id: evt.id, seq: { $lt: evt.seq } }'))).toBeDefined();
    expect(criteriaCondition(expr('{ id: evt.id, updated: LessThan(evt.at) }'))).toBeDefined();
    expect(criteriaCondition(expr('{ where: { id: evt.id, version: evt.version - 1 } }'))).toBeDefined();
    expect(criteriaCondition(expr('and(eq(t.id, evt.id), lt(t.version, evt.version))'))).toBeDefined();
    expect(criteriaCondition(expr('eq(t.id, evt.id)'))).toBeUndefined();
  });

  it('reads SQL fragments', () => {
    expect(sqlCondition('id = $1')).toBeUndefined();
    expect(sqlCondition('t.version < excluded.version')).toBeDefined();
  });

  it('reads conditions and self-referencing assignments with the shared SQL helpers, per conjunct and per column', () => {
    expect(sqlCondition('id = $1 AND tenant_id = $2')).toBeUndefined();
    expect(sqlCondition('id = $1 AND status = $2')).toBe('WHERE status = $2');
    expect(sqlCondition("id = $1 AND kind = 'card'")).toBe("WHERE kind = 'card'");
    expect(sqlCondition('id = $1 AND ts BETWEEN $2 AND $3')).toMatch(/BETWEEN/);
    expect(sqlCondition('id = $1 AND deleted_at IS NULL')).toMatch(/IS NULL/);
    // GREATEST/COALESCE of the stored value is not a blind overwrite; the other column is.
    expect(classifySql('UPDATE d SET last_seen = GREATEST(last_seen, $2), name = $3 WHERE id = $1')).toMatchObject({ effect: 'overwrite', fields: ['name'] });
    expect(classifySql('UPDATE d SET last_seen = GREATEST(d.last_seen, $2) WHERE id = $1')?.effect).toBe('increment');
    expect(classifySql('UPDATE d SET tags = tags || $2 WHERE id = $1')?.effect).toBe('increment');
  });
});
