// The cluster a route or tcp_proxy names: it must exist in the proxy's CDS and be active (a warming cluster is
// not used). A name with no cluster is answered 503 with the era's flag (NC, or NR on old Envoys: era.ts)
// (cluster_not_found); BlackHoleCluster is a STATIC cluster with no hosts, so the connection is dropped (UH)
// (envoy-semantics.md section 5; https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/response_code_details).
// On the receiving side, the inbound cluster's type says where the sidecar connects: STATIC 127.0.0.1 before
// Istio 1.10, ORIGINAL_DST (the pod IP, from 127.0.0.6) since.
// Evidence read: the dump's clusters (type, load_assignment, origin), the DestinationRules given (for a subset
// that has no cluster), and the Istio era.
import type { Cluster } from '../model/cluster.js';
import { decodeCluster } from '../model/cluster.js';
import type { ConfigDump } from '../model/config-dump.js';
import { parseIstioClusterName } from '../model/istio.js';
import { atLeast } from './era.js';
import { listenerName } from './listener-select.js';
import { fail, isHttp, originOf, unknown, type Evidence, type Stop } from './trace.js';
import type {
  AtApplication,
  OnProxy,
  ReceivingToCluster,
  Target,
  ToCluster,
  ToEndpoints,
} from './traffic.js';
import { endpointLabel } from './upstream.js';

export function clusterByName(
  dump: ConfigDump,
  name: string,
): { cluster: Cluster | undefined; warming: boolean } {
  const entries = dump.entries('cluster').filter((e) => e.name === name);
  const usable = entries.find((e) => e.state === 'active' || e.state === 'static');
  if (usable) return { cluster: decodeCluster(dump.resource(usable), usable.state, []), warming: false };
  return { cluster: undefined, warming: entries.some((e) => e.state === 'warming') };
}

/** Stage: the source proxy's cluster by name; a missing cluster or the blackhole ends the walk here. */
export function outboundCluster(ev: Evidence, hop: ToCluster): ToEndpoints | Stop {
  const { dump, proxy, cluster: name } = hop;
  const firstHop = ev.trace.cluster === null;
  if (firstHop) ev.trace.cluster = name;
  const { cluster, warming } = clusterByName(dump, name);
  const http = isHttp(hop.traffic.protocol);
  if (!cluster) return clusterNotFound(ev, hop, warming);
  if (name === 'BlackHoleCluster') {
    ev.trace.add(
      'cluster',
      proxy,
      'failed',
      name,
      `BlackHoleCluster has no endpoints: the connection is closed${http ? ' (502/503)' : ''} with UH`,
      { handsTo: 'blackhole' },
    );
    blackholeHint(ev, hop);
    return ev.trace.decide(
      fail('UH', http ? 502 : null, `${proxy} sends it to BlackHoleCluster: the connection is dropped (UH)`),
    );
  }
  const passthrough = /^(Inbound)?PassthroughCluster/.test(name);
  ev.trace.add(
    'cluster',
    proxy,
    'matched',
    name,
    `${cluster.type} cluster${passthrough ? ': passes the connection through to its original destination' : ''}`,
    { ...originOf(cluster), handsTo: passthrough ? 'passthrough' : 'cluster' },
  );
  return { ...hop, resolved: cluster, passthrough, firstHop };
}

