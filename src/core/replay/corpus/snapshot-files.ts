// The rest of a generated world: Pod and Service manifests, /proc/net/tcp socket evidence, and the files of
// a snapshot directory (docs/snapshot-format.md) holding the pods' dumps, objects and sockets.
import type { J, PodIdentity } from './istio-dump.js';

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
