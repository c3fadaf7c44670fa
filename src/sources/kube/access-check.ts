// meshctl check: asks the API server (SelfSubjectAccessReview, which stores nothing) whether the current
// context may do each thing meshctl needs, and says exactly what is missing and the YAML that grants it.
import https from 'node:https';
import http from 'node:http';
import { networkError, type Cluster } from './cluster.js';
import { ApiError } from '../../core/diagnostics/errors.js';

export interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly verb: string;
  readonly why: string;
  readonly optIn?: boolean;
}

export const PERMISSIONS: readonly Permission[] = [
  { group: '', resource: 'pods', verb: 'list', why: 'find pods by name or IP' },
  { group: '', resource: 'pods', verb: 'get', why: 'read a pod' },
  { group: '', resource: 'services', verb: 'list', why: 'resolve service names and ports' },
  { group: '', resource: 'endpoints', verb: 'list', why: 'endpoints when a dump has no EDS' },
  {
    group: '',
    resource: 'pods',
    subresource: 'portforward',
    verb: 'get',
    why: 'port-forward to the Envoy admin port (Kubernetes < 1.35)',
  },
  {
    group: '',
    resource: 'pods',
    subresource: 'portforward',
    verb: 'create',
    why: 'port-forward to the Envoy admin port (Kubernetes >= 1.35)',
  },
  {
    group: 'networking.istio.io',
    resource: 'virtualservices',
    verb: 'list',
    why: 'the VirtualServices behind routes',
  },
  {
    group: 'networking.istio.io',
    resource: 'destinationrules',
    verb: 'list',
    why: 'the DestinationRules behind clusters',
  },
  { group: 'networking.istio.io', resource: 'gateways', verb: 'list', why: 'gateway servers' },
  { group: 'security.istio.io', resource: 'peerauthentications', verb: 'list', why: 'mTLS modes' },
  {
    group: '',
    resource: 'pods',
    subresource: 'exec',
    verb: 'create',
    why: '--sockets and --via exec (opt-in role meshctl-exec)',
    optIn: true,
  },
];

export interface CheckResult {
  readonly permission: Permission;
  readonly allowed: boolean;
}

async function review(c: Cluster, p: Permission, namespace: string): Promise<boolean> {
  const url = new URL(
    'apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    c.server.endsWith('/') ? c.server : c.server + '/',
  );
  const body = JSON.stringify({
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: {
        namespace,
        verb: p.verb,
        group: p.group,
        resource: p.resource,
        ...(p.subresource ? { subresource: p.subresource } : {}),
      },
    },
  });
  const opts: https.RequestOptions = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  };
  await c.kc.applyToHTTPSOptions(opts);
  const lib = url.protocol === 'http:' ? http : https;
  const text = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = lib.request(url, opts, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.setTimeout(c.timeoutMs, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end(body);
  }).catch((e: unknown) => {
    throw networkError(c, e, 'SelfSubjectAccessReview');
  });
  if (text.status === 401)
    throw new ApiError(
      `the API server at ${c.server} rejected the credentials of context ${c.context} (401 Unauthorized)`,
    );
  if (text.status >= 400)
    throw new ApiError(`SelfSubjectAccessReview: the API server answered ${text.status}`);
  return (JSON.parse(text.body) as { status?: { allowed?: boolean } }).status?.allowed === true;
}

export async function checkAccess(c: Cluster, namespace: string): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const p of PERMISSIONS) out.push({ permission: p, allowed: await review(c, p, namespace) });
  return out;
}

/** A Role granting exactly the missing permissions. */
export function grantYaml(missing: readonly Permission[], namespace: string): string {
  const rules = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const p of missing) {
    const resource = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
    const key = `${p.group}|${resource}`;
    const r = rules.get(key) ?? { group: p.group, resource, verbs: new Set<string>() };
    r.verbs.add(p.verb);
    rules.set(key, r);
  }
  const lines = [
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'metadata:',
    '  name: meshctl-missing',
    `  namespace: ${namespace}`,
    'rules:',
  ];
  for (const r of rules.values())
    lines.push(
      `  - apiGroups: ['${r.group}']`,
      `    resources: [${r.resource}]`,
      `    verbs: [${[...r.verbs].sort().join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}
