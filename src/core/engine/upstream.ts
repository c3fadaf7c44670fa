// What happens after a cluster is chosen: which endpoints it has (EDS in the dump, else Kubernetes), which
// one the traffic reaches, and what the source's sidecar sends on that connection (plaintext, Istio mTLS or
// TLS), from the cluster's transport_socket and transport_socket_matches (Istio auto-mTLS).
// https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/load_balancing/overview and
// .../upstream/service_discovery; Evidence read: EDS (?include_eds), the cluster's own load_assignment, else
// the Kubernetes Endpoints/EndpointSlices or the pods a Service selects; the endpoints' tlsMode metadata.
import { formatAddress } from '../model/address.js';
import type { Cluster } from '../model/cluster.js';
import type { ConfigDump } from '../model/config-dump.js';
import type { Endpoint, LoadAssignment } from '../model/endpoint.js';
import { obj, str } from '../model/fields.js';
import type { MeshInventory } from '../model/k8s.js';
import { isObject, type JsonObject } from '../model/normalize.js';
import type { TransportSocket } from '../model/transport-socket.js';
import { isHttp, fail, unknown, type Evidence, type Stop } from './trace.js';
import { podByIp, type Arrival, type ToEndpoints } from './traffic.js';

export interface EndpointSet {
  readonly source: 'eds' | 'cluster' | 'kubernetes' | 'original-destination' | 'none';
  readonly endpoints: Array<{
    ip: string;
    port: number;
    healthy: boolean;
    health: string;
    metadata: JsonObject | undefined;
    /** The locality group's priority (0 when the source has none). */
    priority?: number;
  }>;
  readonly detail: string;
}

function lbMetadata(la: LoadAssignment, e: Endpoint): JsonObject | undefined {
  // Find the raw lb_endpoint to read its metadata (Istio's tlsMode label lives there).
  for (const g of Array.isArray(la.raw.endpoints) ? la.raw.endpoints : []) {
    if (!isObject(g) || !Array.isArray(g.lb_endpoints)) continue;
    for (const lb of g.lb_endpoints) {
      if (!isObject(lb)) continue;
      const sa = obj(obj(obj(lb, 'endpoint'), 'address'), 'socket_address');
      if (e.address.kind === 'socket' && str(sa, 'address') === e.address.ip) return obj(lb, 'metadata');
    }
  }
  return undefined;
}

function fromLoadAssignment(la: LoadAssignment): EndpointSet['endpoints'] {
  return la.endpoints
    .filter((e) => e.address.kind === 'socket')
    .map((e) => ({
      ip: e.address.kind === 'socket' ? e.address.ip : '',
      port: e.address.kind === 'socket' ? e.address.port : 0,
      // Envoy balances over HEALTHY, UNKNOWN and DEGRADED hosts
      healthy: e.health === 'HEALTHY' || e.health === 'UNKNOWN' || e.health === 'DEGRADED',
      health: e.health,
      metadata: lbMetadata(la, e),
      priority: e.priority,
    }));
}

/** Kubernetes endpoints of the service behind an Istio cluster name, for dumps saved without EDS. */
function fromKubernetes(cluster: Cluster, inv: MeshInventory): EndpointSet | undefined {
  const fqdn = cluster.istio?.fqdn;
  const port = cluster.istio?.port;
  if (!fqdn || port === undefined) return undefined;
  const [name, ns] = fqdn.split('.');
  const svc = inv.services.find((s) => s.name === name && s.namespace === ns);
  if (!svc) return undefined;
  const sp = svc.ports.find((p) => p.port === port);
  const eps = inv.endpoints.filter((e) => e.service === name && e.namespace === ns);
  if (eps.length && sp) {
    const endpoints = eps.flatMap((e) => {
      const p = e.ports.find((x) => x.name === sp.name) ?? e.ports[0];
      return e.addresses.map((a) => ({
        ip: a.ip,
        port: p?.port ?? port,
        healthy: a.ready,
        health: a.ready ? 'READY' : 'NOT READY',
        metadata: undefined,
      }));
    });
    return {
      source: 'kubernetes',
      endpoints,
      detail: `from the Kubernetes Endpoints of Service ${ns}/${name}`,
    };
  }
  if (svc.selector && sp) {
    const pods = inv.pods.filter(
      (p) => p.ip && p.namespace === ns && Object.entries(svc.selector!).every(([k, v]) => p.labels[k] === v),
    );
    if (pods.length === 0) return undefined;
    const target = typeof sp.targetPort === 'number' ? sp.targetPort : undefined;
    const endpoints = pods.map((p) => {
      const named =
        typeof sp.targetPort === 'string'
          ? p.containers.flatMap((c) => c.ports).find((x) => x.name === sp.targetPort)?.containerPort
          : undefined;
      return {
        ip: p.ip!,
        port: target ?? named ?? port,
        healthy: true,
        health: 'SELECTED',
        metadata: undefined,
      };
    });
    return {
      source: 'kubernetes',
      endpoints,
      detail: `from the pods Service ${ns}/${name} selects (no Endpoints object given)`,
    };
  }
  return undefined;
}

