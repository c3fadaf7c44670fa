// What `meshctl get` selects and summarises: istioctl proxy-config's filters and rows, as data. Renderers
// turn these rows into text; the conformance test compares them with istioctl's own golden outputs.
import { formatAddress, type Address } from './address.js';
import type { Cluster } from './cluster.js';
import type { ConfigDump } from './config-dump.js';
import type { Endpoint, HealthStatus } from './endpoint.js';
import { describeRef, parseIstioClusterName, type ConfigRef, type Direction } from './istio.js';
import { listenerKey, type FilterChain, type Listener } from './listener.js';
import { describePathMatch, type RouteConfig } from './route.js';
import { spiffeTrustDomain, type Secret } from './secret.js';

const BLACKHOLE = 'BlackHoleCluster';

// ---------------------------------------------------------------- listeners

export type ListenerType = 'HTTP' | 'TCP' | 'HTTP+TCP' | 'UNKNOWN';

export interface ListenerFilter {
  readonly address?: string;
  readonly port?: number;
  readonly type?: string;
}

export interface ChainSummary {
  readonly match: string;
  readonly destination: string;
  readonly direction: 'inbound' | 'outbound' | '-';
}

export interface ListenerSummary {
  readonly name: string;
  readonly address: string;
  readonly port: number | undefined;
  readonly type: ListenerType;
  readonly direction: 'inbound' | 'outbound' | 'capture' | '-';
  readonly state: Listener['state'];
  readonly bindToPort: boolean;
  readonly chains: ChainSummary[];
  readonly listener: Listener;
}

function socketOf(a: Address): { ip: string; port: number | undefined } {
  return a.kind === 'socket' ? { ip: a.ip, port: a.port } : { ip: formatAddress(a), port: undefined };
}

/**
 * istioctl's listener TYPE: HTTP when a chain has an HTTP connection manager, TCP when a chain proxies TCP
 * anywhere but the BlackHoleCluster, both when both (istioctl/pkg/writer/envoy/configdump/listener.go).
 */
export function listenerType(l: Listener): ListenerType {
  let http = 0;
  let tcp = 0;
  for (const chain of l.filterChains) {
    for (const f of chain.filters) {
      if (f.kind === 'http_connection_manager') http++;
      else if (f.kind === 'tcp_proxy' && f.cluster !== BLACKHOLE) tcp++;
    }
  }
  if (http > 0) return tcp > 0 ? 'HTTP+TCP' : 'HTTP';
  return tcp > 0 ? 'TCP' : 'UNKNOWN';
}

function chainDestination(c: FilterChain): string {
  for (const f of c.filters) {
    if (f.kind === 'tcp_proxy') {
      if (f.cluster) return `Cluster: ${f.cluster}`;
      if (f.weightedClusters.length)
        return `Clusters: ${f.weightedClusters.map((w) => `${w.name} (${w.weight})`).join(', ')}`;
    }
    if (f.kind === 'http_connection_manager') {
      if (f.rds !== undefined) return `Route: ${f.rds}`;
      // One catch-all route to one cluster is, in effect, that cluster (istioctl prints it so too).
      const vh = f.routeConfig?.virtualHosts;
      if (vh?.length === 1 && vh[0]!.routes.length === 1) {
        const r = vh[0]!.routes[0]!;
        const catchAll =
          r.match.path.kind === 'prefix' && r.match.path.value === '/' && r.match.headers.length === 0;
        if (catchAll && r.action.kind === 'cluster') return `Cluster: ${r.action.cluster}`;
        return `Inline Route: ${describePathMatch(r.match.path)}`;
      }
      if (f.routeConfig) return `Inline Route: ${f.routeConfig.name || '(unnamed)'}`;
      if (f.scopedRoutes) return 'Scoped Routes';
    }
  }
  const other = c.filters.map((f) => f.name).filter(Boolean);
  return other.length ? `Non-HTTP/Non-TCP (${other.join(', ')})` : 'Non-HTTP/Non-TCP';
}

