// Text output: findings grouped by file, each with a code frame, the rule id and the one-line
// production consequence; a summary line at the end. Colours only where the stream is a TTY.
import { relative } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import type { AuditReport, Finding } from '../model.js';
import type { SourceTextReader } from './source-text.js';

export function colorLevel(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  return stream.isTTY ? 1 : 0;
}

const LEVEL_WORD = { error: 'error', warning: 'warning', note: 'note' } as const;

export function renderText(result: AuditReport, cwd: string, readText: SourceTextReader, color: 0 | 1 | 2 | 3, opts: { helpBase?: string } = {}): string {
  const c = new Chalk({ level: color });
  const lines: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = byFile.get(f.span.file) ?? [];
    list.push(f);
    byFile.set(f.span.file, list);
  }
  for (const [file, findings] of byFile) {
    lines.push('', c.underline(rel(cwd, file)));
    const text = readText(file);
    const srcLines = text?.split(/\r\n|[\r\n\u2028\u2029]/); // line ends as the compiler counts them
    for (const f of findings) {
      const lvl = levelColor(c, f.level)(LEVEL_WORD[f.level].padEnd(7));
      lines.push(`  ${c.dim(`${f.span.start.line}:${f.span.start.column}`.padEnd(8))} ${lvl} ${f.message}  ${c.dim(f.ruleId)}`);
      if (srcLines) lines.push(...codeFrame(c, srcLines, f));
      for (const r of f.related) lines.push(`           ${c.dim('↳')} ${c.dim(`${rel(cwd, r.span.file)}:${r.span.start.line}:${r.span.start.column}`)} ${r.message}`);
      if (opts.helpBase) lines.push(`           ${c.dim(`help: ${opts.helpBase}${f.ruleId}.md`)}`);
    }
  }
  const errors = result.findings.filter((f) => f.level === 'error').length;
  const warnings = result.findings.filter((f) => f.level === 'warning').length;
  const notes = result.findings.filter((f) => f.level === 'note').length;
  const total = errors + warnings + notes;
  for (const n of result.notifications) {
    lines.push(`${levelColor(c, n.level === 'error' ? 'error' : 'warning')(n.level === 'error' ? '✖' : '!')} ${n.file ? n.message.replace(n.file, rel(cwd, n.file)) : n.message}`);
  }
  lines.push('');
  const handlerWord = `${result.handlers.length} handler${result.handlers.length === 1 ? '' : 's'} in ${result.stats.files} file${result.stats.files === 1 ? '' : 's'}`;
  if (total === 0) {
    lines.push(c.green(`✔ no problems (${handlerWord})`));
  } else {
    const parts = [`${errors} error${errors === 1 ? '' : 's'}`, `${warnings} warning${warnings === 1 ? '' : 's'}`];
    if (notes) parts.push(`${notes} note${notes === 1 ? '' : 's'}`);
    const line = `✖ ${total} problem${total === 1 ? '' : 's'} (${parts.join(', ')}) in ${handlerWord}`;
    lines.push(errors ? c.red.bold(line) : c.yellow.bold(line));
  }
  if (result.suppressed.length) lines.push(c.dim(`  ${result.suppressed.length} suppressed by inline comments`));
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}

function levelColor(c: ChalkInstance, level: string) {
  return level === 'error' ? c.red : level === 'warning' ? c.yellow : c.blue;
}

function codeFrame(c: ChalkInstance, src: string[], f: Finding): string[] {
  const line = f.span.start.line;
  const text = src[line - 1];
  if (text === undefined) return [];
  const gutter = String(line).padStart(5);
  const shown = text.replace(/\t/g, '  ');
  const width = shown.length > 160 ? 160 : shown.length;
  const out = [`    ${c.dim(`${gutter} |`)} ${shown.slice(0, width)}${shown.length > width ? '…' : ''}`];
  const startCol = Math.min(f.span.start.column - 1, width);
  const endCol = f.span.end.line === line ? Math.min(f.span.end.column - 1, width) : width;
  const len = Math.max(1, endCol - startCol);
  out.push(`    ${c.dim(`${' '.repeat(gutter.length)} |`)} ${' '.repeat(startCol)}${levelColor(c, f.level)('^'.repeat(len))}`);
  return out;
}

function rel(cwd: string, file: string): string {
  return relative(cwd, file).split('\\').join('/') || file;
}

export function renderHandlersText(result: AuditReport, cwd: string): string {
  const lines: string[] = [];
  for (const h of result.handlers) {
    const d = h.delivery;
    const traits = d.inProcess ? ['in-process, no redelivery'] : [
      d.acksOnReturn ? 'acks on return' : 'manual ack',
      d.redeliversOnThrow ? 'redelivers on throw' : 'no redelivery on throw',
      d.ordered ? 'ordered' : 'unordered',
      d.batched ? 'batched' : 'single',
    ];
    if (d.autoAck) traits.push(`auto-ack: ${d.autoAck}`);
    lines.push(`${rel(cwd, h.file)}:${h.line}:${h.column}  ${h.framework} ${h.kind}  ${h.name}  (${traits.join(', ')})`);
  }
  lines.push(`${result.handlers.length} handler${result.handlers.length === 1 ? '' : 's'} in ${result.stats.files} file${result.stats.files === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}
