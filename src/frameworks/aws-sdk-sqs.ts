// Hand-written SQS consumers on @aws-sdk/client-sqs (and the v2 / aggregated-client
// `sqs.receiveMessage(...)`): a loop that calls `send(new ReceiveMessageCommand(...))`, iterates
// the `Messages` and deletes each one. The handler is the per-message loop (the
// `for (const m of Messages)` statement, or the callback of `Messages.forEach` /
// `Promise.all(Messages.map(...))`); when the messages are deleted only outside that loop
// (one DeleteMessageBatch after it), the handler is the whole receive iteration, so the ack is
// part of it. One receive loop is one handler.
import { ts, calleeName, calleeReceiver, enclosingFunction, functionName, hasModifier, isFunctionNode, isInside, objectProperty, propertyNameText, stringText, unwrapExpression, walk, type FunctionNode } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';
import { objectLiteralOf, outerValue, valueFacts } from './local-values.js';
import { isFifoQueueName, SQS_ACK, SQS_CORRELATION_FIELDS, SQS_ID_FIELDS, SQS_NACK, SQS_TIME_FIELDS } from './sqs-facts.js';
import { delivery, type AdapterContext, type FrameworkAdapter, type Registration } from './types.js';

interface Receive {
  /** The call whose result holds `Messages` (`client.send(...)`, `receiveMessage(...).promise()`). */
  call: ts.CallExpression;
  /** The ReceiveMessage input, when in sight. */
  input?: ts.Expression;
}

type Scope = FunctionNode | ts.SourceFile;

const ACK_CLASSES = new Set(['DeleteMessageCommand', 'DeleteMessageBatchCommand']);
const ACK_CALLS = new Set(['deleteMessage', 'deleteMessageBatch']);
const SQS_COMMAND = /^(DeleteMessage|DeleteMessageBatch|ChangeMessageVisibility|ChangeMessageVisibilityBatch|SendMessage|SendMessageBatch)Command$/;
const TIMERS = new Set(['setInterval', 'setTimeout', 'setImmediate', 'nextTick']);

