// Which NestJS microservice transport a server runs when its options are not one readable
// object: `app.connectMicroservice(createKafkaConfig())` from a workspace library, or options
// read from configuration. First the helper's own code (`Transport.KAFKA` in it), then the
// broker client the package depends on (Nest loads kafkajs, amqplib, nats, mqtt or ioredis
// for its transports; a package that installs exactly one of them runs that transport).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ts, unwrapExpression, walk } from '../analysis/ast.js';
import type { Project } from '../analysis/project.js';

export type Transport = 'KAFKA' | 'RMQ' | 'NATS' | 'REDIS' | 'MQTT' | 'TCP' | 'GRPC' | 'UNKNOWN';
export const TRANSPORT_NAMES: readonly Transport[] = ['KAFKA', 'RMQ', 'NATS', 'REDIS', 'MQTT', 'TCP', 'GRPC'];

export interface InferredTransport {
  transport: Transport;
  reason: string;
}

/** The transport named by `Transport.X` in the project function(s) a call runs, when they name exactly one. */
export function transportInHelper(project: Project, arg: ts.Node | undefined): InferredTransport | undefined {
  let e = arg && ts.isExpression(arg) ? unwrapExpression(arg) : undefined;
  // `const options = createKafkaConfig(); app.connectMicroservice(options)`
  if (e && ts.isIdentifier(e)) {
    const b = safe(() => project.lookup(e as ts.Identifier));
    e = b?.kind === 'var' && !b.path.length && b.decl.initializer ? unwrapExpression(b.decl.initializer) : undefined;
  }
  if (!e || !ts.isCallExpression(e)) return undefined;
  const found = new Set<Transport>();
  const seen = new Set<ts.Node>();
  const visit = (call: ts.CallExpression, depth: number) => {
    for (const t of safe(() => project.resolveFunctions(call.expression)) ?? []) {
      if (t.kind !== 'function' || !t.fn.body || seen.has(t.fn)) continue;
      seen.add(t.fn);
      walk(t.fn, (n) => {
        const named = transportMember(n);
        if (named) found.add(named);
        // One level of the helper's own helpers: `createConfig()` calling `kafkaOptions()`.
        if (ts.isCallExpression(n) && depth < 1) visit(n, depth + 1);
        return undefined;
      });
    }
  };
  visit(e, 0);
  if (found.size !== 1) return undefined;
  const t = [...found][0]!;
  const callee = e.expression.getText().replace(/\s+/g, '');
  return { transport: t, reason: `the options come from ${callee}(), which uses Transport.${t}` };
}

/** `Transport.KAFKA` (the enum of @nestjs/microservices, however qualified). */
function transportMember(n: ts.Node): Transport | undefined {
  if (!ts.isPropertyAccessExpression(n)) return undefined;
  const recv = n.expression;
  const recvName = ts.isIdentifier(recv) ? recv.text : ts.isPropertyAccessExpression(recv) ? recv.name.text : undefined;
  if (recvName !== 'Transport') return undefined;
  const name = n.name.text as Transport;
  return TRANSPORT_NAMES.includes(name) ? name : undefined;
}

/** Broker clients that Nest's transports load. A Redis client is weak evidence: it is far more often a cache. */
const BROKER_CLIENTS: Record<string, Transport> = {
  kafkajs: 'KAFKA',
  amqplib: 'RMQ',
  'amqp-connection-manager': 'RMQ',
  nats: 'NATS',
  mqtt: 'MQTT',
  ioredis: 'REDIS',
  redis: 'REDIS',
};

const depsCache = new Map<string, InferredTransport | null>();

/**
 * The transport the nearest package.json that depends on any broker client implies: the one
 * message broker client it lists (kafkajs, amqplib/amqp-connection-manager, nats, mqtt), or a
 * Redis client when it lists no other. Two brokers mean the transport cannot be told.
 */
export function transportFromDependencies(file: string): InferredTransport | undefined {
  let dir = dirname(file);
  for (let i = 0; i < 40; i++) {
    const hit = depsCache.get(dir);
    if (hit !== undefined) return hit ?? undefined;
    const verdict = brokerOf(dir);
    if (verdict !== 'none') {
      depsCache.set(dir, verdict ?? null);
      return verdict;
    }
    if (existsSync(join(dir, '.git'))) break;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function brokerOf(dir: string): InferredTransport | undefined | 'none' {
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return 'none';
  let deps: string[];
  let pkgName: string;
  try {
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    pkgName = typeof pkg.name === 'string' ? `package.json (${pkg.name})` : `${basename(dir)}/package.json`;
    deps = ['dependencies', 'peerDependencies', 'optionalDependencies'].flatMap((k) => {
      const v = pkg[k];
      return v && typeof v === 'object' ? Object.keys(v) : [];
    });
  } catch {
    return 'none';
  }
  const clients = deps.filter((d) => BROKER_CLIENTS[d]);
  if (!clients.length) return 'none';
  const strong = new Set(clients.map((d) => BROKER_CLIENTS[d]!).filter((t) => t !== 'REDIS'));
  const t: Transport | undefined = strong.size === 1 ? [...strong][0] : strong.size === 0 ? 'REDIS' : undefined;
  if (!t) return undefined;
  const named = clients.filter((d) => BROKER_CLIENTS[d] === t).join(' and ');
  return { transport: t, reason: `the options are not readable; ${named} is the only message broker client in ${pkgName}` };
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