/** A chain's FilterChainMatch in a few words: `10.0.0.1/32 dport:9080 tls sni:a.b alpn:h2`. */
export function describeChainMatch(c: FilterChain): string {
  const m = c.match;
  const parts: string[] = [];
  if (m.prefixRanges.length) parts.push(m.prefixRanges.map((r) => `${r.address}/${r.prefixLen}`).join(','));
  if (m.destinationPort !== undefined) parts.push(`dport:${m.destinationPort}`);
  if (m.serverNames.length) parts.push(`sni:${m.serverNames.join(',')}`);
  if (m.transportProtocol) parts.push(`trans:${m.transportProtocol}`);
  if (m.applicationProtocols.length) parts.push(`alpn:${m.applicationProtocols.join(',')}`);
  if (m.sourcePrefixRanges.length)
    parts.push(`src:${m.sourcePrefixRanges.map((r) => `${r.address}/${r.prefixLen}`).join(',')}`);
  if (m.sourceType !== 'ANY') parts.push(`srctype:${m.sourceType}`);
  if (m.sourcePorts.length) parts.push(`sport:${m.sourcePorts.join(',')}`);
  return parts.length ? parts.join(' ') : 'ALL';
}

function listenerDirection(l: Listener, podIp: string | undefined): ListenerSummary['direction'] {
  if (l.trafficDirection === 'INBOUND') return 'inbound';
  if (l.trafficDirection === 'OUTBOUND') return l.useOriginalDst ? 'capture' : 'outbound';
  if (l.useOriginalDst) return 'capture';
  if (/^virtualInbound/.test(l.name)) return 'inbound';
  // Istio <= 1.5 kept per-pod inbound listeners `<podIP>_<port>`.
  if (podIp && l.address.kind === 'socket' && l.address.ip === podIp) return 'inbound';
  if (l.address.kind === 'socket') return 'outbound';
  return '-';
}

function chainDirection(c: FilterChain, l: ListenerSummary['direction']): ChainSummary['direction'] {
  const name = c.name ?? '';
  if (l === 'inbound' || /inbound/i.test(name)) return 'inbound';
  if (l === 'outbound' || l === 'capture') return 'outbound';
  return '-';
}

export function summarizeListeners(dump: ConfigDump, filter: ListenerFilter = {}): ListenerSummary[] {
  const podIp = dump.identity().ip;
  const out: ListenerSummary[] = [];
  for (const l of dump.listeners()) {
    const { ip, port } = socketOf(l.address);
    const type = listenerType(l);
    if (filter.address !== undefined && ip !== filter.address) continue;
    if (filter.port !== undefined && port !== filter.port) continue;
    if (filter.type !== undefined && type.toUpperCase() !== filter.type.toUpperCase()) continue;
    const direction = listenerDirection(l, podIp);
    const chains = [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])].map((c) => ({
      match: c.index === -1 ? 'default' : describeChainMatch(c),
      destination: chainDestination(c),
      direction: chainDirection(c, direction),
    }));
    out.push({
      name: l.name || listenerKey(l.address),
      address: ip,
      port,
      type,
      direction,
      state: l.state,
      bindToPort: l.bindToPort,
      chains,
      listener: l,
    });
  }
  return out;
}

// ---------------------------------------------------------------- routes

export interface RouteFilter {
  readonly name?: string;
}

export interface RouteRow {
  readonly routeConfig: string;
  readonly virtualHost: string;
  readonly domains: string[];
  readonly match: string;
  readonly origin: ConfigRef | undefined;
  readonly state: string;
}

export interface RouteConfigSummary {
  readonly name: string;
  readonly virtualHosts: number;
  readonly state: string;
  readonly rows: RouteRow[];
  readonly routeConfig: RouteConfig;
}

