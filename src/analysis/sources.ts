// Reads and parses each file once, defensively. A file that cannot be read or parsed fully
// is never skipped in silence: the reason becomes a notification.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ts } from './ast.js';
import { kindOf } from '../files.js';
import type { Notification } from '../model.js';

export interface ParsedFile {
  file: string;
  text: string;
  sf: ts.SourceFile;
  /** True when the parser reported syntax errors: the tree is what it recovered. */
  hasSyntaxErrors: boolean;
}

export { SOURCE_EXTENSIONS } from '../source-extensions.js';

function scriptKind(file: string): ts.ScriptKind {
  switch (extname(file).toLowerCase()) {
    case '.tsx':
      return ts.ScriptKind.TSX;
    case '.jsx':
      return ts.ScriptKind.JSX;
    case '.js':
    case '.mjs':
    case '.cjs':
      // Parse JavaScript as JSX-capable JS: plain .js files in React projects often hold JSX.
      return ts.ScriptKind.JSX;
    default:
      return ts.ScriptKind.TS;
  }
}

export interface SourceStoreOptions {
  maxFileBytes: number;
}

export class SourceStore {
  private readonly parsed = new Map<string, ParsedFile | null>();
  private readonly texts = new Map<string, string | null>();
  readonly notifications: Notification[] = [];
  private readonly noted = new Set<string>();
  /** Files whose analysis was incomplete (parse recovery, read errors, size). */
  readonly incomplete = new Set<string>();
  parseCount = 0;

  constructor(private readonly options: SourceStoreOptions) {}

  private note(n: Notification): void {
    const key = `${n.id}|${n.file ?? ''}|${n.message}`;
    if (this.noted.has(key)) return;
    this.noted.add(key);
    this.notifications.push(n);
    if (n.file) this.incomplete.add(n.file);
  }

  /** Every file whose text was read (the audit's inputs, for the cache). */
  readFiles(): string[] {
    return [...this.texts.keys()];
  }

  /** The file's text, or undefined (with a notification) when it cannot be used as source. */
  text(file: string): string | undefined {
    const cached = this.texts.get(file);
    if (cached !== undefined) return cached ?? undefined;
    const t = this.readText(file);
    this.texts.set(file, t ?? null);
    return t;
  }

  /** Sets the text of a file that is already known (used by the cache and by tests). */
  private readText(file: string): string | undefined {
    // Opened without blocking, then checked: a FIFO or a device named like source would block
    // or never end, and a file can vanish or change kind between listing and reading.
    let buf: Buffer;
    let fd: number | undefined;
    try {
      fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      const st = fstatSync(fd);
      if (!st.isFile()) {
        this.note({ id: 'not-a-file', level: 'warning', file, message: `skipped ${file}: ${kindOf(st)}, not a regular file` });
        return undefined;
      }
      if (st.size > this.options.maxFileBytes) {
        this.note({
          id: 'file-too-large',
          level: 'warning',
          file,
          message: `skipped ${file}: ${st.size} bytes is over the limit of ${this.options.maxFileBytes} (set maxFileBytes in the config to raise it)`,
        });
        return undefined;
      }
      buf = readFileSync(fd);
    } catch (e) {
      if (errCode(e) === 'ENOENT') this.note({ id: 'file-vanished', level: 'warning', file, message: `skipped ${file}: it was deleted or moved during the run` });
      else this.note({ id: 'unreadable-file', level: 'error', file, message: `cannot read ${file}: ${errCode(e)}` });
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    buf = decodeUtf16(buf);
    if (buf.includes(0)) {
      this.note({ id: 'binary-file', level: 'warning', file, message: `skipped ${file}: it holds NUL bytes (binary, not source)` });
      return undefined;
    }
    // Invalid UTF-8 becomes U+FFFD; positions stay consistent with what is parsed.
    let text = buf.toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return text;
  }

  get(file: string): ParsedFile | undefined {
    const cached = this.parsed.get(file);
    if (cached !== undefined) return cached ?? undefined;
    const text = this.text(file);
    if (text === undefined) {
      this.parsed.set(file, null);
      return undefined;
    }
    let sf: ts.SourceFile;
    try {
      sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
      this.parseCount++;
    } catch (e) {
      // The compiler's parser recurses: generated code nested thousands deep overflows the stack.
      if (e instanceof RangeError) this.note({ id: 'too-deeply-nested', level: 'warning', file, message: `skipped ${file}: nested too deeply for the parser (${e.message}); not analysed (generated code? add it to ignore)` });
      else this.note({ id: 'parse-failed', level: 'error', file, message: `cannot parse ${file}: ${e instanceof Error ? e.message : String(e)}` });
      this.parsed.set(file, null);
      return undefined;
    }
    const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
    const hasSyntaxErrors = diags.length > 0;
    if (hasSyntaxErrors) {
      const d = diags[0]!;
      const lc = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : undefined;
      this.note({
        id: 'syntax-error',
        level: 'warning',
        file,
        message: `${file}${lc ? `:${lc.line + 1}:${lc.character + 1}` : ''}: syntax error (${ts.flattenDiagnosticMessageText(d.messageText, ' ')}); analysed what the parser recovered`,
      });
    }
    const p: ParsedFile = { file, text, sf, hasSyntaxErrors };
    this.parsed.set(file, p);
    return p;
  }

  /** Records a fault met while analysing a file (adapter or rule crash). */
  fault(id: string, file: string | undefined, message: string): void {
    this.note({ id, level: 'error', file, message });
  }

  /** Records a limit that cut an analysis short: the run still succeeds, but says what it did not see. */
  limited(id: string, file: string, message: string): void {
    this.note({ id, level: 'note', file, message });
  }
}

/** UTF-16 text with a byte order mark (Windows tools write it) re-encoded as UTF-8; other bytes unchanged. */
function decodeUtf16(buf: Buffer): Buffer {
  if (buf[0] === 0xff && buf[1] === 0xfe) return Buffer.from(buf.subarray(2).toString('utf16le'), 'utf8');
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(Buffer.from(buf.subarray(2, buf.length - (buf.length % 2))).swap16().toString('utf16le'), 'utf8');
  return buf;
}

function errCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? err.message ?? String(e);
}
