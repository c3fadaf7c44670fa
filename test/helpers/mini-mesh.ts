// Small Envoy v3 dumps built in code, for table-driven engine tests: only the fields a case needs.
import { ConfigDump } from '../../src/core/model/config-dump.js';
import { ValueNode } from '../../src/core/model/doc-node.js';

const T = 'type.googleapis.com/';
type J = Record<string, unknown>;

export const tcp = (cluster: string): J => ({
  name: 'envoy.filters.network.tcp_proxy',
  typed_config: {
    '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
    stat_prefix: cluster,
    cluster,
  },
});

export const hcm = (
  route: { rds: string } | { inline: J },
  httpFilters: string[] = ['envoy.filters.http.router'],
): J => ({
  name: 'envoy.filters.network.http_connection_manager',
  typed_config: {
    '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
    stat_prefix: 'x',
    ...('rds' in route
      ? { rds: { route_config_name: route.rds, config_source: { ads: {} } } }
      : { route_config: route.inline }),
    http_filters: httpFilters.map((name) => ({ name })),
  },
});

export const mtlsServer: J = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
    common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default' }] },
    require_client_certificate: true,
  },
};

export const mtlsClient: J = {
  name: 'envoy.transport_sockets.tls',
  typed_config: {
    '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
    common_tls_context: {
      alpn_protocols: ['istio-peer-exchange', 'istio'],
      tls_certificate_sds_secret_configs: [{ name: 'default' }],
    },
    sni: 'outbound_.8000_._.svc',
  },
};

export function listener(name: string, ip: string, port: number, chains: J[], extra: J = {}): J {
  return {
    name,
    address: { socket_address: { address: ip, port_value: port } },
    filter_chains: chains,
    ...extra,
  };
}

export const captureListener = (chains: J[] = [{ filters: [tcp('PassthroughCluster')] }]): J =>
  listener('virtualOutbound', '0.0.0.0', 15001, chains, { use_original_dst: true });

export const inboundListener = (chains: J[]): J =>
  listener('virtualInbound', '0.0.0.0', 15006, chains, {
    listener_filters: [
      { name: 'envoy.filters.listener.original_dst' },
      { name: 'envoy.filters.listener.tls_inspector' },
    ],
  });

export function cluster(name: string, type: string, extra: J = {}): J {
  return {
    name,
    type,
    connect_timeout: '10s',
    ...(type === 'EDS' ? { eds_cluster_config: { service_name: name, eds_config: { ads: {} } } } : {}),
    ...extra,
  };
}

export function routeConfig(
  name: string,
  vhosts: Array<{ name: string; domains: string[]; routes: J[] }>,
): J {
  return { name, virtual_hosts: vhosts, validate_clusters: false };
}

export interface MiniProxy {
  readonly pod: string;
  readonly ip: string;
  readonly envoy?: string;
  readonly istio?: string;
  readonly listeners?: J[];
  readonly clusters?: J[];
  readonly routes?: J[];
  /** [ip, port, health, priority]: one locality group per priority level (0 when not given). */
  readonly eds?: Array<{ cluster: string; endpoints: Array<[string, number, string?, number?]> }>;
}

export function dump(p: MiniProxy): ConfigDump {
  const [maj, min] = (p.envoy ?? '1.20.1').split('.').map(Number);
  const configs: J[] = [
    {
      '@type': `${T}envoy.admin.v3.BootstrapConfigDump`,
      bootstrap: {
        node: {
          id: `sidecar~${p.ip}~${p.pod}.default~default.svc.cluster.local`,
          metadata: { ISTIO_VERSION: p.istio ?? '1.12.1', NAME: p.pod, NAMESPACE: 'default' },
          user_agent_build_version: { version: { major_number: maj, minor_number: min, patch: 0 } },
        },
      },
    },
    {
      '@type': `${T}envoy.admin.v3.ListenersConfigDump`,
      dynamic_listeners: (p.listeners ?? []).map((l) => ({ name: l.name, active_state: { listener: l } })),
    },
    {
      '@type': `${T}envoy.admin.v3.ClustersConfigDump`,
      dynamic_active_clusters: (p.clusters ?? []).map((c) => ({ cluster: c })),
    },
    {
      '@type': `${T}envoy.admin.v3.RoutesConfigDump`,
      dynamic_route_configs: (p.routes ?? []).map((r) => ({ route_config: r })),
    },
  ];
  if (p.eds)
    configs.push({
      '@type': `${T}envoy.admin.v3.EndpointsConfigDump`,
      dynamic_endpoint_configs: p.eds.map((e) => ({
        endpoint_config: {
          cluster_name: e.cluster,
          endpoints: [...new Set(e.endpoints.map((x) => x[3] ?? 0))].map((priority) => ({
            ...(priority ? { priority } : {}),
            lb_endpoints: e.endpoints
              .filter((x) => (x[3] ?? 0) === priority)
              .map(([ip, port, health]) => ({
                endpoint: { address: { socket_address: { address: ip, port_value: port } } },
                health_status: health ?? 'HEALTHY',
              })),
          })),
        },
      })),
    });
  return new ConfigDump(p.pod, new ValueNode({ configs }));
}
