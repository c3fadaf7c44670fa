// The network filters of the chosen chain: Envoy runs them in order, and the last one (the terminal filter)
// decides where the bytes go: tcp_proxy forwards the connection to a cluster, http_connection_manager parses
// HTTP and hands each request to the router (envoy-semantics.md section 3;
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/listeners/network_filters). Non-HTTP bytes
// into an HCM fail in the codec before any route is looked at (400, DPE since Envoy 1.12: http-codec.ts).
// Evidence read: the chain's filters (tcp_proxy cluster/weighted_clusters, HCM rds/route_config/http_filters),
// the route configuration it names, and the Services whose port names made the port HTTP (model/protocol.ts).
import type { FilterChain, HttpConnectionManager, NetworkFilter, TcpProxy } from '../model/listener.js';
import { isHttpProtocol, resolvePortProtocol } from '../model/protocol.js';
import type { RouteConfig } from '../model/route.js';
import { codecErrorFlag, codecRejects, type CodecError } from './http-codec.js';
import { httpRequest, routeConfigByName } from './http-route.js';
import { listenerName } from './listener-select.js';
import { routeRequest } from './route-table.js';
import { chainLabel } from './filter-chain.js';
import { fail, unknown, type Evidence, type Stop } from './trace.js';
import type { OnChain, ReceivingOnChain, ReceivingToCluster, ToCluster } from './traffic.js';

export type OnFilter =
  | (OnChain & { readonly kind: 'tcp_proxy'; readonly tcp: TcpProxy })
  | (OnChain & { readonly kind: 'hcm'; readonly hcm: HttpConnectionManager });

/** The chain's HTTP routing or its tcp_proxy route table: the filter that decides where traffic goes. */
export function routingFilter(chain: FilterChain): HttpConnectionManager | TcpProxy | undefined {
  return chain.filters.find(
    (f): f is HttpConnectionManager | TcpProxy =>
      f.kind === 'http_connection_manager' || f.kind === 'tcp_proxy',
  );
}

function otherFilters(chain: FilterChain): string {
  const names = chain.filters
    .filter((f: NetworkFilter) => f.kind === 'other')
    .map((f) => f.name || (f.kind === 'other' ? (f.typeUrl ?? '?') : '?'));
  return names.length ? ` (also runs: ${names.join(', ')})` : '';
}

/** Stage: which terminal filter of the chain the connection meets. */
export function networkFilter(ev: Evidence, hop: OnChain): OnFilter | Stop {
  const filter = routingFilter(hop.chain);
  if (filter?.kind === 'tcp_proxy') return { ...hop, kind: 'tcp_proxy', tcp: filter };
  if (filter?.kind === 'http_connection_manager') return { ...hop, kind: 'hcm', hcm: filter };
  ev.trace.add(
    'networkFilter',
    hop.proxy,
    'unknown',
    null,
    `the chain's filters (${hop.chain.filters.map((x) => x.name).join(', ') || 'none'}) have neither an HTTP connection manager nor a tcp_proxy; meshctl cannot follow it`,
  );
  return ev.trace.decide(
    unknown(
      'networkFilter',
      `chain ${chainLabel(hop.chain)} of ${listenerName(hop.listener)} ends in a filter meshctl does not simulate`,
    ),
  );
}

/** Stage: tcp_proxy forwards the connection's bytes to its cluster (the heaviest of weighted clusters). */
export function tcpProxy(ev: Evidence, hop: OnFilter & { kind: 'tcp_proxy' }): ToCluster | Stop {
  const weighted = hop.tcp.weightedClusters;
  const cluster = hop.tcp.cluster ?? [...weighted].sort((a, b) => b.weight - a.weight)[0]?.name;
  const dist = weighted.length
    ? `; weighted: ${weighted.map((w) => `${w.name} ${w.weight}`).join(', ')} (following the heaviest)`
    : '';
  ev.trace.add(
    'networkFilter',
    hop.proxy,
    cluster ? 'matched' : 'failed',
    hop.tcp.name,
    `tcp_proxy forwards the connection's bytes to cluster ${cluster ?? '(none)'}${dist}${otherFilters(hop.chain)}`,
    { index: hop.chain.filters.indexOf(hop.tcp) },
  );
  // tcp_proxy counts connect attempts against max_connect_attempts (default 1): a failed connect sets UF and
  // tries again, and the attempt past the limit sets URX, so every connect failure is logged UF,URX (envoy
  // source/common/tcp_proxy/tcp_proxy.cc: Filter::onUpstreamEvent, then initializeUpstreamConnection's
  // connect_attempts_ >= maxConnectAttempts() check). Replayed on Envoy 1.40: story 4 (1.9) logs UF,URX.
  ev.trace.retriesConnectFailure();
  if (!cluster) return ev.trace.decide(fail('NR', null, 'the tcp_proxy names no cluster'));
  return { ...hop, cluster, routeOrigin: undefined };
}

