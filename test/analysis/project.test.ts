import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ts, functionName, walk } from '../../src/analysis/ast.js';
import { computeReach } from '../../src/analysis/reach.js';
import { createProgram } from '../../src/program.js';
import { writeProject } from '../helpers/audit.js';
import type { Handler } from '../../src/model.js';
import { delivery } from '../../src/frameworks/types.js';

function setup(files: Record<string, string>) {
  const dir = writeProject(files);
  const all = Object.keys(files).map((f) => join(dir, f));
  const project = createProgram({ root: dir, maxFileBytes: 1e6, listProjectFiles: () => all });
  return { dir, project };
}

/** The call expressions named `name` in a file. */
function callsNamed(project: ReturnType<typeof setup>['project'], file: string, name: string): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  walk(project.parsed(file)!.sf, (n) => {
    if (ts.isCallExpression(n) && n.expression.getText().endsWith(name)) out.push(n);
  });
  return out;
}

function targetNames(project: ReturnType<typeof setup>['project'], call: ts.CallExpression): string[] {
  return project.resolveFunctions(call.expression).map((t) => `${t.kind}:${functionName(t.fn) ?? '?'}:${t.fn.getSourceFile().fileName.split('/').pop()}`);
}

describe('name resolution without a type checker', () => {
  it('follows imports, re-exports, export lists, default exports and require()', () => {
    const { dir, project } = setup({
      'src/main.ts': `import { charge } from './billing';\nimport refund from './refunds';\nconst { notify } = require('./notify');\ncharge(); refund(); notify();\n`,
      'src/billing/index.ts': `export * from './charge';\n`,
      'src/billing/charge.ts': `async function doCharge() {}\nexport { doCharge as charge };\n`,
      'src/refunds.ts': `export default async function refund() {}\n`,
      'src/notify.js': `function notify() {}\nmodule.exports = { notify };\n`,
    });
    const main = join(dir, 'src/main.ts');
    expect(targetNames(project, callsNamed(project, main, 'charge')[0]!)).toEqual(['function:doCharge:charge.ts']);
    expect(targetNames(project, callsNamed(project, main, 'refund')[0]!)).toEqual(['function:refund:refunds.ts']);
    expect(targetNames(project, callsNamed(project, main, 'notify')[0]!)).toEqual(['function:notify:notify.js']);
  });

  it('resolves methods on injected, constructed and imported service instances', () => {
    const { dir, project } = setup({
      'src/consumer.ts': `import { OrderService } from './order.service';\nimport { mailer } from './mailer';\nexport class Consumer {\n  private readonly audit = new AuditLog();\n  constructor(private readonly orders: OrderService) {}\n  async handle() { await this.orders.place(); this.audit.write(); await mailer.send(); this.local(); }\n  private local() {}\n}\nclass AuditLog { write() {} }\n`,
      'src/order.service.ts': `export class OrderService extends BaseService { async place() {} }\nclass BaseService { async retry() {} }\n`,
      'src/mailer.ts': `class Mailer { async send() {} }\nexport const mailer = new Mailer();\n`,
    });
    const file = join(dir, 'src/consumer.ts');
    expect(targetNames(project, callsNamed(project, file, 'orders.place')[0]!)).toEqual(['function:place:order.service.ts']);
    expect(targetNames(project, callsNamed(project, file, 'audit.write')[0]!)).toEqual(['function:write:consumer.ts']);
    expect(targetNames(project, callsNamed(project, file, 'mailer.send')[0]!)).toEqual(['function:send:mailer.ts']);
    expect(targetNames(project, callsNamed(project, file, 'this.local')[0]!)).toEqual(['function:local:consumer.ts']);
  });

  it('resolves tsconfig path aliases and .js specifiers that name .ts files', () => {
    const { dir, project } = setup({
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@app/*": ["src/*"] } } }',
      'src/main.ts': `import { a } from '@app/lib/a';\nimport { b } from './lib/b.js';\na(); b();\n`,
      'src/lib/a.ts': 'export function a() {}\n',
      'src/lib/b.ts': 'export const b = () => {};\n',
    });
    const main = join(dir, 'src/main.ts');
    expect(targetNames(project, callsNamed(project, main, 'a')[0]!)).toEqual(['function:a:a.ts']);
    expect(targetNames(project, callsNamed(project, main, 'b')[0]!)).toEqual(['function:b:b.ts']);
  });

  it('unwraps higher-order wrappers and reports a parameter as a wrapper target', () => {
    const { dir, project } = setup({
      'src/h.ts': `import middy from '@middy/core';\nconst base = async (e: unknown) => {};\nexport const handler = middy(makeIdempotent(base, {})).use(x);\nexport function register(fn: () => void) { run(fn); }\ndeclare function makeIdempotent(f: unknown, o: unknown): any; declare const x: any; declare function run(f: unknown): void;\n`,
    });
    const file = join(dir, 'src/h.ts');
    const sf = project.parsed(file)!.sf;
    const handlerDecl = sf.statements.find((s) => ts.isVariableStatement(s) && s.getText().includes('export const handler'))! as ts.VariableStatement;
    const t = project.resolveFunctions(handlerDecl.declarationList.declarations[0]!.initializer!);
    expect(t).toHaveLength(1);
    expect(functionName(t[0]!.fn)).toBe('base');
    expect(t[0]!.wrappers).toEqual(expect.arrayContaining(['makeIdempotent', 'middy']));
    const runCall = callsNamed(project, file, 'run')[0]!;
    const p = project.resolveFunctions(runCall.arguments[0]!);
    expect(p[0]).toMatchObject({ kind: 'param', index: 0 });
  });

  it('leaves ambiguous class names unresolved rather than guessing', () => {
    const { project } = setup({
      'src/a.ts': 'export class Repo { save() {} }\n',
      'src/b.ts': 'export class Repo { save() {} }\n',
      'src/c.ts': 'export class Only {}\n',
    });
    expect(project.classByName('Repo')).toBeUndefined();
    expect(project.classByName('Only')?.name?.text).toBe('Only');
  });
});

describe('reach', () => {
  it('follows calls across files breadth first, once each, within the depth bound', () => {
    const { dir, project } = setup({
      'src/h.ts': `import { a } from './a';\nexport const h = async () => { await a(); await a(); };\n`,
      'src/a.ts': `import { b } from './b';\nexport async function a() { await b(); }\n`,
      'src/b.ts': `export async function b() { await c(); }\nasync function c() { await b(); }\n`,
    });
    const sf = project.parsed(join(dir, 'src/h.ts'))!.sf;
    let body: ts.ArrowFunction | undefined;
    walk(sf, (n) => {
      if (ts.isArrowFunction(n)) body = n;
    });
    const handler = { body: body!, extraBodies: [], delivery: delivery({}) } as unknown as Handler;
    const full = computeReach(project, handler, 6, 100);
    expect(full.functions.map((r) => `${functionName(r.fn)}@${r.depth}`)).toEqual(['h@0', 'a@1', 'b@2', 'c@3']);
    expect(full.functions[3]!.chain.map((e) => functionName(e.target))).toEqual(['a', 'b', 'c']);
    const shallow = computeReach(project, handler, 1, 100);
    expect(shallow.functions).toHaveLength(2);
    expect(shallow.truncated).toBe(true);
  });
});

describe('tsconfig paths in a monorepo', () => {
  it('uses the nearest tsconfig and follows extends to a shared base', () => {
    const { dir, project } = setup({
      'tsconfig.base.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "@libs/kafka": ["libs/kafka/src/index.ts"], "@libs/*": ["libs/*/src"] } } }',
      'apps/build/tsconfig.json': '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "strict": true } }',
      'apps/build/src/main.ts': "import { emit } from '@libs/kafka';\nimport { log } from '@libs/util';\nemit(); log();\n",
      'libs/kafka/src/index.ts': 'export function emit() {}\n',
      'libs/util/src/index.ts': 'export function log() {}\n',
    });
    const main = join(dir, 'apps/build/src/main.ts');
    expect(targetNames(project, callsNamed(project, main, 'emit')[0]!)).toEqual(['function:emit:index.ts']);
    expect(targetNames(project, callsNamed(project, main, 'log')[0]!)).toEqual(['function:log:index.ts']);
    expect(project.isAlias(main, '@libs/kafka')).toBe(true);
    expect(project.isAlias(main, 'kafkajs')).toBe(false);
  });
});
