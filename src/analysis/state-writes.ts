// Absolute writes of state and the condition each one carries. `order-dependent` needs to
// know, for every write a handler makes, whether it overwrites (a status, a field, a whole
// record, a cache value) and whether the write itself is conditional (WHERE status = ...,
// WHERE version < ..., ConditionExpression, an ORM where clause with a state predicate).
// Appends, increments, inserts-if-absent and deletes are classified too, so they are never
// mistaken for overwrites. Recognised: raw SQL (pg, mysql2, D1, Prisma $executeRaw, TypeORM
// query), Prisma, TypeORM (repository and query builder), Sequelize, Mongoose/Mongo driver,
// Knex, Drizzle, MikroORM, DynamoDB (lib-dynamodb, client-dynamodb, DocumentClient v2),
// Redis (ioredis, node-redis), Firestore, and `save` of an entity loaded earlier.
import { ts, accessChain, calleeName, literalValue, propertyNameText, stringText, unwrapExpression, walk } from './ast.js';
import type { Project } from './project.js';
import { hasAppend, hasIncrement, isConditionalWhere } from './sql.js';

/** `touch`: only audit columns (updated_at = now()) are written. */
export type WriteEffect = 'overwrite' | 'insert' | 'insert-if-absent' | 'increment' | 'delete' | 'touch';

export interface StateWrite {
  /** The write: a call, a `new XCommand(...)`, or a tagged SQL template. */
  node: ts.Node;
  /** What the write is, for messages: `SQL UPDATE account_view`, `Prisma subscription.update`. */
  api: string;
  effect: WriteEffect;
  /** The condition the write carries itself, in words; undefined when it has none. */
  condition?: string;
  /** The write is keyed by the delivery's own id (an append per event, dedup or parking bookkeeping). */
  keyedByDelivery: boolean;
  /** Fields overwritten, when known. */
  fields: string[];
  /** The expressions whose contents are written (data object, SQL parameters, the saved entity); undefined when not read. */
  values?: readonly ts.Node[];
  /** The expressions that pick the record written (where clause, filter, Key, criteria); undefined when not read. */
  selector?: readonly ts.Node[];
  /** Each overwritten field with the expression written to it, where the update spells them out. */
  assigned?: readonly FieldValue[];
}

export interface FieldValue {
  field: string;
  value: ts.Node;
}

export interface WriteContext {
  project: Project;
  /** True when an expression is, or embeds, the delivery's own id (message id, event id, entry id). */
  isDeliveryId(expr: ts.Node): boolean;
  /** True when an identifier holds an entity loaded from a store earlier in the function. */
  isLoadedEntity?(id: ts.Identifier): boolean;
}

// ---------- SQL text ----------

const AUDIT_COLUMN = /^(updated_?at|modified_?at|last_?modified(_?at)?|last_?updated(_?at)?|synced_?at|last_?synced_?at|processed_?at|touched_?at|last_?seen(_?at)?|row_?version_?at)$/i;
const NOW_SQL = /^\s*(now\(\)|current_timestamp(\(\))?|localtimestamp|sysdate\(\)|getdate\(\)|unixepoch\(\)|datetime\('now'\))\s*$/i;
const DELIVERY_COLUMN = /\b(event|message|delivery|entry|request_message|source_message|source_event|stripe_event|queue_message|job|stream_entry|inbox_message)_?id\b/i;
const STATE_WORD = /status|state|version|revision|seq\b|_seq|seq_|sequence|etag|generation|as_?of|updated_?at|last_?event|event_?(time|created|at)|occurred|stage|phase/i;

export interface SqlWrite {
  /** The statement: UPDATE, upsert (INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE, REPLACE), INSERT, DELETE. */
  verb: string;
  effect: WriteEffect;
  table: string;
  fields: string[];
  condition?: string;
  keyedByDelivery: boolean;
}

/** Splits on `sep` (a regex matched at top-level parenthesis depth, outside quotes). */
function splitTop(text: string, sep: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) {
      const m = sep.exec(text.slice(i));
      if (m && m.index === 0 && (i === 0 || /[\s,]/.test(text[i - 1]!) || m[0] === ',')) {
        out.push(text.slice(start, i));
        start = i + m[0].length;
        i = start - 1;
      }
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Index of a keyword at top-level depth, or -1. */
function topKeyword(text: string, keyword: RegExp): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (i === 0 || /\s/.test(text[i - 1]!))) {
      const m = keyword.exec(text.slice(i));
      if (m && m.index === 0) return i;
    }
  }
  return -1;
}

