// HTTP routing on a proxy: the HCM's route configuration (RDS or inline), its virtual host by the Host header,
// the first route of that host whose every condition holds, and the route's action (cluster, weighted
// clusters, cluster_header, redirect, direct response) (envoy-semantics.md section 4;
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing). The matching itself lives
// in route-table.ts and match/; this stage writes the routeConfig, virtualHost and route steps.
// Evidence read: the route configuration, the request (Host, path, method, headers), the route's
// retry_policy (Istio retries connect failures by default, so UF is logged UF,URX) and its Istio origin.
import { formatAddress } from '../model/address.js';
import type { ConfigDump } from '../model/config-dump.js';
import type { HttpConnectionManager } from '../model/listener.js';
import type { Route, RouteConfig } from '../model/route.js';
import {
  describeVirtualHost,
  routeLabel,
  routeOrigin,
  routeRequest,
  type HttpRequest,
  type RouteDecision,
} from './route-table.js';
import { fail, originOf, unknown, type Evidence, type Stop } from './trace.js';
import type { Target, Traffic } from './traffic.js';

/** The request Envoy's router sees: the Host the client sends (else the address it dialled) and its headers. */
export function httpRequest(traffic: Traffic, dst: Target): HttpRequest {
  const headers = new Map<string, string[]>();
  for (const [k, v] of Object.entries(traffic.headers)) headers.set(k.toLowerCase(), [v]);
  if (traffic.protocol === 'grpc' && !headers.has('content-type'))
    headers.set('content-type', ['application/grpc']);
  const host =
    traffic.headers.host ??
    traffic.headers.Host ??
    traffic.host ??
    formatAddress({ kind: 'socket', ip: dst.ip, port: dst.port, protocol: 'TCP' });
  return { host, path: traffic.path, method: traffic.method, headers, ssl: false, internal: true };
}

export function routeConfigByName(dump: ConfigDump, name: string): RouteConfig | undefined {
  const entry = dump.entries('routeConfig').find((e) => e.name === name && e.state !== 'error');
  return entry ? dump.routeConfigAt(entry) : undefined; // decoded once per process, shared with resolveHost
}

type Routed = Extract<RouteDecision, { kind: 'route' }>;

/**
 * What the route stage reads: an HCM, its route configuration and the request. The source sidecar and a
 * gateway route this way, and so does the receiving sidecar's inbound HCM (Istio's `inbound|<port>||` with
 * virtual host `inbound|http|<port>` and route `default`, envoy-semantics.md section 4): Envoy runs the same
 * router there, so its route is logged (%ROUTE_NAME% `default`, replayed on Envoy 1.40) and a request no route
 * matches is the same 404 NR (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing).
 */
export interface RouteLookup {
  readonly hcm: HttpConnectionManager;
  readonly rc: RouteConfig | undefined;
  readonly rcName: string;
  readonly proxy: string;
  readonly traffic: Traffic;
  readonly dst: Target;
}

/** The hop with the cluster its route names. */
export type RoutedTo<H> = H & { readonly cluster: string; readonly routeOrigin: string | undefined };

/** Stage: route configuration, then virtual host, then route; leaves with the cluster the route names. */
export function routeTable<H extends RouteLookup>(ev: Evidence, hop: H): RoutedTo<H> | Stop {
  const { rc, rcName, proxy } = hop;
  if (!rc) {
    ev.trace.add(
      'routeConfig',
      proxy,
      'failed',
      hop.hcm.rds ?? null,
      `route configuration ${rcName} is not in the dump: the listener is warming or the table is empty; every request gets 404 NR`,
    );
    return ev.trace.decide(fail('NR', 404, `RDS route configuration ${rcName} is missing on ${proxy}`));
  }
  ev.trace.add(
    'routeConfig',
    proxy,
    'matched',
    rc.name || hop.hcm.rds || null,
    `${rc.hosts.length} virtual hosts${rc.ignorePortInHostMatching ? '; the port of the Host is ignored (ignore_port_in_host_matching)' : '; Host must match a domain including its port'}`,
  );
  const req = httpRequest(hop.traffic, hop.dst);
  const d = routeRequest(rc, req);
  if (d.kind === 'no-virtual-host') return noVirtualHost(ev, proxy, rc, req);
  const vh = d.vhost.vhost;
  ev.trace.add('virtualHost', proxy, 'matched', vh.name, describeVirtualHost(d.vhost, req.host), {
    index: d.vhost.index,
    ...originOf(vh),
  });
  if (d.kind === 'require-tls') {
    ev.trace.add(
      'route',
      proxy,
      'failed', // the request is answered here, not forwarded
      null, // require_tls is a field of the virtual host, not a route
      `the virtual host requires TLS: Envoy redirects to ${d.location}`,
      { handsTo: 'redirect' },
    );
    return ev.trace.decide(fail(null, 301, `redirected to ${d.location} (require_tls)`));
  }
  if (d.kind === 'no-route') {
    ev.trace.add(
      'route',
      proxy,
      'no-match',
      vh.name, // the virtual host whose routes were searched
      `no route of ${vh.name} matches ${req.method} ${req.path}: 404 NR`,
      { index: d.vhost.index, alternatives: d.rejected },
    );
    return ev.trace.decide(fail('NR', 404, `no route in ${vh.name} matches ${req.path}: 404 NR`));
  }
  return routeAction(ev, hop, req, d);
}