export type OnRouteTable = OnFilter & {
  readonly kind: 'hcm';
  readonly rc: RouteConfig | undefined;
  readonly rcName: string;
};

/** Stage: the HTTP connection manager parses the bytes as HTTP and looks up its route configuration. */
export function httpConnectionManager(ev: Evidence, hop: OnFilter & { kind: 'hcm' }): OnRouteTable | Stop {
  const { hcm, traffic, proxy } = hop;
  const codec = codecRejects(hcm, traffic.protocol);
  const rcName = hcm.rds ?? hcm.routeConfig?.name ?? '(inline)';
  ev.trace.add(
    'networkFilter',
    proxy,
    codec ? 'failed' : 'matched',
    hcm.name,
    `http_connection_manager: the chain parses HTTP and routes with ${hcm.rds !== undefined ? `RDS route configuration ${hcm.rds}` : 'an inline route configuration'}${codec ? `; its ${codec.codec} codec fails: ${codec.why}` : ''}${otherFilters(hop.chain)}`,
    { index: hop.chain.filters.indexOf(hcm) },
  );
  const rc = hcm.routeConfig ?? (hcm.rds !== undefined ? routeConfigByName(hop.dump, hcm.rds) : undefined);
  const alpn = hcm.httpFilters.some((f) => f === 'istio.alpn' || f === 'envoy.filters.http.alpn');
  const next = {
    ...hop,
    rc,
    rcName,
    ...(alpn ? { alpnOverride: [traffic.protocol === 'http' ? 'istio-http/1.1' : 'istio-h2'] } : {}),
  };
  return codec ? notHttp(ev, next, codec) : next;
}

/** Bytes the HCM's codec cannot read: it fails before any routing (http-codec.ts). */
function notHttp(ev: Evidence, hop: OnRouteTable, codec: CodecError): Stop {
  const { era, rc, rcName, dst, traffic, proxy, listener: l } = hop;
  let asHttp = '';
  if (rc) {
    const req = httpRequest(traffic, dst);
    const d = routeRequest(rc, req);
    if (d.kind === 'no-virtual-host')
      asHttp = ` Even an HTTP request would fail: route configuration ${rcName} has no virtual host for Host "${req.host}" (404 NR).`;
  }
  // Which Service port made it HTTP, by the same protocol rules lint uses (model/protocol.ts).
  const why = ev.world.inventory.services
    .flatMap((svc) =>
      svc.ports.filter((p) => p.port === dst.port).map((p) => ({ svc, p, r: resolvePortProtocol(p) })),
    )
    .find((x) => isHttpProtocol(x.r.protocol));
  const because = why
    ? ` Service ${why.svc.namespace}/${why.svc.name} declares port ${dst.port} ${why.r.from === 'appProtocol' ? `with appProtocol ${why.p.appProtocol}` : `as "${why.p.name}"`}, which Istio reads as ${why.r.protocol}.`
    : '';
  ev.trace.hint(
    'non-http-into-http-port',
    `Port ${dst.port} is served as HTTP by ${listenerName(l)}, but the client speaks ${traffic.protocol === 'tcp' ? 'a non-HTTP protocol' : traffic.protocol}: Envoy's ${codec.codec} codec rejects the first bytes (${codec.status ? `${codec.status}${codec.details ? ` ${codec.details}` : ''}, ` : ''}connection closed).${because}${asHttp}`,
    `Name the Service port tcp-${why?.p.name?.replace(/^[a-z0-9]+-?/i, '') || '<name>'} (or set appProtocol: tcp) so Istio proxies it as TCP.`,
  );
  return ev.trace.decide(
    fail(
      codecErrorFlag(ev, era),
      codec.status,
      `${listenerName(l)} on ${proxy} expects ${codec.codec} on port ${dst.port}; ${codec.why}, so the codec fails and the connection is closed`,
    ),
  );
}

