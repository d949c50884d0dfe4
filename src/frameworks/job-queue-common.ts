// What the Redis/Postgres job queues (bullmq, bull, bee-queue, agenda, pg-boss) share: processors
// given as a file path (sandboxed), callback-style processors, and retry settings seen in the file.
import { dirname, isAbsolute, relative } from 'node:path';
import { ts, calleeName, literalValue, objectProperty, propertyNameText, unwrapExpression, walk } from '../analysis/ast.js';
import type { DeliveryModel } from '../model.js';
import { COMMON_EVENT_IDS, eventDelivery, type AdapterContext } from './types.js';
import { chainOf, fromModule, functionsOf, isAsyncFunction, literalOf, receiverOf, traceValue } from './trace.js';

/**
 * A processor given as a module path (`'./processor.js'`, `path.join(__dirname, 'processor.js')`,
 * `new URL('./processor.js', import.meta.url)`): the module's default export, when it is a file
 * of the project. Undefined when the argument is not a path or the file is not found.
 */
export function sandboxedProcessor(ctx: AdapterContext, arg: ts.Node | undefined): ts.Node | undefined {
  if (!arg || !ts.isExpression(arg)) return undefined;
  const spec = processorPath(arg);
  if (!spec) return undefined;
  const rel = isAbsolute(spec) ? `./${relative(dirname(ctx.file), spec)}` : spec.startsWith('.') ? spec : `./${spec}`;
  const file = ctx.project.resolveModule(ctx.file, rel);
  if (!file) return undefined;
  return ctx.project.exported(file, 'default');
}

/** True when the argument is a path to a processor module (a string or a path expression), resolved or not. */
export function isProcessorPath(arg: ts.Node | undefined): boolean {
  return !!arg && ts.isExpression(arg) && processorPath(arg) !== undefined;
}

function processorPath(arg: ts.Expression): string | undefined {
  const e = unwrapExpression(arg);
  if (ts.isStringLiteralLike(e)) return e.text;
  if (ts.isTemplateExpression(e) && e.templateSpans.length === 1 && isDirname(e.templateSpans[0]!.expression) && e.head.text === '') {
    return `.${e.templateSpans[0]!.literal.text}`;
  }
  if (ts.isCallExpression(e) && /^(path\.)?(join|resolve)$/.test(chainOf(e.expression) ?? '') && e.arguments.length >= 2 && isDirname(e.arguments[0]!)) {
    const parts = e.arguments.slice(1).map((a) => literalValue(a));
    if (parts.every((p) => typeof p === 'string')) return `./${parts.join('/')}`;
  }
  if (ts.isNewExpression(e) && calleeName(e) === 'URL' && e.arguments?.[0]) {
    const base = e.arguments[1] && chainOf(e.arguments[1]);
    const p = literalValue(e.arguments[0]);
    if (typeof p === 'string' && base === 'import.meta.url') return p;
  }
  return undefined;
}

function isDirname(e: ts.Expression): boolean {
  const x = unwrapExpression(e);
  return (ts.isIdentifier(x) && x.text === '__dirname') || chainOf(x) === 'import.meta.dirname';
}

/**
 * A processor declaring a second parameter runs in callback mode in bull, bee-queue and agenda:
 * the job settles when `done` is called, and the returned promise is ignored.
 */
export function callbackMode(ctx: AdapterContext, handler: ts.Node): boolean {
  const fns = functionsOf(ctx.project, handler);
  return fns.length > 0 && fns.every((f) => f.parameters.filter((p) => !p.dotDotDotToken && !p.initializer).length >= 2);
}

export { isAsyncFunction };

/**
 * Calls `receiver.method(...)` with at least `minArgs` arguments whose receiver traces to `module`
 * (`.process(` and `.define(` are too common to trust by name alone), in source order.
 */
export function queueCalls(ctx: AdapterContext, method: string, module: string | RegExp, minArgs = 1): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  walk(ctx.sf, (n) => {
    if (!ts.isCallExpression(n) || calleeName(n) !== method || n.arguments.length < minArgs) return;
    const recv = receiverOf(n);
    if (recv && traceValue(ctx.project, recv).some((t) => fromModule(t, module))) out.push(n);
  });
  return out;
}

