// Name resolution across the project without a type checker: scopes, imports, classes and
// the instance types that constructor injection and `new` make visible in the syntax.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  ts,
  accessChain,
  decoratorsOf,
  hasModifier,
  isFunctionNode,
  objectProperty,
  propertyNameText,
  returnedExpressions,
  thisClass,
  unwrapExpression,
  type FunctionNode,
} from './ast.js';
import { SourceStore, type ParsedFile } from './sources.js';
import { SOURCE_EXTENSIONS } from '../source-extensions.js';
import { WorkspacePackages } from './workspaces.js';
import { paramUsedAsFunction } from './param-use.js';

export type Binding =
  | { kind: 'param'; fn: FunctionNode; index: number; decl: ts.ParameterDeclaration; path: string[] }
  | { kind: 'var'; decl: ts.VariableDeclaration; path: string[] }
  | { kind: 'function'; node: ts.FunctionDeclaration }
  | { kind: 'class'; node: ts.ClassDeclaration }
  | { kind: 'import'; module: string; name: string; file?: string }
  | { kind: 'catch'; decl: ts.VariableDeclaration }
  | { kind: 'other'; node: ts.Node };

export type FunctionTarget =
  | { kind: 'function'; fn: FunctionNode; wrappers: string[] }
  /** The expression is a parameter of a project function: that function is a wrapper. */
  | { kind: 'param'; fn: FunctionNode; index: number; path: string[]; wrappers: string[] };

interface ModuleInfo {
  imports: Map<string, { module: string; name: string }>;
  exports: Map<string, ts.Node>;
  /** `export { local as name }` without a module: resolved on demand (scopes need the imports first). */
  localExports: Map<string, string>;
  reexports: { module: string; names?: Map<string, string> }[];
}

const SCOPE_KINDS = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.SourceFile,
  ts.SyntaxKind.Block,
  ts.SyntaxKind.ModuleBlock,
  ts.SyntaxKind.CaseClause,
  ts.SyntaxKind.DefaultClause,
  ts.SyntaxKind.ForStatement,
  ts.SyntaxKind.ForOfStatement,
  ts.SyntaxKind.ForInStatement,
  ts.SyntaxKind.CatchClause,
]);

/** Scopes and function kinds in one set: lookups walk every ancestor, in deep chains thousands of them. */
const LOOKUP_KINDS = new Set<ts.SyntaxKind>([
  ...SCOPE_KINDS,
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.FunctionExpression,
  ts.SyntaxKind.ArrowFunction,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
]);

export class Project {
  private readonly scopeCache = new WeakMap<ts.Node, Map<string, Binding>>();
  private readonly moduleCache = new Map<string, ModuleInfo>();
  private readonly resolveCache = new Map<string, string | null>();
  private classIndex?: Map<string, string[]>;

  private fileList?: readonly string[];

  constructor(
    readonly sources: SourceStore,
    /** Every file of the project that may be searched (listed lazily: a hook run may never need it). */
    private readonly listFiles: () => readonly string[],
    private readonly aliases?: { for(file: string): { prefix: string; exact: boolean; targets: string[] }[] },
    /** The repository root, where workspace packages are looked for. */
    workspaceRoot?: string,
  ) {
    this.workspace = workspaceRoot ? new WorkspacePackages(workspaceRoot, resolveFile) : undefined;
  }

  private readonly workspace?: WorkspacePackages;

  get files(): readonly string[] {
    this.fileList ??= this.listFiles();
    return this.fileList;
  }

  parsed(file: string): ParsedFile | undefined {
    return this.sources.get(file);
  }

  fileOf(node: ts.Node): string {
    return node.getSourceFile().fileName;
  }

  // ---------- modules ----------

  resolveModule(fromFile: string, spec: string): string | undefined {
    const key = `${dirname(fromFile)}\0${spec}`;
    const hit = this.resolveCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let out: string | undefined;
    if (spec.startsWith('.') || spec.startsWith('/')) {
      out = resolveFile(resolve(dirname(fromFile), spec));
    } else {
      for (const a of this.aliases?.for(fromFile) ?? []) {
        if (a.exact ? spec !== a.prefix : !spec.startsWith(a.prefix)) continue;
        const rest = spec.slice(a.prefix.length);
        for (const t of a.targets) {
          out = resolveFile(t.includes('*') ? t.replace('*', rest) : t);
          if (out) break;
        }
        if (out) break;
      }
      // Not an alias: perhaps a package of the same monorepo (`@acme/billing`); never node_modules.
      if (!out && !spec.startsWith('node:')) out = this.workspace?.resolve(spec);
    }
    this.resolveCache.set(key, out ?? null);
    return out;
  }