function bareColumn(lhs: string): string {
  return lhs.trim().replace(/["`\[\]]/g, '').split('.').pop()!.trim();
}

/** Classifies `col = expr` assignments: increments refer to the column's current value. */
function classifyAssignments(list: string): { absolute: string[]; increments: string[] } {
  const absolute: string[] = [];
  const increments: string[] = [];
  for (const part of splitTop(list, /^,/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const col = bareColumn(part.slice(0, eq));
    const rhs = part.slice(eq + 1);
    if (!col) continue;
    // The stored value feeds the new one: col = col + $1, col = col || $1 (sql.ts), or a monotonic
    // or fill-in function of it, GREATEST(col, $1) / COALESCE(col, $1), which sql.ts does not read.
    if (hasIncrement(part) || hasAppend(part) || selfFunction(col, rhs)) increments.push(col);
    else if (AUDIT_COLUMN.test(col) || NOW_SQL.test(rhs)) continue;
    else absolute.push(col);
  }
  return { absolute, increments };
}

/** `GREATEST(col, $1)`, `LEAST(t.col, ...)`, `COALESCE(col, $1)`: the new value is a function of the stored one. */
function selfFunction(col: string, rhs: string): boolean {
  const c = col.replace(/[$]/g, '\\$');
  return new RegExp(`\\b(GREATEST|LEAST|COALESCE|IFNULL)\\s*\\(\\s*(\\w+\\.)?"?${c}"?\\s*[,)]`, 'i').test(rhs);
}

/**
 * A WHERE clause that checks more than the row's key (sql.ts `isConditionalWhere`: a comparison,
 * a literal, IN, IS NULL, EXISTS), or compares a state column (`status = $2`); the first such
 * conjunct, for messages.
 */
export function sqlCondition(where: string | undefined): string | undefined {
  if (!where) return undefined;
  const w = where.replace(/\s+/g, ' ').trim();
  const STATE_EQ = /[\w."]*(status|state|version|revision|seq|sequence|etag|generation)[\w"]*\s*=/i;
  for (const part of splitTop(w, /^AND\b/i)) {
    if (isConditionalWhere(part) || STATE_EQ.test(part) || /\bBETWEEN\b/i.test(part)) return `WHERE ${part.trim()}`;
  }
  return undefined;
}

/** Reads the SQL of a write statement; undefined for reads and anything it cannot parse. */
export function classifySql(raw: string): SqlWrite | undefined {
  const text = raw.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\s+/g, ' ').trim();
  let m = /^(?:WITH\b.*?\)\s*)?UPDATE\s+(?:ONLY\s+)?([\w."`\[\]]+)(?:\s+(?:AS\s+)?\w+)?\s+SET\s+(.*)$/i.exec(text);
  if (m) {
    const table = bareColumn(m[1]!);
    let rest = m[2]!;
    const ret = topKeyword(rest, /^RETURNING\b/i);
    if (ret >= 0) rest = rest.slice(0, ret);
    const wi = topKeyword(rest, /^WHERE\b/i);
    const fromI = topKeyword(rest, /^FROM\b/i);
    const setList = rest.slice(0, [wi, fromI].filter((i) => i >= 0).sort((a, b) => a - b)[0] ?? rest.length);
    const where = wi >= 0 ? rest.slice(wi + 5) : undefined;
    const { absolute, increments } = classifyAssignments(setList);
    const effect: WriteEffect = absolute.length ? 'overwrite' : increments.length ? 'increment' : 'touch';
    const whereCols = where ?? '';
    return {
      verb: 'UPDATE',
      effect,
      table,
      fields: absolute,
      condition: sqlCondition(where),
      keyedByDelivery: DELIVERY_COLUMN.test(whereCols.split(/\bAND\b/i)[0] ?? ''),
    };
  }
  m = /^(?:WITH\b.*?\)\s*)?(INSERT|REPLACE|UPSERT)\b(.*)$/i.exec(text);
  if (m) {
    const verb = m[1]!.toUpperCase();
    const rest = m[2]!;
    const table = bareColumn(/\bINTO\s+([\w."`\[\]]+)/i.exec(rest)?.[1] ?? '?');
    if (verb === 'REPLACE' || /^\s*OR\s+REPLACE\b/i.test(rest)) return { verb: 'REPLACE', effect: 'overwrite', table, fields: [], keyedByDelivery: false };
    if (/^\s*(OR\s+)?IGNORE\b/i.test(rest)) return { verb: 'INSERT', effect: 'insert-if-absent', table, fields: [], keyedByDelivery: false };
    const oc = /\bON\s+CONFLICT\s*(\(([^)]*)\)|ON\s+CONSTRAINT\s+\S+)?\s*DO\s+(NOTHING|UPDATE\s+SET\s+(.*))$/i.exec(rest);
    if (oc) {
      const target = oc[2] ?? '';
      const keyedByDelivery = DELIVERY_COLUMN.test(target);
      if (/^NOTHING/i.test(oc[3]!)) return { verb: 'INSERT', effect: 'insert-if-absent', table, fields: [], keyedByDelivery };
      let upd = oc[4]!;
      const ret = topKeyword(upd, /^RETURNING\b/i);
      if (ret >= 0) upd = upd.slice(0, ret);
      const wi = topKeyword(upd, /^WHERE\b/i);
      const setList = wi >= 0 ? upd.slice(0, wi) : upd;
      const where = wi >= 0 ? upd.slice(wi + 5).trim() : undefined;
      const { absolute, increments } = classifyAssignments(setList);
      // Any WHERE on DO UPDATE exists only to condition the overwrite.
      const condition = where ? `DO UPDATE ... WHERE ${where.replace(/\s+/g, ' ').slice(0, 60)}` : undefined;
      if (!absolute.length) return { verb: 'upsert', effect: increments.length ? 'increment' : 'insert-if-absent', table, fields: [], condition, keyedByDelivery };
      return { verb: 'upsert', effect: 'overwrite', table, fields: absolute, condition, keyedByDelivery };
    }
    const dk = /\bON\s+DUPLICATE\s+KEY\s+UPDATE\s+(.*)$/i.exec(rest);
    if (dk) {
      const list = dk[1]!;
      const condition = /\b(IF|CASE|GREATEST|LEAST)\s*\(|\bCASE\b/i.test(list) ? 'ON DUPLICATE KEY UPDATE with IF/CASE' : undefined;
      const { absolute, increments } = classifyAssignments(list.replace(/\bIF\s*\(/gi, '('));
      if (!absolute.length) return { verb: 'upsert', effect: increments.length ? 'increment' : 'insert-if-absent', table, fields: [], condition, keyedByDelivery: false };
      return { verb: 'upsert', effect: 'overwrite', table, fields: absolute, condition, keyedByDelivery: false };
    }
    return { verb: 'INSERT', effect: 'insert', table, fields: [], keyedByDelivery: false };
  }
  m = /^(?:WITH\b.*?\)\s*)?DELETE\s+FROM\s+([\w."`\[\]]+)/i.exec(text);
  if (m) return { verb: 'DELETE', effect: 'delete', table: bareColumn(m[1]!), fields: [], keyedByDelivery: false };
  return undefined;
}

const SQL_WRITE_START = /^\s*(WITH\b[\s\S]*\)\s*)?(UPDATE\s+\S+\s+(AS\s+\w+\s+|\w+\s+)?SET\b|INSERT\b|REPLACE\s+INTO\b|UPSERT\b|DELETE\s+FROM\b)/i;

// ---------- object-literal criteria (ORM where clauses, Mongo filters) ----------

const OPERATOR_KEY = /^(\$\w+|in|notIn|lt|lte|gt|gte|not|equals|isNull|isNotNull|some|every|none|AND|OR|NOT)$/;
const FIND_OPERATOR_CALL = /^(LessThan|LessThanOrEqual|MoreThan|MoreThanOrEqual|In|Not|IsNull|Between|Raw|Any|ArrayContains)$/;
const COND_CALL = /^(lt|lte|gt|gte|ne|inArray|notInArray|isNull|isNotNull|between|notBetween|exists|notExists|not|or|like|ilike)$/;
const STATE_FIELD = /status|state|version|revision|^seq|seq$|Seq|sequence|etag|generation|asOf/i;

/** The state predicate a criteria object carries beyond its key, in words; undefined if it is a plain key. */
export function criteriaCondition(node: ts.Node | undefined, depth = 0): string | undefined {
  if (!node || depth > 4) return undefined;
  const e = ts.isExpression(node) ? unwrapExpression(node) : node;
  if (ts.isObjectLiteralExpression(e)) {
    for (const p of e.properties) {
      if (ts.isSpreadAssignment(p)) continue;
      const name = propertyNameText(p.name);
      if (p.name && ts.isComputedPropertyName(p.name) && !name) return `${p.name.getText()} operator`;
      if (!name) continue;
      if (name === 'where') {
        const inner = criteriaCondition(ts.isPropertyAssignment(p) ? p.initializer : undefined, depth + 1);
        if (inner) return inner;
        continue;
      }
      if (OPERATOR_KEY.test(name) && name !== 'in') return `${name} predicate`;
      if (STATE_FIELD.test(name)) return `${name} check`;
      if (!ts.isPropertyAssignment(p)) continue;
      const v = unwrapExpression(p.initializer);
      const lit = literalValue(v);
      if (lit !== undefined || v.kind === ts.SyntaxKind.NullKeyword) return `${name} = ${v.getText()}`;
      if (ts.isObjectLiteralExpression(v)) {
        const keys = v.properties.map((q) => (q.name ? propertyNameText(q.name) : undefined));
        if (v.properties.some((q) => q.name && ts.isComputedPropertyName(q.name)) || keys.some((k) => k && OPERATOR_KEY.test(k))) return `${name} predicate`;
      }
      if (ts.isCallExpression(v) && FIND_OPERATOR_CALL.test(calleeName(v) ?? '')) return `${name} ${calleeName(v)}(...)`;
    }
    return undefined;
  }
  if (ts.isCallExpression(e)) {
    const n = calleeName(e) ?? '';
    if (COND_CALL.test(n)) return `${n}(...)`;
    if (n === 'and') {
      for (const a of e.arguments) {
        const c = criteriaCondition(a, depth + 1);
        if (c) return c;
      }
      return undefined;
    }
    if (n === 'eq' && e.arguments.length === 2) {
      const col = accessChain(e.arguments[0]!) ?? '';
      if (STATE_FIELD.test(col.split('.').pop() ?? '')) return `eq(${col}, ...)`;
      if (literalValue(e.arguments[1]) !== undefined) return `eq(${col}, ${e.arguments[1]!.getText()})`;
    }
    return undefined;
  }
  if (ts.isTaggedTemplateExpression(e) || ts.isTemplateExpression(e) || ts.isStringLiteralLike(e)) return sqlCondition(stringText(e));
  return undefined;
}

// ---------- fluent chains ----------

interface Step {
  name: string;
  args: readonly ts.Expression[];
  call: ts.CallExpression;
}

/** `db('t').where(x).update(y)` -> root `db`, steps [db('t'), where(x), update(y)]. */
function flattenChain(outer: ts.CallExpression): { root?: ts.Expression; steps: Step[] } {
  const steps: Step[] = [];
  let e: ts.Expression = outer;
  for (let guard = 0; guard < 50; guard++) {
    const u = unwrapExpression(e);
    if (!ts.isCallExpression(u)) return { root: u, steps };
    const callee = unwrapExpression(u.expression);
    if (ts.isPropertyAccessExpression(callee)) {
      steps.unshift({ name: callee.name.text, args: u.arguments, call: u });
      e = callee.expression;
    } else {
      steps.unshift({ name: ts.isIdentifier(callee) ? callee.text : '', args: u.arguments, call: u });
      return { root: callee, steps };
    }
  }
  return { steps };
}

/** The outermost call of a fluent chain that `call` belongs to. */
function isChainOuter(call: ts.CallExpression): boolean {
  const p = call.parent;
  return !(p && ts.isPropertyAccessExpression(p) && p.expression === call && p.parent && ts.isCallExpression(p.parent) && p.parent.expression === p);
}

function objectKeys(node: ts.Node | undefined): string[] {
  const e = node && ts.isExpression(node) ? unwrapExpression(node) : undefined;
  if (!e || !ts.isObjectLiteralExpression(e)) return [];
  return e.properties.map((p) => (p.name ? propertyNameText(p.name) : undefined)).filter((x): x is string => !!x);
}

const AUDIT_FIELD = /^(updated_?at|modified_?at|last_?modified(_?at)?|last_?updated(_?at)?|synced_?at|last_?synced_?at|processed_?at|touched_?at)$/i;

/** Splits an update object into absolute field writes and increments (Prisma increment, raw `col + x`). */
function classifyValues(node: ts.Node | undefined): { absolute: string[]; increments: string[]; unknown: boolean; pairs: FieldValue[] } {
  const e = node && ts.isExpression(node) ? unwrapExpression(node) : undefined;
  const absolute: string[] = [];
  const increments: string[] = [];
  const pairs: FieldValue[] = [];
  if (!e || !ts.isObjectLiteralExpression(e)) return { absolute, increments, unknown: true, pairs };
  for (const p of e.properties) {
    if (ts.isSpreadAssignment(p)) {
      absolute.push(`...${p.expression.getText()}`);
      continue;
    }
    const name = p.name ? propertyNameText(p.name) : undefined;
    if (!name) continue;
    if (!ts.isPropertyAssignment(p)) {
      if (!AUDIT_FIELD.test(name)) absolute.push(name);
      continue;
    }
    const v = unwrapExpression(p.initializer);
    if (ts.isObjectLiteralExpression(v) && objectKeys(v).some((k) => /^(increment|decrement|multiply|divide|push)$/.test(k))) {
      increments.push(name);
      continue;
    }
    const text = v.getText();
    // knex.raw('t.col + excluded.col'), sql`${t.col} + 1`: the value refers to its own column.
    if ((ts.isCallExpression(v) || ts.isTaggedTemplateExpression(v)) && /\+|-|\|\||array_append|coalesce/i.test(text)) {
      const ownRef = new RegExp(`\\b${name}\\b|${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`, 'i');
      if (ownRef.test(text.replace(/excluded\.\w+/gi, ''))) {
        increments.push(name);
        continue;
      }
    }
    if (AUDIT_FIELD.test(name)) continue;
    absolute.push(name);
    pairs.push({ field: name, value: p.initializer });
  }
  return { absolute, increments, unknown: false, pairs };
}

function effectOf(v: { absolute: string[]; increments: string[] }): WriteEffect {
  return v.absolute.length ? 'overwrite' : v.increments.length ? 'increment' : 'insert-if-absent';
}

// ---------- receivers ----------

/** The declaration text behind a receiver's root, to tell a Redis client from a Map. */
function rootDeclarationText(project: Project, expr: ts.Expression): string {
  let e = unwrapExpression(expr);
  while (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e) || ts.isElementAccessExpression(e)) e = unwrapExpression(e.expression);
  const parts: string[] = [expr.getText()];
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var') parts.push(b.decl.getText());
    if (b?.kind === 'param') parts.push(b.decl.getText());
    if (b?.kind === 'import') parts.push(b.module);
  }
  // this.redis: the property or constructor parameter that declares it
  const u = unwrapExpression(expr);
  if (ts.isPropertyAccessExpression(u) && u.expression.kind === ts.SyntaxKind.ThisKeyword) {
    let cls: ts.Node | undefined = u;
    while (cls && !ts.isClassLike(cls)) cls = cls.parent;
    if (cls && ts.isClassLike(cls)) {
      for (const m of cls.members) {
        if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === u.name.text) parts.push(m.getText());
        if (ts.isConstructorDeclaration(m)) for (const p of m.parameters) if (ts.isIdentifier(p.name) && p.name.text === u.name.text) parts.push(p.getText());
      }
    }
  }
  return parts.join('\n');
}

function looksLikeRedis(project: Project, recv: ts.Expression): boolean {
  return /redis|\bnew\s+Cluster\b|createClient\(|createCluster\(|\bkv\b/i.test(rootDeclarationText(project, recv));
}

/** `collection(...).doc(...)`, or a variable holding one: a Firestore document reference. */
function firestoreRef(project: Project, expr: ts.Expression | undefined, depth = 0): ts.Expression | undefined {
  if (!expr || depth > 3) return undefined;
  const e = unwrapExpression(expr);
  if (ts.isCallExpression(e) && calleeName(e) === 'doc') return e;
  if (ts.isIdentifier(e)) {
    const b = project.lookup(e);
    if (b?.kind === 'var' && !b.path.length && b.decl.initializer) return firestoreRef(project, b.decl.initializer, depth + 1);
  }
  return undefined;
}

function propOf(obj: ts.Node | undefined, name: string): ts.Expression | undefined {
  const e = obj && ts.isExpression(obj) ? unwrapExpression(obj) : undefined;
  if (!e || !ts.isObjectLiteralExpression(e)) return undefined;
  for (const p of e.properties) {
    if (propertyNameText(p.name) !== name) continue;
    if (ts.isPropertyAssignment(p)) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
  }
  return undefined;
}

/** DynamoDB UpdateExpression: SET a = :a is absolute; ADD, SET a = a + :n, list_append are increments. */
function classifyUpdateExpression(expr: string): { absolute: string[]; increments: string[] } {
  const absolute: string[] = [];
  const increments: string[] = [];
  const clauses = expr.split(/\b(SET|ADD|REMOVE|DELETE)\b/i);
  for (let i = 1; i < clauses.length; i += 2) {
    const verb = clauses[i]!.toUpperCase();
    const body = clauses[i + 1] ?? '';
    for (const part of splitTop(body, /^,/)) {
      const name = part.trim().split(/[\s=]/)[0] ?? '';
      if (!name) continue;
      if (verb === 'ADD') increments.push(name);
      else if (verb === 'DELETE') increments.push(name);
      else if (verb === 'REMOVE') absolute.push(name);
      else {
        const rhs = part.slice(part.indexOf('=') + 1);
        const self = new RegExp(`(^|[^:#\\w])${name.replace(/[#$]/g, (c) => `\\${c}`)}\\b`);
        if (self.test(rhs) || /list_append|if_not_exists\([^)]*\)\s*[+-]/.test(rhs)) increments.push(name);
        else if (!AUDIT_FIELD.test(name.replace(/^#/, ''))) absolute.push(name);
      }
    }
  }
  return { absolute, increments };
}

/**
 * `SET #s = :shipped` with `ExpressionAttributeNames: { '#s': 'status' }` and
 * `ExpressionAttributeValues: { ':shipped': 'shipped' }` -> status = 'shipped'. Only plain
 * `name = :placeholder` assignments are read.
 */
function dynamoAssignments(expr: string, input: ts.Node | undefined): FieldValue[] {
  const names = propOf(input, 'ExpressionAttributeNames');
  const values = propOf(input, 'ExpressionAttributeValues');
  const out: FieldValue[] = [];
  const clauses = expr.split(/\b(SET|ADD|REMOVE|DELETE)\b/i);
  for (let i = 1; i < clauses.length; i += 2) {
    if (clauses[i]!.toUpperCase() !== 'SET') continue;
    for (const part of splitTop(clauses[i + 1] ?? '', /^,/)) {
      const m = /^\s*([#\w.]+)\s*=\s*(:\w+)\s*$/.exec(part);
      if (!m) continue;
      const raw = m[1]!;
      const field = raw.startsWith('#') ? (literalValue(propOf(names, raw)) as string | undefined) ?? raw : raw;
      const value = propOf(values, m[2]!);
      if (value && !AUDIT_FIELD.test(field)) out.push({ field: String(field), value });
    }
  }
  return out;
}

// ---------- the walk ----------

const MONGO_UPDATE = new Set(['updateOne', 'updateMany', 'findOneAndUpdate', 'findByIdAndUpdate', 'replaceOne', 'findOneAndReplace', 'findByIdAndReplace']);
const REDIS_OVERWRITE = new Set(['hset', 'hSet', 'hmset', 'hMSet', 'mset', 'mSet', 'setex', 'setEx', 'psetex', 'pSetEx', 'hsetnx']);

/** Every state write a function makes in its own body (inline callbacks included). */
export function stateWritesIn(fn: ts.Node, ctx: WriteContext, walkOwn: (fn: ts.Node, visit: (n: ts.Node) => boolean | void) => void): StateWrite[] {
  const out: StateWrite[] = [];
  const seen = new Set<ts.Node>();
  const add = (w: StateWrite) => {
    if (seen.has(w.node)) return;
    seen.add(w.node);
    out.push(w);
  };
  walkOwn(fn, (n) => {
    try {
      if (ts.isStringLiteralLike(n) || ts.isTemplateExpression(n)) sqlWrite(n, ctx, add);
      else if (ts.isNewExpression(n)) dynamoCommand(n, ctx, add);
      else if (ts.isCallExpression(n)) callWrite(n, ctx, add);
    } catch {
      /* odd shapes are skipped, never fatal */
    }
  });
  return out;
}

function sqlWrite(n: ts.StringLiteralLike | ts.TemplateExpression, ctx: WriteContext, add: (w: StateWrite) => void): void {
  const text = stringText(n);
  if (!text || !SQL_WRITE_START.test(text)) return;
  const sql = classifySql(text);
  if (!sql) return;
  // Report at the statement that runs it: the call, or the tagged template ($executeRaw`...`).
  let site: ts.Node = n;
  const p = n.parent;
  if (p && ts.isTaggedTemplateExpression(p)) site = p;
  else if (p && ts.isCallExpression(p) && p.arguments.includes(n as ts.Expression)) site = p;
  // `db.prepare(sql).bind(...).run()`: report the whole statement chain once.
  while (site.parent && ts.isPropertyAccessExpression(site.parent) && site.parent.parent && ts.isCallExpression(site.parent.parent)) site = site.parent.parent;
  const args = ts.isCallExpression(site) ? site.arguments : [];
  const keyed = sql.keyedByDelivery || (sql.effect !== 'overwrite' && args.some((a) => ctx.isDeliveryId(a)));
  add({ node: site, api: `SQL ${sql.verb} ${sql.table}`, effect: sql.effect, condition: sql.condition, keyedByDelivery: keyed, fields: sql.fields, values: sqlValues(site, n) });
}


function dynamoCommand(n: ts.NewExpression, ctx: WriteContext, add: (w: StateWrite) => void): void {
  const name = calleeName(n) ?? '';
  if (!/^(Put|Update|Delete)(Item)?Command$/.test(name)) return;
  const input = n.arguments?.[0];
  const table = propOf(input, 'TableName')?.getText() ?? '';
  const condition = propOf(input, 'ConditionExpression') ? `ConditionExpression ${snippetOf(propOf(input, 'ConditionExpression')!)}` : undefined;
  const site = enclosingSend(n);
  if (name.startsWith('Delete')) {
    add({ node: site, api: `DynamoDB ${name}`, effect: 'delete', condition, keyedByDelivery: false, fields: [] });
    return;
  }
  if (name.startsWith('Put')) {
    const item = propOf(input, 'Item');
    const keyed = !!item && ctx.isDeliveryId(item);
    add({ node: site, api: `DynamoDB ${name} ${table}`.trim(), effect: 'overwrite', condition, keyedByDelivery: keyed, fields: objectKeys(item), values: item && [item] });
    return;
  }
  const ue = stringText(propOf(input, 'UpdateExpression'));
  const key = propOf(input, 'Key');
  const cls = ue ? classifyUpdateExpression(ue) : { absolute: ['?'], increments: [] };
  add({
    node: site,
    api: `DynamoDB ${name} ${table}`.trim(),
    effect: effectOf(cls),
    condition,
    keyedByDelivery: !!key && ctx.isDeliveryId(key),
    fields: cls.absolute,
    values: [propOf(input, 'ExpressionAttributeValues') ?? input!],
    selector: key && [key],
    assigned: ue ? dynamoAssignments(ue, input) : undefined,
  });
}

/** The parameters a SQL statement is run with: the call's other arguments, or a template's `${}` parts. */
function sqlValues(site: ts.Node, sqlNode: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  if (ts.isTemplateExpression(sqlNode)) for (const span of sqlNode.templateSpans) out.push(span.expression);
  let call: ts.Node | undefined = sqlNode.parent;
  while (call && !ts.isCallExpression(call) && call !== site) call = call.parent;
  if (call && ts.isCallExpression(call)) for (const a of call.arguments) if (a !== sqlNode) out.push(a);
  // `db.prepare(sql).bind(a, b).run()`: the bind arguments.
  walk(site, (n) => {
    if (ts.isCallExpression(n) && calleeName(n) === 'bind') out.push(...n.arguments);
    return undefined;
  });
  return out;
}

/** Arguments of the chain steps that carry values (`insert(row)`, `merge({...})`, `values(...)`). */
function valueArgs(steps: Step[], names: RegExp): ts.Node[] {
  return steps.filter((s) => names.test(s.name)).flatMap((s) => [...s.args]);
}

function snippetOf(n: ts.Node): string {
  const t = n.getText().replace(/\s+/g, ' ');
  return t.length > 50 ? `${t.slice(0, 49)}…` : t;
}

/** `client.send(new XCommand(...))`: the send call is the write. */
function enclosingSend(n: ts.NewExpression): ts.Node {
  const p = n.parent;
  if (p && ts.isCallExpression(p) && p.arguments.includes(n)) return p;
  return n;
}

function callWrite(call: ts.CallExpression, ctx: WriteContext, add: (w: StateWrite) => void): void {
  const name = calleeName(call);
  if (!name) return;
  const callee = unwrapExpression(call.expression);
  const recv = ts.isPropertyAccessExpression(callee) ? callee.expression : undefined;
  const args = call.arguments;
  const where = () => chainLabel(recv);

  // Fluent chains are read once, from their outermost call.
  if (isChainOuter(call)) chainWrite(call, ctx, add);

  if (!recv) return;

  // Prisma: model.update({ where, data }) / updateMany / upsert({ where, create, update })
  if ((name === 'update' || name === 'updateMany') && args.length === 1 && propOf(args[0], 'data')) {
    const vals = classifyValues(propOf(args[0], 'data'));
    const w = propOf(args[0], 'where');
    add({ node: call, api: `Prisma ${where()}.${name}`, effect: vals.unknown ? 'overwrite' : effectOf(vals), condition: criteriaCondition(w), keyedByDelivery: !!w && ctx.isDeliveryId(w), fields: vals.absolute, values: [propOf(args[0], 'data')!], selector: w && [w], assigned: vals.pairs });
    return;
  }
  if (name === 'upsert' && args.length === 1 && propOf(args[0], 'update')) {
    const vals = classifyValues(propOf(args[0], 'update'));
    const w = propOf(args[0], 'where');
    add({ node: call, api: `Prisma ${where()}.upsert`, effect: vals.unknown ? 'overwrite' : effectOf(vals), condition: criteriaCondition(w), keyedByDelivery: !!w && ctx.isDeliveryId(w), fields: vals.absolute, values: [propOf(args[0], 'update')!], selector: w && [w], assigned: vals.pairs });
    return;
  }
  // Mongoose / Mongo driver
  if (MONGO_UPDATE.has(name) && args.length >= 2) {
    const doc = unwrapExpression(args[1]!);
    const keys = objectKeys(doc);
    let effect: WriteEffect = 'overwrite';
    const fields: string[] = [];
    const assigned: FieldValue[] = [];
    if (name.includes('Replace') || name === 'replaceOne') fields.push(...keys);
    else if (ts.isObjectLiteralExpression(doc)) {
      const plain = keys.filter((k) => !k.startsWith('$'));
      const set = propOf(doc, '$set');
      if (set) {
        const vals = classifyValues(set);
        fields.push(...vals.absolute);
        assigned.push(...vals.pairs);
      }
      fields.push(...plain.filter((k) => !AUDIT_FIELD.test(k)));
      for (const k of plain) {
        const v = propOf(doc, k);
        if (v && !AUDIT_FIELD.test(k)) assigned.push({ field: k, value: v });
      }
      if (!fields.length) effect = keys.some((k) => /^\$(inc|push|addToSet|mul|pull|min|max)$/.test(k)) ? 'increment' : 'insert-if-absent';
    } else if (ts.isArrayLiteralExpression(doc)) {
      return; // aggregation pipeline updates: not read
    }
    const filter = args[0];
    add({ node: call, api: `Mongo ${where()}.${name}`, effect, condition: name.startsWith('findById') ? undefined : criteriaCondition(filter), keyedByDelivery: !!filter && ctx.isDeliveryId(filter), fields, values: [doc], selector: filter && [filter], assigned });
    return;
  }
  // TypeORM repository/manager, Sequelize, MikroORM
  if (name === 'update' && args.length === 2) {
    const a1 = unwrapExpression(args[1]!);
    if (ts.isObjectLiteralExpression(a1) && propOf(a1, 'where')) {
      // Sequelize: Model.update(values, { where })
      const vals = classifyValues(args[0]);
      const w = propOf(a1, 'where');
      add({ node: call, api: `Sequelize ${where()}.update`, effect: vals.unknown ? 'overwrite' : effectOf(vals), condition: criteriaCondition(w), keyedByDelivery: !!w && ctx.isDeliveryId(w), fields: vals.absolute, values: [args[0]!], selector: w && [w], assigned: vals.pairs });
      return;
    }
    if (ts.isObjectLiteralExpression(a1) && objectKeys(a1).some((k) => k.startsWith('$'))) return; // legacy Mongo update: read above shape only
    if (!ts.isObjectLiteralExpression(a1)) return;
    const vals = classifyValues(a1);
    const crit = unwrapExpression(args[0]!);
    const condition = ts.isObjectLiteralExpression(crit) ? criteriaCondition(crit) : keyLike(crit) ? undefined : 'criteria built elsewhere';
    add({ node: call, api: `TypeORM ${where()}.update`, effect: effectOf(vals), condition, keyedByDelivery: ctx.isDeliveryId(crit), fields: vals.absolute, values: [a1], selector: [crit], assigned: vals.pairs });
    return;
  }
  if ((name === 'update' && args.length === 3) || (name === 'nativeUpdate' && args.length >= 3)) {
    const vals = classifyValues(args[2]);
    const crit = unwrapExpression(args[1]!);
    const condition = ts.isObjectLiteralExpression(crit) ? criteriaCondition(crit) : keyLike(crit) ? undefined : 'criteria built elsewhere';
    if (vals.unknown) return;
    add({ node: call, api: `${name === 'nativeUpdate' ? 'MikroORM' : 'TypeORM'} ${name}`, effect: effectOf(vals), condition, keyedByDelivery: ctx.isDeliveryId(crit), fields: vals.absolute, values: [args[2]!], selector: [crit], assigned: vals.pairs });
    return;
  }
  if (name === 'upsert' && args.length >= 1 && args.length <= 3 && !propOf(args[0], 'update')) {
    // TypeORM repo.upsert(values, ['key']), Sequelize Model.upsert(values), MikroORM em.upsert(Entity, values)
    const values = args.length >= 2 && ts.isIdentifier(unwrapExpression(args[0]!)) && /^[A-Z]/.test(unwrapExpression(args[0]!).getText()) ? args[1] : args[0];
    const vals = classifyValues(values);
    if (vals.unknown && !values) return;
    add({ node: call, api: `${where()}.upsert`, effect: vals.unknown ? 'overwrite' : effectOf(vals), keyedByDelivery: !!values && ctx.isDeliveryId(values), fields: vals.absolute, values: values && [values] });
    return;
  }
  // Redis
  if (REDIS_OVERWRITE.has(name) && looksLikeRedis(ctx.project, recv)) {
    if (name === 'hsetnx') return;
    add({ node: call, api: `Redis ${name.toUpperCase()}`, effect: 'overwrite', keyedByDelivery: !!args[0] && ctx.isDeliveryId(args[0]), fields: objectKeys(args[1]), values: args.slice(1) });
    return;
  }
  if (name === 'set' && args.length >= 2) {
    const ref = firestoreRef(ctx.project, recv) ?? (args.length >= 2 ? firestoreRef(ctx.project, args[0]) : undefined);
    if (ref) {
      const data = ref === firestoreRef(ctx.project, recv) ? args[0] : args[1];
      add({ node: call, api: 'Firestore set', effect: 'overwrite', keyedByDelivery: firestoreKeyed(ref, ctx), fields: objectKeys(data), values: data && [data] });
      return;
    }
    if (!looksLikeRedis(ctx.project, recv)) return;
    const flags = args.slice(2).map((a) => `${literalValue(a) ?? ''}`.toUpperCase());
    const opts = args.slice(2).find((a) => ts.isObjectLiteralExpression(unwrapExpression(a)));
    const nx = flags.includes('NX') || flags.includes('XX') || (opts && (propOf(opts, 'NX') || propOf(opts, 'XX') || /NX|XX/.test(stringText(propOf(opts, 'condition')) ?? '')));
    add({ node: call, api: 'Redis SET', effect: nx ? 'insert-if-absent' : 'overwrite', condition: flags.includes('XX') ? 'SET XX' : undefined, keyedByDelivery: ctx.isDeliveryId(args[0]!), fields: [], values: [args[1]!] });
    return;
  }
  if (name === 'set' && args.length === 1) {
    const ref = firestoreRef(ctx.project, recv);
    if (ref) add({ node: call, api: 'Firestore set', effect: 'overwrite', keyedByDelivery: firestoreKeyed(ref, ctx), fields: objectKeys(args[0]), values: args.slice(0, 1) });
    return;
  }
  if (name === 'update' && args.length === 1) {
    const ref = firestoreRef(ctx.project, recv);
    if (ref) add({ node: call, api: 'Firestore update', effect: 'overwrite', keyedByDelivery: firestoreKeyed(ref, ctx), fields: objectKeys(args[0]), values: args.slice(0, 1) });
    else if (ctx.isLoadedEntity && ts.isIdentifier(unwrapExpression(recv)) && ctx.isLoadedEntity(unwrapExpression(recv) as ts.Identifier)) {
      // Sequelize instance.update({...}) of a loaded row
      const vals = classifyValues(args[0]);
      if (!vals.unknown && vals.absolute.length) add({ node: call, api: `update of loaded ${recv.getText()}`, effect: 'overwrite', keyedByDelivery: false, fields: vals.absolute, values: args.slice(0, 1) });
    }
    return;
  }
  // DocumentClient v2: docClient.update({ TableName, Key, UpdateExpression }) / put({ TableName, Item })
  if ((name === 'update' || name === 'put') && args.length === 1 && propOf(args[0], 'TableName')) {
    const input = args[0];
    const condition = propOf(input, 'ConditionExpression') ? 'ConditionExpression' : undefined;
    if (name === 'put') {
      const item = propOf(input, 'Item');
      add({ node: call, api: 'DynamoDB put', effect: 'overwrite', condition, keyedByDelivery: !!item && ctx.isDeliveryId(item), fields: objectKeys(item), values: item && [item] });
    } else {
      const ue = stringText(propOf(input, 'UpdateExpression'));
      const cls = ue ? classifyUpdateExpression(ue) : { absolute: ['?'], increments: [] };
      const key = propOf(input, 'Key');
      add({ node: call, api: 'DynamoDB update', effect: effectOf(cls), condition, keyedByDelivery: !!key && ctx.isDeliveryId(key), fields: cls.absolute, values: [propOf(input, 'ExpressionAttributeValues') ?? input!], selector: key && [key], assigned: ue ? dynamoAssignments(ue, input) : undefined });
    }
    return;
  }
  // save of an entity loaded earlier: repo.save(entity), entity.save(), em.persistAndFlush(entity)
  if ((name === 'save' || name === 'persistAndFlush' || name === 'persist') && ctx.isLoadedEntity) {
    const target = args.length ? unwrapExpression(args[0]!) : unwrapExpression(recv);
    if (ts.isIdentifier(target) && ctx.isLoadedEntity(target)) {
      add({ node: call, api: `save of loaded ${target.text}`, effect: 'overwrite', keyedByDelivery: false, fields: [], values: [target] });
    }
  }
}

function keyLike(e: ts.Expression): boolean {
  return ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isStringLiteralLike(e) || ts.isTemplateExpression(e) || ts.isNumericLiteral(e) || ts.isElementAccessExpression(e);
}

function firestoreKeyed(ref: ts.Expression, ctx: WriteContext): boolean {
  // collection('a').doc(x).collection('b').doc(message.id): any doc() segment keyed by the delivery
  let e: ts.Expression = unwrapExpression(ref);
  while (ts.isCallExpression(e)) {
    if (calleeName(e) === 'doc' && e.arguments[0] && ctx.isDeliveryId(e.arguments[0])) return true;
    const c = unwrapExpression(e.expression);
    if (!ts.isPropertyAccessExpression(c)) break;
    e = unwrapExpression(c.expression);
  }
  return false;
}

function chainLabel(recv: ts.Expression | undefined): string {
  if (!recv) return '?';
  const chain = accessChain(recv) ?? recv.getText();
  const parts = chain.split('.').filter((p) => p !== 'this');
  return parts.slice(-2).join('.') || chain;
}

const KNEX_WHERE = /^(where|andWhere|orWhere|whereNot|whereIn|whereNotIn|whereNull|whereNotNull|whereRaw|whereExists|whereBetween|andWhereNot|whereJsonPath)$/;

/** Knex, Drizzle and TypeORM query-builder writes: read from the chain of calls. */
function chainWrite(outer: ts.CallExpression, ctx: WriteContext, add: (w: StateWrite) => void): void {
  const { steps } = flattenChain(outer);
  if (steps.length < 2) return;
  const names = steps.map((s) => s.name);
  const first = steps[0]!;
  const table = first.args[0] && literalValue(first.args[0]) !== undefined ? String(literalValue(first.args[0])) : undefined;
  const conditionFrom = (from: number, to = steps.length): string | undefined => {
    for (let i = from; i < to; i++) {
      const s = steps[i]!;
      if (!KNEX_WHERE.test(s.name)) continue;
      if (s.name !== 'where' && s.name !== 'andWhere') return `${s.name}(...)`;
      if (s.args.length >= 3) {
        const op = literalValue(s.args[1]);
        if (op !== '=') return `where(${s.args.map((a) => a.getText()).join(', ')})`;
      }
      if (s.args.length === 2) {
        const col = String(literalValue(s.args[0]) ?? '');
        if (STATE_FIELD.test(col) || literalValue(s.args[1]) !== undefined) return `where(${s.args.map((a) => a.getText()).join(', ')})`;
      }
      if (s.args.length === 1) {
        const c = criteriaCondition(s.args[0]);
        if (c) return c;
      }
    }
    return undefined;
  };
  const keyedFrom = (from: number, to = steps.length) => steps.slice(from, to).some((s) => KNEX_WHERE.test(s.name) && s.args.some((a) => ctx.isDeliveryId(a)));
  const whereArgs = (from: number, to = steps.length) => steps.slice(from, to).filter((s) => KNEX_WHERE.test(s.name)).flatMap((s) => [...s.args]);

  // Knex/TypeORM QB/Drizzle: update(...).set({...}).where(...)
  const setI = names.indexOf('set');
  const updI = names.indexOf('update');
  if (setI > 0 && updI >= 0 && updI < setI) {
    const vals = classifyValues(steps[setI]!.args[0]);
    if (vals.unknown && !steps[setI]!.args[0]) return;
    add({ node: outer, api: `${steps[updI]!.args[0]?.getText() ?? 'query builder'} update`, effect: vals.unknown ? 'overwrite' : effectOf(vals), condition: conditionFrom(setI + 1) ?? conditionFrom(0, updI), keyedByDelivery: keyedFrom(0), fields: vals.absolute, values: steps[setI]!.args.slice(0, 1), selector: whereArgs(0), assigned: vals.pairs });
    return;
  }
  // Knex: db('t').where(...).update({...})
  if (updI > 0 && setI < 0 && steps[updI]!.args.length >= 1 && ts.isObjectLiteralExpression(unwrapExpression(steps[updI]!.args[0]!))) {
    if (!(table || names.slice(0, updI).some((n) => KNEX_WHERE.test(n) || n === 'table' || n === 'from' || n === 'into'))) return;
    const vals = classifyValues(steps[updI]!.args[0]);
    add({ node: outer, api: `Knex ${table ?? ''} update`.replace(/\s+/g, ' '), effect: effectOf(vals), condition: conditionFrom(0), keyedByDelivery: keyedFrom(0), fields: vals.absolute, values: steps[updI]!.args.slice(0, 1), selector: whereArgs(0, updI), assigned: vals.pairs });
    return;
  }
  // Knex: insert(...).onConflict(key).merge(...)[.where(...)]
  const mergeI = names.indexOf('merge');
  const ocI = names.indexOf('onConflict');
  if (mergeI > 0 && ocI >= 0 && ocI < mergeI) {
    const insI = names.indexOf('insert');
    const arg = steps[mergeI]!.args[0];
    let vals: { absolute: string[]; increments: string[]; unknown: boolean };
    if (!arg) vals = { absolute: objectKeys(insI >= 0 ? steps[insI]!.args[0] : undefined), increments: [], unknown: false };
    else if (ts.isArrayLiteralExpression(unwrapExpression(arg))) vals = { absolute: (unwrapExpression(arg) as ts.ArrayLiteralExpression).elements.map((e) => String(literalValue(e) ?? e.getText())), increments: [], unknown: false };
    else vals = classifyValues(arg);
    if (!vals.absolute.length && !vals.increments.length && !vals.unknown) vals.absolute.push('*');
    const target = steps[ocI]!.args.map((a) => a.getText()).join(', ');
    add({
      node: outer,
      api: `Knex ${table ?? ''} upsert`.replace(/\s+/g, ' '),
      effect: vals.unknown ? 'overwrite' : effectOf(vals),
      condition: conditionFrom(mergeI + 1),
      keyedByDelivery: DELIVERY_COLUMN.test(target),
      fields: vals.absolute.filter((f) => f !== '*'),
      values: valueArgs(steps, /^(insert|merge)$/),
    });
    return;
  }
  // Drizzle: insert(t).values(...).onConflictDoUpdate({ target, set, where/setWhere })
  const odu = names.indexOf('onConflictDoUpdate');
  const dku = names.indexOf('onDuplicateKeyUpdate');
  if (odu > 0 || dku > 0) {
    const cfg = steps[odu > 0 ? odu : dku]!.args[0];
    const vals = classifyValues(propOf(cfg, 'set'));
    const cond = propOf(cfg, 'setWhere') ?? propOf(cfg, 'where') ?? propOf(cfg, 'targetWhere');
    const condition = propOf(cfg, 'setWhere') || propOf(cfg, 'where') ? `onConflictDoUpdate where ${snippetOf(cond!)}` : undefined;
    const target = propOf(cfg, 'target')?.getText() ?? '';
    add({ node: outer, api: `Drizzle ${steps[names.indexOf('insert')]?.args[0]?.getText() ?? ''} upsert`.replace(/\s+/g, ' '), effect: vals.unknown ? 'overwrite' : effectOf(vals), condition, keyedByDelivery: DELIVERY_COLUMN.test(target.replace(/([a-z])([A-Z])/g, '$1_$2')), fields: vals.absolute, values: valueArgs(steps, /^(values|onConflictDoUpdate|onDuplicateKeyUpdate)$/) });
    return;
  }
  // TypeORM QB: insert().into(T).values(...).orUpdate([...])
  const ou = names.indexOf('orUpdate');
  if (ou > 0) {
    add({ node: outer, api: 'TypeORM insert ... orUpdate', effect: 'overwrite', condition: conditionFrom(ou + 1), keyedByDelivery: false, fields: [], values: valueArgs(steps, /^values$/) });
  }
}

export { STATE_WORD };

/** Walks a node's descendants to see whether any sub-expression satisfies `pred`. */
export function someDescendant(node: ts.Node, pred: (n: ts.Node) => boolean): boolean {
  if (pred(node)) return true;
  let found = false;
  walk(node, (n) => {
    if (found) return false;
    if (pred(n)) {
      found = true;
      return false;
    }
    return undefined;
  });
  return found;
}

// ---------- the delivery's own id ----------

const DELIVERY_ID_NAMES = new Set([
  'messageId', 'MessageId', 'message_id', 'eventId', 'event_id', 'EventId', 'entryId', 'entry_id', 'streamEntryId',
  'deliveryId', 'delivery_id', 'sequenceNumber', 'SequenceNumber', 'idempotencyKey', 'idempotency_key',
]);
const DELIVERY_VAR = /^(message|msg|m|event|evt|e|job|record|rec|delivery|entry|envelope|packet|notification|webhookEvent|stripeEvent)$/;

/** A predicate for expressions that are, or embed, the delivery's own id. */
export function deliveryIdMatcher(idFields: readonly string[], project?: Project): (node: ts.Node) => boolean {
  const names = new Set([...DELIVERY_ID_NAMES, ...idFields.filter((f) => f !== 'id' && f !== 'offset')]);
  const seen = new Set<ts.Node>();
  const isId = (n: ts.Node): boolean => {
    if (ts.isIdentifier(n)) {
      if (n.parent && ts.isPropertyAssignment(n.parent) && n.parent.name === n) return false;
      if (n.parent && ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) return false;
      if (names.has(n.text)) return true;
      // const key = String(message.messageId): a local copy of the id
      const b = project?.lookup(n);
      if (b?.kind === 'var' && !b.path.length && b.decl.initializer && !seen.has(b.decl)) {
        seen.add(b.decl);
        return someDescendant(b.decl.initializer, isId);
      }
      return false;
    }
    if (ts.isPropertyAccessExpression(n)) {
      if (names.has(n.name.text)) return true;
      // `.id` / `.offset` are the delivery's own only where the framework's delivery has them
      // (a Pub/Sub message, a job, a stream entry); an in-process event's `evt.id` is a business key.
      if ((n.name.text === 'id' || n.name.text === 'offset') && idFields.includes(n.name.text)) {
        const base = unwrapExpression(n.expression);
        if (!ts.isIdentifier(base) || !DELIVERY_VAR.test(base.text)) return false;
        // `evt.id` of a parsed payload is a business id; the delivery object's own `.id` is its id.
        const b = project?.lookup(base);
        return !(b?.kind === 'var' && b.decl.initializer && /JSON\.parse|\.decode\(|\.body\b|\.data\b|\.value\b|\.detail\b|\.payload\b/.test(b.decl.initializer.getText()));
      }
    }
    if (ts.isElementAccessExpression(n)) {
      const a = unwrapExpression(n.argumentExpression);
      return ts.isStringLiteralLike(a) && names.has(a.text);
    }
    return false;
  };
  return (node) => someDescendant(node, isId);
}
