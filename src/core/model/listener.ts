// envoy.config.listener.v3.Listener with its filter chains, their FilterChainMatch and network filters.
// Filters are identified by their typed_config type first, then by name (legacy names included), as Envoy
// does (envoy-semantics.md section 0).
import type { Issue } from '../diagnostics/issue.js';
import { decodeAddress, decodeCidr, type Address, type Cidr } from './address.js';
import { arr, bool, num, obj, objects, str, strings, typedConfig, typeName, typeUrlOf } from './fields.js';
import { istioOrigin, type ConfigRef } from './istio.js';
import { isObject, type JsonObject } from './normalize.js';
import type { ResourceState } from './dump-index.js';
import { decodeRouteConfig, type RouteConfig, type WeightedCluster } from './route.js';
import { decodeTransportSocket, type TransportSocket } from './transport-socket.js';

export interface FilterChainMatch {
  readonly destinationPort: number | undefined;
  readonly prefixRanges: Cidr[];
  readonly serverNames: string[];
  readonly transportProtocol: string | undefined;
  readonly applicationProtocols: string[];
  readonly directSourcePrefixRanges: Cidr[];
  readonly sourceType: 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';
  readonly sourcePrefixRanges: Cidr[];
  readonly sourcePorts: number[];
}

export interface HttpConnectionManager {
  readonly kind: 'http_connection_manager';
  readonly name: string;
  /** RDS route configuration name, when routes come from RDS. */
  readonly rds: string | undefined;
  /** Inline route configuration (Istio's inbound chains, gateways' health routes). */
  readonly routeConfig: RouteConfig | undefined;
  readonly scopedRoutes: boolean;
  readonly httpFilters: string[];
  readonly statPrefix: string | undefined;
  readonly raw: JsonObject;
}

export interface TcpProxy {
  readonly kind: 'tcp_proxy';
  readonly name: string;
  readonly cluster: string | undefined;
  readonly weightedClusters: WeightedCluster[];
  readonly statPrefix: string | undefined;
  readonly raw: JsonObject;
}

export interface OtherNetworkFilter {
  readonly kind: 'other';
  readonly name: string;
  readonly typeUrl: string | undefined;
  readonly raw: JsonObject;
}

export type NetworkFilter = HttpConnectionManager | TcpProxy | OtherNetworkFilter;

export interface FilterChain {
  /** Position in filter_chains; -1 for the default_filter_chain. */
  readonly index: number;
  readonly name: string | undefined;
  readonly match: FilterChainMatch;
  readonly filters: NetworkFilter[];
  readonly transportSocket: TransportSocket | undefined;
  readonly origin: ConfigRef | undefined;
  readonly raw: JsonObject;
}

export type ListenerFilterKind =
  'original_dst' | 'tls_inspector' | 'http_inspector' | 'proxy_protocol' | 'other';

export interface ListenerFilter {
  readonly kind: ListenerFilterKind;
  readonly name: string;
  /** filter_disabled predicate as written (Istio disables inspectors per destination port). */
  readonly disabled: JsonObject | undefined;
}

export interface Listener {
  readonly name: string;
  readonly state: ResourceState;
  readonly address: Address;
  readonly additionalAddresses: Address[];
  /** false for Istio's virtual listeners reached only through use_original_dst hand-off. */
  readonly bindToPort: boolean;
  readonly useOriginalDst: boolean;
  readonly trafficDirection: 'INBOUND' | 'OUTBOUND' | 'UNSPECIFIED';
  readonly listenerFilters: ListenerFilter[];
  readonly listenerFiltersTimeout: string | undefined;
  readonly filterChains: FilterChain[];
  readonly defaultFilterChain: FilterChain | undefined;
  /** The xDS matcher tree replaces FilterChainMatch when set (ambient waypoints). */
  readonly usesFilterChainMatcher: boolean;
  readonly origin: ConfigRef | undefined;
  readonly raw: JsonObject;
}

const HCM_NAMES = new Set(['envoy.filters.network.http_connection_manager', 'envoy.http_connection_manager']);
const TCP_PROXY_NAMES = new Set(['envoy.filters.network.tcp_proxy', 'envoy.tcp_proxy']);

/** Which well-known network filter this is: by type URL, then by name. */
export function networkFilterKind(f: JsonObject): NetworkFilter['kind'] {
  const t = typeName(typeUrlOf(f));
  if (t === 'HttpConnectionManager') return 'http_connection_manager';
  if (t === 'TcpProxy') return 'tcp_proxy';
  if (t === undefined || t === 'TypedStruct') {
    const name = str(f, 'name') ?? '';
    if (HCM_NAMES.has(name)) return 'http_connection_manager';
    if (TCP_PROXY_NAMES.has(name)) return 'tcp_proxy';
  }
  return 'other';
}

const LISTENER_FILTERS: Array<[ListenerFilterKind, string[], string]> = [
  ['original_dst', ['envoy.filters.listener.original_dst', 'envoy.listener.original_dst'], 'OriginalDst'],
  ['tls_inspector', ['envoy.filters.listener.tls_inspector', 'envoy.listener.tls_inspector'], 'TlsInspector'],
  [
    'http_inspector',
    ['envoy.filters.listener.http_inspector', 'envoy.listener.http_inspector'],
    'HttpInspector',
  ],
  [
    'proxy_protocol',
    ['envoy.filters.listener.proxy_protocol', 'envoy.listener.proxy_protocol'],
    'ProxyProtocol',
  ],
];

