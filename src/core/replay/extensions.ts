// Which Envoy extension a filter configures, which are istio-proxy's own, and the v2 names and types
// Envoy 1.40 knows by other ones.
import { obj, str } from '../model/fields.js';
import { TYPE_URL_PREFIX, type JsonObject } from '../model/normalize.js';

const T = TYPE_URL_PREFIX;

// ---------------------------------------------------------------------------------------------------------
// Extensions

/**
 * v2-era filter names whose untyped `config` (Istio <= 1.2) Envoy 1.40 needs as a typed_config, with the v3
 * type each configures (Envoy's v2 → v3 migration: api/API_VERSIONING.md, the "well known names" of
 * source/extensions/filters/*). normalize.ts already types the tcp_proxy and HCM.
 */
const LEGACY_NAMES: Record<string, string> = {
  'envoy.router': 'envoy.extensions.filters.http.router.v3.Router',
  'envoy.cors': 'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.fault': 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.health_check': 'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.grpc_web': 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  'envoy.lua': 'envoy.extensions.filters.http.lua.v3.Lua',
  'envoy.filters.http.rbac': 'envoy.extensions.filters.http.rbac.v3.RBAC',
  'envoy.filters.http.jwt_authn': 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  'envoy.ext_authz': 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.filters.network.rbac': 'envoy.extensions.filters.network.rbac.v3.RBAC',
  'envoy.mongo_proxy': 'envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy',
  'envoy.redis_proxy': 'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
  'envoy.listener.tls_inspector': 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.filters.listener.tls_inspector': 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.listener.original_dst': 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.filters.listener.original_dst': 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.listener.http_inspector': 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.filters.listener.http_inspector':
    'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.listener.proxy_protocol': 'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
  'envoy.transport_sockets.raw_buffer': 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  raw_buffer: 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  'envoy.retry_host_predicates.previous_hosts':
    'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
};

export const BY_NAME: Record<string, string> = {
  ...LEGACY_NAMES,
  'envoy.filters.http.router': 'envoy.extensions.filters.http.router.v3.Router',
  'envoy.filters.http.cors': 'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.filters.http.grpc_web': 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  'envoy.filters.http.fault': 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.filters.http.health_check': 'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.filters.http.lua': 'envoy.extensions.filters.http.lua.v3.Lua',
  'envoy.filters.http.grpc_stats': 'envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
  'envoy.filters.http.ext_authz': 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.filters.network.tcp_proxy': 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.filters.network.http_connection_manager':
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.filters.network.mongo_proxy': 'envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy',
  'envoy.filters.network.redis_proxy': 'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
  'envoy.filters.network.sni_cluster': 'envoy.extensions.filters.network.sni_cluster.v3.SniCluster',
  'envoy.filters.listener.proxy_protocol':
    'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
  'envoy.access_loggers.file': 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
};

/** Extension names only istio-proxy knows (Istio's proxy repo: extensions/, source/extensions/filters/). */
export const ISTIO_NAMES = new Set([
  'mixer',
  'istio_authn',
  'jwt-auth',
  'istio.alpn',
  'istio.stats',
  'istio.metadata_exchange',
  'istio.peer_metadata',
  'envoy.filters.network.metadata_exchange',
  'envoy.filters.network.upstream.metadata_exchange',
  'envoy.filters.http.wasm',
  'envoy.filters.network.wasm',
  'envoy.wasm.stats',
  'envoy.wasm.metadata_exchange',
]);

/** The message name an extension is configured with: typed_config's @type, a TypedStruct's type_url, else by name. */
export function extensionType(f: JsonObject): string | undefined {
  const tc = obj(f, 'typed_config');
  let url = str(tc, '@type');
  if (url && /(udpa|xds)\.type\.v[13]\.TypedStruct$/.test(url)) url = str(tc, 'type_url') ?? url;
  if (url) return url.startsWith(T) ? url.slice(T.length) : url;
  const name = str(f, 'name');
  return name ? BY_NAME[name] : undefined;
}

/** v2 extension config packages and their v3 successors (api/envoy/config/filter/* → api/envoy/extensions/filters/*). */
export function upgradeExtensionType(type: string): string {
  const m = /^envoy\.config\.filter\.(http|network|listener)\.(\w+)\.v2(?:alpha1?)?\.(\w+)$/.exec(type);
  if (m) return `envoy.extensions.filters.${m[1]}.${m[2]}.v3.${m[3]}`;
  const a = /^envoy\.config\.accesslog\.v2\.(\w+)$/.exec(type);
  if (a) return `envoy.extensions.access_loggers.file.v3.${a[1]}`;
  return type;
}
