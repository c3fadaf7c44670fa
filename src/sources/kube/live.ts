// The mesh read live: pods named as the contract says, their proxies' config dumps, and the Kubernetes and
// Istio objects around them, as the same model the offline inputs produce.
import { ApiError, InputError, NotFoundError } from '../../core/diagnostics/errors.js';
import type { ConfigDump } from '../../core/model/config-dump.js';
import { obj, objects, str } from '../../core/model/fields.js';
import { addObject, emptyInventory, type MeshInventory } from '../../core/model/k8s.js';
import type { JsonObject } from '../../core/model/normalize.js';
import type { LintResource } from '../../core/model/manifest.js';
import { parseDump } from '../dump/read-dump.js';
import { ISTIO_RESOURCES, getJson, listAll, listIstio, type Cluster } from './cluster.js';
import { adminGet } from './proxy-admin.js';
import { execConfigDump } from './exec.js';

export interface LivePod {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string | undefined;
  readonly raw: JsonObject;
  readonly hasProxy: boolean;
  readonly proxyReady: boolean;
}

function livePod(raw: JsonObject): LivePod {
  const meta = obj(raw, 'metadata');
  const containers = objects(obj(raw, 'spec'), 'containers');
  const statuses = objects(obj(raw, 'status'), 'containerStatuses');
  const proxy = statuses.find((s) => str(s, 'name') === 'istio-proxy');
  return {
    name: str(meta, 'name') ?? '',
    namespace: str(meta, 'namespace') ?? '',
    ip: str(obj(raw, 'status'), 'podIP'),
    raw,
    hasProxy: containers.some((c) => str(c, 'name') === 'istio-proxy'),
    proxyReady: proxy?.ready === true,
  };
}

const IP = /^(\d{1,3}\.){3}\d{1,3}$|:/;

/** A pod by name (in the current namespace), name.namespace, namespace/name or IP. */
export async function findPod(c: Cluster, query: string): Promise<LivePod> {
  if (IP.test(query)) {
    const pods = await listAll(c, 'api/v1/pods', 'list pods', { fieldSelector: `status.podIP=${query}` });
    const running = pods.map(livePod).filter((p) => p.ip === query);
    if (running.length === 0) throw new NotFoundError(`no pod has IP ${query} in context ${c.context}`);
    return running[0]!;
  }
  let ns = c.namespace;
  let name = query;
  if (query.includes('/')) [ns, name] = query.split('/', 2) as [string, string];
  else if (query.includes('.'))
    [name, ns] = [query.slice(0, query.indexOf('.')), query.slice(query.indexOf('.') + 1)];
  try {
    return livePod(await getJson(c, `api/v1/namespaces/${ns}/pods/${name}`, `get pod ${ns}/${name}`));
  } catch (e) {
    if (e instanceof NotFoundError)
      throw new NotFoundError(
        `pod ${name} not found in namespace ${ns} (context ${c.context})`,
        'name it as pod, pod.namespace, namespace/pod or its IP; -n sets the namespace',
      );
    throw e;
  }
}

/** The pod's proxy config dump, checked: sidecar present and ready. */
export async function liveDump(
  c: Cluster,
  pod: LivePod,
  includeEds: boolean,
  via: 'portforward' | 'exec' = 'portforward',
): Promise<ConfigDump> {
  const where = `${pod.namespace}/${pod.name}`;
  if (!pod.hasProxy)
    throw new InputError(
      `pod ${where} has no istio-proxy container: it is not in the mesh, so it has no Envoy config to read`,
      'check sidecar injection (istio-injection label, sidecar.istio.io/inject)',
    );
  if (!pod.proxyReady)
    throw new ApiError(
      `the istio-proxy container of ${where} is not ready`,
      `kubectl logs ${pod.name} -n ${pod.namespace} -c istio-proxy`,
    );
  const bytes =
    via === 'exec'
      ? await execConfigDump(c, pod.namespace, pod.name, includeEds)
      : await adminGet(c, {
          namespace: pod.namespace,
          pod: pod.name,
          path: includeEds ? '/config_dump?include_eds' : '/config_dump',
        });
  return parseDump(`${where} (live)`, bytes);
}

/** Pods, services, endpoints and Istio objects of the given namespaces (all when undefined). */
export async function liveInventory(
  c: Cluster,
  namespaces: readonly string[] | undefined,
): Promise<MeshInventory> {
  const inv = emptyInventory();
  const scopes = namespaces ? [...new Set(namespaces)] : [undefined];
  for (const ns of scopes) {
    const base = ns ? `api/v1/namespaces/${ns}` : 'api/v1';
    for (const [plural, kind] of [
      ['pods', 'Pod'],
      ['services', 'Service'],
      ['endpoints', 'Endpoints'],
    ] as const)
      for (const o of await listAll(c, `${base}/${plural}`, `list ${plural}${ns ? ` in ${ns}` : ''}`))
        addObject(inv, { apiVersion: 'v1', ...o, kind }, undefined);
    // EndpointSlices where the server has them (discovery.k8s.io/v1, Kubernetes >= 1.21)
    try {
      const slices = await listAll(
        c,
        ns
          ? `apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`
          : 'apis/discovery.k8s.io/v1/endpointslices',
        'list endpointslices',
      );
      for (const o of slices)
        addObject(inv, { apiVersion: 'discovery.k8s.io/v1', ...o, kind: 'EndpointSlice' }, undefined);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    for (const r of ISTIO_RESOURCES) for (const o of await listIstio(c, r, ns)) addObject(inv, o, undefined);
  }
  return inv;
}

/** Kinds lint reads from a cluster, with their list paths. */
const LINT_KINDS: ReadonlyArray<{ kind: string; apiVersion: string; path: string }> = [
  { kind: 'Service', apiVersion: 'v1', path: 'api/v1/services' },
  { kind: 'Pod', apiVersion: 'v1', path: 'api/v1/pods' },
  { kind: 'Deployment', apiVersion: 'apps/v1', path: 'apis/apps/v1/deployments' },
  { kind: 'StatefulSet', apiVersion: 'apps/v1', path: 'apis/apps/v1/statefulsets' },
  { kind: 'DaemonSet', apiVersion: 'apps/v1', path: 'apis/apps/v1/daemonsets' },
];

/**
 * Cluster objects as lint resources. They have no file: findings name `cluster/<context>` and the object's
 * own path (`Service default/reviews spec.ports[0].name`), at line 1.
 */
export async function liveLintResources(c: Cluster, allNamespaces: boolean): Promise<LintResource[]> {
  const out: LintResource[] = [];
  for (const k of LINT_KINDS) {
    const path = allNamespaces
      ? k.path
      : k.path.replace(/^(api\/v1|apis\/apps\/v1)\//, `$1/namespaces/${c.namespace}/`);
    let items: JsonObject[];
    try {
      items = await listAll(c, path, `list ${k.kind.toLowerCase()}s`);
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    for (const raw of items) {
      const meta = obj(raw, 'metadata');
      out.push({
        apiVersion: k.apiVersion,
        kind: k.kind,
        name: str(meta, 'name') ?? '',
        namespace: str(meta, 'namespace') ?? '',
        raw: { apiVersion: k.apiVersion, kind: k.kind, ...raw },
        file: `cluster/${c.context}`,
        locate: () => ({ line: 1, column: 1 }),
      });
    }
  }
  return out;
}
