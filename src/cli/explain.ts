// meshctl explain pod-to-pod | request | gateway | inbound: builds the query from the command line and the
// inputs, runs the simulator, prints the trace (or -o json|yaml), and returns 0 delivered / 1 fails /
// 2 could not explain (cli-contract.md).
import { InputError, NotFoundError } from '../core/diagnostics/errors.js';
import { formatIssue } from '../core/diagnostics/issue.js';
import {
  explainLog,
  logQuery,
  parseAccessLog,
  splitAddress,
  type AccessLogLine,
} from '../core/engine/access-log.js';
import { explain, type Query, type Traffic, type World } from '../core/engine/explain.js';
import { resolveHost, resolvePod } from '../core/engine/resolve.js';
import type { Explanation, Protocol } from '../core/engine/types.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { selectProxy } from '../core/model/select-proxy.js';
import { renderAs } from './output.js';
import { parseRequestUrl } from './request-url.js';
import { renderExplanation } from '../render/explanation.js';
import { renderLogExplanation } from '../render/log-explanation.js';
import { messageLine } from '../core/diagnostics/escape.js';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';

export interface ExplainOptions {
  readonly output: string;
  readonly port?: string;
  readonly protocol?: string;
  readonly host?: string;
  readonly path?: string;
  readonly method?: string;
  readonly header?: string[];
  readonly sni?: string;
  readonly from?: string;
}

const PROTOCOLS: Protocol[] = ['tcp', 'http', 'http2', 'grpc', 'tls'];

function port(v: string | undefined, what: string): number {
  if (v === undefined) throw new InputError(`${what} needs --port`, 'for example --port 9080');
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
    throw new InputError(`--port ${v} is not a port number (1-65535)`);
  return Number(v);
}

function headers(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new InputError(`-H ${JSON.stringify(h)} is not "Name: value"`);
    out[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  return out;
}

function traffic(
  o: ExplainOptions,
  defaults: { protocol: Protocol; host?: string; path?: string; sni?: string | undefined },
): Traffic {
  const protocol = (o.protocol ?? defaults.protocol) as Protocol;
  if (!PROTOCOLS.includes(protocol))
    throw new InputError(`--protocol ${o.protocol} is not one of ${PROTOCOLS.join(', ')}`);
  const hs = headers(o.header);
  const host = o.host ?? hs.host ?? defaults.host;
  if (o.host) hs.host = o.host;
  return {
    protocol,
    host,
    path: o.path ?? defaults.path ?? '/',
    method: (o.method ?? (protocol === 'grpc' ? 'POST' : 'GET')).toUpperCase(),
    headers: hs,
    sni: o.sni ?? ('sni' in defaults ? defaults.sni : protocol === 'tls' ? host : undefined),
  };
}

export function podToPodQuery(world: World, src: string, dst: string, o: ExplainOptions): Query {
  const source = selectProxy([...world.dumps], src);
  const d = resolvePod(world.dumps, world.inventory, dst);
  if (!d)
    throw new NotFoundError(
      `destination ${dst} is neither an IP nor a pod whose dump or manifest was given`,
      "give the pod IP, or pass the destination's dump (--dump) or Pod manifest (-f)",
    );
  return {
    mode: 'outbound',
    source,
    ip: d.ip,
    port: port(o.port, 'explain pod-to-pod'),
    traffic: traffic(o, { protocol: 'tcp' }),
  };
}

export function requestQuery(world: World, src: string, url: string, o: ExplainOptions): Query {
  const source = selectProxy([...world.dumps], src);
  const u = parseRequestUrl(url, o.port !== undefined ? port(o.port, '') : undefined);
  const r = resolveHost(source, world.inventory, u.host, u.port);
  if (!r)
    throw new NotFoundError(
      `cannot tell which IP ${u.host} resolves to: no Service manifest names it and ${source.source} lists no ClusterIP for it`,
      'pass the Service with -f, or give the IP in the URL and the name with --host',
    );
  return {
    mode: 'outbound',
    source,
    ip: r.ip,
    port: u.port,
    // the URL's path and query are the request's; --path replaces them only when it is given
    traffic: traffic(o, { protocol: u.protocol, host: u.authority, path: u.path, sni: u.sni }),
  };
}

export function gatewayQuery(world: World, gw: string, o: ExplainOptions): Query {
  const gateway = selectProxy([...world.dumps], gw);
  return {
    mode: 'gateway',
    gateway,
    port: port(o.port, 'explain gateway'),
    traffic: traffic(o, { protocol: 'tcp' }),
  };
}

export function inboundQuery(world: World, pod: string, o: ExplainOptions): Query {
  const destination = selectProxy([...world.dumps], pod);
  return {
    mode: 'inbound',
    destination,
    port: port(o.port, 'explain inbound'),
    fromIp: o.from,
    traffic: traffic(o, { protocol: 'tcp' }),
  };
}

const OUTPUTS = ['text', 'json', 'yaml'];

export function runExplain(world: World, build: (w: World) => Query, o: ExplainOptions, io: CliIo): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  const query = build(world);
  for (const d of world.dumps as ConfigDump[])
    for (const issue of d.issues.filter((i) => i.severity === 'error' || i.severity === 'warning'))
      io.stderr.write(messageLine(`${issue.severity}: ${d.source}: ${formatIssue(issue)}`));
  const e: Explanation = explain(world, query);
  io.stdout.write(renderAs(o.output, e, () => renderExplanation(e, { color: useColor(io) })));
  return e.outcome.result === 'delivered' ? EXIT_OK : e.outcome.result === 'failed' ? EXIT_FAIL : EXIT_ERROR;
}