export function endpointsOf(
  cluster: Cluster,
  dump: ConfigDump,
  inv: MeshInventory,
  original: { ip: string; port: number },
): EndpointSet {
  if (cluster.type === 'ORIGINAL_DST')
    return {
      source: 'original-destination',
      endpoints: [
        { ip: original.ip, port: original.port, healthy: true, health: 'ORIGINAL_DST', metadata: undefined },
      ],
      detail: `ORIGINAL_DST cluster: connects to the original destination ${original.ip}:${original.port}`,
    };
  if (cluster.type === 'EDS') {
    const service = cluster.edsServiceName ?? cluster.name;
    const la = dump.loadAssignmentFor([service, cluster.name]);
    if (la)
      return {
        source: 'eds',
        endpoints: fromLoadAssignment(la),
        detail: `from EDS in the dump (${la.endpoints.length} endpoints)`,
      };
    const k = fromKubernetes(cluster, inv);
    if (k) return k;
    return {
      source: 'none',
      endpoints: [],
      detail: 'EDS endpoints are not in the dump and no Kubernetes endpoints were given',
    };
  }
  if (cluster.loadAssignment)
    return {
      source: 'cluster',
      endpoints: fromLoadAssignment(cluster.loadAssignment),
      detail: `written in the ${cluster.type} cluster itself`,
    };
  return { source: 'none', endpoints: [], detail: `the ${cluster.type} cluster lists no endpoints` };
}

export type UpstreamSecurity =
  | { readonly kind: 'plaintext'; readonly detail: string }
  | {
      readonly kind: 'istio-mtls';
      readonly detail: string;
      readonly alpn: string[];
      readonly sni: string | undefined;
    }
  | {
      readonly kind: 'tls';
      readonly detail: string;
      readonly alpn: string[];
      readonly sni: string | undefined;
    };

function fromSocket(ts: TransportSocket | undefined, why: string): UpstreamSecurity {
  if (!ts || ts.kind === 'raw_buffer') return { kind: 'plaintext', detail: `plaintext (${why})` };
  if (ts.istioMutual)
    return { kind: 'istio-mtls', detail: `Istio mutual TLS (${why})`, alpn: ts.alpn, sni: ts.sni };
  if (ts.kind === 'tls') return { kind: 'tls', detail: `TLS (${why})`, alpn: ts.alpn, sni: ts.sni };
  return { kind: 'plaintext', detail: `transport socket ${ts.name} (${why}), treated as plaintext` };
}

/** What the source sidecar sends to this endpoint: transport_socket_matches first (auto-mTLS), then the cluster's. */
export function upstreamSecurity(
  cluster: Cluster,
  endpointMetadata: JsonObject | undefined,
): UpstreamSecurity {
  if (cluster.transportSocketMatches.length) {
    const md = obj(obj(endpointMetadata, 'filter_metadata'), 'envoy.transport_socket_match') ?? {};
    // ORIGINAL_DST hosts (headless services) come with no EDS metadata, so only a match on nothing applies.
    const unlabelled = cluster.type === 'ORIGINAL_DST' ? '; ORIGINAL_DST hosts carry no tlsMode label' : '';
    for (const m of cluster.transportSocketMatches) {
      const ok = Object.entries(m.match).every(([k, v]) => md[k] === v);
      if (ok) {
        const labels = Object.entries(m.match)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',');
        const why = labels
          ? `transport_socket_match ${m.name}: the endpoint is labelled ${labels}`
          : `transport_socket_match ${m.name}${unlabelled}`;
        return fromSocket(m.transportSocket, why);
      }
    }
  }
  return fromSocket(
    cluster.transportSocket,
    cluster.transportSocket ? 'the cluster transport_socket' : 'no transport_socket on the cluster',
  );
}

