// The mesh read live: pods named as the contract says, their proxies' config dumps, and the Kubernetes and
// Istio objects around them, as the same model the offline inputs produce.
import { ApiError, InputError, NotFoundError } from '../../core/diagnostics/errors.js';
import type { ConfigDump } from '../../core/model/config-dump.js';
import { obj, objects, str } from '../../core/model/fields.js';
import { addObject, emptyInventory, type MeshInventory } from '../../core/model/k8s.js';
import type { JsonObject } from '../../core/model/normalize.js';
import { parseDump } from '../dump/read-dump.js';
import { ISTIO_RESOURCES, getJson, listAll, listIstio, type Cluster } from './cluster.js';
import { adminGet } from './proxy-admin.js';

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
  idleTimeoutMs?: number,
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
  const bytes = await adminGet(c, {
    namespace: pod.namespace,
    pod: pod.name,
    path: includeEds ? '/config_dump?include_eds' : '/config_dump',
    ...(idleTimeoutMs ? { idleTimeoutMs } : {}),
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
    for (const r of ISTIO_RESOURCES) for (const o of await listIstio(c, r, ns)) addObject(inv, o, undefined);
  }
  return inv;
}