/**
 * A job processor's delivery (bull, bee-queue, agenda, NestJS bull/BullMQ processors): resolving completes the job;
 * in callback mode (`(job, done)`) only `done()` does and the returned promise is ignored. `model`
 * says what the queue does differently: its id and time fields, ack methods, retries.
 */
export function jobDelivery(callback: boolean, model: Partial<DeliveryModel>): DeliveryModel {
  return eventDelivery({
    params: [0],
    callbackParam: callback ? 1 : undefined,
    idFields: [...JOB_ID_FIELDS, ...COMMON_EVENT_IDS],
    acksOnReturn: !callback,
    ...model,
  });
}

/**
 * True when a retry count is configured somewhere in the file: a property `name` (`attempts`,
 * `retryLimit`) or a builder call `.name(n)` (`.retries(3)`), with a value above 1 or not a literal.
 */
export function retriesConfigured(ctx: AdapterContext, name: string, min = 1): boolean {
  let hit = false;
  walk(ctx.sf, (n) => {
    if (hit) return false;
    let value: ts.Node | undefined;
    if (ts.isPropertyAssignment(n) && propertyNameText(n.name) === name) value = n.initializer;
    else if (ts.isShorthandPropertyAssignment(n) && n.name.text === name) value = n.name;
    else if (ts.isCallExpression(n) && calleeName(n) === name && ts.isPropertyAccessExpression(n.expression)) value = n.arguments[0];
    if (!value) return;
    const v = literalOf(ctx.project, value);
    if (typeof v !== 'number' || v > min) hit = true;
  });
  return hit;
}

/** Job fields every queue here shares: `id` (custom via jobId / setId), payload times. */
export const JOB_ID_FIELDS = ['id', 'jobId'];

/**
 * True when `attempts` above 1 (or not a literal) is set in this file for jobs of `queue`: in
 * `new Queue(queue, { defaultJobOptions })`, in `add`/`addBulk` on such a queue, or in a flow job
 * whose `queueName` is `queue`. Options of jobs the processor itself enqueues to other queues do
 * not count; where the queue of an option cannot be told, it counts.
 */
export function attemptsForQueue(ctx: AdapterContext, queue: string | undefined, processor: ts.Node | undefined): boolean {
  let hit = false;
  walk(ctx.sf, (n) => {
    if (hit) return false;
    if (!ts.isPropertyAssignment(n) || propertyNameText(n.name) !== 'attempts') return;
    const v = literalOf(ctx.project, n.initializer);
    if (typeof v === 'number' && v <= 1) return;
    const owner = queueOfOption(ctx, n);
    if (owner === undefined && processor && n.pos >= processor.pos && n.end <= processor.end) return;
    if (owner === undefined || queue === undefined || owner === queue) hit = true;
  });
  return hit;
}

function queueOfOption(ctx: AdapterContext, option: ts.Node): string | undefined {
  for (let p: ts.Node | undefined = option.parent; p && !ts.isSourceFile(p); p = p.parent) {
    if (ts.isObjectLiteralExpression(p)) {
      const q = literalOf(ctx.project, objectProperty(p, 'queueName'));
      if (typeof q === 'string') return q;
    }
    if (ts.isNewExpression(p) && calleeName(p) === 'Queue') {
      const q = literalOf(ctx.project, p.arguments?.[0]);
      return typeof q === 'string' ? q : undefined;
    }
    if (ts.isCallExpression(p)) {
      const recv = receiverOf(p);
      if (!recv) return undefined;
      for (const t of traceValue(ctx.project, recv)) {
        const made = t.nodes.find((x): x is ts.NewExpression => ts.isNewExpression(x) && calleeName(x) === 'Queue');
        const q = made && literalOf(ctx.project, made.arguments?.[0]);
        if (typeof q === 'string') return q;
      }
      return undefined;
    }
  }
  return undefined;
}
