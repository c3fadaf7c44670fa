// The query of an explain call from its arguments as a person gives them (pods by name or IP, a URL, --port,
// --protocol, --host, --path, -H, --sni, --from): the CLI, replay and the conformance corpus build calls here,
// so all three ask the simulator the same question.
import { InputError, NotFoundError } from '../diagnostics/errors.js';
import { selectProxy } from '../model/select-proxy.js';
import type { Query, Traffic, World } from './traffic.js';
import { isIp, resolveHost, resolvePod } from './resolve.js';
import type { Protocol } from './types.js';
import { parseRequestUrl } from './request-url.js';

export interface CallOptions {
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

/** --from: the client's address, an IP literal (a gateway's chains may match on it). */
function fromIp(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!isIp(v)) throw new InputError(`--from ${v} is not an IP address`, 'for example --from 10.0.0.7');
  return v;
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
  o: CallOptions,
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

export function podToPodQuery(world: World, src: string, dst: string, o: CallOptions): Query {
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

export function requestQuery(world: World, src: string, url: string, o: CallOptions): Query {
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

export function gatewayQuery(world: World, gw: string, o: CallOptions): Query {
  const gateway = selectProxy([...world.dumps], gw);
  return {
    mode: 'gateway',
    gateway,
    port: port(o.port, 'explain gateway'),
    fromIp: fromIp(o.from),
    traffic: traffic(o, { protocol: 'tcp' }),
  };
}

export function inboundQuery(world: World, pod: string, o: CallOptions): Query {
  const destination = selectProxy([...world.dumps], pod);
  return {
    mode: 'inbound',
    destination,
    port: port(o.port, 'explain inbound'),
    fromIp: o.from,
    traffic: traffic(o, { protocol: 'tcp' }),
  };
}
