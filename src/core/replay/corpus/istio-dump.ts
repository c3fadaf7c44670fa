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

export function mtlsServerSocket(alpn: string[] = ['istio-peer-exchange', 'h2', 'http/1.1']): J {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
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
      require_client_certificate: true,
    },
  };
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

function mtlsClientSocket(sni: string): J {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
      common_tls_context: {
        alpn_protocols: ['istio-peer-exchange', 'istio'],
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
      sni,
    },
  };
}

/** Auto mTLS (Istio >= 1.5): mTLS to endpoints labelled tlsMode=istio, plaintext to the others. */
export function autoMtls(sni: string): J[] {
  return [
    { name: 'tlsMode-istio', match: { tlsMode: 'istio' }, transport_socket: mtlsClientSocket(sni) },
    { name: 'tlsMode-disabled', match: {}, transport_socket: { name: 'envoy.transport_sockets.raw_buffer' } },
  ];
}

export function edsCluster(name: string, sni?: string): J {
  return {
    '@type': `${T}envoy.config.cluster.v3.Cluster`,
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: name },
    connect_timeout: '10s',
    ...(sni ? { transport_socket_matches: autoMtls(sni) } : {}),
  };
}

export function staticCluster(name: string, endpoints: [string, number][]): J {
  return {
    '@type': `${T}envoy.config.cluster.v3.Cluster`,
    name,
    type: 'STATIC',
    connect_timeout: '10s',
    ...(endpoints.length
      ? {
          load_assignment: {
            cluster_name: name,
            endpoints: [
              { lb_endpoints: endpoints.map(([ip, port]) => ({ endpoint: { address: sock(ip, port) } })) },
            ],
          },
        }
      : {}),
  };
}

export function originalDstCluster(name: string, bind127006 = false): J {
  return {
    '@type': `${T}envoy.config.cluster.v3.Cluster`,
    name,
    type: 'ORIGINAL_DST',
    connect_timeout: '10s',
    lb_policy: 'CLUSTER_PROVIDED',
    ...(bind127006
      ? { upstream_bind_config: { source_address: { address: '127.0.0.6', port_value: 0 } } }
      : {}),
  };
}

/** The inbound cluster of a port, in the era's shape. */
export const inboundCluster = (e: Era, port: number): J =>
  e.inboundOriginalDst
    ? originalDstCluster(`inbound|${port}||`, true)
    : staticCluster(`inbound|${port}||`, [['127.0.0.1', port]]);

/** The clusters every sidecar has whatever its services. */
export const baseClusters = (e: Era): J[] => [
  originalDstCluster('PassthroughCluster'),
  staticCluster('BlackHoleCluster', []),
  originalDstCluster('InboundPassthroughClusterIpv4', e.inboundOriginalDst),
];

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

// ---- manifests and sockets

export function podManifest(p: PodIdentity, ports: number[], sidecar = true): J {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { ...(p.labels ?? {}), ...(sidecar ? { 'security.istio.io/tlsMode': 'istio' } : {}) },
      annotations: {
        ...(sidecar ? { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } : {}),
        ...(p.annotations ?? {}),
      },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'corpus/app:1',
          ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
        },
        ...(sidecar ? [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.0' }] : []),
      ],
    },
    status: { podIP: p.ip, phase: 'Running' },
  };
}

export function serviceManifest(
  name: string,
  ns: string,
  clusterIP: string,
  ports: [string, number, number?][],
  selector: Record<string, string>,
): J {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: {
      clusterIP,
      selector,
      ports: ports.map(([n, port, targetPort]) => ({
        name: n,
        port,
        targetPort: targetPort ?? port,
        protocol: 'TCP',
      })),
    },
  };
}

/** /proc/net/tcp lines for LISTEN sockets (little-endian hex address, as the kernel prints it). */
export function procNetTcp(sockets: readonly (readonly [string, number])[]): string {
  const hex = (ip: string) =>
    ip
      .split('.')
      .map(Number)
      .reverse()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase();
  const lines = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  ];
  sockets.forEach(([ip, port], i) => {
    lines.push(
      `   ${i}: ${hex(ip)}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 ${40000 + i} 1 0000000000000000 100 0 0 10 0`,
    );
  });
  return lines.join('\n') + '\n';
}

/** The sockets of Envoy itself in a sidecar (so socket evidence is complete, as a real pod's is). */
export const ENVOY_SOCKETS: [string, number][] = [
  ['0.0.0.0', 15001],
  ['0.0.0.0', 15006],
  ['127.0.0.1', 15000],
  ['0.0.0.0', 15090],
  ['0.0.0.0', 15021],
];

export interface SnapshotPod {
  readonly pod: PodIdentity;
  readonly dump: J | null;
  /** Listening sockets; null: no socket evidence for this pod. */
  readonly sockets: [string, number][] | null;
}

/** The files of a snapshot directory (docs/snapshot-format.md) holding these pods and objects. */
export function snapshotFiles(
  description: string,
  pods: readonly SnapshotPod[],
  objects: readonly J[],
): Record<string, string> {
  const files: Record<string, string> = {};
  const index = pods.map(({ pod, dump, sockets }) => {
    const dumpPath = dump ? `dumps/${pod.namespace}/${pod.name}.json` : null;
    const sockPath = sockets ? `sockets/${pod.namespace}/${pod.name}.txt` : null;
    if (dumpPath) files[dumpPath] = JSON.stringify(dump, null, 1) + '\n';
    if (sockPath && sockets) files[sockPath] = procNetTcp(sockets);
    return {
      namespace: pod.namespace,
      name: pod.name,
      ip: pod.ip,
      dump: dumpPath,
      sockets: sockPath,
      error: null,
    };
  });
  files['k8s/objects.json'] =
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 1) + '\n';
  files['meshctl-snapshot.json'] =
    JSON.stringify(
      {
        apiVersion: 'meshctl/v1',
        kind: 'Snapshot',
        formatVersion: 1,
        created: '2026-01-01T00:00:00Z',
        source: { kind: 'fixture', description, builtBy: 'src/core/replay/corpus' },
        pods: index,
      },
      null,
      2,
    ) + '\n';
  return files;
}
