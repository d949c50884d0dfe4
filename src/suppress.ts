// Pipeline stage "suppress": inline directives in the source.
//   // event-audit-disable-next-line <rule>[, <rule>] -- reason
//   // event-audit-disable-line <rule>
//   // event-audit-disable <rule>   ...   // event-audit-enable [<rule>]
//   // event-audit-disable-file <rule>   (anywhere in the file; no rule = every rule)
import type { Project } from './analysis/project.js';
import type { Finding } from './model.js';

interface Directive {
  kind: 'next-line' | 'line' | 'disable' | 'enable' | 'file';
  rules: string[]; // empty = every rule
  line: number; // 1-based line of the comment
  column: number;
  reason?: string;
  used: boolean;
}

const DIRECTIVE = /(?:\/\/|\/\*)\s*event-audit-(disable-next-line|disable-line|disable-file|disable|enable)\b([^\n\r\u2028\u2029*]*)/g;

export function parseDirectives(text: string): Directive[] {
  const out: Directive[] = [];
  if (!text.includes('event-audit-')) return out;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    // Line ends as the compiler counts them (finding lines come from it): \n, \r\n, a lone \r, U+2028, U+2029.
    const c = text.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lineStarts.push(i + 1);
  }
  const lineOf = (pos: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const m of text.matchAll(DIRECTIVE)) {
    const [body, reason] = m[2]!.split(/\s--+\s*/, 2) as [string, string | undefined];
    const rules = body.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    const kindWord = m[1]!;
    const kind = kindWord === 'disable-next-line' ? 'next-line' : kindWord === 'disable-line' ? 'line' : kindWord === 'disable-file' ? 'file' : (kindWord as 'disable' | 'enable');
    const l = lineOf(m.index!);
    out.push({ kind, rules, line: l + 1, column: m.index! - lineStarts[l]! + 1, reason: reason?.trim() || undefined, used: false });
  }
  return out;
}

function covers(d: Directive, ruleId: string): boolean {
  return d.rules.length === 0 || d.rules.includes(ruleId);
}

/** Which directive (if any) suppresses a finding on `line` for `ruleId`. */
function suppressor(directives: Directive[], ruleId: string, line: number): Directive | undefined {
  for (const d of directives) {
    if (d.kind === 'file' && covers(d, ruleId)) return d;
    if (d.kind === 'next-line' && d.line + 1 === line && covers(d, ruleId)) return d;
    if (d.kind === 'line' && d.line === line && covers(d, ruleId)) return d;
  }
  // Block form: the last disable/enable before the line decides.
  let active: Directive | undefined;
  for (const d of directives) {
    if (d.line >= line) break;
    if (d.kind === 'disable' && covers(d, ruleId)) active = d;
    else if (d.kind === 'enable' && active && (d.rules.length === 0 || d.rules.includes(ruleId))) active = undefined;
  }
  return active;
}

export function applyInlineSuppressions(findings: Finding[], project: Project, files: readonly string[] = []) {
  const byFile = new Map<string, Directive[]>();
  const directivesOf = (file: string) => {
    let d = byFile.get(file);
    if (!d) {
      d = parseDirectives(project.sources.text(file) ?? '');
      byFile.set(file, d);
    }
    return d;
  };
  // Every audited file's directives are read, so unused ones are found where nothing was reported.
  for (const file of files) {
    const text = project.sources.text(file);
    if (text?.includes('event-audit-')) directivesOf(file);
  }
  const kept: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of findings) {
    const d = suppressor(directivesOf(f.span.file), f.ruleId, f.span.start.line);
    if (d) {
      d.used = true;
      f.suppressed = { kind: 'inSource', justification: d.reason };
      suppressed.push(f);
    } else kept.push(f);
  }
  const unused: { file: string; line: number; column: number; rules: string[] }[] = [];
  for (const [file, ds] of [...byFile].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const d of ds) if (!d.used && d.kind !== 'enable') unused.push({ file, line: d.line, column: d.column, rules: d.rules });
  }
  return { kept, suppressed, unused };
}
