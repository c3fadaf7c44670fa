// Kubernetes access through @kubernetes/client-node (~1.4, the last line that runs on Node 20): kubeconfig
// loading as kubectl does it, context validation, REST reads with paging, and errors that say what to do.
// Loaded lazily by the commands that talk to a cluster, so offline commands never pay for the client.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, InputError, NotFoundError } from '../../core/diagnostics/errors.js';
import { isObject, type JsonObject } from '../../core/model/normalize.js';

export interface ClusterOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
  /** Per-request timeout for REST calls, ms. */
  readonly timeoutMs?: number;
  /** kubectl's --request-timeout: `30s`, `500ms`, `1m`, or plain seconds. */
  readonly requestTimeout?: string | undefined;
  /** Items per list page (`limit`). */
  readonly pageSize?: number;
}

/** kubectl duration syntax for --request-timeout. */
export function parseTimeout(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InputError(`--request-timeout ${v} is not a duration like 30s, 500ms or 1m`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

export interface Cluster {
  readonly kc: KubeConfig;
  readonly server: string;
  readonly context: string;
  /** -n, else the context's namespace, else `default` (kubectl's order). */
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly pageSize: number;
}

const RBAC_HINT = 'grant the read-only role in docs/rbac.yaml, or run meshctl check to see what is missing';

/** kubectl's order: --kubeconfig, else KUBECONFIG (a path list), else ~/.kube/config, else in-cluster. */
function configSources(explicit: string | undefined): string[] {
  if (explicit) return [explicit];
  const env = process.env.KUBECONFIG;
  if (env) return env.split(process.platform === 'win32' ? ';' : ':').filter(Boolean);
  return [join(homedir(), '.kube', 'config')];
}

export async function connect(o: ClusterOptions): Promise<Cluster> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  const sources = configSources(o.kubeconfig);
  const existing = sources.filter((f) => existsSync(f));
  const inCluster =
    Boolean(process.env.KUBERNETES_SERVICE_HOST) &&
    existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token');
  if (o.kubeconfig && existing.length === 0)
    throw new InputError(`--kubeconfig ${o.kubeconfig}: no such file`);
  if (existing.length === 0 && !inCluster)
    throw new InputError(
      `no cluster is configured: no kubeconfig at ${sources.join(', ')} and not running inside a cluster`,
      'set KUBECONFIG or --kubeconfig, or give saved dumps with --dump / a snapshot with --snapshot',
    );
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new InputError(
      `cannot read the kubeconfig (${sources.join(', ')}): ${(e as Error).message.split('\n')[0]}`,
    );
  }
  if (o.context) {
    const known = kc.getContexts().map((c) => c.name);
    if (!known.includes(o.context))
      throw new InputError(
        `--context ${o.context} is not in the kubeconfig`,
        `known contexts: ${known.join(', ') || '(none)'}`,
      );
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  // client-node silently falls back to http://localhost:8080 when nothing usable is configured
  if (!cluster || (cluster.server === 'http://localhost:8080' && !kc.getContexts().length))
    throw new InputError(
      'no cluster is configured: the kubeconfig has no current context',
      'pick one with --context, or kubectl config use-context NAME',
    );
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return {
    kc,
    server: cluster.server,
    context: kc.getCurrentContext(),
    namespace: o.namespace ?? ctx?.namespace ?? 'default',
    timeoutMs: o.timeoutMs ?? (o.requestTimeout ? parseTimeout(o.requestTimeout) : 15_000),
    pageSize: o.pageSize ?? 500,
  };
}

interface StatusBody {
  readonly message?: string;
  readonly reason?: string;
  readonly details?: { readonly kind?: string; readonly name?: string; readonly group?: string };
}

/** A Kubernetes Status error as a sentence: 403 names the verb, resource and namespace, and the fix. */
function statusError(c: Cluster, code: number, body: StatusBody | undefined, what: string): Error {
  const message = body?.message ?? '';
  if (code === 401)
    return new ApiError(
      `the API server at ${c.server} rejected the credentials of context ${c.context} (401 Unauthorized)`,
      'log in again or refresh the token in the kubeconfig',
    );
  if (code === 403) {
    const m =
      /cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/.exec(
        message,
      );
    const detail = m
      ? `cannot ${m[1]} ${m[2]}${m[3] ? `.${m[3]}` : ''}${m[4] ? ` in namespace ${m[4]}` : ' at cluster scope'}`
      : message;
    return new ApiError(`forbidden: ${detail} (403, context ${c.context})`, RBAC_HINT);
  }
  if (code === 404) return new NotFoundError(`${what}: not found (404)${message ? `: ${message}` : ''}`);
  return new ApiError(`${what}: the API server answered ${code}${message ? `: ${message}` : ''}`);
}

/** Network-level failures as sentences: unreachable, TLS, timeouts. */
export function networkError(c: Cluster, e: unknown, what: string): Error {
  const err = e as NodeJS.ErrnoException;
  const code = err.code ?? '';
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    code === 'EAI_AGAIN'
  )
    return new ApiError(
      `the API server at ${c.server} is unreachable (${code})`,
      'check the cluster is up and the kubeconfig points at it (kubectl cluster-info)',
    );
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/.test(code) || /certificate/i.test(err.message ?? ''))
    return new ApiError(
      `TLS with the API server at ${c.server} failed: ${err.message}`,
      "the kubeconfig's certificate-authority does not match the server's certificate",
    );
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || /timed out/.test(err.message ?? ''))
    return new ApiError(
      `${what}: the API server at ${c.server} did not answer in time (${code || 'timeout'})`,
      'retry, or check the network to the cluster',
    );
  return new ApiError(`${what}: ${err.message ?? String(e)}`);
}

