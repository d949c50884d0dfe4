// SARIF 2.1.0 for GitHub code scanning: one run, every rule described with its help page,
// paths relative to the repository root under %SRCROOT%, related locations and code flows
// for problems found in callees, and a line-independent fingerprint of our own.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditReport, Finding, Span } from '../model.js';
import { packageRoot, toolVersion, REPO_URL } from '../version.js';

const helpCache = new Map<string, string | undefined>();

export function helpMarkdown(ruleId: string): string | undefined {
  if (!helpCache.has(ruleId)) {
    const file = `${packageRoot}/rules/${ruleId}.md`;
    helpCache.set(ruleId, existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  }
  return helpCache.get(ruleId);
}

/** Plain text of a help page: markdown markers dropped, code kept. */
function markdownToText(md: string): string {
  return md
    .replace(/^#+\s*/gm, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/^```\w*\n?/gm, '')
    .trim();
}

function fullDescription(md: string | undefined, fallback: string): string {
  if (!md) return fallback;
  const section = /## What it looks for\n+([\s\S]*?)(\n## |$)/.exec(md)?.[1];
  const text = section ? markdownToText(section).replace(/\n+/g, ' ') : fallback;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

const SECURITY_SEVERITY: Record<string, string> = { error: '6.5', warning: '4.0', note: '2.0' };
const PROBLEM_SEVERITY: Record<string, string> = { error: 'error', warning: 'warning', note: 'recommendation' };

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

export interface SarifOptions {
  includeSuppressed?: boolean;
  category?: string;
}

export function renderSarif(result: AuditReport, opts: SarifOptions = {}): string {
  const root = result.root;
  const rules = result.rules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const uri = (file: string) => {
    const rel = relative(root, file).split('\\').join('/');
    return rel.startsWith('..') ? { uri: pathToFileURL(file).href } : { uri: encodePath(rel), uriBaseId: '%SRCROOT%' };
  };
  const physical = (s: Span) => ({
    artifactLocation: uri(s.file),
    region: { startLine: s.start.line, startColumn: s.start.column, endLine: s.end.line, endColumn: s.end.column },
  });
  const findings: Finding[] = opts.includeSuppressed ? [...result.findings, ...result.suppressed] : result.findings;
  const withSuppressions = opts.includeSuppressed === true;
  const results = findings.map((f) => {
    const related = f.related.map((r, i) => ({ id: i + 1, message: { text: r.message }, physicalLocation: physical(r.span) }));
    const links = related.length ? ` See [${related[0]!.message.text.replace(/[[\]]/g, '')}](1).` : '';
    const out: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? -1,
      level: f.level,
      message: { text: `${f.message}${links}` },
      locations: [{ physicalLocation: physical(f.span) }],
      partialFingerprints: { 'eventAudit/v1': f.fingerprint },
      properties: { handler: f.handler.key, framework: f.handler.framework },
    };
    if (related.length) out.relatedLocations = related;
    if (f.chain.length) {
      out.codeFlows = [
        {
          message: { text: `call chain from handler ${f.handler.name}` },
          threadFlows: [{ locations: f.chain.map((c) => ({ location: { physicalLocation: physical(c.span), message: { text: c.message } } })) }],
        },
      ];
    }
    if (withSuppressions) {
      out.suppressions = f.suppressed ? [{ kind: f.suppressed.kind, status: 'accepted', ...(f.suppressed.justification ? { justification: f.suppressed.justification } : {}) }] : [];
    }
    return out;
  });
  const failed = result.notifications.some((n) => n.level === 'error');
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'event-audit',
            semanticVersion: toolVersion,
            version: toolVersion,
            informationUri: REPO_URL,
            rules: rules.map((r) => {
              const md = helpMarkdown(r.id);
              return {
                id: r.id,
                name: r.id.replace(/(^|-)(\w)/g, (_m, _d, ch: string) => ch.toUpperCase()),
                shortDescription: { text: r.description },
                fullDescription: { text: fullDescription(md, r.description) },
                help: { text: md ? markdownToText(md) : r.description, ...(md ? { markdown: md } : {}) },
                helpUri: `${REPO_URL}/blob/main/rules/${r.id}.md`,
                defaultConfiguration: { level: r.defaultLevel },
                properties: {
                  tags: r.tags,
                  precision: r.precision,
                  'problem.severity': PROBLEM_SEVERITY[r.defaultLevel],
                  'security-severity': SECURITY_SEVERITY[r.defaultLevel],
                },
              };
            }),
          },
        },
        automationDetails: { id: `${opts.category ?? 'event-audit'}/` },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(root.endsWith('/') ? root : `${root}/`).href } },
        invocations: [
          {
            executionSuccessful: !failed,
            toolExecutionNotifications: result.notifications.map((n) => ({
              level: n.level,
              // Paths in messages as in locations: relative to the repository root, so logs match across machines.
              message: { text: n.file ? n.message.split(n.file).join(relative(root, n.file).split('\\').join('/')) : n.message },
              descriptor: { id: n.id },
              ...(n.file ? { locations: [{ physicalLocation: { artifactLocation: uri(n.file) } }] } : {}),
            })),
          },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
