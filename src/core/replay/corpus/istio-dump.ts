// A builder of Envoy v3 config dumps in the shapes Istio's pilot writes for a sidecar (listener and cluster
// names, virtualOutbound/virtualInbound, EDS with auto mTLS, inbound clusters per era), for the corpus's
// generated worlds. Shapes follow envoy-semantics.md section 6 and fixtures/snapshots/istio-shapes.mjs (the
// story snapshots); eras differ where Istio changed them: the inbound cluster forwards to 127.0.0.1 before
// 1.10 and to the pod IP from 127.0.0.6 from 1.10 (istio/istio#31795, "Inbound forwarding"), and outbound
// virtual hosts list `host:port` domains before 1.15.

export type J = Record<string, unknown>;
const T = 'type.googleapis.com/';

export interface Era {
  readonly istio: string;
  readonly envoy: string;
  /** Istio >= 1.10: inbound clusters are ORIGINAL_DST, bound to 127.0.0.6, to the pod IP. */
  readonly inboundOriginalDst: boolean;
  /** Istio < 1.15: outbound virtual hosts also list every name with `:port`. */
  readonly portsInDomains: boolean;
}

export function era(istio: string): Era {
  const [major = 1, minor = 0] = istio.split('.').map(Number);
  const v = major * 100 + minor;
  return {
    istio,
    envoy: v < 110 ? '1.17.1' : v < 115 ? '1.18.3' : '1.24.2',
    inboundOriginalDst: v >= 110,
    portsInDomains: v < 115,
  };
}

export const sock = (ip: string, port: number): J => ({ socket_address: { address: ip, port_value: port } });

export interface PodIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly type?: 'sidecar' | 'router';
}

export function bootstrap(e: Era, p: PodIdentity): J {
  const [maj, min, patch] = e.envoy.split('.').map(Number);
  return {
    '@type': `${T}envoy.admin.v3.BootstrapConfigDump`,
    bootstrap: {
      node: {
        id: `${p.type ?? 'sidecar'}~${p.ip}~${p.name}.${p.namespace}~${p.namespace}.svc.cluster.local`,
        cluster: `${p.labels?.app ?? p.name}.${p.namespace}`,
        metadata: {
          ISTIO_VERSION: e.istio,
          NAME: p.name,
          NAMESPACE: p.namespace,
          INTERCEPTION_MODE: 'REDIRECT',
          LABELS: p.labels ?? {},
          ...(p.annotations ? { ANNOTATIONS: p.annotations } : {}),
        },
        user_agent_name: 'envoy',
        user_agent_build_version: {
          version: { major_number: maj, minor_number: min, patch },
          metadata: { 'revision.status': 'Clean', 'build.type': 'RELEASE', 'ssl.version': 'BoringSSL' },
        },
      },
      static_resources: {
        clusters: [
          {
            name: 'xds-grpc',
            type: 'STRICT_DNS',
            connect_timeout: '10s',
            load_assignment: {
              cluster_name: 'xds-grpc',
              endpoints: [
                { lb_endpoints: [{ endpoint: { address: sock('istiod.istio-system.svc', 15012) } }] },
              ],
            },
          },
        ],
      },
      dynamic_resources: {
        lds_config: { ads: {} },
        cds_config: { ads: {} },
        ads_config: { api_type: 'GRPC' },
      },
    },
  };
}