export const awsSdkSqs: FrameworkAdapter = {
  name: 'aws-sdk-sqs',
  mayRegister: (text) => text.includes('ReceiveMessageCommand') || /\breceiveMessage\s*\(/.test(text),
  discover(ctx) {
    const out: Registration[] = [];
    const seen = new Set<ts.Node>();
    let bound: string | undefined | null = null;
    for (const r of receiveCalls(ctx)) {
      const found = pollHandler(ctx.project, r);
      if (!found || seen.has(found.handler)) continue;
      seen.add(found.handler);
      if (bound === null) bound = redriveInSight(ctx.sf);
      const fifo = fifoReason(ctx.project, r, found);
      out.push({
        handler: found.handler,
        node: r.call,
        framework: 'aws-sdk-sqs',
        kind: 'receive-loop',
        name: (found.scope && !ts.isSourceFile(found.scope) ? functionName(found.scope) : undefined) ?? 'receive-loop',
        delivery: delivery({
          // For a loop handler, index 0 stands for the loop variable (the message).
          params: found.params,
          idFields: SQS_ID_FIELDS,
          correlationFields: SQS_CORRELATION_FIELDS,
          timeFields: SQS_TIME_FIELDS,
          ackMethods: SQS_ACK,
          nackMethods: SQS_NACK,
          // Nothing is settled by finishing an iteration: only a delete acks.
          acksOnReturn: false,
          // An undeleted message (a throw, a crash) reappears after the visibility timeout.
          redeliversOnThrow: true,
          ordered: !!fifo,
          orderReason: fifo,
          batched: found.batched,
          retryBound: bound ? { reason: bound } : undefined,
        }),
      });
    }
    return out;
  },
};

function receiveCalls(ctx: AdapterContext): Receive[] {
  const out: Receive[] = [];
  const sqsImported = ctx.importsModule('@aws-sdk/client-sqs') || ctx.importsModule('aws-sdk');
  walk(ctx.sf, (n) => {
    if (ts.isNewExpression(n) && calleeName(n) === 'ReceiveMessageCommand') {
      const input = n.arguments?.[0];
      const outer = outerValue(n);
      const p = outer.parent;
      if (p && ts.isCallExpression(p) && p.arguments.some((a) => a === outer)) out.push({ call: p, input });
      else if (p && ts.isVariableDeclaration(p) && p.initializer === outer && ts.isIdentifier(p.name)) {
        // const command = new ReceiveMessageCommand(...); await client.send(command)
        for (const ref of references(ctx.project, p, p.name.text)) {
          const o = outerValue(ref);
          if (o.parent && ts.isCallExpression(o.parent) && o.parent.arguments.some((a) => a === o)) out.push({ call: o.parent, input });
        }
      }
    } else if (ts.isCallExpression(n) && calleeName(n) === 'receiveMessage' && calleeReceiver(n)) {
      const input = n.arguments[0];
      const params = objectLiteralOf(ctx.project, input);
      if (!sqsImported && !(params && objectProperty(params, 'QueueUrl'))) return;
      // v2: sqs.receiveMessage(params).promise()
      const p = n.parent;
      const call = ts.isPropertyAccessExpression(p) && p.name.text === 'promise' && ts.isCallExpression(p.parent) ? p.parent : n;
      out.push({ call, input });
    }
  });
  return out;
}

interface Found {
  handler: ts.Node;
  params: number[];
  batched: boolean;
  scope?: Scope;
}

/** Identifiers in the declaration's scope that refer to the variable `name` declared by `decl`. */
function references(project: Project, decl: ts.VariableDeclaration | ts.ParameterDeclaration, name: string): ts.Identifier[] {
  const scope: ts.Node = ts.isParameter(decl) ? decl.parent : (enclosingFunction(decl) ?? decl.getSourceFile());
  const out: ts.Identifier[] = [];
  walk(scope, (n) => {
    if (!ts.isIdentifier(n) || n.text !== name) return;
    const p = n.parent;
    if ((ts.isPropertyAccessExpression(p) && p.name === n) || ((ts.isBindingElement(p) || ts.isVariableDeclaration(p) || ts.isParameter(p)) && p.name === n)) return;
    if (ts.isBindingElement(p) && p.propertyName === n) return;
    if (ts.isPropertyAssignment(p) && p.name === n) return;
    const b = project.lookup(n);
    if (b && (b.kind === 'var' || b.kind === 'param') && b.decl === decl) out.push(n);
  });
  return out;
}

/** The expressions that denote the received `Messages` array. */
function messageLists(project: Project, r: Receive): ts.Expression[] {
  const lists: ts.Expression[] = [];
  let budget = 40;
  const fromResponse = (v: ts.Node): void => {
    if (--budget < 0) return;
    const p = v.parent;
    if (!p) return;
    if (ts.isPropertyAccessExpression(p) && p.expression === v) {
      if (p.name.text === 'Messages') fromList(outerValue(p));
      else if (p.name.text === 'then' && ts.isCallExpression(p.parent) && p.parent.arguments[0]) {
        const cb = unwrapExpression(p.parent.arguments[0]);
        if (isFunctionNode(cb) && cb.parameters[0]) fromBinding(cb.parameters[0]);
      }
      return;
    }
    if (ts.isVariableDeclaration(p) && p.initializer === v) fromBinding(p);
  };
  const fromBinding = (d: ts.VariableDeclaration | ts.ParameterDeclaration): void => {
    if (ts.isIdentifier(d.name)) {
      for (const ref of references(project, d, d.name.text)) fromResponse(outerValue(ref));
    } else if (ts.isObjectBindingPattern(d.name)) {
      for (const el of d.name.elements) {
        const key = el.propertyName ? propertyNameText(el.propertyName) : ts.isIdentifier(el.name) ? el.name.text : undefined;
        if (key === 'Messages' && ts.isIdentifier(el.name)) for (const ref of references(project, d, el.name.text)) fromList(outerValue(ref));
      }
    }
  };
  const fromList = (l: ts.Node): void => {
    if (--budget < 0) return;
    let e = l;
    // Messages ?? [] / Messages || []
    while (e.parent && ts.isBinaryExpression(e.parent) && e.parent.left === e && /^(\?\?|\|\|)$/.test(e.parent.operatorToken.getText())) e = outerValue(e.parent);
    const p = e.parent;
    if (p && ts.isVariableDeclaration(p) && p.initializer === e && ts.isIdentifier(p.name)) {
      for (const ref of references(project, p, p.name.text)) fromList(outerValue(ref));
      return;
    }
    if (ts.isExpression(e)) lists.push(e);
  };
  fromResponse(outerValue(r.call));
  return lists;
}

/** Finds the per-message handler of one receive call, or undefined when this is not a consumer. */
function pollHandler(project: Project, r: Receive): Found | undefined {
  const scope: Scope = enclosingFunction(r.call) ?? r.call.getSourceFile();
  let perMessage: Found | undefined;
  let batchCall: Found | undefined;
  let single = false;
  for (const l of messageLists(project, r)) {
    const p = l.parent;
    if (ts.isForOfStatement(p) && p.expression === l) {
      perMessage ??= { handler: p, params: [0], batched: false };
    } else if (ts.isPropertyAccessExpression(p) && p.expression === l) {
      const call = p.parent;
      const method = p.name.text;
      if (method === 'length') {
        const loop = forLoopOver(p);
        if (loop) perMessage ??= { handler: loop, params: [0], batched: false };
      } else if (ts.isCallExpression(call) && call.expression === p && /^(forEach|map|flatMap)$/.test(method) && call.arguments[0] && !insideSqsCommand(call)) {
        const cb = unwrapExpression(call.arguments[0]);
        const concurrent = method === 'forEach' || isAsync(cb) || !isFunctionNode(cb) || insidePromiseAll(call);
        if (concurrent) perMessage ??= { handler: cb, params: [0], batched: false };
      }
    } else if (ts.isElementAccessExpression(p) && p.expression === l) {
      single = true;
    } else if (ts.isCallExpression(p) && p.arguments.some((a) => a === l) && !insideSqsCommand(p) && !isPromiseCombinator(p)) {
      // processBatch(Messages): the function handed the whole batch
      const idx = p.arguments.findIndex((a) => a === l);
      let targets: ReturnType<Project['resolveFunctions']> = [];
      try {
        targets = project.resolveFunctions(p.expression);
      } catch {
        /* unresolvable callee: not a handler we can stand behind */
      }
      if (targets.some((t) => t.kind === 'function')) batchCall ??= { handler: p.expression, params: [idx], batched: true };
    }
  }
  let found = perMessage ?? batchCall;
  if (!found && single) found = wholeIteration(r, scope);
  if (!found) return undefined;
  found.scope = scope;
  const acks = ackCalls(scope);
  if (acks.length && !acks.some((a) => isInside(a, found!.handler))) {
    // Deleted only outside the per-message loop or function (one DeleteMessageBatch after it):
    // the whole iteration is the handler, so the ack is part of it.
    const whole = wholeIteration(r, scope);
    if (whole) found = { ...whole, scope };
  }
  if (!isPollLoop(r, scope) && !acks.length) return undefined;
  return found;
}

/** The receive iteration: the innermost loop around the receive in its function, or the function itself. */
function wholeIteration(r: Receive, scope: Scope): Found | undefined {
  for (let n: ts.Node | undefined = r.call.parent; n && n !== scope; n = n.parent) {
    if (isIteration(n)) return { handler: n, params: [], batched: true };
  }
  // No parameter carries the delivery: the function receives it itself.
  return ts.isSourceFile(scope) ? undefined : { handler: scope, params: [], batched: true };
}

function isIteration(n: ts.Node): n is ts.IterationStatement {
  return ts.isForOfStatement(n) || ts.isForInStatement(n) || ts.isForStatement(n) || ts.isWhileStatement(n) || ts.isDoStatement(n);
}

function isAsync(fn: ts.Node): boolean {
  return isFunctionNode(fn) && hasModifier(fn, ts.SyntaxKind.AsyncKeyword);
}

/** `for (let i = 0; i < Messages.length; i++)` */
function forLoopOver(lengthAccess: ts.Node): ts.ForStatement | undefined {
  for (let n: ts.Node | undefined = lengthAccess.parent; n; n = n.parent) {
    if (ts.isForStatement(n)) return n.condition && isInside(lengthAccess, n.condition) ? n : undefined;
    if (ts.isBlock(n) || isFunctionNode(n)) return undefined;
  }
  return undefined;
}

function isPromiseCombinator(call: ts.CallExpression): boolean {
  const r = calleeReceiver(call);
  return !!r && ts.isIdentifier(unwrapExpression(r)) && (unwrapExpression(r) as ts.Identifier).text === 'Promise';
}

function insidePromiseAll(n: ts.Node): boolean {
  const p = outerValue(n).parent;
  return !!p && ts.isCallExpression(p) && isPromiseCombinator(p);
}

/** Building a delete/visibility/send command's entries from the messages is not handling them. */
function insideSqsCommand(n: ts.Node): boolean {
  for (let a: ts.Node | undefined = n.parent; a && !ts.isBlock(a) && !ts.isSourceFile(a); a = a.parent) {
    if (ts.isNewExpression(a) && SQS_COMMAND.test(calleeName(a) ?? '')) return true;
    if (ts.isCallExpression(a) && /^(deleteMessageBatch|changeMessageVisibilityBatch|sendMessageBatch)$/.test(calleeName(a) ?? '')) return true;
  }
  return false;
}

function ackCalls(scope: Scope): ts.Node[] {
  const out: ts.Node[] = [];
  walk(scope, (n) => {
    if (ts.isNewExpression(n) && ACK_CLASSES.has(calleeName(n) ?? '')) out.push(n);
    else if (ts.isCallExpression(n) && ACK_CALLS.has(calleeName(n) ?? '') && calleeReceiver(n)) out.push(n);
  });
  return out;
}

/**
 * The receive runs again and again: inside a loop, in a function that calls or re-schedules
 * itself (`poll()` / `setTimeout(poll)`), or in a timer callback (`setInterval(async () => ...)`).
 */
function isPollLoop(r: Receive, scope: Scope): boolean {
  for (let n: ts.Node | undefined = r.call.parent; n && n !== scope; n = n.parent) if (isIteration(n)) return true;
  if (ts.isSourceFile(scope)) return false;
  const p = outerValue(scope).parent;
  if (p && ts.isCallExpression(p) && TIMERS.has(calleeName(p) ?? '')) return true;
  const name = functionName(scope);
  if (!name) return false;
  let recursive = false;
  walk(scope.getSourceFile(), (n) => {
    if (recursive) return false;
    if (ts.isCallExpression(n)) {
      const callee = unwrapExpression(n.expression);
      const self = (e: ts.Expression) => {
        const x = unwrapExpression(e);
        return (ts.isIdentifier(x) && x.text === name) || (ts.isPropertyAccessExpression(x) && x.expression.kind === ts.SyntaxKind.ThisKeyword && x.name.text === name);
      };
      if (isInside(n, scope) && self(callee)) recursive = true;
      else if (TIMERS.has(calleeName(n) ?? '') && n.arguments.some((a) => self(a))) recursive = true;
    }
    return undefined;
  });
  return recursive;
}

/** A FIFO queue in sight: its URL, a `ReceiveRequestAttemptId`, or the handler reading `MessageGroupId`. */
function fifoReason(project: Project, r: Receive, found: Found): string | undefined {
  const input = objectLiteralOf(project, r.input);
  if (input) {
    if (objectProperty(input, 'ReceiveRequestAttemptId')) return 'a FIFO queue (ReceiveRequestAttemptId), ordered per MessageGroupId';
    const url = objectProperty(input, 'QueueUrl');
    const text = stringText(url) ?? (url && ts.isExpression(url) ? valueFacts(project, url).values.map((v) => stringText(v)).find(Boolean) : undefined);
    if (isFifoQueueName(text)) return 'a FIFO queue (.fifo URL), ordered per MessageGroupId';
  }
  let group = false;
  walk(found.scope ?? found.handler, (n) => {
    if (group) return false;
    if (ts.isPropertyAccessExpression(n) && n.name.text === 'MessageGroupId' && !isAssignedTo(n)) group = true;
    return undefined;
  });
  return group ? 'a FIFO queue (the handler reads MessageGroupId), ordered per message group' : undefined;
}

/** `x.MessageGroupId = ...` writes a group id (a producer), it does not read one. */
function isAssignedTo(n: ts.Node): boolean {
  const p = outerValue(n).parent;
  return !!p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.left === outerValue(n);
}

/** A redrive policy (dead-letter queue with maxReceiveCount) declared in this file. */
function redriveInSight(sf: ts.SourceFile): string | undefined {
  let found: string | undefined;
  walk(sf, (n) => {
    if (found) return false;
    if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && /^(RedrivePolicy|maxReceiveCount|deadLetterTargetArn)$/.test(propertyNameText(n.name) ?? '')) {
      found = `a redrive policy (\`${propertyNameText(n.name)}\`) sends the message to a dead-letter queue after a bounded number of receives`;
    }
    return undefined;
  });
  return found;
}