function decodeListenerFilter(f: JsonObject): ListenerFilter {
  const name = str(f, 'name') ?? '';
  const t = typeName(typeUrlOf(f));
  const found = LISTENER_FILTERS.find(([, names, type]) => t === type || names.includes(name));
  return { kind: found ? found[0] : 'other', name, disabled: obj(f, 'filter_disabled') };
}

function decodeFilterChainMatch(m: JsonObject | undefined): FilterChainMatch {
  const st = str(m, 'source_type');
  return {
    destinationPort: num(m, 'destination_port'),
    prefixRanges: objects(m, 'prefix_ranges').map(decodeCidr),
    serverNames: strings(m, 'server_names'),
    transportProtocol: str(m, 'transport_protocol') || undefined,
    applicationProtocols: strings(m, 'application_protocols'),
    directSourcePrefixRanges: objects(m, 'direct_source_prefix_ranges').map(decodeCidr),
    sourceType: st === 'SAME_IP_OR_LOOPBACK' || st === 'EXTERNAL' ? st : 'ANY',
    sourcePrefixRanges: objects(m, 'source_prefix_ranges').map(decodeCidr),
    sourcePorts: arr(m, 'source_ports').filter((p): p is number => typeof p === 'number'),
  };
}

function decodeNetworkFilter(f: JsonObject, path: string, issues: Issue[]): NetworkFilter {
  const name = str(f, 'name') ?? '';
  const kind = networkFilterKind(f);
  const cfg = typedConfig(f) ?? {};
  if (kind === 'http_connection_manager') {
    const rds = obj(cfg, 'rds');
    const inline = obj(cfg, 'route_config');
    return {
      kind,
      name,
      rds: str(rds, 'route_config_name'),
      routeConfig: inline ? decodeRouteConfig(inline, `${path}.route_config`, issues) : undefined,
      scopedRoutes: obj(cfg, 'scoped_routes') !== undefined,
      httpFilters: objects(cfg, 'http_filters').map((h) => str(h, 'name') ?? typeName(typeUrlOf(h)) ?? '?'),
      statPrefix: str(cfg, 'stat_prefix'),
      raw: f,
    };
  }
  if (kind === 'tcp_proxy') {
    const wc = obj(cfg, 'weighted_clusters');
    // Istio 1.0 wrote TCP routes as deprecated_v1.routes[].cluster when a listener served several services.
    const v1Routes = objects(obj(cfg, 'deprecated_v1'), 'routes');
    const cluster = str(cfg, 'cluster') ?? (v1Routes.length === 1 ? str(v1Routes[0], 'cluster') : undefined);
    if (v1Routes.length > 1)
      issues.push({
        severity: 'warning',
        path,
        message: 'tcp_proxy deprecated_v1 route tables are listed but not simulated',
      });
    return {
      kind,
      name,
      cluster,
      weightedClusters: objects(wc, 'clusters').map((c) => ({
        name: str(c, 'name') ?? '',
        weight: num(c, 'weight') ?? 0,
      })),
      statPrefix: str(cfg, 'stat_prefix'),
      raw: f,
    };
  }
  return { kind, name, typeUrl: typeUrlOf(f), raw: f };
}

function decodeFilterChain(c: JsonObject, index: number, path: string, issues: Issue[]): FilterChain {
  const filters = objects(c, 'filters').map((f, i) =>
    decodeNetworkFilter(f, `${path}.filters[${i}]`, issues),
  );
  return {
    index,
    name: str(c, 'name'),
    match: decodeFilterChainMatch(obj(c, 'filter_chain_match')),
    filters,
    transportSocket: decodeTransportSocket(obj(c, 'transport_socket')),
    origin: istioOrigin(c),
    raw: c,
  };
}

export function decodeListener(l: JsonObject, state: ResourceState, issues: Issue[]): Listener {
  const name = str(l, 'name') ?? '';
  // Istio's bootstrap listeners (15090, 15021) have no name; Envoy names them itself at load time.
  const path = `listeners[${name || listenerKey(decodeAddress(obj(l, 'address')))}]`;
  const address = decodeAddress(obj(l, 'address'));
  if (address.kind === 'none' && !obj(l, 'internal_listener'))
    issues.push({ severity: 'warning', path: `${path}.address`, message: 'listener has no address' });
  const chains = objects(l, 'filter_chains').map((c, i) =>
    decodeFilterChain(c, i, `${path}.filter_chains[${i}]`, issues),
  );
  const def = obj(l, 'default_filter_chain');
  const direction = str(l, 'traffic_direction');
  const matcher = l.filter_chain_matcher;
  return {
    name,
    state,
    address,
    additionalAddresses: objects(l, 'additional_addresses').map((a) => decodeAddress(obj(a, 'address'))),
    bindToPort: bool(l, 'bind_to_port') ?? true,
    useOriginalDst: bool(l, 'use_original_dst') ?? false,
    trafficDirection: direction === 'INBOUND' || direction === 'OUTBOUND' ? direction : 'UNSPECIFIED',
    listenerFilters: objects(l, 'listener_filters').map(decodeListenerFilter),
    listenerFiltersTimeout: str(l, 'listener_filters_timeout'),
    filterChains: chains,
    defaultFilterChain: def ? decodeFilterChain(def, -1, `${path}.default_filter_chain`, issues) : undefined,
    usesFilterChainMatcher: isObject(matcher),
    origin: istioOrigin(l),
    raw: l,
  };
}

/** Istio's listener naming, `<bind>_<port>`: the key people search for when a listener has no name. */
export function listenerKey(a: Address): string {
  return a.kind === 'socket'
    ? `${a.ip}_${a.port}`
    : a.kind === 'pipe'
      ? a.path
      : a.kind === 'internal'
        ? a.name
        : '';
}
