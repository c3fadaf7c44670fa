// What the generated families share: the seeded generator, the mesh's names and addresses, a server sidecar
// and an HTTP client sidecar in Istio's shapes.
import type { ExpectStep } from '../types.js';
import * as D from '../istio-dump.js';
import type { J } from '../istio-dump.js';

/** mulberry32: a small, fixed-seed generator, so the corpus is the same on every run and machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(r: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export const NS = 'corpus';
export const CLIENT: D.PodIdentity = {
  name: 'client-0',
  namespace: NS,
  ip: '10.200.0.10',
  labels: { app: 'client' },
};
export const SERVER: D.PodIdentity = {
  name: 'server-0',
  namespace: NS,
  ip: '10.200.0.20',
  labels: { app: 'web' },
};
export const WEB_VIP = '10.201.0.10';
export const WEB_PORT = 8080;
export const FQDN = (svc: string) => `${svc}.${NS}.svc.cluster.local`;
export const out = (port: number, subset: string, svc: string) => `outbound|${port}|${subset}|${FQDN(svc)}`;
export const src = (p: D.PodIdentity) => `${p.name}.${p.namespace}`;

/** The server side every family shares: a sidecar whose inbound takes the given ports, its app on 0.0.0.0. */
export function serverPod(
  e: D.Era,
  pod: D.PodIdentity,
  ports: D.InboundPort[],
  sockets: [string, number][] | null = null,
): D.SnapshotPod {
  return {
    pod,
    dump: D.configDump(e, pod, {
      listeners: [D.virtualOutbound(), D.virtualInbound(ports)],
      clusters: [...ports.map((p) => D.inboundCluster(e, p.port)), ...D.baseClusters(e)],
    }),
    sockets: sockets ?? [...ports.map((p): [string, number] => ['0.0.0.0', p.port]), ...D.ENVOY_SOCKETS],
  };
}

export function webObjects(extraPods: D.PodIdentity[] = []): J[] {
  return [
    D.podManifest(CLIENT, []),
    D.podManifest(SERVER, [WEB_PORT]),
    ...extraPods.map((p) => D.podManifest(p, [WEB_PORT])),
    D.serviceManifest('web', NS, WEB_VIP, [['http-web', WEB_PORT]], { app: 'web' }),
  ];
}

/** A client sidecar with one HTTP listener 0.0.0.0_8080 (RDS "8080") and the given route configuration. */
export function httpClient(e: D.Era, virtualHosts: J[], clusters: string[]): D.SnapshotPod {
  const rc: J = {
    name: String(WEB_PORT),
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    // Istio >= 1.15 drops the `host:port` domains and lets Envoy ignore the port instead
    ...(e.portsInDomains ? {} : { ignore_port_in_host_matching: true }),
  };
  return {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, {
      listeners: [
        D.virtualOutbound(),
        D.virtualInbound([]),
        D.outboundListener('0.0.0.0', WEB_PORT, [{ filters: [D.hcmRds(String(WEB_PORT))] }]),
      ],
      clusters: [...clusters.map((c) => D.edsCluster(c)), ...D.baseClusters(e)],
      routes: [rc],
      endpoints: clusters.map((cluster) => ({ cluster, endpoints: [{ ip: SERVER.ip, port: WEB_PORT }] })),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
}

export const routeStep = (name: string, absent = false): ExpectStep =>
  absent
    ? { stage: 'route', result: 'matched', name, absent: true }
    : { stage: 'route', result: 'matched', name };
