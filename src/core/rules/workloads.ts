// What several rules need: Services, the workloads (pod templates) they select, resolved port protocols.
import { obj, objects, str } from '../model/fields.js';
import { isObject, type JsonObject } from '../model/normalize.js';
import { resolvePortProtocol, type PortProtocol } from '../model/protocol.js';
import type { FieldPath, LintResource } from './types.js';

export interface ServicePortView {
  readonly index: number;
  readonly name: string | undefined;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: string;
  readonly appProtocol: string | undefined;
  readonly resolved: PortProtocol;
  readonly path: FieldPath;
}

export function servicePorts(svc: LintResource): ServicePortView[] {
  return objects(obj(svc.raw, 'spec'), 'ports').map((p, index) => {
    const port = typeof p.port === 'number' ? p.port : Number(p.port ?? 0);
    const tp = p.targetPort;
    const name = str(p, 'name');
    const appProtocol = str(p, 'appProtocol');
    const protocol = str(p, 'protocol') ?? 'TCP';
    return {
      index,
      name,
      port,
      targetPort:
        typeof tp === 'number' ? tp : typeof tp === 'string' ? (/^\d+$/.test(tp) ? Number(tp) : tp) : port,
      protocol,
      appProtocol,
      resolved: resolvePortProtocol({ port, name, protocol, appProtocol }),
      path: ['spec', 'ports', index],
    };
  });
}

export const WORKLOAD_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'Pod',
]);

export interface Workload {
  readonly resource: LintResource;
  readonly labels: Record<string, string>;
  /** False when its pods opt out of injection (sidecar.istio.io/inject: "false"). */
  readonly inMesh: boolean;
  readonly containers: Array<{
    name: string;
    ports: Array<{ name: string | undefined; containerPort: number; protocol: string; path: FieldPath }>;
    path: FieldPath;
  }>;
  /** Path of the pod template (or the pod) inside the resource. */
  readonly podPath: FieldPath;
}

function labelsOf(meta: JsonObject | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const l = meta?.labels;
  if (isObject(l)) for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function workloadOf(r: LintResource): Workload | undefined {
  if (!WORKLOAD_KINDS.has(r.kind)) return undefined;
  const podPath: FieldPath = r.kind === 'Pod' ? [] : ['spec', 'template'];
  let pod: JsonObject | undefined = r.raw;
  for (const p of podPath) pod = obj(pod, String(p));
  const spec = obj(pod, 'spec');
  const podMeta = obj(pod, 'metadata');
  const inject =
    str(obj(podMeta, 'annotations'), 'sidecar.istio.io/inject') ??
    str(obj(podMeta, 'labels'), 'sidecar.istio.io/inject');
  return {
    resource: r,
    labels: labelsOf(podMeta),
    inMesh: inject !== 'false',
    podPath,
    containers: objects(spec, 'containers').map((c, ci) => ({
      name: str(c, 'name') ?? '',
      path: [...podPath, 'spec', 'containers', ci],
      ports: objects(c, 'ports').map((p, pi) => ({
        name: str(p, 'name'),
        containerPort: typeof p.containerPort === 'number' ? p.containerPort : Number(p.containerPort ?? 0),
        protocol: str(p, 'protocol') ?? 'TCP',
        path: [...podPath, 'spec', 'containers', ci, 'ports', pi],
      })),
    })),
  };
}

export function selectorOf(svc: LintResource): Record<string, string> | undefined {
  const sel = obj(obj(svc.raw, 'spec'), 'selector');
  if (!sel) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sel)) if (typeof v === 'string') out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Services indexed by namespace and selector label, built once per lint run: matching every workload against
 * every Service is quadratic and dominated lint time at 10,000 Services.
 */
export class ServiceIndex {
  private readonly byLabel = new Map<string, LintResource[]>();
  private readonly selectors = new Map<LintResource, Record<string, string>>();
  constructor(services: readonly LintResource[]) {
    for (const svc of services) {
      const sel = selectorOf(svc);
      if (!sel) continue;
      this.selectors.set(svc, sel);
      for (const [k, v] of Object.entries(sel)) {
        const key = `${svc.namespace}\u0000${k}\u0000${v}`;
        const list = this.byLabel.get(key);
        if (list) list.push(svc);
        else this.byLabel.set(key, [svc]);
      }
    }
  }

  /** Services in the namespace whose non-empty selector matches these pod labels. */
  selecting(namespace: string, labels: Record<string, string>): LintResource[] {
    const seen = new Set<LintResource>();
    for (const [k, v] of Object.entries(labels))
      for (const svc of this.byLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? []) {
        if (seen.has(svc)) continue;
        const sel = this.selectors.get(svc)!;
        if (Object.entries(sel).every(([sk, sv]) => labels[sk] === sv)) seen.add(svc);
      }
    return [...seen];
  }
}

const indexes = new WeakMap<readonly LintResource[], ServiceIndex>();