/** The receiving sidecar's inbound HCM, on its way to the route stage (http-route.ts routeTable). */
export type ReceivingOnRouteTable = ReceivingOnChain & {
  readonly hcm: HttpConnectionManager;
  readonly rc: RouteConfig | undefined;
  readonly rcName: string;
};

/**
 * Stage: the receiving sidecar's inbound chain forwards by tcp_proxy to its cluster, or parses HTTP and hands
 * the request to the same router as any HCM: Istio's inbound HCM has its own route configuration (inline
 * `inbound|<port>||`, or by RDS) whose route `default` names the inbound cluster (envoy-semantics.md section 4).
 */
export function inboundFilter(
  ev: Evidence,
  r: ReceivingOnChain,
): ReceivingToCluster | { readonly routing: ReceivingOnRouteTable } | Stop {
  const { chain, proxy, traffic, dst } = r;
  const filter = routingFilter(chain);
  if (filter?.kind === 'tcp_proxy') {
    const cluster = filter.cluster ?? filter.weightedClusters[0]?.name;
    ev.trace.add(
      'networkFilter',
      proxy,
      cluster ? 'matched' : 'failed',
      filter.name,
      `tcp_proxy to ${cluster ?? '(none)'}${otherFilters(chain)}`,
      { index: chain.filters.indexOf(filter) },
    );
    // tcp_proxy counts connect attempts against max_connect_attempts (default 1): a failed connect sets UF and
    // tries again, and the attempt past the limit sets URX, so every connect failure is logged UF,URX (envoy
    // source/common/tcp_proxy/tcp_proxy.cc: Filter::onUpstreamEvent, then initializeUpstreamConnection's
    // connect_attempts_ >= maxConnectAttempts() check). Replayed on Envoy 1.40: story 4 (1.9) logs UF,URX.
    ev.trace.retriesConnectFailure();
    if (!cluster) return ev.trace.decide(fail('NR', null, 'the inbound tcp_proxy names no cluster'));
    return { ...r, cluster };
  }
  if (filter?.kind === 'http_connection_manager') {
    const index = chain.filters.indexOf(filter);
    const codec = codecRejects(filter, traffic.protocol);
    if (codec) {
      ev.trace.add(
        'networkFilter',
        proxy,
        'failed',
        filter.name,
        `http_connection_manager: the inbound chain parses HTTP; its ${codec.codec} codec fails: ${codec.why}${otherFilters(chain)}`,
        { index },
      );
      return ev.trace.decide(
        fail(
          codecErrorFlag(ev, r.era),
          codec.status,
          `${proxy} expects ${codec.codec} on port ${dst.port}; ${codec.why}, so the codec fails and the connection is closed`,
        ),
      );
    }
    const rcName = filter.rds ?? filter.routeConfig?.name ?? '(inline)';
    ev.trace.add(
      'networkFilter',
      proxy,
      'matched',
      filter.name,
      `http_connection_manager: the inbound chain parses HTTP and routes with ${filter.rds !== undefined ? `RDS route configuration ${filter.rds}` : `the inline route configuration ${rcName}`}${otherFilters(chain)}`,
      { index },
    );
    const rc =
      filter.routeConfig ?? (filter.rds !== undefined ? routeConfigByName(r.dump, filter.rds) : undefined);
    return { routing: { ...r, hcm: filter, rc, rcName } };
  }
  ev.trace.add(
    'networkFilter',
    proxy,
    'unknown',
    null,
    `the inbound chain's filters (${chain.filters.map((x) => x.name).join(', ') || 'none'}) have no routing filter meshctl simulates`,
  );
  return ev.trace.decide(unknown('inbound', 'inbound chain not simulated'));
}