function clusterNotFound(ev: Evidence, hop: ToCluster, warming: boolean): Stop {
  const { dump, proxy, cluster: name } = hop;
  const flag = hop.era.clusterNotFoundFlag;
  const http = isHttp(hop.traffic.protocol);
  let why = warming
    ? `cluster ${name} is still warming (not usable)`
    : `cluster ${name} does not exist in ${proxy}'s CDS`;
  const parsed = parseIstioClusterName(name);
  if (parsed?.subset) {
    const base = `${parsed.direction}|${parsed.port ?? ''}||${parsed.fqdn}`;
    const hasBase = clusterByName(dump, base).cluster !== undefined;
    const drs = ev.world.inventory.istio.filter(
      (o) =>
        o.kind === 'DestinationRule' &&
        typeof o.spec.host === 'string' &&
        parsed.fqdn.startsWith(String(o.spec.host)),
    );
    const short = parsed.fqdn.split('.')[0]!;
    why += `: subset ${parsed.subset} is defined by no DestinationRule for host ${short}${hasBase ? ` (the cluster without subset, ${base}, exists)` : ''}`;
    if (drs.length)
      why += `; DestinationRule ${drs.map((d) => `${d.namespace}/${d.name}`).join(', ')} was given but ${proxy} did not receive its subset`;
    ev.trace.hint(
      'subset-without-destination-rule',
      `A route sends traffic to subset ${parsed.subset} of ${parsed.fqdn}${hop.routeOrigin ? ` (${hop.routeOrigin})` : ''}, but subsets exist only as clusters built from a DestinationRule.`,
      `Create a DestinationRule for host ${short} with subset ${parsed.subset} (for example labels version: ${parsed.subset}); apply it before the VirtualService that uses it.`,
    );
  }
  ev.trace.add(
    'cluster',
    proxy,
    'failed',
    name,
    `${why}; Envoy answers ${http ? '503 ' : ''}${flag} (cluster_not_found)`,
    // chosen, even though it does not exist: `via` is `cluster` (cli-contract.md)
    { handsTo: 'cluster', ...(hop.routeOrigin ? { origin: hop.routeOrigin } : {}) },
  );
  return ev.trace.decide(
    fail(flag, http ? 503 : null, `cluster not found (${http ? '503 ' : ''}${flag}): ${why}`),
  );
}

/** Why traffic fell into the BlackHoleCluster, and the fix for this Istio version. */
function blackholeHint(ev: Evidence, hop: OnProxy): void {
  const { stayedOnCapture: stayed, era, dump } = hop;
  if (!stayed) return;
  if (era.istio && !atLeast(era.istio, 1, 1)) {
    const same = dump
      .listeners()
      .filter((l) => l.address.kind === 'socket' && l.address.port === stayed.port)
      .map(listenerName);
    ev.trace.hint(
      'istio-1.0-no-listener-for-pod-ip',
      `${era.label} builds TCP listeners only on Service ClusterIPs and on this pod's own IP (${same.join(', ') || `none on port ${stayed.port}`}); a connection to another pod's IP ${stayed.ip}:${stayed.port} matches none, and the catch-all "${stayed.listener}" listener sends it to BlackHoleCluster.`,
      `Give the pods a headless Service for port ${stayed.port} (clusterIP: None): Istio 1.0 then builds 0.0.0.0_${stayed.port} with an ORIGINAL_DST cluster that forwards by pod IP. Or let the port bypass the sidecar: traffic.sidecar.istio.io/excludeOutboundPorts: "${stayed.port}". Istio >= 1.1 with outboundTrafficPolicy ALLOW_ANY passes unknown destinations through.`,
    );
  } else
    ev.trace.hint(
      'registry-only',
      `No listener claims ${stayed.ip}:${stayed.port}, and ${stayed.listener}'s catch-all sends unknown destinations to BlackHoleCluster (outboundTrafficPolicy REGISTRY_ONLY).`,
      'Add a ServiceEntry (or a Service) for the destination, or set outboundTrafficPolicy ALLOW_ANY in the mesh config or the Sidecar.',
    );
}

/** A cluster that cannot have hosts: BlackHoleCluster, or a STATIC cluster whose load_assignment lists none. */
function isBlackhole(c: Cluster): boolean {
  return c.name === 'BlackHoleCluster' || (c.type === 'STATIC' && !c.loadAssignment?.endpoints.length);
}

/** The receiving sidecar chose its inbound cluster and found it. */
export interface ReceivingAtCluster extends ReceivingToCluster {
  readonly resolved: Cluster;
}

/**
 * Stage: the receiving sidecar's inbound cluster (`inbound|<port>||`, or `InboundPassthroughCluster*` for a port
 * no Service declares) by name in its CDS, a cluster step like the source's (Envoy logs it as
 * %UPSTREAM_CLUSTER% on the destination): a name with no cluster is cluster_not_found (NC, NR on old Envoys).
 */