/** The ServiceIndex of a lint run's resources, built on first use. */
export function serviceIndex(resources: readonly LintResource[]): ServiceIndex {
  let index = indexes.get(resources);
  if (!index) {
    index = new ServiceIndex(resources.filter((r) => r.kind === 'Service'));
    indexes.set(resources, index);
  }
  return index;
}

/** Services in the workload's namespace whose non-empty selector matches its pod labels. */
export function servicesSelecting(w: Workload, resources: readonly LintResource[]): LintResource[] {
  return serviceIndex(resources).selecting(w.resource.namespace, w.labels);
}

/** Kubernetes' own namespaces, which istioctl analyze skips too. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

export function isSystemNamespace(r: LintResource): boolean {
  return SYSTEM_NAMESPACES.has(r.namespace);
}

/** Istio's control plane is skipped, as istioctl analyze does: by label (`istio` or `release: istio`). */
/** Every port of every Service among the resources that `which` keeps, with its Service. */
export function* portsOfServices(
  resources: readonly LintResource[],
  which: (svc: LintResource) => boolean,
): Generator<{ readonly svc: LintResource; readonly p: ServicePortView }> {
  for (const svc of resources)
    if (svc.kind === 'Service' && which(svc)) for (const p of servicePorts(svc)) yield { svc, p };
}

/**
 * The ports of the Services that select a workload, grouped by `key` then `value`, each with the `who` that
 * contributed it: the shape both conflict rules (same port, two protocols; same target, two ports) look for.
 */
export function groupSelectedPorts<K, V>(
  w: Workload,
  resources: readonly LintResource[],
  key: (p: ServicePortView) => K,
  value: (p: ServicePortView) => V,
  who: (svc: LintResource, p: ServicePortView) => string,
): Map<K, Map<V, string[]>> {
  return groupPorts(servicesSelecting(w, resources), key, value, who);
}

/** The ports of these Services grouped by `key` then `value`, as groupSelectedPorts does for a workload's. */
export function groupPorts<K, V>(
  services: readonly LintResource[],
  key: (p: ServicePortView) => K,
  value: (p: ServicePortView) => V,
  who: (svc: LintResource, p: ServicePortView) => string,
): Map<K, Map<V, string[]>> {
  const out = new Map<K, Map<V, string[]>>();
  for (const svc of services)
    for (const p of servicePorts(svc)) {
      const values = out.get(key(p)) ?? new Map<V, string[]>();
      values.set(value(p), [...(values.get(value(p)) ?? []), who(svc, p)]);
      out.set(key(p), values);
    }
  return out;
}

/** The Services of the mesh's workloads: not Istio's own (control plane, or made by its controllers). */
export const notIstioOwned = (svc: LintResource): boolean => !isIstioOwned(svc);

export function isControlPlane(r: LintResource): boolean {
  const labels = labelsOf(obj(r.raw, 'metadata'));
  return 'istio' in labels || labels.release === 'istio';
}

/**
 * The values of `gateway.istio.io/managed` that Istio's own controllers write on the Services and Deployments
 * they create for a Gateway: the gateway, waypoint (mesh), east-west and agentgateway controllers (istio
 * pkg/config/constants Managed*ControllerLabel; the Services in pilot/pkg/config/kube/gatewaycommon/testdata/
 * deployment). Their ports (15021 status-port, 15008 `mesh` with appProtocol hbone or all) are Istio's choice
 * and cannot be "fixed" by the user. istioctl analyze skips the first three in its port-name check
 * (pkg/config/analysis/analyzers/service/portname.go) and waypoint Deployments in its Service association
 * check (analyzers/deployment/services.go); its skip list lacks the two agentgateway values, so istioctl
 * reports IST0118 on an agentgateway waypoint's `mesh` port (appProtocol all), where meshctl stays silent.
 */
const ISTIO_CONTROLLERS = new Set([
  'istio.io-gateway-controller',
  'istio.io-mesh-controller',
  'istio.io-eastwest-controller',
  'istio.io-agentgateway-controller',
  'istio.io-agentgateway-waypoint-controller',
]);

export function isIstioManaged(r: LintResource): boolean {
  const v = labelsOf(obj(r.raw, 'metadata'))['gateway.istio.io/managed'];
  return v !== undefined && ISTIO_CONTROLLERS.has(v);
}

/** Istio's control plane, or a resource one of Istio's controllers made: no rule speaks about them. */
export function isIstioOwned(r: LintResource): boolean {
  return isControlPlane(r) || isIstioManaged(r);
}

export function kindIs(kind: string) {
  return (r: LintResource) => r.kind === kind;
}

export function serviceType(svc: LintResource): string {
  return str(obj(svc.raw, 'spec'), 'type') ?? 'ClusterIP';
}

export function isHeadless(svc: LintResource): boolean {
  return str(obj(svc.raw, 'spec'), 'clusterIP') === 'None';
}

export function portLabel(p: ServicePortView): string {
  return p.name ? `port ${p.port} (${p.name})` : `port ${p.port} (unnamed)`;
}