  private moduleInfo(file: string): ModuleInfo | undefined {
    const cached = this.moduleCache.get(file);
    if (cached) return cached;
    const p = this.parsed(file);
    if (!p) return undefined;
    const info: ModuleInfo = { imports: new Map(), exports: new Map(), localExports: new Map(), reexports: [] };
    for (const st of p.sf.statements) {
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        const module = st.moduleSpecifier.text;
        const clause = st.importClause;
        if (!clause) continue;
        if (clause.name) info.imports.set(clause.name.text, { module, name: 'default' });
        const nb = clause.namedBindings;
        if (nb && ts.isNamespaceImport(nb)) info.imports.set(nb.name.text, { module, name: '*' });
        if (nb && ts.isNamedImports(nb)) {
          for (const el of nb.elements) info.imports.set(el.name.text, { module, name: (el.propertyName ?? el.name).text });
        }
      } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
        const e = st.moduleReference.expression;
        if (ts.isStringLiteral(e)) info.imports.set(st.name.text, { module: e.text, name: '*' });
      } else if (ts.isExportDeclaration(st)) {
        const module = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
        if (module) {
          const names = st.exportClause && ts.isNamedExports(st.exportClause) ? new Map(st.exportClause.elements.map((e) => [e.name.text, (e.propertyName ?? e.name).text])) : undefined;
          info.reexports.push({ module, names });
        } else if (st.exportClause && ts.isNamedExports(st.exportClause)) {
          for (const el of st.exportClause.elements) info.localExports.set(el.name.text, (el.propertyName ?? el.name).text);
        }
      } else if (ts.isExportAssignment(st)) {
        info.exports.set('default', st.expression);
      } else if (hasModifier(st, ts.SyntaxKind.ExportKeyword)) {
        const isDefault = hasModifier(st, ts.SyntaxKind.DefaultKeyword);
        if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) {
          if (isDefault) info.exports.set('default', st);
          if (st.name) info.exports.set(st.name.text, st);
        } else if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) info.exports.set(d.name.text, d);
        }
      } else if (ts.isExpressionStatement(st)) {
        // CommonJS: module.exports = x; module.exports.name = x; exports.name = x
        const e = st.expression;
        if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
          const chain = accessChain(e.left);
          if (chain === 'module.exports') {
            info.exports.set('default', e.right);
            const r = unwrapExpression(e.right);
            if (ts.isObjectLiteralExpression(r)) {
              for (const prop of r.properties) {
                const n = propertyNameText(prop.name);
                const v = n ? objectProperty(r, n) : undefined;
                if (n && v) info.exports.set(n, v);
              }
            }
          } else if (chain?.startsWith('module.exports.') || chain?.startsWith('exports.')) {
            info.exports.set(chain.split('.').pop()!, e.right);
          }
        }
      }
    }
    // require(): const x = require('./y'); const { a } = require('./y')
    for (const st of p.sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        const init = d.initializer && unwrapExpression(d.initializer);
        if (!init || !ts.isCallExpression(init) || !ts.isIdentifier(init.expression) || init.expression.text !== 'require') continue;
        const arg = init.arguments[0];
        if (!arg || !ts.isStringLiteral(arg)) continue;
        if (ts.isIdentifier(d.name)) info.imports.set(d.name.text, { module: arg.text, name: '*' });
        else if (ts.isObjectBindingPattern(d.name)) {
          for (const el of d.name.elements) {
            if (ts.isIdentifier(el.name)) info.imports.set(el.name.text, { module: arg.text, name: propertyNameText(el.propertyName) ?? el.name.text });
          }
        }
      }
    }
    this.moduleCache.set(file, info);
    return info;
  }

  /** True when `spec` is a tsconfig path alias in `fromFile`'s project (not a library). */
  isAlias(fromFile: string, spec: string): boolean {
    return (this.aliases?.for(fromFile) ?? []).some((a) => (a.exact ? spec === a.prefix : spec.startsWith(a.prefix)));
  }

  /** Imports of a file: local name -> module specifier and imported name. */
  imports(file: string): Map<string, { module: string; name: string }> {
    return this.moduleInfo(file)?.imports ?? new Map();
  }

  /** Module specifiers a file imports from (for adapters' import checks). */
  importedModules(file: string): Set<string> {
    return new Set([...this.imports(file).values()].map((i) => i.module));
  }

  /** The declaration a module exports under a name, following re-exports. */
  exported(file: string, name: string, seen = new Set<string>()): ts.Node | undefined {
    if (seen.has(file)) return undefined;
    seen.add(file);
    const info = this.moduleInfo(file);
    if (!info) return undefined;
    const direct = info.exports.get(name);
    if (direct) return direct;
    const local = info.localExports.get(name);
    const p = local !== undefined ? this.parsed(file) : undefined;
    if (local !== undefined && p) {
      const b = this.scopeDecls(p.sf).get(local);
      if (b?.kind === 'import' && b.file && b.name !== '*') return this.exported(b.file, b.name, seen);
      const node = bindingNode(b);
      if (node) return node;
    }
    for (const re of info.reexports) {
      const target = this.resolveModule(file, re.module);
      if (!target) continue;
      if (re.names) {
        const orig = re.names.get(name);
        if (orig) return this.exported(target, orig, seen);
      } else {
        const n = this.exported(target, name, seen);
        if (n) return n;
      }
    }
    return undefined;
  }

  // ---------- scopes ----------

  private scopeDecls(scope: ts.Node): Map<string, Binding> {
    const hit = this.scopeCache.get(scope);
    if (hit) return hit;
    const map = new Map<string, Binding>();
    const addVarList = (list: ts.VariableDeclarationList) => {
      for (const d of list.declarations) addBindingName(d.name, (name, path) => map.set(name, { kind: 'var', decl: d, path }));
    };
    const addStatement = (st: ts.Statement) => {
      if (ts.isVariableStatement(st)) addVarList(st.declarationList);
      else if (ts.isFunctionDeclaration(st) && st.name) map.set(st.name.text, { kind: 'function', node: st });
      else if (ts.isClassDeclaration(st) && st.name) map.set(st.name.text, { kind: 'class', node: st });
      else if (ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st)) {
        if (ts.isIdentifier(st.name)) map.set(st.name.text, { kind: 'other', node: st });
      }
    };
    if (isFunctionNode(scope)) {
      scope.parameters.forEach((p, index) =>
        addBindingName(p.name, (name, path) => map.set(name, { kind: 'param', fn: scope, index, decl: p, path })),
      );
      if ((ts.isFunctionExpression(scope) || ts.isFunctionDeclaration(scope)) && scope.name && !map.has(scope.name.text)) {
        if (ts.isFunctionDeclaration(scope)) map.set(scope.name.text, { kind: 'function', node: scope });
      }
    } else if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope)) {
      for (const st of scope.statements) addStatement(st);
      if (ts.isSourceFile(scope)) {
        const info = this.moduleInfo(scope.fileName);
        if (info) {
          for (const [local, imp] of info.imports) {
            if (map.has(local)) {
              // require() bindings are variables too; keep the import reading, which resolves across files.
              const b = map.get(local)!;
              if (b.kind !== 'var') continue;
            }
            map.set(local, { kind: 'import', module: imp.module, name: imp.name, file: this.resolveModule(scope.fileName, imp.module) });
          }
        }
      }
    } else if (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) {
      const init = scope.initializer;
      if (init && ts.isVariableDeclarationList(init)) addVarList(init);
    } else if (ts.isCatchClause(scope) && scope.variableDeclaration) {
      const d = scope.variableDeclaration;
      addBindingName(d.name, (name) => map.set(name, { kind: 'catch', decl: d }));
    }
    this.scopeCache.set(scope, map);
    return map;
  }

  /** What an identifier refers to, by lexical scope (no type checker). */
  lookup(id: ts.Identifier): Binding | undefined {
    return this.lookupName(id.text, id);
  }

  lookupName(name: string, from: ts.Node): Binding | undefined {
    let n: ts.Node | undefined = from;
    while (n) {
      if (LOOKUP_KINDS.has(n.kind)) {
        const b = this.scopeDecls(n).get(name);
        if (b) return b;
      }
      n = n.parent;
    }
    return undefined;
  }

  // ---------- values and functions ----------

  /**
   * Resolves an expression that should denote a function: inline functions, names bound to
   * functions (in this file or imported), methods of known classes and object literals, and
   * higher-order wrappers such as `makeIdempotent(fn, opts)` or `middy(fn)`.
   */
  resolveFunctions(expr: ts.Node, depth = 0, wrappers: string[] = []): FunctionTarget[] {
    if (depth > 8) return [];
    if (isFunctionNode(expr)) return [{ kind: 'function', fn: expr, wrappers }];
    if (ts.isVariableDeclaration(expr)) return expr.initializer ? this.resolveFunctions(expr.initializer, depth + 1, wrappers) : [];
    if (ts.isClassDeclaration(expr)) return [];
    if (!ts.isExpression(expr)) return [];
    const e = unwrapExpression(expr);
    if (isFunctionNode(e)) return [{ kind: 'function', fn: e, wrappers }];
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e);
      return b ? this.bindingFunctions(b, depth, wrappers) : [];
    }
    if (ts.isCallExpression(e)) {
      // fn.bind(this)
      if (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'bind') {
        return this.resolveFunctions(e.expression.expression, depth + 1, wrappers);
      }
      // Higher-order wrapper: the function argument is the handler; `middy(fn).use(x)` too.
      const name = accessChain(e.expression)?.split('.').pop()?.replace(/\(\)$/, '') ?? '';
      const inner: FunctionTarget[] = [];
      let calleeFns: FunctionNode[] | undefined;
      for (const [i, arg] of e.arguments.entries()) {
        const a = unwrapExpression(arg);
        if (isFunctionNode(a) || ts.isIdentifier(a) || ts.isPropertyAccessExpression(a) || ts.isCallExpression(a)) {
          // A project factory's plain inputs (`createProcessor(config, serviceName)`) are not the handler.
          if (!isFunctionNode(a)) {
            calleeFns ??= this.resolveFunctions(e.expression, depth + 1).flatMap((t) => (t.kind === 'function' ? [t.fn] : []));
            if (calleeFns.length && !calleeFns.some((f) => paramUsedAsFunction(f, i))) continue;
          }
          inner.push(...this.resolveFunctions(a, depth + 1, [...wrappers, name]));
        }
        if (inner.length) break;
      }
      if (inner.length) return inner;
      if (ts.isPropertyAccessExpression(e.expression)) {
        // middy(fn).use(...).use(...)
        const recv = unwrapExpression(e.expression.expression);
        if (ts.isCallExpression(recv)) {
          const chained = this.resolveFunctions(recv, depth + 1, [...wrappers, name]);
          if (chained.length) return chained;
        }
      }
      // A project factory: `this.getProcessor()` returns the function that is registered.
      const out: FunctionTarget[] = [];
      for (const f of this.resolveFunctions(e.expression, depth + 1, wrappers)) {
        if (f.kind !== 'function') continue;
        for (const r of returnedExpressions(f.fn)) {
          for (const t of this.resolveFunctions(r, depth + 1, wrappers)) if (t.kind === 'function') out.push(t);
        }
      }
      return out;
    }
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
      const member = ts.isPropertyAccessExpression(e) ? e.name.text : propertyNameText(unwrapExpression(e.argumentExpression) as ts.StringLiteral);
      if (!member) return [];
      const out: FunctionTarget[] = [];
      for (const m of this.memberDeclarations(e.expression, member, depth)) out.push(...this.resolveFunctions(m, depth + 1, wrappers));
      if (!out.length) {
        // A member of a parameter: the wrapper hands a property of its argument to the registration.
        const root = this.paramPath(e);
        if (root) out.push({ kind: 'param', fn: root.fn, index: root.index, path: root.path, wrappers });
      }
      return out;
    }
    return [];
  }

  private bindingFunctions(b: Binding, depth: number, wrappers: string[]): FunctionTarget[] {
    switch (b.kind) {
      case 'function':
        return [{ kind: 'function', fn: b.node, wrappers }];
      case 'var': {
        const looped = this.loopValues(b, depth);
        if (looped.length) return looped.flatMap((v) => this.resolveFunctions(v, depth + 1, wrappers));
        if (b.path.length) return [];
        const init = b.decl.initializer;
        if (!init) return [];
        // for (const def of Object.values(catalog)) -> a path through a parameter
        return this.resolveFunctions(init, depth + 1, wrappers);
      }
      case 'param':
        return [{ kind: 'param', fn: b.fn, index: b.index, path: b.path, wrappers }];
      case 'import': {
        if (!b.file) return [];
        if (b.name === '*') return [];
        const d = this.exported(b.file, b.name);
        return d ? this.resolveFunctions(d, depth + 1, wrappers) : [];
      }
      default:
        return [];
    }
  }

  /**
   * The values a for-of loop variable takes when the loop iterates a literal in sight, with the
   * binding's destructuring applied: `for (const d of Object.values(catalog))`,
   * `for (const [name, d] of Object.entries(catalog))`, `for (const d of [a, b])`.
   */
  loopValues(b: Extract<Binding, { kind: 'var' }>, depth = 0): ts.Node[] {
    const loop = b.decl.parent?.parent;
    if (!loop || !ts.isForOfStatement(loop) || b.decl.parent !== loop.initializer || depth > 8) return [];
    const src = unwrapExpression(loop.expression);
    const fn = ts.isCallExpression(src) ? /^Object\.(values|entries)$/.exec(accessChain(src.expression) ?? '')?.[1] : undefined;
    let items: ts.Node[] = [];
    let path = b.path;
    if (fn && ts.isCallExpression(src) && src.arguments[0]) {
      if (fn === 'entries') {
        if (path[0] !== '1') return []; // the key, or the whole [key, value] pair
        path = path.slice(1);
      }
      for (const v of this.valueShapes(src.arguments[0], depth + 1)) {
        if (v.kind !== 'object') continue;
        for (const p of v.obj.properties) {
          if (ts.isPropertyAssignment(p)) items.push(p.initializer);
          else if (ts.isShorthandPropertyAssignment(p)) items.push(p.name);
          else if (ts.isMethodDeclaration(p)) items.push(p);
        }
      }
    } else {
      let arr: ts.Expression | undefined = src;
      if (ts.isIdentifier(src)) {
        const ab = this.lookup(src);
        arr = ab?.kind === 'var' && !ab.path.length && ab.decl.initializer ? unwrapExpression(ab.decl.initializer) : undefined;
      }
      if (arr && ts.isArrayLiteralExpression(arr)) items = arr.elements.map((el) => (ts.isSpreadElement(el) ? el.expression : el));
    }
    for (const step of path) {
      items = items.flatMap((it) => {
        const o = ts.isExpression(it) ? unwrapExpression(it) : it;
        const v = ts.isObjectLiteralExpression(o) ? objectProperty(o, step) : undefined;
        return v ? [v] : [];
      });
    }
    return items;
  }

  /**
   * When `expr` is `param.a.b` (or a loop variable over `Object.values(param)` / `param` itself),
   * returns the parameter and the property path, so a wrapper's call sites can be followed.
   */
  paramPath(expr: ts.Expression, depth = 0): { fn: FunctionNode; index: number; path: string[] } | undefined {
    if (depth > 8) return undefined; // `let p = q; let q = p` loops
    const path: string[] = [];
    let e = unwrapExpression(expr);
    while (ts.isPropertyAccessExpression(e)) {
      path.unshift(e.name.text);
      e = unwrapExpression(e.expression);
    }
    if (!ts.isIdentifier(e)) return undefined;
    const b = this.lookup(e);
    if (!b) return undefined;
    if (b.kind === 'param') return { fn: b.fn, index: b.index, path: [...b.path, ...path] };
    if (b.kind === 'var') {
      // for (const x of Object.values(p)) / for (const [k, x] of Object.entries(p)) / p.forEach(x => ...)
      const list = b.decl.parent;
      const loop = list?.parent;
      if (loop && ts.isForOfStatement(loop)) {
        const src = unwrapExpression(loop.expression);
        let inner: ts.Expression | undefined;
        let step = '[]';
        if (ts.isCallExpression(src) && /^Object\.(values|entries)$/.test(accessChain(src.expression) ?? '')) {
          inner = src.arguments[0];
          step = '{}';
        } else inner = src;
        const entryPath = ts.isArrayBindingPattern(b.decl.name) ? b.path.filter((p) => p !== '1') : b.path;
        const r = inner ? this.paramPath(inner, depth + 1) : undefined;
        if (r) return { fn: r.fn, index: r.index, path: [...r.path, step, ...entryPath, ...path] };
      }
      if (b.decl.initializer && !b.path.length) {
        const r = this.paramPath(b.decl.initializer, depth + 1);
        if (r) return { ...r, path: [...r.path, ...path] };
      }
    }
    return undefined;
  }

  /** Declarations of `member` on the value `recv` denotes: class members, object literal properties. */
  memberDeclarations(recv: ts.Expression, member: string, depth = 0): ts.Node[] {
    const out: ts.Node[] = [];
    for (const v of this.valueShapes(recv, depth)) {
      if (v.kind === 'instance' || v.kind === 'class') {
        const m = this.classMember(v.cls, member, v.kind === 'class');
        if (m) out.push(m);
      } else if (v.kind === 'object') {
        const p = objectProperty(v.obj, member);
        if (p) out.push(p);
      }
    }
    return out;
  }

  private classMember(cls: ts.ClassLikeDeclaration, member: string, isStatic: boolean, seen = new Set<ts.Node>()): ts.Node | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    for (const m of cls.members) {
      if (propertyNameText(m.name) !== member) continue;
      if (hasModifier(m, ts.SyntaxKind.StaticKeyword) !== isStatic) continue;
      if (ts.isMethodDeclaration(m) && m.body) return m;
      if (ts.isPropertyDeclaration(m) && m.initializer) return m.initializer;
      if (ts.isGetAccessorDeclaration(m)) return m;
    }
    const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    if (ext) {
      const base = this.classFromExpression(ext.expression);
      if (base) return this.classMember(base, member, isStatic, seen);
    }
    return undefined;
  }

  /** What shapes a receiver expression can have, as far as syntax shows. */
  valueShapes(
    expr: ts.Expression,
    depth = 0,
  ): ({ kind: 'instance'; cls: ts.ClassLikeDeclaration } | { kind: 'class'; cls: ts.ClassLikeDeclaration } | { kind: 'object'; obj: ts.ObjectLiteralExpression })[] {
    if (depth > 8) return [];
    const e = unwrapExpression(expr);
    if (e.kind === ts.SyntaxKind.ThisKeyword) {
      const cls = thisClass(e);
      return cls ? [{ kind: 'instance', cls }] : [];
    }
    if (ts.isNewExpression(e)) {
      const cls = this.classFromExpression(e.expression);
      return cls ? [{ kind: 'instance', cls }] : [];
    }
    if (ts.isObjectLiteralExpression(e)) return [{ kind: 'object', obj: e }];
    if (ts.isAwaitExpression(e)) return this.valueShapes(e.expression, depth + 1);
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e);
      if (!b) return [];
      if (b.kind === 'class') return [{ kind: 'class', cls: b.node }];
      if (b.kind === 'var') {
        // A loop variable over a literal in sight: the shapes of its values.
        const looped = this.loopValues(b, depth);
        if (looped.length) return looped.flatMap((v) => (ts.isExpression(v) ? this.valueShapes(v, depth + 1) : []));
      }
      if (b.kind === 'var' && !b.path.length) {
        const t = b.decl.type && this.classFromType(b.decl.type);
        if (t) return [{ kind: 'instance', cls: t }];
        return b.decl.initializer ? this.valueShapes(b.decl.initializer, depth + 1) : [];
      }
      if (b.kind === 'param') {
        const t = b.decl.type && !b.path.length ? this.classFromType(b.decl.type) : undefined;
        return t ? [{ kind: 'instance', cls: t }] : [];
      }
      if (b.kind === 'import' && b.file && b.name !== '*') {
        const d = this.exported(b.file, b.name);
        if (!d) return [];
        if (ts.isClassDeclaration(d)) return [{ kind: 'class', cls: d }];
        if (ts.isVariableDeclaration(d)) {
          const t = d.type && this.classFromType(d.type);
          if (t) return [{ kind: 'instance', cls: t }];
          return d.initializer ? this.valueShapes(d.initializer, depth + 1) : [];
        }
        if (ts.isExpression(d)) return this.valueShapes(d, depth + 1);
      }
      return [];
    }
    if (ts.isPropertyAccessExpression(e)) {
      const name = e.name.text;
      const out: ReturnType<Project['valueShapes']> = [];
      for (const v of this.valueShapes(e.expression, depth + 1)) {
        if (v.kind === 'instance') {
          const t = this.instanceMemberType(v.cls, name, undefined, depth + 1);
          if (t) out.push(...t.map((cls) => ({ kind: 'instance' as const, cls })));
        } else if (v.kind === 'object') {
          const p = objectProperty(v.obj, name);
          if (p && ts.isExpression(p)) out.push(...this.valueShapes(p, depth + 1));
        }
      }
      return out;
    }
    if (ts.isCallExpression(e)) {
      // Nest's moduleRef.get(Service) / app.get(Service) / container.resolve(Service)
      const n = accessChain(e.expression)?.split('.').pop();
      if ((n === 'get' || n === 'resolve') && e.arguments[0] && ts.isIdentifier(e.arguments[0])) {
        const cls = this.classFromExpression(e.arguments[0]);
        if (cls) return [{ kind: 'instance', cls }];
      }
    }
    return [];
  }

  /** The classes a property of a class instance holds (constructor injection, `new` initializers, assignments). */
  private instanceMemberType(cls: ts.ClassLikeDeclaration, name: string, seen = new Set<ts.Node>(), depth = 0): ts.ClassLikeDeclaration[] {
    if (seen.has(cls)) return [];
    seen.add(cls);
    for (const m of cls.members) {
      if (ts.isPropertyDeclaration(m) && propertyNameText(m.name) === name) {
        const t = m.type && this.classFromType(m.type);
        if (t) return [t];
        if (m.initializer) {
          // The caller's depth goes on: `x = this.x` would otherwise loop back here for ever.
          const v = this.valueShapes(m.initializer, depth + 1).filter((x) => x.kind === 'instance');
          if (v.length) return v.map((x) => (x as { cls: ts.ClassLikeDeclaration }).cls);
        }
      }
      if (ts.isConstructorDeclaration(m)) {
        for (const p of m.parameters) {
          if (ts.isIdentifier(p.name) && p.name.text === name && p.type) {
            const t = this.classFromType(p.type) ?? this.injectedClass(p);
            if (t) return [t];
          }
        }
        // this.name = new X() / this.name = param
        if (m.body) {
          for (const st of m.body.statements) {
            if (!ts.isExpressionStatement(st) || !ts.isBinaryExpression(st.expression)) continue;
            const b = st.expression;
            if (b.operatorToken.kind !== ts.SyntaxKind.EqualsToken || accessChain(b.left) !== `this.${name}`) continue;
            const r = unwrapExpression(b.right);
            if (ts.isNewExpression(r)) {
              const c = this.classFromExpression(r.expression);
              if (c) return [c];
            }
            if (ts.isIdentifier(r)) {
              const p = m.parameters.find((x) => ts.isIdentifier(x.name) && x.name.text === r.text);
              const c = p?.type && this.classFromType(p.type);
              if (c) return [c];
            }
          }
        }
      }
    }
    const ext = cls.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    if (ext) {
      const base = this.classFromExpression(ext.expression);
      if (base) return this.instanceMemberType(base, name, seen, depth);
    }
    return [];
  }

  /** `@Inject(SomeService)` on a constructor parameter names the class. */
  private injectedClass(p: ts.ParameterDeclaration): ts.ClassLikeDeclaration | undefined {
    for (const d of decoratorsOf(p)) {
      const e = unwrapExpression(d.expression);
      if (ts.isCallExpression(e) && e.arguments[0] && ts.isIdentifier(e.arguments[0])) {
        const c = this.classFromExpression(e.arguments[0]);
        if (c) return c;
      }
    }
    return undefined;
  }

  classFromType(type: ts.TypeNode): ts.ClassLikeDeclaration | undefined {
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName;
      if (ts.isIdentifier(name)) return this.classFromExpression(name);
      return this.classByName(name.right.text);
    }
    return undefined;
  }

  classFromExpression(expr: ts.Expression, depth = 0): ts.ClassLikeDeclaration | undefined {
    if (depth > 8) return undefined; // `const A = B; const B = A` loops
    const e = unwrapExpression(expr);
    if (ts.isClassExpression(e)) return e;
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e);
      if (b?.kind === 'class') return b.node;
      if (b?.kind === 'import' && b.file) {
        const d = this.exported(b.file, b.name === '*' ? 'default' : b.name);
        if (d && ts.isClassDeclaration(d)) return d;
        if (d && ts.isExpression(d)) return this.classFromExpression(d, depth + 1);
        return undefined;
      }
      if (b?.kind === 'var' && b.decl.initializer) return this.classFromExpression(b.decl.initializer, depth + 1);
      if (!b) return this.classByName(e.text);
      return undefined;
    }
    if (ts.isPropertyAccessExpression(e)) return this.classByName(e.name.text);
    return undefined;
  }

  /** Finds a project class by name when scope does not say (type-only imports that do not resolve, globals). */
  classByName(name: string): ts.ClassDeclaration | undefined {
    if (!this.classIndex) {
      this.classIndex = new Map();
      const re = /\bclass\s+([A-Za-z_$][\w$]*)/g;
      for (const f of this.files) {
        const text = this.sources.text(f);
        if (!text) continue;
        for (const m of text.matchAll(re)) {
          const list = this.classIndex.get(m[1]!) ?? [];
          if (!list.includes(f)) list.push(f);
          this.classIndex.set(m[1]!, list);
        }
      }
    }
    const files = this.classIndex.get(name);
    // Ambiguous names are left unresolved: a wrong guess would lend one class's behaviour to another.
    if (!files || files.length !== 1) return undefined;
    const p = this.parsed(files[0]!);
    if (!p) return undefined;
    let found: ts.ClassDeclaration | undefined;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (ts.isClassDeclaration(n) && n.name?.text === name) found = n;
      else if (ts.isSourceFile(n) || ts.isModuleDeclaration(n) || ts.isModuleBlock(n)) n.forEachChild(visit);
    };
    visit(p.sf);
    return found;
  }
}