export function tcpProxy(cluster: string): J {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: {
      '@type': `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
      stat_prefix: cluster,
      cluster,
    },
  };
}

const HTTP_FILTERS = [
  'istio.metadata_exchange',
  'envoy.filters.http.cors',
  'envoy.filters.http.fault',
  'istio.stats',
  'envoy.filters.http.router',
];

function hcm(statPrefix: string, route: J): J {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
      stat_prefix: statPrefix,
      ...route,
      http_filters: HTTP_FILTERS.map((name) => ({ name })),
      use_remote_address: false,
    },
  };
}

export const hcmRds = (rds: string): J =>
  hcm(`outbound_0.0.0.0_${rds}`, {
    rds: { route_config_name: rds, config_source: { ads: {}, resource_api_version: 'V3' } },
  });

/** The inbound HTTP filter of Istio's inbound chains: one virtual host `*`, one route to the inbound cluster. */
export function hcmInbound(cluster: string, port: number): J {
  return hcm(`inbound_0.0.0.0_${port}`, {
    route_config: {
      name: cluster,
      virtual_hosts: [
        {
          name: `inbound|http|${port}`,
          domains: ['*'],
          routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster, timeout: '0s' } }],
        },
      ],
      validate_clusters: false,
    },
  });
}

export function listener(name: string, ip: string, port: number, chains: J[], extra: J = {}): J {
  return {
    '@type': `${T}envoy.config.listener.v3.Listener`,
    name,
    address: sock(ip, port),
    filter_chains: chains,
    ...extra,
  };
}

/** Outbound listeners are reached by hand-off from virtualOutbound, never bound themselves. */
export const outboundListener = (ip: string, port: number, chains: J[]): J =>
  listener(`${ip}_${port}`, ip, port, chains, { bind_to_port: false, traffic_direction: 'OUTBOUND' });

export function virtualOutbound(catchAll = 'PassthroughCluster'): J {
  return listener(
    'virtualOutbound',
    '0.0.0.0',
    15001,
    [
      {
        name: 'virtualOutbound-blackhole',
        filter_chain_match: { destination_port: 15001 },
        filters: [tcpProxy('BlackHoleCluster')],
      },
      { name: 'virtualOutbound-catchall-tcp', filters: [tcpProxy(catchAll)] },
    ],
    { use_original_dst: true, traffic_direction: 'OUTBOUND' },
  );
}

/** Istio's TLS transport socket: the workload certificate and root CA both from SDS (`default`, `ROOTCA`). */
export function istioTlsSocket(side: 'Upstream' | 'Downstream', alpn: string[], extra: J): J {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.${side}TlsContext`,
      common_tls_context: {
        alpn_protocols: alpn,
        tls_certificate_sds_secret_configs: [
          { name: 'default', sds_config: { ads: {}, resource_api_version: 'V3' } },
        ],
        combined_validation_context: {
          default_validation_context: {},
          validation_context_sds_secret_config: {
            name: 'ROOTCA',
            sds_config: { ads: {}, resource_api_version: 'V3' },
          },
        },
      },
      ...extra,
    },
  };
}

export function mtlsServerSocket(alpn: string[] = ['istio-peer-exchange', 'h2', 'http/1.1']): J {
  return istioTlsSocket('Downstream', alpn, { require_client_certificate: true });
}

export interface InboundPort {
  readonly port: number;
  readonly http: boolean;
  /** STRICT: only the mTLS chain; PERMISSIVE: mTLS and plaintext; DISABLE: plaintext only. */
  readonly mtls?: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
}

