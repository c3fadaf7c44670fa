import type { CorpusCase, CorpusWorld } from '../types.js';
import * as D from '../istio-dump.js';
import { NS, CLIENT, src } from './common.js';

// ------------------------------------------------------------------------------------------------ capture
// istio-iptables: outbound traffic to includeOutboundIPRanges (default *) minus excludeOutboundIPRanges and
// excludeOutboundPorts is redirected to 15001; inbound ports in includeInboundPorts (default *) minus
// excludeInboundPorts to 15006 (istio tools/istio-iptables, and the annotations' reference page).
export function captureWorld(
  n: number,
  annotations: Record<string, string>,
  probes: { ip: string; port: number; captured: boolean; why: string }[],
): CorpusWorld {
  const e = D.era('1.16.0');
  const client: D.PodIdentity = { ...CLIENT, annotations };
  const targets = [...new Set(probes.map((p) => `${p.ip}:${p.port}`))];
  const hostPods: D.PodIdentity[] = [...new Set(probes.map((p) => p.ip))].map((ip, i) => ({
    name: `host-${i}`,
    namespace: NS,
    ip,
    labels: { app: `host-${i}` },
  }));
  const id = `capture-${n}`;
  const clientPod: D.SnapshotPod = {
    pod: client,
    dump: D.configDump(e, client, {
      listeners: [D.virtualOutbound(), D.virtualInbound([])],
      clusters: D.baseClusters(e),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
  const cases: CorpusCase[] = probes.map((p) => ({
    id: `${id}/${p.ip}_${p.port}`,
    args: ['pod-to-pod', src(CLIENT), p.ip, '--port', String(p.port)],
    aim: `${p.ip}:${p.port} ${p.captured ? 'is captured' : 'bypasses the sidecar'}: ${p.why}`,
    expect: p.captured
      ? {
          result: 'delivered',
          via: 'passthrough',
          steps: [
            { stage: 'capture', result: 'matched' },
            { stage: 'listener', result: 'matched', name: 'virtualOutbound' },
          ],
        }
      : { result: 'delivered', via: 'bypass', steps: [{ stage: 'listener', absent: true }] },
  }));
  return {
    id,
    family: 'capture',
    description: `capture annotations ${JSON.stringify(annotations)} (${targets.length} destinations)`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...hostPods.map((h) => ({
          pod: h,
          dump: null,
          sockets: [...new Set(probes.filter((p) => p.ip === h.ip).map((p) => p.port))].map(
            (port): [string, number] => ['0.0.0.0', port],
          ),
        })),
      ],
      [
        D.podManifest(client, []),
        ...hostPods.map((h) =>
          D.podManifest(
            h,
            probes.filter((p) => p.ip === h.ip).map((p) => p.port),
            false,
          ),
        ),
      ],
    ),
    cases,
  };
}

export function captureWorlds(): CorpusWorld[] {
  const A = 'traffic.sidecar.istio.io/';
  return [
    captureWorld(1, { [`${A}excludeOutboundIPRanges`]: '10.210.0.0/16' }, [
      { ip: '10.210.3.4', port: 7000, captured: false, why: 'inside the excluded range' },
      { ip: '10.211.0.4', port: 7000, captured: true, why: 'just outside 10.210.0.0/16' },
    ]),
    captureWorld(2, { [`${A}includeOutboundIPRanges`]: '10.220.0.0/24' }, [
      { ip: '10.220.0.9', port: 7000, captured: true, why: 'inside the included range' },
      { ip: '10.220.1.9', port: 7000, captured: false, why: 'just outside 10.220.0.0/24' },
    ]),
    captureWorld(3, { [`${A}excludeOutboundPorts`]: '7001,7003' }, [
      { ip: '10.230.0.5', port: 7001, captured: false, why: 'an excluded port' },
      { ip: '10.230.0.5', port: 7002, captured: true, why: 'a port next to an excluded one' },
      { ip: '10.230.0.5', port: 7003, captured: false, why: 'an excluded port' },
    ]),
    captureWorld(
      4,
      { [`${A}includeOutboundIPRanges`]: '10.240.0.0/16', [`${A}excludeOutboundIPRanges`]: '10.240.5.0/24' },
      [
        { ip: '10.240.4.1', port: 7000, captured: true, why: 'included and not excluded' },
        { ip: '10.240.5.1', port: 7000, captured: false, why: 'excluded wins over included' },
        { ip: '10.241.0.1', port: 7000, captured: false, why: 'outside the included range' },
      ],
    ),
  ];
}
