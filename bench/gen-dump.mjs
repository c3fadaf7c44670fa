// Generates a realistic Istio sidecar /config_dump?include_eds for N services, snake_case as Envoy prints it:
// virtualOutbound/virtualInbound, one HTTP listener per port with RDS, one route configuration per port with a
// virtual host per service, mTLS EDS clusters with transport_socket_matches, endpoints, secrets.
// Usage: node bench/gen-dump.mjs N OUT.json   (streams; works for dumps larger than V8's string limit)
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const N = Number(process.argv[2] ?? 1000);
const file = process.argv[3] ?? `bench/out/sidecar-${N}.json`;
const PORTS = [80, 8080, 9080, 5000];
const T = 'type.googleapis.com/';
const w = createWriteStream(file);
const write = async (s) => {
  if (!w.write(s)) await once(w, 'drain');
};
const svc = (i) => ({
  name: `svc-${i}`,
  ns: `ns-${i % 100}`,
  port: PORTS[i % PORTS.length],
  vip: `10.${96 + ((i >> 16) & 7)}.${(i >> 8) & 255}.${i & 255}`,
});
const fqdn = (s) => `${s.name}.${s.ns}.svc.cluster.local`;
const cluster = (s) => `outbound|${s.port}||${fqdn(s)}`;

async function list(items, render) {
  for (let i = 0; i < items.length; i++) await write((i ? ',' : '') + render(items[i], i));
}