/** virtualInbound (15006) with Istio's per-port chains and the passthrough chain for other ports. */
export function virtualInbound(ports: readonly InboundPort[], { passthrough = true } = {}): J {
  const chains: J[] = [
    {
      name: 'virtualInbound-blackhole',
      filter_chain_match: { destination_port: 15006 },
      filters: [tcpProxy('BlackHoleCluster')],
    },
  ];
  for (const p of ports) {
    const cluster = `inbound|${p.port}||`;
    const filter = p.http ? hcmInbound(cluster, p.port) : tcpProxy(cluster);
    const mode = p.mtls ?? 'PERMISSIVE';
    if (mode !== 'DISABLE')
      chains.push({
        name: `0.0.0.0_${p.port}`,
        filter_chain_match: {
          destination_port: p.port,
          transport_protocol: 'tls',
          application_protocols: p.http
            ? ['istio-http/1.0', 'istio-http/1.1', 'istio-h2']
            : ['istio-peer-exchange', 'istio'],
        },
        filters: [filter],
        transport_socket: mtlsServerSocket(),
      });
    if (mode !== 'STRICT')
      chains.push({
        name: `0.0.0.0_${p.port}`,
        filter_chain_match: { destination_port: p.port, transport_protocol: 'raw_buffer' },
        filters: [filter],
      });
  }
  if (passthrough)
    chains.push({
      name: 'virtualInbound',
      filter_chain_match: { transport_protocol: 'raw_buffer' },
      filters: [tcpProxy('InboundPassthroughClusterIpv4')],
    });
  return listener('virtualInbound', '0.0.0.0', 15006, chains, {
    listener_filters: [
      {
        name: 'envoy.filters.listener.original_dst',
        typed_config: { '@type': `${T}envoy.extensions.filters.listener.original_dst.v3.OriginalDst` },
      },
      {
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` },
      },
    ],
    traffic_direction: 'INBOUND',
  });
}

// The clusters of a sidecar (istio-clusters.ts)
export * from './istio-clusters.js';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
  /** The endpoint's pod has a sidecar (label security.istio.io/tlsMode=istio). */
  readonly istio?: boolean;
}

export interface ProxyConfig {
  readonly listeners: J[];
  readonly clusters: J[];
  readonly routes?: J[];
  readonly endpoints?: { cluster: string; endpoints: Endpoint[] }[];
}

/** A whole `/config_dump?include_eds` of one proxy. */
export function configDump(e: Era, pod: PodIdentity, c: ProxyConfig): J {
  const v = '2026-01-01T00:00:00Z/1';
  return {
    configs: [
      bootstrap(e, pod),
      {
        '@type': `${T}envoy.admin.v3.ClustersConfigDump`,
        version_info: v,
        dynamic_active_clusters: c.clusters.map((cluster) => ({
          version_info: v,
          cluster,
          last_updated: '2026-01-01T00:00:00Z',
        })),
      },
      {
        '@type': `${T}envoy.admin.v3.ListenersConfigDump`,
        version_info: v,
        dynamic_listeners: c.listeners.map((l) => ({
          name: l.name,
          active_state: { version_info: v, listener: l, last_updated: '2026-01-01T00:00:00Z' },
        })),
      },
      {
        '@type': `${T}envoy.admin.v3.RoutesConfigDump`,
        dynamic_route_configs: (c.routes ?? []).map((rc) => ({
          version_info: v,
          route_config: { '@type': `${T}envoy.config.route.v3.RouteConfiguration`, ...rc },
          last_updated: '2026-01-01T00:00:00Z',
        })),
      },
      {
        '@type': `${T}envoy.admin.v3.EndpointsConfigDump`,
        dynamic_endpoint_configs: (c.endpoints ?? []).map(({ cluster, endpoints }) => ({
          endpoint_config: {
            '@type': `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
            cluster_name: cluster,
            endpoints: [
              {
                locality: {},
                lb_endpoints: endpoints.map((ep) => ({
                  endpoint: { address: sock(ep.ip, ep.port) },
                  health_status: 'HEALTHY',
                  metadata: {
                    filter_metadata: {
                      ...(ep.istio ? { 'envoy.transport_socket_match': { tlsMode: 'istio' } } : {}),
                      istio: { workload: 'corpus' },
                    },
                  },
                  load_balancing_weight: 1,
                })),
              },
            ],
          },
        })),
      },
    ],
  };
}

/** Istio's outbound virtual-host domains for a service (generateVirtualHostDomains). */
export function serviceDomains(
  e: Era,
  name: string,
  ns: string,
  clientNs: string,
  vip: string,
  port: number,
): string[] {
  const fqdn = `${name}.${ns}.svc.cluster.local`;
  const base = [fqdn, ...(ns === clientNs ? [name] : []), `${name}.${ns}.svc`, `${name}.${ns}`, vip];
  return e.portsInDomains ? base.flatMap((d) => [d, `${d}:${port}`]) : base;
}

// Manifests, sockets and the snapshot layout of a generated world (snapshot-files.ts).
export * from './snapshot-files.js';
