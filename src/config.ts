// Loads the team's configuration (cosmiconfig, name `event-audit`), validates it against the
// published JSON schema and turns every problem into one line naming the file, key and what is allowed.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cosmiconfig, defaultLoaders, type CosmiconfigResult, type Loader } from 'cosmiconfig';
import { pathToFileURL } from 'node:url';
import type AjvModule from 'ajv';
import type { ErrorObject } from 'ajv';
import { createRequire } from 'node:module';
import type { Level } from './model.js';
import { UsageError, describeError } from './errors.js';
import { packageRoot } from './version.js';

export interface CustomHandlerSpec {
  call?: string;
  arg?: number;
  property?: string;
  decorator?: string;
  type?: string;
  framework?: string;
  acksOnReturn?: boolean;
  redeliversOnThrow?: boolean;
  ordered?: boolean;
  batched?: boolean;
  idFields?: string[];
}

export type SideEffectKind = 'insert' | 'increment' | 'append' | 'payment' | 'email' | 'publish' | 'http' | 'write';

export interface ResolvedConfig {
  /** Folder the config came from (ignore patterns are relative to it); the cwd when there is none. */
  root: string;
  file?: string;
  rules: Record<string, Level>;
  ignore: string[];
  handlers: CustomHandlerSpec[];
  dedupHelpers: string[];
  outboxHelpers: string[];
  sideEffects: { name: string; kind: SideEffectKind }[];
  emitterListeners: boolean;
  maxFileBytes: number;
  maxCallDepth: number;
  maxFunctionsPerHandler: number;
}

export const DEFAULTS = {
  maxFileBytes: 2_000_000,
  maxCallDepth: 6,
  maxFunctionsPerHandler: 200,
};

export function defaultConfig(root: string): ResolvedConfig {
  return {
    root,
    rules: {},
    ignore: [],
    handlers: [],
    dedupHelpers: [],
    outboxHelpers: [],
    sideEffects: [],
    emitterListeners: false,
    ...DEFAULTS,
  };
}

let validator: ReturnType<InstanceType<typeof AjvModule.default>['compile']> | undefined;

function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(packageRoot, 'schema/config.schema.json'), 'utf8')) as object;
    // Loaded only when there is a config to check: most runs (and every hook run without one) skip it.
    const Ajv = (createRequire(import.meta.url)('ajv') as { default: typeof AjvModule.default }).default;
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** One readable line for a schema error: `rules.no-dedup: must be one of off, note, warning, error (got "fatal")`. */
function describe(err: ErrorObject, data: unknown): string {
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const key = path.length ? path.join('.') : '(top level)';
  const got = path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), data);
  switch (err.keyword) {
    case 'additionalProperties':
      return `${key === '(top level)' ? '' : `${key}.`}${String(err.params.additionalProperty)}: unknown key (allowed: ${allowedKeys(err)})`;
    case 'enum':
      return `${key}: must be one of ${(err.params.allowedValues as unknown[]).join(', ')} (got ${JSON.stringify(got)})`;
    case 'propertyNames':
      return `${key}: ${JSON.stringify(err.params.propertyName)} is not a rule id (rules: ${((err.parentSchema as { propertyNames?: { enum?: string[] } } | undefined)?.propertyNames?.enum ?? []).join(', ')})`;
    case 'type':
      return `${key}: must be ${err.params.type === 'integer' ? 'a whole number' : `a${/^[aeiou]/.test(String(err.params.type)) ? 'n' : ''} ${String(err.params.type)}`} (got ${JSON.stringify(got)})`;
    case 'oneOf':
      return `${key}: give exactly one of call, decorator or type`;
    case 'dependencies':
      return `${key === '(top level)' ? '' : `${key}.`}${String(err.params.property)}: only allowed together with ${String(err.params.missingProperty)}`;
    case 'minLength':
      return `${key}: must not be empty`;
    case 'required':
      return `${key}: missing required key ${String(err.params.missingProperty)}`;
    default:
      return `${key}: ${err.message ?? 'is invalid'}`;
  }
}

function allowedKeys(err: ErrorObject): string {
  const props = (err.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).filter((k) => k !== '$schema').join(', ') : 'see the documentation';
}

