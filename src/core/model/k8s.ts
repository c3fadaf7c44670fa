// The Kubernetes and Istio objects the simulator reads: pods (IP, annotations, containers), services
// (ClusterIP, ports, selector), endpoints, and the Istio objects that explain clusters and TLS. Built from
// manifests (`-f`), snapshots or the API; each object remembers the file and line it came from.
import { isObject, type JsonObject } from './normalize.js';
import { arr, num, obj, objects, str } from './fields.js';
import { InputError } from '../diagnostics/errors.js';
import { checkK8sObject } from '../schema/k8s.js';
import { issuePath } from '../schema/zod-issue.js';

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export interface ContainerPort {
  readonly name: string | undefined;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string | undefined;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly containers: Array<{
    readonly name: string;
    readonly image: string;
    readonly ports: ContainerPort[];
  }>;
  readonly hasSidecar: boolean;
  readonly location: SourceLocation | undefined;
}

export interface ServicePort {
  readonly name: string | undefined;
  readonly port: number;
  readonly targetPort: number | string;
  readonly protocol: string;
  readonly appProtocol: string | undefined;
}

export interface ServiceInfo {
  readonly name: string;
  readonly namespace: string;
  readonly clusterIP: string | undefined;
  readonly headless: boolean;
  readonly type: string;
  readonly selector: Record<string, string> | undefined;
  readonly ports: ServicePort[];
  readonly location: SourceLocation | undefined;
}

export interface EndpointAddress {
  readonly ip: string;
  readonly ready: boolean;
  readonly podName: string | undefined;
}

export interface EndpointsInfo {
  readonly service: string;
  readonly namespace: string;
  readonly addresses: EndpointAddress[];
  readonly ports: Array<{ readonly name: string | undefined; readonly port: number }>;
  readonly location: SourceLocation | undefined;
}

export interface IstioObject {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly spec: JsonObject;
  readonly location: SourceLocation | undefined;
}

export interface MeshInventory {
  readonly pods: PodInfo[];
  readonly services: ServiceInfo[];
  readonly endpoints: EndpointsInfo[];
  readonly istio: IstioObject[];
}

export { emptyInventory } from './inventory.js';

const ISTIO_KINDS = new Set([
  'VirtualService',
  'DestinationRule',
  'Gateway',
  'Sidecar',
  'ServiceEntry',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'EnvoyFilter',
]);

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** istio-iptables flags of an injected pod's istio-init container, and the annotations they come from. */
const INIT_FLAGS: Record<string, string> = {
  '-i': 'traffic.sidecar.istio.io/includeOutboundIPRanges',
  '-x': 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  '-b': 'traffic.sidecar.istio.io/includeInboundPorts',
  '-d': 'traffic.sidecar.istio.io/excludeInboundPorts',
  '-o': 'traffic.sidecar.istio.io/excludeOutboundPorts',
  '-q': 'traffic.sidecar.istio.io/includeOutboundPorts',
  '-m': 'sidecar.istio.io/interceptionMode',
};

/**
 * An injected pod carries its capture rules as istio-init arguments (`-i '*' -x "" -b 9080 -d 15090,15021`):
 * the same settings as the traffic.sidecar.istio.io annotations, which win when both are present.
 */