export function inboundCluster(ev: Evidence, r: ReceivingToCluster): ReceivingAtCluster | Stop {
  const { dump, proxy, dst, cluster: name } = r;
  const { cluster, warming } = clusterByName(dump, name);
  const http = isHttp(r.traffic.protocol);
  if (!cluster) {
    const flag = r.era.clusterNotFoundFlag;
    ev.trace.add(
      'cluster',
      proxy,
      'failed',
      name,
      `inbound cluster ${name} ${warming ? 'is still warming (not usable)' : `does not exist in ${proxy}'s CDS`}; Envoy answers ${http ? '503 ' : ''}${flag} (cluster_not_found)`,
      { handsTo: 'cluster' },
    );
    return ev.trace.decide(fail(flag, http ? 503 : null, `inbound cluster ${name} missing on ${proxy}`));
  }
  if (isBlackhole(cluster)) {
    // Istio's inbound default chains (and a Sidecar's ingress REGISTRY_ONLY) end in BlackHoleCluster: a
    // STATIC cluster with no hosts, so Envoy closes the connection with no healthy upstream (UH)
    // (envoy-semantics.md section 5; pilot/pkg/networking/core/cluster_builder.go buildBlackHoleCluster)
    ev.trace.add(
      'cluster',
      proxy,
      'failed',
      name,
      `${cluster.type} cluster ${name} has no hosts: ${proxy} closes the connection (UH)`,
      { handsTo: 'blackhole', ...originOf(cluster) },
    );
    const chain = r.chain.index === -1 ? 'the default filter chain' : 'the inbound chain';
    return ev.trace.decide(
      fail(
        'UH',
        http ? 503 : null,
        `${chain}${r.chain.name ? ` ${r.chain.name}` : ''} of ${proxy} sends port ${dst.port} to ${name}, which has no hosts: the connection is dropped (UH)`,
      ),
    );
  }
  const passthrough = /^InboundPassthroughCluster/.test(name);
  ev.trace.add(
    'cluster',
    proxy,
    'matched',
    name,
    `${cluster.type} inbound cluster${passthrough ? ': no Service declares this port, so the sidecar passes the connection through to its original destination' : ''}`,
    { handsTo: 'cluster', ...originOf(cluster) },
  );
  return { ...r, resolved: cluster };
}

/**
 * Stage: the address the receiving sidecar connects to, which Envoy logs as %UPSTREAM_HOST%: an ORIGINAL_DST
 * cluster (Istio >= 1.10 inbound clusters, InboundPassthroughCluster*) connects to the connection's original
 * destination, the pod IP and port
 * (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#original-destination);
 * a STATIC cluster to its load_assignment endpoint (127.0.0.1:<port> before Istio 1.10). Replayed on Envoy 1.40:
 * 127.0.0.1:7002 on inbound-1.9.5, 10.200.0.20:7002 on inbound-1.16.0, where the app's socket is 0.0.0.0:7002.
 */
export function inboundEndpoint(ev: Evidence, r: ReceivingAtCluster): AtApplication | Stop {
  const { dump, proxy, dst, resolved: cluster } = r;
  let at: Target;
  let how: string;
  if (cluster.type === 'ORIGINAL_DST') {
    at = dst;
    const bind = /127\.0\.0\.6/.test(JSON.stringify(cluster.raw.upstream_bind_config ?? ''))
      ? ' from source 127.0.0.6'
      : '';
    how = `ORIGINAL_DST: the sidecar connects to the original destination, the pod IP ${endpointLabel(dst)}${bind}`;
  } else {
    const ep = cluster.loadAssignment?.endpoints.find((e) => e.address.kind === 'socket');
    if (!ep || ep.address.kind !== 'socket') {
      ev.trace.add(
        'endpoints',
        proxy,
        'unknown',
        cluster.name,
        `inbound cluster ${cluster.name} (${cluster.type}) lists no socket endpoint`,
      );
      return ev.trace.decide(unknown('endpoints', 'inbound cluster target unknown'));
    }
    at = { ip: ep.address.ip, port: ep.address.port };
    how = `${cluster.type}: the sidecar connects to ${endpointLabel(at)}${at.ip.startsWith('127.') ? ' (loopback: Istio < 1.10 forwards inbound traffic to localhost)' : ''}`;
  }
  // named like the source's endpoints step: the load assignment's cluster (endpoints have addresses, not names)
  ev.trace.add('endpoints', proxy, 'matched', cluster.name, how, { address: endpointLabel(at) });
  return { dump, pod: r.pod, proxy, dst, target: at, traffic: r.traffic };
}
