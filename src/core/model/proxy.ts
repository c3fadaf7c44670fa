// Who a dump belongs to, from bootstrap.node (cli-contract.md "Inputs"; envoy-semantics.md section 0):
// node id `sidecar~<podIP>~<pod>.<ns>~<ns>.svc.cluster.local` (`router~` for gateways), Istio version from
// ISTIO_VERSION (1.1+) or ISTIO_PROXY_VERSION (1.0), Envoy version from user_agent_build_version (or the
// older build_version string).
import { num, obj, str, strings } from './fields.js';
import { isObject, type JsonObject } from './normalize.js';

export type ProxyType = 'sidecar' | 'router' | 'waypoint' | 'ztunnel' | 'unknown';

export interface ProxyIdentity {
  readonly nodeId: string | undefined;
  readonly type: ProxyType;
  readonly ip: string | undefined;
  /** Every address of the pod (INSTANCE_IPS: IPv4 and IPv6), the node id's first. */
  readonly ips: string[];
  readonly pod: string | undefined;
  readonly namespace: string | undefined;
  readonly istioVersion: string | undefined;
  /** Which metadata key the version came from, so explanations can say how they know. */
  readonly istioVersionSource: 'ISTIO_VERSION' | 'ISTIO_PROXY_VERSION' | undefined;
  readonly istioProxySha: string | undefined;
  readonly envoyVersion: string | undefined;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly interceptionMode: string | undefined;
  readonly meshId: string | undefined;
  readonly clusterId: string | undefined;
}

const PROXY_TYPES: Record<string, ProxyType> = {
  sidecar: 'sidecar',
  router: 'router',
  waypoint: 'waypoint',
  ztunnel: 'ztunnel',
};

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

function envoyVersion(node: JsonObject | undefined): string | undefined {
  const uabv = obj(node, 'user_agent_build_version');
  if (uabv) {
    const v = obj(uabv, 'version');
    const md = obj(uabv, 'metadata');
    const semver = `${num(v, 'major_number') ?? 0}.${num(v, 'minor_number') ?? 0}.${num(v, 'patch') ?? 0}`;
    const parts = [semver, str(md, 'revision.status'), str(md, 'build.type'), str(md, 'ssl.version')];
    return parts.filter(Boolean).join('/');
  }
  // Older Envoys: build_version = "<sha>/<version>/<status>/<type>/<ssl>"
  const bv = str(node, 'build_version');
  return bv ? bv.split('/').slice(1).join('/') || bv : undefined;
}

export function proxyIdentity(bootstrap: JsonObject | undefined): ProxyIdentity {
  const node = obj(bootstrap, 'node');
  const md = obj(node, 'metadata');
  const id = str(node, 'id');
  const parts = id ? id.split('~') : [];
  const type = (parts.length === 4 && PROXY_TYPES[parts[0]!]) || 'unknown';
  const [podName, podNs] = parts.length === 4 ? splitOnce(parts[2]!) : [undefined, undefined];
  const version = str(md, 'ISTIO_VERSION');
  const v10 = str(md, 'ISTIO_PROXY_VERSION');
  const sha = str(md, 'ISTIO_PROXY_SHA');
  const ips = strings(md, 'INSTANCE_IPS').length
    ? strings(md, 'INSTANCE_IPS')
    : (str(md, 'INSTANCE_IPS') ?? '').split(',');
  const ip = (parts.length === 4 ? parts[1] : undefined) || ips.find(Boolean);
  return {
    nodeId: id,
    type,
    ip,
    ips: [...new Set([ip, ...ips].filter((x): x is string => Boolean(x)))],
    pod: str(md, 'NAME') ?? podName,
    namespace: str(md, 'NAMESPACE') ?? podNs ?? (parts.length === 4 ? parts[3]!.split('.')[0] : undefined),
    istioVersion: version ?? v10,
    istioVersionSource: version ? 'ISTIO_VERSION' : v10 ? 'ISTIO_PROXY_VERSION' : undefined,
    istioProxySha: sha ? sha.replace(/^istio-proxy:/, '') : undefined,
    envoyVersion: envoyVersion(node),
    labels: stringMap(md?.LABELS),
    annotations: stringMap(md?.ANNOTATIONS),
    interceptionMode: str(md, 'INTERCEPTION_MODE'),
    meshId: str(md, 'MESH_ID'),
    clusterId: str(md, 'CLUSTER_ID'),
  };
}

/** `pod.namespace` -> [pod, namespace]; pod names contain no dots, namespaces none either. */
function splitOnce(s: string): [string | undefined, string | undefined] {
  const dot = s.indexOf('.');
  return dot < 0 ? [s || undefined, undefined] : [s.slice(0, dot), s.slice(dot + 1)];
}

/** `pod.namespace` for display, or what is known. */
export function proxyLabel(p: ProxyIdentity): string | undefined {
  if (p.pod && p.namespace) return `${p.pod}.${p.namespace}`;
  return p.pod ?? p.nodeId;
}