const services = Array.from({ length: N }, (_, i) => svc(i));
await write(
  `{"configs":[{"@type":"${T}envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"sidecar~10.1.0.5~client-0.default~default.svc.cluster.local","metadata":{"ISTIO_VERSION":"1.20.0","NAME":"client-0","NAMESPACE":"default"},"user_agent_build_version":{"version":{"major_number":1,"minor_number":28,"patch":0}}}}},`,
);
// clusters
await write(
  `{"@type":"${T}envoy.admin.v3.ClustersConfigDump","version_info":"1","static_clusters":[],"dynamic_active_clusters":[`,
);
await write(
  `{"cluster":{"@type":"${T}envoy.config.cluster.v3.Cluster","name":"PassthroughCluster","type":"ORIGINAL_DST","lb_policy":"CLUSTER_PROVIDED"}},{"cluster":{"@type":"${T}envoy.config.cluster.v3.Cluster","name":"BlackHoleCluster","type":"STATIC"}},`,
);
await list(
  services,
  (s) =>
    `{"version_info":"1","cluster":{"@type":"${T}envoy.config.cluster.v3.Cluster","name":"${cluster(s)}","type":"EDS","eds_cluster_config":{"eds_config":{"ads":{},"resource_api_version":"V3"},"service_name":"${cluster(s)}"},"connect_timeout":"10s","metadata":{"filter_metadata":{"istio":{"services":[{"host":"${fqdn(s)}","name":"${s.name}","namespace":"${s.ns}"}]}}},"transport_socket_matches":[{"name":"tlsMode-istio","match":{"tlsMode":"istio"},"transport_socket":{"name":"envoy.transport_sockets.tls","typed_config":{"@type":"${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"alpn_protocols":["istio-peer-exchange","istio"],"tls_certificate_sds_secret_configs":[{"name":"default"}]},"sni":"outbound_.${s.port}_._.${fqdn(s)}"}}},{"name":"tlsMode-disabled","match":{},"transport_socket":{"name":"envoy.transport_sockets.raw_buffer"}}]},"last_updated":"2026-01-01T00:00:00Z"}`,
);
await write(`]},`);
// listeners
await write(`{"@type":"${T}envoy.admin.v3.ListenersConfigDump","version_info":"1","dynamic_listeners":[`);
const listeners = [
  `{"name":"virtualOutbound","address":{"socket_address":{"address":"0.0.0.0","port_value":15001}},"use_original_dst":true,"traffic_direction":"OUTBOUND","filter_chains":[{"name":"virtualOutbound-catchall-tcp","filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"PassthroughCluster","cluster":"PassthroughCluster"}}]}]}`,
  ...PORTS.map(
    (p) =>
      `{"name":"0.0.0.0_${p}","address":{"socket_address":{"address":"0.0.0.0","port_value":${p}}},"bind_to_port":false,"traffic_direction":"OUTBOUND","listener_filters":[{"name":"envoy.filters.listener.tls_inspector"},{"name":"envoy.filters.listener.http_inspector"}],"filter_chains":[{"filter_chain_match":{"transport_protocol":"raw_buffer","application_protocols":["http/1.1","h2c"]},"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"outbound_0.0.0.0_${p}","rds":{"route_config_name":"${p}","config_source":{"ads":{}}},"http_filters":[{"name":"istio.alpn"},{"name":"envoy.filters.http.router"}]}}]}],"default_filter_chain":{"name":"PassthroughFilterChain","filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"PassthroughCluster","cluster":"PassthroughCluster"}}]}}`,
  ),
];
await list(
  listeners,
  (l) =>
    `{"name":${JSON.stringify(JSON.parse(l).name)},"active_state":{"version_info":"1","listener":{"@type":"${T}envoy.config.listener.v3.Listener",${l.slice(1)},"last_updated":"2026-01-01T00:00:00Z"}}`,
);
await write(`]},`);
// routes: one per port, a virtual host per service on that port
await write(`{"@type":"${T}envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[`);
for (let pi = 0; pi < PORTS.length; pi++) {
  const p = PORTS[pi];
  await write(
    `${pi ? ',' : ''}{"version_info":"1","route_config":{"@type":"${T}envoy.config.route.v3.RouteConfiguration","name":"${p}","virtual_hosts":[`,
  );
  await list(
    services.filter((s) => s.port === p),
    (s) => {
      const d = [fqdn(s), `${s.name}.${s.ns}.svc`, `${s.name}.${s.ns}`, s.vip].flatMap((x) => [
        x,
        `${x}:${p}`,
      ]);
      return `{"name":"${fqdn(s)}:${p}","domains":${JSON.stringify(d)},"routes":[{"name":"default","match":{"prefix":"/"},"route":{"cluster":"${cluster(s)}","timeout":"0s","retry_policy":{"retry_on":"connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes","num_retries":2}}}]}`;
    },
  );
  await write(
    `,{"name":"allow_any","domains":["*"],"routes":[{"name":"allow_any","match":{"prefix":"/"},"route":{"cluster":"PassthroughCluster","timeout":"0s"}}]}],"validate_clusters":false}}`,
  );
}
await write(`]},`);
// endpoints
await write(`{"@type":"${T}envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[`);
await list(
  services,
  (s, i) =>
    `{"endpoint_config":{"@type":"${T}envoy.config.endpoint.v3.ClusterLoadAssignment","cluster_name":"${cluster(s)}","endpoints":[{"locality":{},"lb_endpoints":[${[0, 1].map((k) => `{"endpoint":{"address":{"socket_address":{"address":"172.16.${(i >> 7) & 255}.${((i & 127) << 1) + k}","port_value":${s.port}}}},"health_status":"HEALTHY","metadata":{"filter_metadata":{"envoy.transport_socket_match":{"tlsMode":"istio"}}},"load_balancing_weight":1}`).join(',')}]}],"policy":{"overprovisioning_factor":140}}}`,
);
await write(`]},`);
await write(
  `{"@type":"${T}envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[{"name":"default","secret":{"name":"default","tls_certificate":{"certificate_chain":{"inline_bytes":"${Buffer.from('-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n').toString('base64')}"},"private_key":{"inline_bytes":"W3JlZGFjdGVkXQ=="}}}}]}]}\n`,
);
w.end();
await once(w, 'finish');
console.log(`wrote ${file}`);
