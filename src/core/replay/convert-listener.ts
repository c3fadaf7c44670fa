// Listeners and their filter chains as Envoy 1.40 reads them (a stage of bootstrapFor): listener filters typed,
// Envoy <= 1.16's implicit tls_inspector made explicit, unnamed chains named as explain names them, v1
// tcp_proxy route tables split into chains, and the replay access log on the listener and its tcp_proxies.
import { obj, str } from '../model/fields.js';
import { isObject, type Json, type JsonObject } from '../model/normalize.js';
import { transportSocket } from './convert-cluster.js';
import { hcm } from './convert-http.js';
import { T, type Conversion } from './conversion.js';
import { extensionType } from './extensions.js';

// --- listeners -------------------------------------------------------------------------------------------

export function listener(cv: Conversion, l: JsonObject): JsonObject {
  const name = str(l, 'name') ?? '';
  const at = `listeners[${name}]`;
  const out: JsonObject = { ...l };
  if ('deprecated_v1' in out) {
    delete out.deprecated_v1; // normalize.ts moved its bind_to_port up
    cv.adapt(
      'moved deprecated_v1.bind_to_port to bind_to_port',
      at,
      'The v1 field is gone from the v3 Listener.',
    );
  }
  const lfs: JsonObject[] = [];
  for (const [i, f] of (Array.isArray(l.listener_filters) ? l.listener_filters : []).entries()) {
    if (!isObject(f)) continue;
    const c = cv.filter(f, 'listener filter', `${at}.listener_filters[${i}]`);
    if (c) lfs.push(c);
  }
  const chains = Array.isArray(l.filter_chains) ? l.filter_chains.filter(isObject) : [];
  out.filter_chains = chains.flatMap((c, i) =>
    filterChain(cv, c, `${at}.filter_chains[${i}]`, `filter_chains[${i}]`),
  );
  if (isObject(l.default_filter_chain)) {
    const [d, ...more] = filterChain(
      cv,
      l.default_filter_chain,
      `${at}.default_filter_chain`,
      'default_filter_chain',
    );
    if (d) out.default_filter_chain = d;
    if (more.length)
      cv.skip(
        `${at}.default_filter_chain: its tcp_proxy routes by v1 conditions, which a default chain cannot split into`,
      );
  }
  if (
    cv.implicitTlsInspector &&
    !lfs.some((f) => extensionType(f)?.endsWith('.TlsInspector')) &&
    chains.some((c) => {
      const m = obj(c, 'filter_chain_match');
      return (
        str(m, 'transport_protocol') === 'tls' ||
        (!str(m, 'transport_protocol') &&
          ((Array.isArray(m?.server_names) && m.server_names.length > 0) ||
            (Array.isArray(m?.application_protocols) && m.application_protocols.length > 0)))
      );
    })
  ) {
    lfs.unshift({
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` },
    });
    cv.adapt(
      'added the tls_inspector listener filter',
      at,
      'Envoy <= 1.16, which this dump comes from, added it by itself when a chain matches on TLS, SNI or ALPN (envoyproxy/envoy#14404); 1.40 does not.',
    );
  }
  if (lfs.length) out.listener_filters = lfs;
  else delete out.listener_filters;
  out.access_log = [cv.accessLog('listener')];
  return out;
}

/** One chain, or several when its tcp_proxy had a v1 route table (one chain per route). */
export function filterChain(cv: Conversion, c: JsonObject, at: string, fallbackName: string): JsonObject[] {
  const out: JsonObject = { ...c };
  if (!str(out, 'name')) {
    // %FILTER_CHAIN_NAME% is how the access log says which chain took a connection: an unnamed chain is
    // named by its place, `filter_chains[<index>]` (core/replay/compare.ts maps explain's `#<index>` to it)
    out.name = fallbackName;
  }
  if ('use_proxy_proto' in out) {
    delete out.use_proxy_proto;
    cv.adapt(
      'dropped use_proxy_proto',
      at,
      'The field is gone from the v3 FilterChain; no replayed client sends PROXY protocol.',
    );
  }
  const m = obj(out, 'filter_chain_match');
  if (m && 'sni_domains' in m) {
    const { sni_domains, ...rest } = m;
    out.filter_chain_match = { ...rest, server_names: sni_domains ?? [] };
    cv.adapt('renamed sni_domains to server_names', at, 'The v2 name is gone from the v3 FilterChainMatch.');
  }
  if (isObject(out.transport_socket))
    out.transport_socket = transportSocket(cv, out.transport_socket, `${at}.transport_socket`);
  const filters: JsonObject[] = [];
  let v1: { index: number; routes: JsonObject[]; where: string } | undefined;
  for (const [i, f] of (Array.isArray(c.filters) ? c.filters : []).entries()) {
    if (!isObject(f)) continue;
    const where = `${at}.filters[${i}]`;
    const typed = cv.filter(f, 'network filter', where);
    if (!typed) continue;
    const type = extensionType(typed);
    if (type?.endsWith('.HttpConnectionManager')) filters.push(hcm(cv, typed, where));
    else if (type?.endsWith('.TcpProxy')) {
      const { filter, routes } = tcpProxy(cv, typed, where);
      if (routes) v1 = { index: filters.length, routes, where };
      filters.push(filter);
    } else filters.push(typed);
  }
  out.filters = filters;
  return v1 ? splitV1Routes(cv, out, v1) : [out];
}

/**
 * Envoy v1's tcp_proxy route table (Istio 1.0-1.1: one outbound listener per port, a route per service by
 * destination_ip_list) as one chain per route matching the same conditions: Envoy 1.40 has no route table
 * in tcp_proxy, and FilterChainMatch selects by the same destination and source addresses. The v1 table
 * took the first route that matched; chains take the most specific one, the same choice for Istio's
 * tables, whose conditions do not overlap (a route shadowed by an identical earlier one is dropped).
 */
export function splitV1Routes(
  cv: Conversion,
  chain: JsonObject,
  v1: { index: number; routes: JsonObject[]; where: string },
): JsonObject[] {
  const base = obj(chain, 'filter_chain_match') ?? {};
  if (['prefix_ranges', 'source_prefix_ranges', 'source_ports'].some((k) => k in base)) {
    cv.skip(`${v1.where}: a v1 tcp_proxy route table inside a chain that already matches on addresses`);
    return [chain];
  }
  const out: JsonObject[] = [];
  const seen = new Set<string>();
  for (const [i, r] of v1.routes.entries()) {
    const unknown = Object.keys(r).filter(
      (k) => !['cluster', 'destination_ip_list', 'source_ip_list', 'destination_ports'].includes(k),
    );
    const ports =
      typeof r.destination_ports === 'string' ? r.destination_ports.split(',').map((p) => p.trim()) : [];
    if (
      unknown.length ||
      ports.length > 1 ||
      ports.some((p) => !/^\d+$/.test(p)) ||
      typeof r.cluster !== 'string'
    ) {
      cv.skip(
        `${v1.where}: v1 tcp_proxy route ${i} matches on ${[...unknown, ...(ports.length > 1 || ports.some((p) => !/^\d+$/.test(p)) ? ['destination_ports ranges'] : [])].join(', ') || 'nothing Envoy 1.40 can express'}`,
      );
      return [chain];
    }
    const match: JsonObject = { ...base };
    const dst = cidrs(r.destination_ip_list);
    const src = cidrs(r.source_ip_list);
    if (dst.length) match.prefix_ranges = dst;
    if (src.length) match.source_prefix_ranges = src;
    if (ports[0] !== undefined) match.destination_port = Number(ports[0]);
    const key = JSON.stringify(match);
    if (seen.has(key)) continue;
    seen.add(key);
    const filters = [...(chain.filters as JsonObject[])];
    const tcp = filters[v1.index]!;
    filters[v1.index] = {
      ...tcp,
      typed_config: { ...(obj(tcp, 'typed_config') ?? {}), cluster: r.cluster },
    };
    cv.tcpClusters.add(r.cluster);
    out.push({
      ...chain,
      name: `${str(chain, 'name') ?? ''} route${i}`,
      filter_chain_match: match,
      filters,
    });
  }
  cv.adapt(
    'split v1 tcp_proxy route tables into one filter chain per route',
    v1.where,
    "Envoy 1.40's TcpProxy has no route table; a chain per route matches the same destination and source addresses (the chain's name ends with routeN).",
  );
  return out;
}

export function tcpProxy(
  cv: Conversion,
  f: JsonObject,
  at: string,
): { filter: JsonObject; routes?: JsonObject[] } {
  let tc: JsonObject = { ...(obj(f, 'typed_config') ?? {}) };
  let routes: JsonObject[] | undefined;
  if (tc.deprecated_v1 === true && isObject(tc.value)) {
    // the v1 JSON form, kept as a Struct by Istio 1.0: {deprecated_v1: true, value: {stat_prefix, route_config}}
    const v = tc.value;
    routes = Array.isArray(obj(v, 'route_config')?.routes)
      ? (obj(v, 'route_config')!.routes as Json[]).filter(isObject)
      : [];
    tc = { '@type': tc['@type'] ?? null, stat_prefix: str(v, 'stat_prefix') ?? 'tcp' };
  } else if (isObject(tc.deprecated_v1)) {
    routes = Array.isArray(tc.deprecated_v1.routes) ? tc.deprecated_v1.routes.filter(isObject) : [];
    delete tc.deprecated_v1;
  }
  if (routes) {
    const only =
      routes.length === 1 && Object.keys(routes[0]!).every((k) => k === 'cluster') ? routes[0] : undefined;
    if (only && typeof only.cluster === 'string' && !('cluster' in tc)) {
      tc.cluster = only.cluster;
      routes = undefined;
      cv.adapt(
        'made the one v1 route of tcp_proxy its cluster',
        at,
        'The v1 route table is gone from the v3 TcpProxy; one unconditional route is the same as a cluster.',
      );
    } else if (!('cluster' in tc)) tc.cluster = ''; // set per chain by splitV1Routes
  }
  const cluster = str(tc, 'cluster');
  if (cluster) cv.tcpClusters.add(cluster);
  const wc = obj(tc, 'weighted_clusters');
  for (const w of Array.isArray(wc?.clusters) ? wc.clusters.filter(isObject) : [])
    if (typeof w.name === 'string') cv.tcpClusters.add(w.name);
  if (!str(tc, 'stat_prefix')) tc.stat_prefix = 'tcp'; // protojson omits an empty one; 1.40 requires it
  cv.replaceAccessLog(tc);
  tc.access_log = [cv.accessLog('tcp')];
  const filter = { ...f, typed_config: tc };
  return routes ? { filter, routes } : { filter };
}

/** v1 `"10.0.0.1/32"` strings or v2 CidrRange objects → v3 CidrRange. */
function cidrs(list: Json | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  for (const c of Array.isArray(list) ? list : []) {
    if (isObject(c)) out.push(c);
    else if (typeof c === 'string') {
      const [address, len] = c.split('/');
      out.push({
        address_prefix: address ?? c,
        prefix_len: len !== undefined ? Number(len) : address?.includes(':') ? 128 : 32,
      });
    }
  }
  return out;
}

export function listenerAddress(l: JsonObject): { address: string | undefined; port: number | undefined } {
  const sa = obj(obj(l, 'address'), 'socket_address');
  const port = sa?.port_value;
  return {
    address: str(sa, 'address'),
    port: typeof port === 'number' ? port : typeof port === 'string' ? Number(port) : undefined,
  };
}
