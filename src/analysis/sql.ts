// Reads what a SQL statement does to state, from its text (`${}` placeholders arrive as `?`):
// the statement kind, the table, conflict handling, increments and appends, and whether
// the write carries a condition beyond its key (a version, status or sequence check).

export interface SqlStatement {
  kind: 'insert' | 'update' | 'delete' | 'select' | 'merge' | 'other';
  table?: string;
  /** INSERT conflict handling: DO NOTHING / INSERT IGNORE, or DO UPDATE / ON DUPLICATE KEY UPDATE / REPLACE. */
  conflict?: 'ignore' | 'update';
  /** A SET (or DO UPDATE SET) that adds to the stored value: `x = x + $1`, `x = t.x + EXCLUDED.x`. */
  increment?: boolean;
  /** A SET that appends: `array_append(...)`, `x = x || ...`. */
  append?: boolean;
  /** The write applies only when a condition beyond the key holds (version/status/sequence, NOT EXISTS, DO UPDATE ... WHERE). */
  conditional?: boolean;
  /** The row gets a freshly generated id in the database (gen_random_uuid(), uuid_generate_v4()). */
  freshId?: boolean;
  /** BEGIN / COMMIT / ROLLBACK. */
  transaction?: 'begin' | 'commit' | 'rollback';
}

const WRITE = /\b(INSERT|UPDATE|DELETE|MERGE|REPLACE|UPSERT)\b/;

/** Reads a SQL text; undefined when it does not look like SQL. */
export function readSql(raw: string | undefined): SqlStatement | undefined {
  if (!raw) return undefined;
  const text = raw
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const up = text.toUpperCase();
  if (/^(BEGIN|START TRANSACTION)\b/.test(up)) return { kind: 'other', transaction: 'begin' };
  if (/^COMMIT\b/.test(up)) return { kind: 'other', transaction: 'commit' };
  if (/^ROLLBACK\b/.test(up)) return { kind: 'other', transaction: 'rollback' };
  if (!/^(WITH|INSERT|UPDATE|DELETE|MERGE|REPLACE|UPSERT|SELECT)\b/.test(up)) return undefined;
  const w = WRITE.exec(up);
  if (!w) return up.startsWith('SELECT') || up.startsWith('WITH') ? { kind: 'select' } : undefined;
  const kw = w[1]!;
  const rest = text.slice(w.index);
  const restUp = up.slice(w.index);
  if (kw === 'INSERT' || kw === 'REPLACE' || kw === 'UPSERT') {
    const table = /^(?:INSERT|REPLACE|UPSERT)\s+(?:OR\s+\w+\s+)?(?:IGNORE\s+)?INTO\s+([\w."`]+)/i.exec(rest)?.[1];
    const out: SqlStatement = { kind: 'insert', table: clean(table) };
    if (/ON CONFLICT\b[^;]*?\bDO NOTHING\b/.test(restUp) || /^INSERT\s+(OR\s+)?IGNORE\b/.test(restUp) || /\bWHERE\s+NOT\s+EXISTS\b/.test(restUp)) {
      out.conflict = 'ignore';
    } else if (/ON CONFLICT\b[^;]*?\bDO UPDATE\b/.test(restUp) || /ON DUPLICATE KEY UPDATE\b/.test(restUp) || kw === 'REPLACE' || /^INSERT\s+OR\s+REPLACE\b/.test(restUp) || kw === 'UPSERT') {
      out.conflict = 'update';
      const set = /(?:DO UPDATE SET|ON DUPLICATE KEY UPDATE)\s+([\s\S]*)$/i.exec(rest)?.[1] ?? '';
      const [assign, where] = splitWhere(set);
      out.increment = hasIncrement(assign);
      out.append = hasAppend(assign);
      if (where) out.conditional = true;
    }
    if (/\b(GEN_RANDOM_UUID|UUID_GENERATE_V4|UUID_GENERATE_V1|NEWID|UUID)\s*\(/.test(restUp)) out.freshId = true;
    return out;
  }
  if (kw === 'UPDATE') {
    const table = /^UPDATE\s+(?:ONLY\s+)?([\w."`]+)/i.exec(rest)?.[1];
    const set = /\bSET\s+([\s\S]*)$/i.exec(rest)?.[1] ?? '';
    const [assign, where] = splitWhere(set);
    return { kind: 'update', table: clean(table), increment: hasIncrement(assign), append: hasAppend(assign), conditional: where ? isConditionalWhere(where) : false };
  }
  if (kw === 'DELETE') {
    const table = /^DELETE\s+FROM\s+([\w."`]+)/i.exec(rest)?.[1];
    return { kind: 'delete', table: clean(table) };
  }
  return { kind: 'merge', table: clean(/^MERGE\s+INTO\s+([\w."`]+)/i.exec(rest)?.[1]) };
}

function clean(t: string | undefined): string | undefined {
  return t?.replace(/["`]/g, '');
}

function splitWhere(set: string): [string, string | undefined] {
  const m = /\bWHERE\b/i.exec(set);
  if (!m) return [stripReturning(set), undefined];
  return [set.slice(0, m.index), stripReturning(set.slice(m.index + 5))];
}

function stripReturning(s: string): string {
  const m = /\bRETURNING\b/i.exec(s);
  return m ? s.slice(0, m.index) : s;
}

/** `x = x + 1`, `x = t.x - $1`, `x = COALESCE(x, 0) + ?`, `x = ? + x`, `x = t.x + EXCLUDED.x`. */
export function hasIncrement(assignments: string): boolean {
  for (const part of splitAssignments(assignments)) {
    const m = /^\s*(?:[\w"]+\.)?"?(\w+)"?\s*=\s*([\s\S]+)$/.exec(part);
    if (!m) continue;
    const col = m[1]!.toLowerCase();
    const rhs = m[2]!.toLowerCase();
    if (!/[+-]/.test(rhs)) continue;
    const refs = new RegExp(`(^|[^\\w])("?[\\w]+"?\\.)?"?${col}"?(?![\\w])`);
    // The stored value itself (not EXCLUDED.x / VALUES(x) alone) must be on the right.
    const stored = rhs.replace(/\bexcluded\.\w+/g, '?').replace(/\bvalues\s*\(\s*\w+\s*\)/g, '?');
    if (refs.test(stored)) return true;
  }
  return false;
}

export function hasAppend(assignments: string): boolean {
  if (/\b(array_append|array_prepend|array_cat|jsonb_insert|json_array_append|list_append)\s*\(/i.test(assignments)) return true;
  for (const part of splitAssignments(assignments)) {
    const m = /^\s*(?:[\w"]+\.)?"?(\w+)"?\s*=\s*(?:[\w"]+\.)?"?(\w+)"?\s*\|\|/.exec(part);
    if (m && m[1]!.toLowerCase() === m[2]!.toLowerCase()) return true;
  }
  return false;
}

function splitAssignments(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * A WHERE that does more than pick a row by key: a comparison, a literal status, IN, IS NULL,
 * NOT/EXISTS. `id = $1 AND tenant_id = $2` is a key; `status = 'paid'` or `version < $3` is a condition.
 */
export function isConditionalWhere(where: string): boolean {
  const w = where.replace(/'(?:[^']|'')*'/g, "'s'");
  if (/<|>|!=|\bIN\s*\(|\bIS\s+(NOT\s+)?NULL\b|\bNOT\b|\bEXISTS\b|\bANY\s*\(/i.test(w)) return true;
  if (/=\s*('s'|\d+\b|TRUE\b|FALSE\b)/i.test(w)) return true;
  return false;
}