/** Route configurations from RDS and the bootstrap (not those inline in listeners), like istioctl. */
export function summarizeRoutes(dump: ConfigDump, filter: RouteFilter = {}): RouteConfigSummary[] {
  return dump
    .routeConfigs()
    .filter((rc) => filter.name === undefined || rc.name === filter.name)
    .map((rc) => ({
      name: rc.name,
      virtualHosts: rc.virtualHosts.length,
      state: rc.state,
      routeConfig: rc,
      rows: rc.virtualHosts.flatMap((vh) =>
        vh.routes.map((r) => {
          const extra = r.match.headers.length ? ' (+headers)' : '';
          return {
            routeConfig: rc.name,
            virtualHost: vh.name,
            domains: vh.domains,
            match: describePathMatch(r.match.path) + extra,
            origin: r.origin ?? vh.origin,
            state: rc.state,
          };
        }),
      ),
    }));
}

/** `name.namespace`, the way istioctl names the VirtualService behind a route. */
export function originShort(ref: ConfigRef | undefined): string {
  return ref ? `${ref.name}.${ref.namespace}` : '';
}

export { describeRef };

// ---------------------------------------------------------------- clusters

export interface ClusterFilter {
  readonly fqdn?: string;
  readonly port?: number;
  readonly subset?: string;
  readonly direction?: string;
}

export interface ClusterSummary {
  readonly name: string;
  readonly fqdn: string;
  readonly port: number | undefined;
  readonly subset: string;
  readonly direction: Direction | '-';
  readonly type: string;
  readonly destinationRule: ConfigRef | undefined;
  readonly state: string;
  readonly cluster: Cluster;
}

/** `reviews`, `reviews.default` and the full FQDN all select reviews.default.svc.cluster.local. */
export function fqdnMatches(fqdn: string, query: string): boolean {
  return fqdn === query || fqdn.startsWith(query + '.');
}

export function summarizeClusters(dump: ConfigDump, filter: ClusterFilter = {}): ClusterSummary[] {
  const out: ClusterSummary[] = [];
  for (const entry of dump.entries('cluster')) {
    // the index knows every cluster's name: filter on it before decoding (a big dump has tens of thousands)
    const named = parseIstioClusterName(entry.name);
    if (filter.fqdn !== undefined && !fqdnMatches(named ? named.fqdn : entry.name, filter.fqdn)) continue;
    if (filter.port !== undefined && named?.port !== filter.port) continue;
    if (filter.subset !== undefined && (named?.subset ?? '') !== filter.subset) continue;
    if (filter.direction !== undefined && named?.direction !== filter.direction) continue;
    const c = dump.clusterAt(entry);
    const fqdn = c.istio ? c.istio.fqdn : c.name;
    if (filter.fqdn !== undefined && !fqdnMatches(fqdn, filter.fqdn)) continue;
    if (filter.port !== undefined && c.istio?.port !== filter.port) continue;
    if (filter.subset !== undefined && (c.istio?.subset ?? '') !== filter.subset) continue;
    if (filter.direction !== undefined && c.istio?.direction !== filter.direction) continue;
    out.push({
      name: c.name,
      fqdn,
      port: c.istio?.port,
      subset: c.istio?.subset ?? '',
      direction: c.istio?.direction ?? '-',
      type: c.type,
      destinationRule: c.origin,
      state: c.state,
      cluster: c,
    });
  }
  return out;
}

// ---------------------------------------------------------------- endpoints

export interface EndpointFilter {
  readonly address?: string;
  readonly port?: number;
  readonly cluster?: string;
  readonly status?: string;
}

export interface EndpointRow {
  readonly endpoint: string;
  readonly address: Address;
  readonly status: HealthStatus;
  readonly outlierCheck: 'OK' | 'FAILED' | undefined;
  readonly locality: string;
  readonly cluster: string;
  /** eds: from EDS (`?include_eds`); admin: from `/clusters`; cluster: written in the cluster itself. */
  readonly source: 'eds' | 'admin' | 'cluster';
}

