// Clusters in the shapes Istio writes: EDS with auto mTLS (transport_socket_matches on tlsMode), STATIC,
// ORIGINAL_DST, the inbound cluster of each era, and the Passthrough/BlackHole clusters every sidecar has.
import { istioTlsSocket, sock, type Era, type J } from './istio-dump.js';

const T = 'type.googleapis.com/';

function mtlsClientSocket(sni: string): J {
  return istioTlsSocket('Upstream', ['istio-peer-exchange', 'istio'], { sni });
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

/**
 * The clusters every sidecar has whatever its services. InboundPassthroughClusterIpv4 binds its upstream
 * connections to 127.0.0.6 in every era that has it, not only from 1.10 as the inbound|<port>|| clusters do:
 * Istio's buildInboundPassthroughClusters sets upstream_bind_config to InboundPassthroughBindIpv4 so that
 * istio-iptables' `ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN` keeps the sidecar's connection to its own pod
 * IP from being captured again (pilot/pkg/networking/core/v1alpha3/cluster_builder.go; the real Istio 1.3.0-rc.2
 * and 1.4 dumps in fixtures/real/istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/ have it). Without
 * it the replayed 1.9.5 world looped until Envoy logged UO (issue 13, class K).
 */
export const baseClusters = (_e: Era): J[] => [
  originalDstCluster('PassthroughCluster'),
  staticCluster('BlackHoleCluster', []),
  originalDstCluster('InboundPassthroughClusterIpv4', true),
];
