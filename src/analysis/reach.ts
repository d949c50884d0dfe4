// Pipeline stage "reach": a handler's body plus the project functions it calls, across
// files, depth-limited. Each function's calls are resolved once and cached for every handler.
import { ts, isFunctionNode, isInside, unwrapExpression, walk, type FunctionNode } from './ast.js';
import type { Project } from './project.js';
import { describeError } from '../errors.js';
import type { Handler, HandlerBody } from '../model.js';

export interface CallEdge {
  call: ts.CallExpression | ts.NewExpression;
  target: FunctionNode;
}

export interface ReachedFunction {
  fn: HandlerBody;
  /** 0 for the handler's own body (and its extra bodies). */
  depth: number;
  /** Calls from the handler's body down to this function; empty at depth 0. */
  chain: CallEdge[];
}

export interface Reach {
  functions: ReachedFunction[];
  /** Project functions a call resolves to (empty for library calls and unknown calls). */
  targets(call: ts.CallExpression | ts.NewExpression): FunctionNode[];
  /** The reached record for a function node, if reached. */
  reachedOf(fn: ts.Node): ReachedFunction | undefined;
  /** True when the depth or size bound cut the walk short. */
  truncated: boolean;
}

interface Summary {
  calls: CallEdge[];
}

const summaries = new WeakMap<ts.Node, Summary>();

/** Walks the nodes a function owns: its body, inline callbacks included, nested declarations excluded. */
export function walkOwn(fn: ts.Node, visit: (n: ts.Node) => boolean | void): void {
  const start = isFunctionNode(fn) ? fn.body : fn;
  if (!start) return;
  if (isFunctionNode(fn)) {
    // Parameter defaults run as part of the call.
    for (const p of fn.parameters) if (p.initializer) walkOwn(p.initializer, visit);
  }
  if (visit(start) === false) return;
  walk(start, (n) => {
    if (ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n)) return false;
    return visit(n);
  });
}

function summarise(project: Project, fn: ts.Node): Summary {
  const hit = summaries.get(fn);
  if (hit) return hit;
  const calls: CallEdge[] = [];
  const seen = new Set<ts.Node>();
  walkOwn(fn, (n) => {
    if (!ts.isCallExpression(n) && !ts.isNewExpression(n)) return;
    const add = (expr: ts.Node) => {
      let targets;
      try {
        targets = project.resolveFunctions(expr);
      } catch (e) {
        // Never in silence: the calls behind this one are not followed.
        const sf = n.getSourceFile();
        const start = n.getStart(sf);
        const call = sf.text.slice(start, Math.min(n.getEnd(), start + 60)).split('\n')[0];
        project.sources.fault('reach-crash', sf.fileName, `resolving the call ${call} in ${sf.fileName} failed: ${describeError(e)}; it was not followed`);
        return;
      }
      for (const t of targets) {
        if (t.kind !== 'function' || isInside(t.fn, fn) || seen.has(t.fn)) continue;
        seen.add(t.fn);
        calls.push({ call: n, target: t.fn });
      }
    };
    if (ts.isCallExpression(n)) add(n.expression);
    else {
      // new Service(...) runs its constructor
      const cls = project.classFromExpression(n.expression);
      const ctor = cls?.members.find(ts.isConstructorDeclaration);
      if (ctor?.body) calls.push({ call: n, target: ctor });
    }
    // Named functions handed over as callbacks run as part of the work: items.forEach(handleItem)
    for (const a of n.arguments ?? []) {
      const e = unwrapExpression(a);
      if (ts.isIdentifier(e) || (ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword)) add(e);
    }
  });
  const s = { calls };
  summaries.set(fn, s);
  return s;
}

export function computeReach(project: Project, handler: Handler, maxDepth: number, maxFunctions: number): Reach {
  const functions: ReachedFunction[] = [];
  const byNode = new Map<ts.Node, ReachedFunction>();
  const targetsByCall = new Map<ts.Node, FunctionNode[]>();
  let truncated = false;
  const queue: ReachedFunction[] = [handler.body, ...handler.extraBodies].map((fn) => ({ fn, depth: 0, chain: [] }));
  for (const r of queue) byNode.set(r.fn, r);
  // Breadth first, so each function is reached by its shortest chain.
  for (let i = 0; i < queue.length; i++) {
    const r = queue[i]!;
    functions.push(r);
    for (const edge of summarise(project, r.fn).calls) {
      const list = targetsByCall.get(edge.call) ?? [];
      if (!list.includes(edge.target)) list.push(edge.target);
      targetsByCall.set(edge.call, list);
      if (byNode.has(edge.target)) continue;
      if (r.depth + 1 > maxDepth || queue.length >= maxFunctions) {
        truncated = true;
        continue;
      }
      const next: ReachedFunction = { fn: edge.target, depth: r.depth + 1, chain: [...r.chain, edge] };
      byNode.set(edge.target, next);
      queue.push(next);
    }
  }
  return {
    functions,
    targets: (call) => targetsByCall.get(call) ?? [],
    reachedOf: (fn) => byNode.get(fn),
    truncated,
  };
}