/** GET a path of the API as JSON (authenticated and verified through the kubeconfig). */
export async function getJson(c: Cluster, path: string, what: string): Promise<JsonObject> {
  const url = new URL(path, c.server.endsWith('/') ? c.server : c.server + '/');
  const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  await c.kc.applyToHTTPSOptions(opts);
  const lib = url.protocol === 'http:' ? http : https;
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = lib.request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(c.timeoutMs, () =>
      req.destroy(Object.assign(new Error(`timed out after ${c.timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  }).catch((e: unknown) => {
    throw networkError(c, e, what);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (status >= 400)
    throw statusError(c, status, isObject(parsed) ? (parsed as StatusBody) : undefined, what);
  if (!isObject(parsed)) throw new ApiError(`${what}: the API server answered something that is not JSON`);
  return parsed;
}

/** Every item of a list, following `continue` tokens; list items get the list's kind back. */
export async function listAll(
  c: Cluster,
  path: string,
  what: string,
  params: Record<string, string> = {},
): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  let token = '';
  for (let page = 0; page < 10_000; page++) {
    const q = new URLSearchParams({
      ...params,
      limit: String(c.pageSize),
      ...(token ? { continue: token } : {}),
    });
    const list = await getJson(c, `${path}?${q.toString()}`, what);
    const kind =
      typeof list.kind === 'string' && list.kind.endsWith('List') ? list.kind.slice(0, -4) : undefined;
    for (const item of Array.isArray(list.items) ? list.items : [])
      if (isObject(item)) out.push(kind && !item.kind ? { kind, ...item } : item);
    const meta = isObject(list.metadata) ? list.metadata : {};
    token = typeof meta.continue === 'string' ? meta.continue : '';
    if (!token) break;
  }
  return out;
}

/** Istio's CRDs, at the first version the server serves (v1 → v1beta1 → v1alpha3). */
export const ISTIO_RESOURCES: ReadonlyArray<{ kind: string; group: string; plural: string }> = [
  { kind: 'VirtualService', group: 'networking.istio.io', plural: 'virtualservices' },
  { kind: 'DestinationRule', group: 'networking.istio.io', plural: 'destinationrules' },
  { kind: 'Gateway', group: 'networking.istio.io', plural: 'gateways' },
  { kind: 'Sidecar', group: 'networking.istio.io', plural: 'sidecars' },
  { kind: 'ServiceEntry', group: 'networking.istio.io', plural: 'serviceentries' },
  { kind: 'EnvoyFilter', group: 'networking.istio.io', plural: 'envoyfilters' },
  { kind: 'PeerAuthentication', group: 'security.istio.io', plural: 'peerauthentications' },
  { kind: 'AuthorizationPolicy', group: 'security.istio.io', plural: 'authorizationpolicies' },
];

export async function listIstio(
  c: Cluster,
  r: (typeof ISTIO_RESOURCES)[number],
  namespace: string | undefined,
): Promise<JsonObject[]> {
  for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
    const path = namespace
      ? `apis/${r.group}/${version}/namespaces/${namespace}/${r.plural}`
      : `apis/${r.group}/${version}/${r.plural}`;
    try {
      return (await listAll(c, path, `list ${r.plural}.${r.group}`)).map((o) => ({
        apiVersion: `${r.group}/${version}`,
        kind: r.kind,
        ...o,
      }));
    } catch (e) {
      if (e instanceof NotFoundError) continue; // this version is not served (or Istio is not installed)
      throw e;
    }
  }
  return [];
}
