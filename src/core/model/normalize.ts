// Normalisation of every dump dialect into Envoy's own v3 snake_case JSON:
// - istioctl's `-o json|yaml` prints protojson camelCase (sometimes mixed with snake_case in one file);
// - `envoy.admin.v2alpha` dumps (Istio <= 1.5) carry envoy.api.v2 type URLs, untyped filter `config`,
//   `tls_context`, cluster `hosts` and `deprecated_v1.bind_to_port` (envoy-semantics.md section 0).
// Struct-typed fields (node metadata, filter_metadata, labels, untyped filter config) hold user keys and are
// copied verbatim: renaming them would change data, not spelling.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CAMEL_KEY = /^[a-z][a-zA-Z0-9]*$/;

export function camelToSnake(key: string): string {
  if (!CAMEL_KEY.test(key) || !/[A-Z]/.test(key)) return key;
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Type URLs of the v2 API and their v3 successors (Envoy's API_MIGRATION and the v3 proto packages). */
const V2_TO_V3_TYPES: Record<string, string> = {
  'envoy.api.v2.Listener': 'envoy.config.listener.v3.Listener',
  'envoy.api.v2.Cluster': 'envoy.config.cluster.v3.Cluster',
  'envoy.api.v2.RouteConfiguration': 'envoy.config.route.v3.RouteConfiguration',
  'envoy.api.v2.ClusterLoadAssignment': 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.api.v2.ScopedRouteConfiguration': 'envoy.config.route.v3.ScopedRouteConfiguration',
  'envoy.api.v2.auth.Secret': 'envoy.extensions.transport_sockets.tls.v3.Secret',
  'envoy.api.v2.auth.UpstreamTlsContext': 'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  'envoy.api.v2.auth.DownstreamTlsContext': 'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  'envoy.config.bootstrap.v2.Bootstrap': 'envoy.config.bootstrap.v3.Bootstrap',
  'envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager':
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.config.filter.network.tcp_proxy.v2.TcpProxy':
    'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
};

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

export function upgradeTypeUrl(url: string): string {
  const bare = url.startsWith(TYPE_URL_PREFIX) ? url.slice(TYPE_URL_PREFIX.length) : url;
  const v3 = V2_TO_V3_TYPES[bare];
  return v3 ? TYPE_URL_PREFIX + v3 : url;
}

/** Legacy (pre-v3) well-known filter names and the v3 type each one configures. */
export const LEGACY_FILTER_TYPES: Record<string, string> = {
  'envoy.tcp_proxy': 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.http_connection_manager':
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
};

/** Keys whose value is a google.protobuf.Struct or a map with user-chosen keys: copied verbatim. */
const VERBATIM_KEYS = new Set(['filter_metadata', 'labels', 'config', 'typed_filter_metadata', 'fields']);

function isStructMetadata(key: string, value: unknown): boolean {
  // `metadata` is a Struct on the bootstrap node and in user_agent_build_version, but an envoy Metadata
  // message (with filter_metadata) on clusters, endpoints and routes.
  if (key !== 'metadata' || !isObject(value)) return false;
  return !('filter_metadata' in value || 'filterMetadata' in value || 'typed_filter_metadata' in value);
}

/** camelCase keys to snake_case, recursively, leaving Struct contents alone; type URLs upgraded to v3. */
export function toSnakeCase(value: unknown): Json {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (!isObject(value)) return value as Json;
  const out: JsonObject = {};
  for (const [rawKey, v] of Object.entries(value)) {
    const key = camelToSnake(rawKey);
    if (key === '@type' && typeof v === 'string') out[key] = upgradeTypeUrl(v);
    else if (key === 'type_url' && typeof v === 'string') out[key] = upgradeTypeUrl(v);
    else if (VERBATIM_KEYS.has(key) || isStructMetadata(key, v)) out[key] = v;
    else if (key === 'transport_socket_matches' && Array.isArray(v))
      // each entry's `match` is a Struct of endpoint metadata labels (`tlsMode`), not proto fields
      out[key] = v.map((m: unknown) => {
        if (!isObject(m)) return toSnakeCase(m);
        const { match, ...rest } = m;
        return {
          ...(toSnakeCase(rest) as JsonObject),
          ...(match !== undefined ? { match: match as Json } : {}),
        };
      });
    else out[key] = toSnakeCase(v);
  }
  return out;
}

/**
 * v2 shapes that changed meaning in v3, rewritten so one model reads them all. Applied after toSnakeCase.
 * Returns a new object; unknown fields stay where they were.
 */
export function upgradeV2Shapes(value: Json): Json {
  if (Array.isArray(value)) return value.map(upgradeV2Shapes);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'filter_metadata' || key === 'metadata' || key === 'labels') out[key] = v;
    else out[key] = upgradeV2Shapes(v);
  }
  // Network/listener filter with untyped `config` (Istio 1.0-1.2) whose type is known from its legacy name.
  if (typeof out.name === 'string' && isObject(out.config) && !('typed_config' in out)) {
    const v3 = LEGACY_FILTER_TYPES[out.name];
    if (v3) {
      out.typed_config = { '@type': TYPE_URL_PREFIX + v3, ...(toSnakeCase(out.config) as JsonObject) };
      delete out.config;
    }
  }
  // Listener: deprecated_v1.bind_to_port (Istio 1.0 "virtual" listeners bound nothing this way).
  if (isObject(out.deprecated_v1) && 'bind_to_port' in out.deprecated_v1 && !('bind_to_port' in out)) {
    out.bind_to_port = out.deprecated_v1.bind_to_port ?? null;
  }
  // Filter chain / cluster: tls_context became a transport_socket.
  if (isObject(out.tls_context) && !('transport_socket' in out)) {
    const isUpstream =
      'sni' in out.tls_context || 'connect_timeout' in out || 'type' in out || 'lb_policy' in out;
    const type = isUpstream ? 'UpstreamTlsContext' : 'DownstreamTlsContext';
    out.transport_socket = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': `${TYPE_URL_PREFIX}envoy.extensions.transport_sockets.tls.v3.${type}`,
        ...out.tls_context,
      },
    };
    delete out.tls_context;
  }
  // Cluster: v2 `hosts` became load_assignment.
  if (Array.isArray(out.hosts) && !('load_assignment' in out) && typeof out.name === 'string') {
    out.load_assignment = {
      cluster_name: out.name,
      endpoints: [{ lb_endpoints: out.hosts.map((address) => ({ endpoint: { address } })) }],
    };
    delete out.hosts;
  }
  return out;
}

/** The one entry point: any dialect in, Envoy v3 snake_case out. */
export function normalizeResource(value: unknown): Json {
  return upgradeV2Shapes(toSnakeCase(value));
}