function bindingNode(b: Binding | undefined): ts.Node | undefined {
  if (!b) return undefined;
  switch (b.kind) {
    case 'function':
    case 'class':
      return b.node;
    case 'var':
      return b.path.length ? undefined : b.decl;
    default:
      return undefined;
  }
}

/** Visits every identifier a binding name declares with its property path from the bound value. */
function addBindingName(name: ts.BindingName, add: (name: string, path: string[]) => void, path: string[] = []): void {
  if (ts.isIdentifier(name)) {
    add(name.text, path);
    return;
  }
  if (ts.isObjectBindingPattern(name)) {
    for (const el of name.elements) {
      const key = el.propertyName ? propertyNameText(el.propertyName) : ts.isIdentifier(el.name) ? el.name.text : undefined;
      addBindingName(el.name, add, el.dotDotDotToken ? path : [...path, key ?? '?']);
    }
  } else {
    name.elements.forEach((el, i) => {
      if (ts.isBindingElement(el)) addBindingName(el.name, add, [...path, String(i)]);
    });
  }
}

function resolveFile(base: string): string | undefined {
  const candidates: string[] = [];
  const m = /\.(m|c)?jsx?$/.exec(base);
  if (m) {
    const stem = base.slice(0, -m[0].length);
    const tsExt = m[0].replace('js', 'ts');
    candidates.push(stem + tsExt, stem + (m[0].endsWith('x') ? '.tsx' : '.ts'), base);
  }
  candidates.push(base);
  for (const ext of SOURCE_EXTENSIONS) candidates.push(base + ext);
  for (const ext of SOURCE_EXTENSIONS) candidates.push(join(base, `index${ext}`));
  for (const c of candidates) {
    try {
      if (existsSync(c) && statSync(c).isFile() && !c.endsWith('.d.ts')) return c;
    } catch {
      /* unreadable: not a candidate */
    }
  }
  return undefined;
}
