import type { CorpusCase, CorpusWorld, ExpectStep } from '../types.js';
import * as D from '../istio-dump.js';
import type { J } from '../istio-dump.js';
import { NS, CLIENT, SERVER, out, src, serverPod } from './common.js';

// ------------------------------------------------------------------------------------------------ chains
// Filter-chain selection on a gateway's bound listener: destination port, destination IP prefix, server
// name (exact, then wildcard), transport protocol, then source type and source prefix; the most specific
// value wins at each level and there is no backtracking (listener_components.proto, FilterChainMatch). The
// source levels read the gateway's client (--from), never the gateway's own address.
const GW: D.PodIdentity = {
  name: 'gateway-0',
  namespace: NS,
  ip: '10.200.0.30',
  labels: { app: 'gateway', istio: 'ingressgateway' },
  type: 'router',
};
const UP = (n: string): D.PodIdentity => ({
  name: `up-${n}`,
  namespace: NS,
  ip: `10.200.1.${10 + n.charCodeAt(0) - 97}`,
  labels: { app: `up-${n}` },
});

export function chainsWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const ups = ['a', 'b', 'c', 'd', 'e', 'f'].map(UP);
  const cl = (n: string) => out(9000, '', `up-${n}`);
  const tls = (port: number) => ({
    name: 'envoy.filters.listener.tls_inspector',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
    },
    port,
  });
  const chainsFor: J[] = [
    {
      name: 'sni-exact',
      filter_chain_match: { server_names: ['a.example.com'] },
      filters: [D.tcpProxy(cl('a'))],
    },
    {
      name: 'sni-wildcard',
      filter_chain_match: { server_names: ['*.example.com'] },
      filters: [D.tcpProxy(cl('b'))],
    },
    { name: 'tls-any', filter_chain_match: { transport_protocol: 'tls' }, filters: [D.tcpProxy(cl('c'))] },
    {
      name: 'plain-local',
      filter_chain_match: {
        transport_protocol: 'raw_buffer',
        source_prefix_ranges: [{ address_prefix: '10.200.0.0', prefix_len: 24 }],
      },
      filters: [D.tcpProxy(cl('d'))],
    },
    {
      name: 'plain-any',
      filter_chain_match: { transport_protocol: 'raw_buffer' },
      filters: [D.tcpProxy(cl('e'))],
    },
  ];
  const dportChains: J[] = [
    {
      name: 'dst-gw-ip',
      filter_chain_match: { prefix_ranges: [{ address_prefix: GW.ip, prefix_len: 32 }] },
      filters: [D.tcpProxy(cl('f'))],
    },
    {
      name: 'dst-other',
      filter_chain_match: { prefix_ranges: [{ address_prefix: '192.0.2.0', prefix_len: 24 }] },
      filters: [D.tcpProxy(cl('a'))],
    },
  ];
  const gwDump = D.configDump(e, GW, {
    listeners: [
      D.listener('0.0.0.0_8443', '0.0.0.0', 8443, chainsFor, {
        listener_filters: [{ name: tls(8443).name, typed_config: tls(8443).typed_config }],
        traffic_direction: 'OUTBOUND',
      }),
      D.listener('0.0.0.0_9443', '0.0.0.0', 9443, dportChains, { traffic_direction: 'OUTBOUND' }),
    ],
    clusters: [...ups.map((u) => D.edsCluster(out(9000, '', u.name))), ...D.baseClusters(e)],
    endpoints: ups.map((u) => ({ cluster: out(9000, '', u.name), endpoints: [{ ip: u.ip, port: 9000 }] })),
  });
  const id = `chains-${istio}`;
  const gw = (port: number, extra: string[]) => ['gateway', src(GW), '--port', String(port), ...extra];
  const hit = (chain: string, cluster: string): ExpectStep[] => [
    { stage: 'filterChain', result: 'matched', name: chain },
    { stage: 'cluster', name: cluster },
  ];
  const cases: CorpusCase[] = [
    {
      id: `${id}/sni-exact`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'a.example.com']),
      aim: 'SNI a.example.com: the exact server name wins over *.example.com',
      expect: { result: 'delivered', steps: hit('sni-exact', cl('a')) },
    },
    {
      id: `${id}/sni-wildcard`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'b.example.com']),
      aim: 'SNI b.example.com: the wildcard server name',
      expect: { result: 'delivered', steps: hit('sni-wildcard', cl('b')) },
    },
    {
      id: `${id}/sni-deep`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'x.b.example.com']),
      aim: 'SNI x.b.example.com: *.example.com matches any depth',
      expect: { result: 'delivered', steps: hit('sni-wildcard', cl('b')) },
    },
    {
      id: `${id}/sni-bare`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'example.com']),
      aim: 'SNI example.com just misses *.example.com: falls to the chains without server names',
      expect: { result: 'delivered', steps: hit('tls-any', cl('c')) },
    },
    {
      id: `${id}/sni-other`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'other.test']),
      aim: 'SNI other.test: no server name, TLS chain',
      expect: { result: 'delivered', steps: hit('tls-any', cl('c')) },
    },
    {
      // a gateway's client is not the gateway: without --from the source-prefix level cannot be decided
      id: `${id}/plain-local`,
      args: gw(8443, ['--protocol', 'tcp', '--from', CLIENT.ip]),
      aim: `plaintext from ${CLIENT.ip} (in 10.200.0.0/24): the source-prefix chain`,
      expect: { result: 'delivered', steps: hit('plain-local', cl('d')) },
    },
    {
      id: `${id}/plain-outside`,
      args: gw(8443, ['--protocol', 'tcp', '--from', '198.18.0.1']),
      aim: 'plaintext from 198.18.0.1 (outside 10.200.0.0/24): the chain without a source prefix',
      expect: { result: 'delivered', steps: hit('plain-any', cl('e')) },
    },
    {
      id: `${id}/dst-prefix`,
      args: gw(9443, ['--protocol', 'tcp']),
      aim: 'destination is the gateway IP: the /32 prefix chain',
      expect: { result: 'delivered', steps: hit('dst-gw-ip', cl('f')) },
    },
  ];
  return {
    id,
    family: 'chains',
    description: `a gateway's filter chains on SNI (exact, wildcard), transport protocol, source prefix and destination prefix on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        {
          pod: GW,
          dump: gwDump,
          // a gateway pod runs Envoy alone: no app sockets (its listeners are Envoy's own)
          sockets: null,
        },
        ...ups.map((u) => ({ pod: u, dump: null, sockets: [['0.0.0.0', 9000]] as [string, number][] })),
      ],
      [D.podManifest(GW, [8443, 9443], false), ...ups.map((u) => D.podManifest(u, [9000], false))],
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ inbound chains
// The receiving sidecar's virtualInbound: destination port, then transport protocol (tls_inspector), then
// the passthrough chain for ports no service declares; the source prefix narrows after those.
export function inboundWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const ports: D.InboundPort[] = [
    { port: 7000, http: false, mtls: 'PERMISSIVE' },
    { port: 7001, http: false, mtls: 'STRICT' },
    { port: 7002, http: false, mtls: 'DISABLE' },
    { port: 8080, http: true, mtls: 'PERMISSIVE' },
  ];
  const server = serverPod(e, SERVER, ports, [
    ['0.0.0.0', 7000],
    ['0.0.0.0', 7001],
    ['0.0.0.0', 7002],
    ['0.0.0.0', 8080],
    ['0.0.0.0', 7500],
    ...D.ENVOY_SOCKETS,
  ]);
  const id = `inbound-${istio}`;
  const inb = (port: number, extra: string[] = []) => [
    'inbound',
    src(SERVER),
    '--port',
    String(port),
    '--from',
    CLIENT.ip,
    ...extra,
  ];
  const cases: CorpusCase[] = [
    {
      id: `${id}/permissive-plain`,
      args: inb(7000),
      aim: 'plaintext into PERMISSIVE 7000: the raw_buffer chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_7000' }],
      },
    },
    {
      id: `${id}/strict-plain`,
      args: inb(7001),
      aim: 'plaintext into STRICT 7001: no chain (the passthrough chain needs another port)',
      expect: { result: 'failed' },
    },
    {
      id: `${id}/disable-plain`,
      args: inb(7002),
      aim: 'plaintext into DISABLE 7002: the raw_buffer chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_7002' }],
      },
    },
    {
      id: `${id}/http-plain`,
      args: inb(8080, ['--protocol', 'http']),
      aim: 'plaintext HTTP into PERMISSIVE 8080',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_8080' }],
      },
    },
    {
      id: `${id}/undeclared`,
      args: inb(7500),
      aim: 'a port no service declares: the virtualInbound passthrough chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: 'virtualInbound' }],
      },
    },
  ];
  return {
    id,
    family: 'chains',
    description: `a sidecar's inbound chains (PERMISSIVE, STRICT, DISABLE, passthrough) on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [server, { pod: CLIENT, dump: null, sockets: null }],
      [
        D.podManifest(CLIENT, [], false),
        D.podManifest(
          SERVER,
          ports.map((p) => p.port),
        ),
      ],
    ),
    cases,
  };
}