function endpointMatches(e: Endpoint, f: EndpointFilter): boolean {
  const a = e.address;
  if (f.address !== undefined && !(a.kind === 'socket' && a.ip === f.address)) return false;
  if (f.port !== undefined && !(a.kind === 'socket' && a.port === f.port)) return false;
  if (f.cluster !== undefined && e.cluster !== f.cluster) return false;
  if (f.status !== undefined && e.health.toUpperCase() !== f.status.toUpperCase()) return false;
  return true;
}

function endpointRow(e: Endpoint, source: EndpointRow['source']): EndpointRow {
  return {
    endpoint: formatAddress(e.address),
    address: e.address,
    status: e.health,
    outlierCheck: e.outlierFailed === undefined ? undefined : e.outlierFailed ? 'FAILED' : 'OK',
    locality: e.locality,
    cluster: e.cluster,
    source,
  };
}

/**
 * Endpoints from EDS or admin `/clusters` when the dump has them; otherwise those written inside clusters
 * (STATIC and DNS clusters), so the user sees what is known and `missing` says what is not.
 */
export function summarizeEndpoints(dump: ConfigDump, filter: EndpointFilter = {}): EndpointRow[] {
  const rows: EndpointRow[] = [];
  const covered = new Set<string>();
  const fromAdmin = dump.has('clusterStatus');
  for (const la of dump.loadAssignments()) {
    covered.add(la.clusterName);
    for (const e of la.endpoints)
      if (endpointMatches(e, filter)) rows.push(endpointRow(e, fromAdmin ? 'admin' : 'eds'));
  }
  // With EDS in the dump, Envoy's own endpoint dump is the truth (istioctl shows only it too).
  if (rows.length > 0 || hasEdsEndpoints(dump)) return rows;
  for (const c of dump.clusters()) {
    if (covered.has(c.name) || !c.loadAssignment) continue;
    for (const e of c.loadAssignment.endpoints)
      if (endpointMatches(e, filter)) rows.push(endpointRow(e, 'cluster'));
  }
  return rows;
}

/** True when the dump carries the endpoints of EDS clusters (fetched with `?include_eds`, or `/clusters`). */
export function hasEdsEndpoints(dump: ConfigDump): boolean {
  return dump.has('endpoints') || dump.has('clusterStatus');
}

// ---------------------------------------------------------------- secrets

export interface SecretRow {
  readonly name: string;
  readonly type: string;
  readonly status: 'ACTIVE' | 'WARMING' | 'STATIC';
  readonly validCert: boolean;
  readonly serialNumber: string;
  readonly notAfter: string;
  readonly notBefore: string;
  readonly trustDomain: string;
}

function isoSeconds(d: Date | undefined): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

export function summarizeSecrets(dump: ConfigDump, now: Date): SecretRow[] {
  // With a SPIFFE validator (federated trust domains), say which trust domain each certificate belongs to;
  // a workload certificate's domain is in its SPIFFE URI.
  const federated = dump.secrets().some((s) => s.certificates.some((c) => c.trustDomain));
  return dump.secrets().flatMap((s: Secret) => {
    const status = s.state === 'warming' ? 'WARMING' : s.state === 'static' ? 'STATIC' : 'ACTIVE';
    const certs = s.certificates.length ? s.certificates : [{ info: undefined, trustDomain: undefined }];
    return certs.map((c) => ({
      name: s.name,
      type: s.type,
      status,
      validCert: c.info !== undefined && c.info.notBefore <= now && now <= c.info.notAfter,
      serialNumber: c.info?.serialHex ?? '',
      notAfter: isoSeconds(c.info?.notAfter),
      notBefore: isoSeconds(c.info?.notBefore),
      trustDomain: c.trustDomain ?? (federated ? (spiffeTrustDomain(c.info) ?? '') : ''),
    }));
  });
}
