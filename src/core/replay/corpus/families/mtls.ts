import type { CorpusCase, CorpusWorld } from '../types.js';
import * as D from '../istio-dump.js';
import type { J } from '../istio-dump.js';
import { NS, CLIENT, FQDN, out, src, serverPod } from './common.js';

// ------------------------------------------------------------------------------------------------ mTLS
// Auto mTLS: the client sidecar sends Istio mTLS to endpoints labelled tlsMode=istio (transport_socket_matches,
// cluster.proto); the receiving sidecar's inbound chains accept mTLS (tls + ALPN istio*) and/or plaintext by
// PeerAuthentication mode.
export function mtlsWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const modes: ('STRICT' | 'PERMISSIVE' | 'DISABLE')[] = ['STRICT', 'PERMISSIVE', 'DISABLE'];
  const port = 7000;
  const servers = modes.map((m, i) => ({
    m,
    pod: {
      name: `mtls-${m.toLowerCase()}`,
      namespace: NS,
      ip: `10.200.3.${10 + i}`,
      labels: { app: `mtls-${m.toLowerCase()}` },
    } as D.PodIdentity,
    vip: `10.201.3.${10 + i}`,
  }));
  const cl = (svc: string, istioEp: boolean) => out(port, istioEp ? 'mtls' : 'plain', svc);
  const listeners: J[] = [D.virtualOutbound(), D.virtualInbound([])];
  const clusters: J[] = [...D.baseClusters(e)];
  const endpoints: { cluster: string; endpoints: D.Endpoint[] }[] = [];
  for (const s of servers) {
    const svc = s.pod.name;
    // two VIPs per server: one whose endpoint carries tlsMode=istio (mTLS), one without (plaintext)
    for (const [k, istioEp] of [
      [0, true],
      [1, false],
    ] as const) {
      const vip = s.vip.replace(/\.(\d+)$/, (_, d: string) => `.${Number(d) + k * 100}`);
      const c = cl(svc, istioEp);
      listeners.push(D.outboundListener(vip, port, [{ filters: [D.tcpProxy(c)] }]));
      clusters.push(D.edsCluster(c, `outbound_.${port}_._.${FQDN(svc)}`));
      endpoints.push({ cluster: c, endpoints: [{ ip: s.pod.ip, port, istio: istioEp }] });
    }
  }
  const clientPod: D.SnapshotPod = {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, { listeners, clusters, endpoints }),
    sockets: D.ENVOY_SOCKETS,
  };
  const id = `mtls-${istio}`;
  const cases: CorpusCase[] = servers.flatMap((s) =>
    (
      [
        [0, true],
        [1, false],
      ] as const
    ).map(([k, istioEp]) => {
      const vip = s.vip.replace(/\.(\d+)$/, (_, d: string) => `.${Number(d) + k * 100}`);
      const ok = istioEp ? s.m !== 'DISABLE' : s.m !== 'STRICT';
      return {
        id: `${id}/${s.m.toLowerCase()}-${istioEp ? 'mtls' : 'plain'}`,
        args: ['pod-to-pod', src(CLIENT), vip, '--port', String(port)],
        aim: `${istioEp ? 'Istio mTLS' : 'plaintext'} into a ${s.m} inbound: ${ok ? 'accepted' : 'no chain takes it'}`,
        expect: ok
          ? {
              result: 'delivered' as const,
              cluster: cl(s.pod.name, istioEp),
              steps: [{ stage: 'filterChain' as const, result: 'matched' as const, name: `0.0.0.0_${port}` }],
            }
          : { result: 'failed' as const, cluster: cl(s.pod.name, istioEp) },
      };
    }),
  );
  return {
    id,
    family: 'mtls',
    description: `auto mTLS and plaintext into STRICT, PERMISSIVE and DISABLE inbound chains on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...servers.map((s) =>
          serverPod(e, s.pod, [{ port, http: false, mtls: s.m }], [['0.0.0.0', port], ...D.ENVOY_SOCKETS]),
        ),
      ],
      [D.podManifest(CLIENT, []), ...servers.map((s) => D.podManifest(s.pod, [port]))],
    ),
    cases,
  };
}
