// JSON output: a stable, versioned document for dashboards and other tools.
import { relative } from 'node:path';
import type { AuditReport, Finding, HandlerInfo, Span } from '../model.js';

export const JSON_FORMAT_VERSION = 1;

export function handlerEntry(h: HandlerInfo, cwd: string) {
  return { ...h, file: rel(cwd, h.file), registeredIn: rel(cwd, h.registeredIn) };
}

function rel(cwd: string, file: string): string {
  return relative(cwd, file).split('\\').join('/');
}

function span(cwd: string, s: Span) {
  return { file: rel(cwd, s.file), line: s.start.line, column: s.start.column, endLine: s.end.line, endColumn: s.end.column };
}

function findingEntry(f: Finding, cwd: string) {
  return {
    ruleId: f.ruleId,
    level: f.level,
    message: f.message,
    ...span(cwd, f.span),
    handler: f.handler,
    related: f.related.map((r) => ({ ...span(cwd, r.span), message: r.message })),
    chain: f.chain.map((r) => ({ ...span(cwd, r.span), message: r.message })),
    fingerprint: f.fingerprint,
    ...(f.suppressed ? { suppressed: f.suppressed } : {}),
  };
}

export function renderJson(result: AuditReport, cwd: string, opts: { includeSuppressed?: boolean } = {}): string {
  const findings = opts.includeSuppressed ? [...result.findings, ...result.suppressed] : result.findings;
  const doc = {
    version: JSON_FORMAT_VERSION,
    tool: 'event-audit',
    findings: findings.map((f) => findingEntry(f, cwd)),
    handlers: result.handlers.map((h) => handlerEntry(h, cwd)),
    notifications: result.notifications.map((n) => ({ ...n, message: n.file ? n.message.split(n.file).join(rel(cwd, n.file)) : n.message, file: n.file ? rel(cwd, n.file) : undefined })),
    summary: summary(result),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function summary(result: AuditReport) {
  const count = (lvl: string) => result.findings.filter((f) => f.level === lvl).length;
  return {
    files: result.stats.files,
    handlers: result.handlers.length,
    errors: count('error'),
    warnings: count('warning'),
    notes: count('note'),
    suppressed: result.suppressed.length,
  };
}

export function renderHandlersJson(result: AuditReport, cwd: string): string {
  return `${JSON.stringify({ version: JSON_FORMAT_VERSION, handlers: result.handlers.map((h) => handlerEntry(h, cwd)) }, null, 2)}\n`;
}
