// Which pod can reach which service port and pod port through the mesh: every cell is one simulation by the
// same engine `explain` uses (pod-to-pod for pod ports, a request to the ClusterIP for service ports), so a
// cell says delivered, the response flag of a failure, or unknown with what is missing.
import type { z } from 'zod';
import type { MatrixCellSchema, MatrixColumnSchema, MatrixSchema } from '../schema/matrix.js';
import { isHttpProtocol, resolvePortProtocol } from '../model/protocol.js';
import type { ConfigDump } from '../model/config-dump.js';
import type { PodInfo, ServiceInfo } from '../model/k8s.js';
import { proxyLabel } from '../model/proxy.js';
import { explain, trafficOf, type World } from './explain.js';
import type { Protocol } from './types.js';

// The printed types are inferred from core/schema/matrix.ts, the contract's single source.
export type MatrixColumn = z.infer<typeof MatrixColumnSchema>;

export type MatrixCell = z.infer<typeof MatrixCellSchema>;

export type Matrix = z.infer<typeof MatrixSchema>;

export interface MatrixOptions {
  /** Only pods and services of these namespaces (undefined: all that were given). */
  readonly namespaces?: readonly string[];
  /** Only this port (service port or pod port). */
  readonly port?: number;
}

/** What a client speaks to a port, by Istio's protocol selection: gRPC, HTTP/2, HTTP, or plain TCP. */
const TRAFFIC: Partial<Record<string, Protocol>> = { GRPC: 'grpc', 'GRPC-Web': 'http', HTTP2: 'http2' };

function protocolOf(port: number, name: string | undefined, appProtocol?: string): Protocol {
  const p = resolvePortProtocol({ port, name, appProtocol }).protocol;
  return isHttpProtocol(p) ? (TRAFFIC[p] ?? 'http') : 'tcp';
}

function selects(s: ServiceInfo, p: PodInfo): boolean {
  const sel = s.selector;
  return (
    s.namespace === p.namespace &&
    sel !== undefined &&
    Object.keys(sel).length > 0 &&
    Object.entries(sel).every(([k, v]) => p.labels[k] === v)
  );
}

/**
 * A pod's ports: its containers' declared ports and the target ports of the Services that select it, named as
 * the Service names them where one does (Istio picks the protocol by the Service port).
 */
function podPorts(
  pod: PodInfo,
  services: readonly ServiceInfo[],
): Array<{ port: number; name: string | undefined }> {
  const out = new Map<number, string | undefined>();
  for (const c of pod.containers)
    for (const p of c.ports) if (p.protocol !== 'UDP') out.set(p.containerPort, p.name);
  for (const s of services.filter((x) => selects(x, pod)))
    for (const p of s.ports) {
      const named = typeof p.targetPort === 'string';
      const port = named
        ? pod.containers.flatMap((c) => c.ports).find((c) => c.name === p.targetPort)?.containerPort
        : p.targetPort;
      if (port !== undefined && p.protocol !== 'UDP') out.set(port, p.name);
    }
  return [...out].map(([port, name]) => ({ port, name })).sort((a, b) => a.port - b.port);
}

function column(
  kind: MatrixColumn['kind'],
  of: { name: string; namespace: string },
  ip: string,
  port: number,
  protocol: Protocol,
): MatrixColumn {
  const name = `${of.name}.${of.namespace}`;
  return { id: `${kind === 'service' ? 'svc' : 'pod'}/${name}:${port}`, kind, name, ip, port, protocol };
}

function inScope(ns: string, o: MatrixOptions): boolean {
  return !o.namespaces || o.namespaces.includes(ns);
}

/** The proxies (rows) and targets (columns) in scope: what a matrix will simulate, before it does. */
export interface MatrixPlan {
  readonly sources: ConfigDump[];
  readonly rows: string[];
  readonly columns: MatrixColumn[];
}

export function planMatrix(world: World, o: MatrixOptions = {}): MatrixPlan {
  const inv = world.inventory;
  // rows in name order, whatever order the proxies were read in
  const sources = (world.dumps as ConfigDump[])
    .filter((d) => {
      const id = d.identity();
      return id.type === 'sidecar' && id.ip !== undefined && inScope(id.namespace ?? '', o);
    })
    .sort((a, b) =>
      (proxyLabel(a.identity()) ?? a.source).localeCompare(proxyLabel(b.identity()) ?? b.source),
    );
  const columns: MatrixColumn[] = [];
  for (const s of inv.services.filter((x) => inScope(x.namespace, o) && x.clusterIP && !x.headless))
    for (const p of s.ports)
      if (p.protocol !== 'UDP' && (o.port === undefined || p.port === o.port))
        columns.push(column('service', s, s.clusterIP!, p.port, protocolOf(p.port, p.name, p.appProtocol)));
  // pods: the inventory's, and the meshed pods whose dumps were given (their IP is in the bootstrap)
  const pods = inv.pods.filter((p) => p.ip && inScope(p.namespace, o));
  for (const d of sources) {
    const id = d.identity();
    if (!pods.some((p) => p.ip === id.ip))
      pods.push({
        name: id.pod ?? id.ip!,
        namespace: id.namespace ?? '',
        ip: id.ip,
        labels: id.labels,
        annotations: id.annotations,
        containers: [],
        hasSidecar: true,
        location: undefined,
      });
  }
  for (const pod of pods.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)))
    for (const p of podPorts(pod, inv.services))
      if (o.port === undefined || p.port === o.port)
        columns.push(column('pod', pod, pod.ip!, p.port, protocolOf(p.port, p.name)));
  // a Service may list one port twice (TCP and UDP of DNS, or a copy): one column each
  const seen = new Set<string>();
  const unique = columns.filter((c) => !seen.has(c.id) && Boolean(seen.add(c.id)));
  return { sources, rows: sources.map((d) => proxyLabel(d.identity()) ?? d.source), columns: unique };
}

export function buildMatrix(world: World, o: MatrixOptions = {}, plan = planMatrix(world, o)): Matrix {
  const { sources, rows, columns } = plan;
  const cells = sources.map((src, r) =>
    columns.map((c): MatrixCell => {
      const from = rows[r]!;
      if (c.kind === 'pod' && c.ip === src.identity().ip)
        return {
          from,
          to: c.id,
          result: 'self',
          flag: null,
          status: null,
          failedStage: null,
          summary: 'the same pod',
          explanation: null,
        };
      const host = c.kind === 'service' && c.protocol !== 'tcp' ? `${c.name}:${c.port}` : undefined;
      const traffic = trafficOf({ protocol: c.protocol, host });
      const e = explain(world, { mode: 'outbound', source: src, ip: c.ip, port: c.port, traffic });
      const closed = e.outcome.result === 'failed' && e.hints.some((h) => h.id === 'port-not-open');
      return {
        from,
        to: c.id,
        result: closed ? 'closed' : e.outcome.result,
        flag: e.outcome.responseFlag,
        status: e.outcome.httpStatus,
        failedStage: e.outcome.failedStage,
        summary: e.outcome.summary,
        explanation: e,
      };
    }),
  );
  return {
    apiVersion: 'meshctl/v1',
    kind: 'Matrix',
    scope: { namespaces: o.namespaces ? [...o.namespaces] : 'all', port: o.port ?? null },
    rows,
    columns,
    cells,
  };
}