function noVirtualHost(ev: Evidence, proxy: string, rc: RouteConfig, req: HttpRequest): Stop {
  const domains = rc.hosts.reduce((n, v) => n + v.domains.length, 0);
  ev.trace.add(
    'virtualHost',
    proxy,
    'no-match',
    rc.name, // the route configuration whose virtual hosts were searched
    `no virtual host of ${rc.name} has the domain "${req.host}" (${domains} domains, no "*" catch-all); Envoy answers 404 NR`,
    {
      alternatives: rc.hosts.slice(0, 8).map((v, i) => ({
        name: v.name,
        index: i,
        reason: `domains ${v.domains.slice(0, 4).join(', ')}${v.domains.length > 4 ? ', ...' : ''}`,
      })),
    },
  );
  if (/^\[?[\d.:a-f]+\]?(:\d+)?$/i.test(req.host))
    ev.trace.hint(
      'pod-ip-is-no-domain',
      `Istio lists service names and ClusterIPs as domains, never pod IPs, so "Host: ${req.host}" reaches no virtual host of ${rc.name}.`,
      'Call the service by name, or name the port tcp-* so pod-IP traffic is proxied as TCP.',
    );
  return ev.trace.decide(
    fail('NR', 404, `no virtual host for ${req.host} in ${rc.name} on ${proxy}: 404 NR`),
  );
}

function actionText(r: Route, d: Routed): string {
  const a = r.action;
  if (a.kind === 'cluster') return `to cluster ${a.cluster}`;
  if (a.kind === 'weighted_clusters')
    return `split: ${a.clusters.map((c) => `${c.name} ${c.weight}`).join(', ')} (following the heaviest)`;
  if (a.kind === 'cluster_header') return `to the cluster named by header ${a.header}`;
  if (a.kind === 'redirect') return `redirect ${a.status} to ${d.location}`;
  if (a.kind === 'direct_response') return `direct response ${a.status}`;
  return a.kind;
}

/** The matched route's action: a cluster to go on with, or an answer from the proxy itself. */
function routeAction<H extends RouteLookup>(
  ev: Evidence,
  hop: H,
  req: HttpRequest,
  d: Routed,
): RoutedTo<H> | Stop {
  const { proxy } = hop;
  const r = d.route;
  const vh = d.vhost.vhost;
  const origin = routeOrigin(r, vh);
  // a redirect or a direct response answers the request here: the step decides a failed outcome
  const answers = r.action.kind === 'redirect' || r.action.kind === 'direct_response';
  ev.trace.add(
    'route',
    proxy,
    answers ? 'failed' : 'matched',
    r.name ?? null,
    `${d.matchedBecause}; ${actionText(r, d)}`,
    {
      index: d.index,
      alternatives: d.rejected,
      ...(origin ? { origin } : {}),
      ...(answers ? { handsTo: r.action.kind === 'redirect' ? 'redirect' : 'direct-response' } : {}),
    },
  );
  const retryOn = JSON.stringify(
    (r.raw.route as { retry_policy?: { retry_on?: string } } | undefined)?.retry_policy?.retry_on ?? '',
  );
  // Istio's default retry policy retries connect failures: an upstream UF is logged as UF,URX
  if (/connect-failure|reset/.test(retryOn)) ev.trace.retriesConnectFailure();
  const a = r.action;
  if (a.kind === 'redirect')
    return ev.trace.decide(fail(null, a.status, `${proxy} answers ${a.status} redirect to ${d.location}`));
  if (a.kind === 'direct_response') {
    if (a.status === 502 && vh.name === 'block_all')
      ev.trace.hint(
        'registry-only',
        `The mesh (or a Sidecar) allows only registered services (REGISTRY_ONLY); ${req.host} is not one.`,
        'Add a ServiceEntry for the host, or set outboundTrafficPolicy ALLOW_ANY.',
      );
    return ev.trace.decide(
      fail(null, a.status, `${proxy} answers directly with ${a.status} (route ${routeLabel(r, d.index)})`),
    );
  }
  const cluster =
    a.kind === 'cluster'
      ? a.cluster
      : a.kind === 'weighted_clusters'
        ? [...a.clusters].sort((x, y) => y.weight - x.weight)[0]?.name
        : a.kind === 'cluster_header'
          ? d.cluster
          : undefined;
  if (!cluster) return ev.trace.decide(unknown('route', `the route's action (${a.kind}) is not simulated`));
  return { ...hop, cluster, routeOrigin: origin };
}
