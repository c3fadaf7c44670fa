import type { CorpusCase, CorpusWorld } from '../types.js';
import * as D from '../istio-dump.js';
import { NS, CLIENT, src, serverPod } from './common.js';

// ------------------------------------------------------------------------------------------------ bind × era
// Where the inbound cluster connects: 127.0.0.1:<port> before Istio 1.10, the pod IP (from 127.0.0.6) from
// 1.10 (Istio 1.10 upgrade notes, "Inbound forwarding"); the app accepts only if it listens on that address
// or on 0.0.0.0 (a socket bound to one address accepts only connections to it: ip(7), bind(2)).
// The inbound cluster is reached by tcp_proxy, which logs a refused connect as UF,URX (tcp_proxy.cc: the
// attempt past max_connect_attempts, default 1, sets URX).
export function bindWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const port = 7000;
  const binds = [
    { n: 'any', sockets: (ip: string): [string, number][] | null => (void ip, [['0.0.0.0', port]]) },
    { n: 'podip', sockets: (ip: string): [string, number][] | null => [[ip, port]] },
    { n: 'loopback', sockets: (): [string, number][] | null => [['127.0.0.1', port]] },
    { n: 'absent', sockets: (): [string, number][] | null => [['0.0.0.0', port + 1]] },
  ];
  const pods = binds.map((b, i) => ({
    b,
    pod: {
      name: `bind-${b.n}`,
      namespace: NS,
      ip: `10.200.2.${10 + i}`,
      labels: { app: `bind-${b.n}` },
    } as D.PodIdentity,
  }));
  const clientPod: D.SnapshotPod = {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, {
      listeners: [D.virtualOutbound(), D.virtualInbound([])],
      clusters: D.baseClusters(e),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
  const id = `bind-${istio}`;
  const accepts = (n: string) =>
    n === 'any' || (n === 'podip' ? e.inboundOriginalDst : n === 'loopback' ? !e.inboundOriginalDst : false);
  const cases: CorpusCase[] = pods.map(({ b, pod }) => ({
    id: `${id}/${b.n}`,
    args: ['pod-to-pod', src(CLIENT), src(pod), '--port', String(port)],
    aim: `app bound ${b.n} on Istio ${istio}: ${accepts(b.n) ? 'accepts' : 'refuses'} the sidecar's connection to ${e.inboundOriginalDst ? 'the pod IP' : '127.0.0.1'}`,
    expect: accepts(b.n)
      ? { result: 'delivered', steps: [{ stage: 'application', result: 'matched' }] }
      : { result: 'failed', responseFlag: 'UF,URX', steps: [{ stage: 'application', result: 'failed' }] },
  }));
  return {
    id,
    family: 'bind',
    description: `apps bound to 0.0.0.0, the pod IP, 127.0.0.1 or not at all, behind an Istio ${istio} sidecar`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...pods.map(({ b, pod }) =>
          serverPod(e, pod, [{ port, http: false }], [...(b.sockets(pod.ip) ?? []), ...D.ENVOY_SOCKETS]),
        ),
      ],
      [D.podManifest(CLIENT, []), ...pods.map(({ pod }) => D.podManifest(pod, [port]))],
    ),
    cases,
  };
}