/** Turns raw config data into a ResolvedConfig, or throws a UsageError naming file and key. */
export function resolveConfig(data: unknown, file: string | undefined, root: string): ResolvedConfig {
  const where = file ?? 'config';
  if (data === null || data === undefined) return { ...defaultConfig(root), file };
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${where}: the configuration must be an object`);
  const errors = validate(data);
  if (errors.length) {
    // The most specific error first: an unknown key, then a wrong value, then "exactly one of"
    // (whose branches' own `required` errors would name just one of the choices).
    const rank = (e: ErrorObject) => (e.keyword === 'propertyNames' ? -1 : e.keyword === 'additionalProperties' ? 0 : e.keyword === 'oneOf' || e.keyword === 'if' ? 2 : e.schemaPath.includes('/oneOf/') ? 3 : 1);
    const best = [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
    throw new UsageError(`${where}: ${describe(best, data)}`);
  }
  const d = data as Partial<ResolvedConfig>;
  return {
    ...defaultConfig(root),
    file,
    rules: d.rules ?? {},
    ignore: d.ignore ?? [],
    handlers: d.handlers ?? [],
    dedupHelpers: d.dedupHelpers ?? [],
    outboxHelpers: d.outboxHelpers ?? [],
    sideEffects: d.sideEffects ?? [],
    emitterListeners: d.emitterListeners ?? false,
    maxFileBytes: d.maxFileBytes ?? DEFAULTS.maxFileBytes,
    maxCallDepth: d.maxCallDepth ?? DEFAULTS.maxCallDepth,
    maxFunctionsPerHandler: d.maxFunctionsPerHandler ?? DEFAULTS.maxFunctionsPerHandler,
  };
}

/** A byte order mark (Windows editors write one) is not a JSON or YAML error; a JSON error says line and column. */
const withoutBom =
  (load: Loader): Loader =>
  (filepath, content) => {
    const text = content.replace(/^\uFEFF/, '');
    try {
      return load(filepath, text);
    } catch (e) {
      if (e instanceof Error) {
        e.message = e.message.replace(/at position (\d+)/, (_m, pos: string) => {
          const before = text.slice(0, Number(pos)).split('\n');
          return `at line ${before.length} column ${before[before.length - 1]!.length + 1}`;
        });
      }
      throw e;
    }
  };

/**
 * cosmiconfig retries a failed import() of a JS config with require(), whose error hides the real
 * one (a syntax error in an .mjs file reads as a require race): report what import() said.
 */
const withImportError =
  (load: Loader): Loader =>
  async (filepath, content) => {
    try {
      return await load(filepath, content);
    } catch (e) {
      let cause = e;
      const err = e as NodeJS.ErrnoException | undefined;
      if (err?.code === 'ERR_INTERNAL_ASSERTION' || err?.code?.startsWith('ERR_REQUIRE') || /\brequire\(\)/.test(err?.message ?? '')) {
        try {
          await import(pathToFileURL(filepath).href);
        } catch (first) {
          cause = first;
        }
      }
      // cosmiconfig sets `filepath` on what is thrown: a thrown string would fail there.
      throw cause instanceof Error ? cause : new Error(describeError(cause));
    }
  };

const LOADERS = {
  '.json': withoutBom(defaultLoaders['.json']),
  '.yaml': withoutBom(defaultLoaders['.yaml']),
  '.yml': withoutBom(defaultLoaders['.yml']),
  noExt: withoutBom(defaultLoaders.noExt),
  '.js': withImportError(defaultLoaders['.js']),
  '.mjs': withImportError(defaultLoaders['.mjs']),
  '.cjs': withImportError(defaultLoaders['.cjs']),
};

/** The reason in a loader's error, on one line: no `JSON Error in <file>` header, no code frame. */
function reasonOf(e: unknown): string {
  // Parsers may colour their code frames (when FORCE_COLOR is set): compare the plain text.
  // eslint-disable-next-line no-control-regex
  const message = (e instanceof Error ? e.message : String(e)).replace(/\u001b\[[0-9;]*m/g, '');
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(JSON|YAML) Error in /.test(l) && !/^(>|\||\d+\s*\|)/.test(l));
  return (lines[0] ?? (message.trim() || 'unknown error')).replace(/ while parsing .*$/, '');
}

const SEARCH_PLACES = [
  'package.json',
  '.event-auditrc',
  '.event-auditrc.json',
  '.event-auditrc.yaml',
  '.event-auditrc.yml',
  '.event-auditrc.js',
  '.event-auditrc.cjs',
  '.event-auditrc.mjs',
  '.config/event-auditrc',
  '.config/event-auditrc.json',
  '.config/event-auditrc.yaml',
  '.config/event-auditrc.yml',
  'event-audit.config.js',
  'event-audit.config.cjs',
  'event-audit.config.mjs',
];

/**
 * Loads the configuration: the file given with --config, or the nearest one found from `cwd`
 * up to the project root (the folder with package.json).
 */
export async function loadConfig(cwd: string, explicit?: string): Promise<ResolvedConfig> {
  let result: CosmiconfigResult;
  try {
    // Created inside the try: cosmiconfig reads the current folder's package.json as it starts.
    const explorer = cosmiconfig('event-audit', { searchPlaces: SEARCH_PLACES, searchStrategy: 'project', cache: false, loaders: LOADERS });
    result = explicit ? await explorer.load(resolve(cwd, explicit)) : await explorer.search(cwd);
  } catch (e) {
    const err = (e ?? {}) as NodeJS.ErrnoException & { filepath?: string };
    const file = err.filepath ?? (explicit ? resolve(cwd, explicit) : 'config');
    if (err.code === 'ENOENT') throw new UsageError(`cannot read config file ${file}: no such file`);
    if (err.code === 'EISDIR') throw new UsageError(`cannot read config file ${file}: it is a folder`);
    throw new UsageError(`cannot load config ${file}: ${reasonOf(e)}`);
  }
  if (!result) return defaultConfig(cwd);
  if (result.isEmpty && explicit) throw new UsageError(`${result.filepath}: the config file is empty`);
  return resolveConfig(result.config, result.filepath, dirname(result.filepath));
}