function initArgsAsAnnotations(spec: JsonObject | undefined): Record<string, string> {
  const init = objects(spec, 'initContainers').find((c) => str(c, 'name') === 'istio-init');
  const args = arr(init, 'args').filter((a): a is string => typeof a === 'string');
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const key = INIT_FLAGS[args[i]!];
    if (key && i + 1 < args.length) out[key] = args[++i]!.replace(/^["']|["']$/g, '');
  }
  return out;
}

/** A pod template's (or pod's) spec, for Deployments and StatefulSets too: annotations drive capture. */
function podFrom(
  meta: JsonObject | undefined,
  spec: JsonObject | undefined,
  status: JsonObject | undefined,
  ns: string,
  location: SourceLocation | undefined,
): PodInfo {
  const containers = objects(spec, 'containers').map((c) => ({
    name: str(c, 'name') ?? '',
    image: str(c, 'image') ?? '',
    ports: objects(c, 'ports').map((p) => ({
      name: str(p, 'name'),
      containerPort: num(p, 'containerPort') ?? 0,
      protocol: str(p, 'protocol') ?? 'TCP',
    })),
  }));
  const annotations = { ...initArgsAsAnnotations(spec), ...stringMap(meta?.annotations) };
  return {
    name: str(meta, 'name') ?? '',
    namespace: str(meta, 'namespace') ?? ns,
    ip: str(status, 'podIP'),
    labels: stringMap(meta?.labels),
    annotations,
    containers,
    hasSidecar: containers.some((c) => c.name === 'istio-proxy') || 'sidecar.istio.io/status' in annotations,
    location,
  };
}

/** The line of a field inside the object (its path made of names and indices), when the source knows it. */
export type LocateField = (path: ReadonlyArray<string | number>) => number | undefined;

/**
 * Adds one Kubernetes object (any kind; unknown kinds are ignored) to the inventory. The fields meshctl reads
 * are checked against core/schema/k8s.ts first: a wrong one is an InputError naming the file, the line of the
 * field, the object and the path inside it.
 */
export function addObject(
  inv: MeshInventory,
  o: JsonObject,
  location: SourceLocation | undefined,
  locate?: LocateField,
): void {
  const kind = str(o, 'kind') ?? '';
  if (kind === 'List' || kind.endsWith('List')) {
    objects(o, 'items').forEach((item, i) => {
      // built-in list items carry no kind: take it from the list's own kind
      const itemKind =
        str(item, 'kind') ?? (kind.endsWith('List') && kind !== 'List' ? kind.slice(0, -4) : undefined);
      addObject(
        inv,
        itemKind ? { ...item, kind: itemKind } : item,
        location,
        locate && ((path) => locate(['items', i, ...path])),
      );
    });
    return;
  }
  const istio = ISTIO_KINDS.has(kind) && (str(o, 'apiVersion')?.includes('istio.io') ?? false);
  const problem = checkK8sObject(kind, istio, o);
  if (problem) {
    const line = locate?.(problem.path) ?? location?.line;
    const where = location ? `${location.file}${line !== undefined ? `: line ${line}` : ''}` : 'from the API';
    const name = str(obj(o, 'metadata'), 'name');
    const ns0 = str(obj(o, 'metadata'), 'namespace');
    throw new InputError(
      `${where}: ${kind}${name ? ` ${ns0 ? `${ns0}/` : ''}${name}` : ''}: ${issuePath(problem.path)}: ${problem.message}`,
      `meshctl reads this field of a ${kind}; fix it as the Kubernetes${istio ? '/Istio' : ''} API defines it`,
    );
  }
  const meta = obj(o, 'metadata');
  const ns = str(meta, 'namespace') ?? 'default';
  const spec = obj(o, 'spec');
  if (kind === 'Pod') {
    inv.pods.push(podFrom(meta, spec, obj(o, 'status'), ns, location));
    return;
  }
  if (kind === 'Service') {
    const clusterIP = str(spec, 'clusterIP');
    inv.services.push({
      name: str(meta, 'name') ?? '',
      namespace: ns,
      clusterIP: clusterIP && clusterIP !== 'None' ? clusterIP : undefined,
      headless: clusterIP === 'None',
      type: str(spec, 'type') ?? 'ClusterIP',
      selector: isObject(spec?.selector) ? stringMap(spec?.selector) : undefined,
      ports: objects(spec, 'ports').map((p) => {
        const port = num(p, 'port') ?? 0;
        const tp = p.targetPort;
        return {
          name: str(p, 'name'),
          port,
          targetPort:
            typeof tp === 'number' || typeof tp === 'string'
              ? /^\d+$/.test(String(tp))
                ? Number(tp)
                : String(tp)
              : port,
          protocol: str(p, 'protocol') ?? 'TCP',
          appProtocol: str(p, 'appProtocol'),
        };
      }),
      location,
    });
    return;
  }
  if (kind === 'Endpoints') {
    for (const subset of objects(o, 'subsets')) {
      const addresses = [
        ...objects(subset, 'addresses').map((a) => ({ a, ready: true })),
        ...objects(subset, 'notReadyAddresses').map((a) => ({ a, ready: false })),
      ].map(({ a, ready }) => ({ ip: str(a, 'ip') ?? '', ready, podName: str(obj(a, 'targetRef'), 'name') }));
      inv.endpoints.push({
        service: str(meta, 'name') ?? '',
        namespace: ns,
        addresses,
        ports: objects(subset, 'ports').map((p) => ({ name: str(p, 'name'), port: num(p, 'port') ?? 0 })),
        location,
      });
    }
    return;
  }
  if (kind === 'EndpointSlice') {
    const service = str(obj(meta, 'labels'), 'kubernetes.io/service-name') ?? '';
    inv.endpoints.push({
      service,
      namespace: ns,
      addresses: objects(o, 'endpoints').flatMap((e) =>
        arr(e, 'addresses')
          .filter((x): x is string => typeof x === 'string')
          .map((ip) => ({
            ip,
            ready: obj(e, 'conditions')?.ready !== false,
            podName: str(obj(e, 'targetRef'), 'name'),
          })),
      ),
      ports: objects(o, 'ports').map((p) => ({ name: str(p, 'name'), port: num(p, 'port') ?? 0 })),
      location,
    });
    return;
  }
  if (
    (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet' || kind === 'ReplicaSet') &&
    spec
  ) {
    // Kept as a pod template: no IP, but the annotations and ports of its pods.
    const template = obj(spec, 'template');
    const tmeta = obj(template, 'metadata');
    const pod = podFrom(
      { ...(tmeta ?? {}), name: `${str(meta, 'name') ?? ''} (template)`, namespace: ns },
      obj(template, 'spec'),
      undefined,
      ns,
      location,
    );
    inv.pods.push(pod);
    return;
  }
  if (istio) {
    inv.istio.push({ kind, name: str(meta, 'name') ?? '', namespace: ns, spec: spec ?? {}, location });
  }
}

export function describeLocation(l: SourceLocation | undefined): string {
  return l ? `${l.file}:${l.line}` : '';
}