/**
 * The proxy that wrote an access-log line: --pod, the only dump given, or the dump whose pod IP is the
 * line's local address (inbound) or remote address (outbound).
 */
function logProxy(world: World, pod: string | undefined, line: AccessLogLine): ConfigDump {
  const dumps = [...world.dumps] as ConfigDump[];
  if (pod !== undefined || dumps.length === 1) return selectProxy(dumps, pod);
  // an inbound cluster means the receiving proxy wrote it (its own address is local), an outbound one the
  // sending proxy (its own address is the remote one)
  const c = line.upstreamCluster ?? '';
  const sides = /^inbound\|/.test(c)
    ? [line.downstreamLocalAddress]
    : /^outbound\|/.test(c)
      ? [line.downstreamRemoteAddress]
      : [line.downstreamLocalAddress, line.downstreamRemoteAddress];
  const ips = sides.map((a) => splitAddress(a)?.ip);
  const byIp = dumps.filter((d) => d.identity().ips.some((ip) => ips.includes(ip)));
  if (byIp.length === 1) return byIp[0]!;
  throw new InputError(
    `which proxy wrote this line? ${byIp.length ? 'several' : 'none'} of the ${dumps.length} proxies given ${byIp.length ? 'have' : 'has'} its local or remote address`,
    'name it with --pod',
  );
}

/** For main.ts, which loads this module lazily: the line is read before inputs are. */
export { parseAccessLog };

export function logQueryFor(world: World, pod: string | undefined, line: AccessLogLine): Query {
  return logQuery(world, logProxy(world, pod, line), line);
}

export function runExplainLog(
  world: World,
  pod: string | undefined,
  line: AccessLogLine,
  o: ExplainOptions,
  io: CliIo,
): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  const proxy = logProxy(world, pod, line);
  const e = explainLog(world, proxy, line);
  io.stdout.write(renderAs(o.output, e, () => renderLogExplanation(e, { color: useColor(io) })));
  const r = e.explanation.outcome.result;
  return r === 'delivered' ? EXIT_OK : r === 'failed' ? EXIT_FAIL : EXIT_ERROR;
}