/**
 * The endpoints Envoy's balancer picks among: the healthy hosts of the highest priority level (0) that has
 * any, unless that level is too unhealthy to take all traffic (healthy share × the overprovisioning factor
 * 1.4 below 100%), when the load spills to the next levels too; Envoy's "priority levels" in
 * https://www.envoyproxy.io/docs/envoy/v1.40.0/intro/arch_overview/upstream/load_balancing/priority.
 */
function balancedOver(all: EndpointSet['endpoints']): EndpointSet['endpoints'] {
  const levels = [...new Set(all.map((e) => e.priority ?? 0))].sort((a, b) => a - b);
  const out: EndpointSet['endpoints'] = [];
  for (const level of levels) {
    const at = all.filter((e) => (e.priority ?? 0) === level);
    const healthy = at.filter((e) => e.healthy);
    out.push(...healthy);
    if (healthy.length && (healthy.length / at.length) * 1.4 >= 1) break;
  }
  return out;
}

export function endpointLabel(e: { ip: string; port: number }): string {
  return formatAddress({ kind: 'socket', ip: e.ip, port: e.port, protocol: 'TCP' });
}

/** Stage: the chosen cluster's endpoints; Envoy balances over the healthy ones (the walk follows one). */
export function endpoints(ev: Evidence, hop: ToEndpoints): Arrival | Stop {
  const { dump, proxy, dst, cluster: name, resolved: cluster } = hop;
  const http = isHttp(hop.traffic.protocol);
  const eps = endpointsOf(cluster, dump, ev.world.inventory, dst);
  if (eps.source === 'none') {
    ev.trace.add('endpoints', proxy, 'unknown', name, eps.detail);
    ev.trace.need(
      `endpoints of ${name}: save the dump with /config_dump?include_eds, or pass the Service's Endpoints with -f`,
    );
    return ev.trace.decide(unknown('endpoints', `the endpoints of ${name} are not known`));
  }
  const healthy = eps.endpoints.filter((e) => e.healthy);
  if (healthy.length === 0) {
    ev.trace.add(
      'endpoints',
      proxy,
      'failed',
      name,
      `${eps.detail}: no healthy endpoint${eps.endpoints.length ? ` (${eps.endpoints.map((e) => `${endpointLabel(e)} ${e.health}`).join(', ')})` : ''}`,
    );
    return ev.trace.decide(
      fail('UH', http ? 503 : null, `no healthy upstream in ${name} (${http ? '503 ' : ''}UH)`),
    );
  }
  // Envoy picks one of these per connection (or request); the walk follows one, the step names them all
  const pool = balancedOver(eps.endpoints);
  const chosen =
    pool.find((e) => e.ip === dst.ip) ?? pool.find((e) => podByIp(ev.world, e.ip).dump) ?? pool[0]!;
  const which =
    pool.length === 1
      ? `the only endpoint is ${endpointLabel(chosen)}`
      : chosen.ip === dst.ip
        ? `${endpointLabel(chosen)}, the destination asked for, is one of ${pool.length} healthy endpoints`
        : `Envoy balances over ${pool.length} healthy endpoints; following ${endpointLabel(chosen)}`;
  let security = upstreamSecurity(cluster, chosen.metadata);
  if (security.kind === 'istio-mtls' && hop.alpnOverride)
    security = { ...security, alpn: [...hop.alpnOverride, ...security.alpn] };
  const kubeProxy =
    cluster.type === 'EDS' ? ' (the sidecar picks the pod itself: kube-proxy is not involved)' : '';
  ev.trace.add(
    'endpoints',
    proxy,
    'matched',
    name, // the load assignment's cluster; endpoints have addresses, not names
    `${eps.detail}; ${which}${kubeProxy}; sends ${security.detail}`,
    { address: endpointLabel(chosen), ...(pool.length > 1 ? { balancedOver: pool.map(endpointLabel) } : {}) },
  );
  if (hop.firstHop) ev.trace.endpoint = endpointLabel(chosen);
  return {
    sender: dump,
    srcIp: dump.identity().ip ?? '10.0.0.1',
    dst: { ip: chosen.ip, port: chosen.port },
    security,
    traffic: hop.traffic,
    passthrough: hop.passthrough,
  };
}
