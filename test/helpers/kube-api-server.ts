// A local Kubernetes API server for live-path tests: HTTPS with a CA made for the run, a bearer token, REST
// get/list with real list shapes (items without kind/apiVersion), label/field selectors and paging, Status
// errors, Istio CRDs served only at v1beta1 (v1 is 404, as on older clusters), and the kubelet's port-forward
// over WebSocket (`v4.channel.k8s.io`: a channel byte on every frame, the port as two little-endian bytes at
// the start of the data and error channels) bridged to a fake Envoy admin serving fixture dumps.
// Fault switches: deny rules (403), delays, refused admin port, a dropped stream.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';

export interface FakePod {
  readonly namespace: string;
  readonly name: string;
  readonly raw: Record<string, unknown>;
  /** Config dump file served by the pod's fake Envoy admin; absent = nothing listens on 15000. */
  readonly dump?: string;
  /** What `cat /proc/net/tcp /proc/net/tcp6` prints in the pod (exec). */
  readonly sockets?: string;
}

/** A pod as the API returns it: an app container, and an istio-proxy sidecar unless `sidecar` is false. */
export function fakePod(p: {
  namespace: string;
  name: string;
  ip: string;
  sidecar?: boolean;
  ready?: boolean;
  dump?: string;
}): FakePod {
  const sidecar = p.sidecar ?? true;
  return {
    namespace: p.namespace,
    name: p.name,
    ...(p.dump ? { dump: p.dump } : {}),
    raw: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: { app: p.name } },
      spec: { containers: [{ name: 'app' }, ...(sidecar ? [{ name: 'istio-proxy' }] : [])] },
      status: {
        podIP: p.ip,
        ...(sidecar ? { containerStatuses: [{ name: 'istio-proxy', ready: p.ready ?? true }] } : {}),
      },
    },
  };
}

export interface Faults {
  /** `verb resource namespace` triples that get 403 (namespace '*' for any). */
  deny: Array<{ verb: string; resource: string; namespace: string }>;
  delayMs: number;
  /** Pods whose port-forward stream is cut halfway. */
  drop: Set<string>;
}

export interface KubeApiServer {
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  readonly faults: Faults;
  /** Writes a kubeconfig for this server and returns its path. */
  kubeconfig(o?: {
    token?: string;
    namespace?: string;
    context?: string;
    caFile?: string;
    server?: string;
  }): string;
  close(): Promise<void>;
}

function certificates(dir: string): { key: string; cert: string; caFile: string; otherCaFile: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=meshctl-test-ca',
  ]);
  run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  ]);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  ]);
  // a second, unrelated CA: a kubeconfig trusting it must fail TLS verification
  run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other.key',
    '-out',
    'other.crt',
    '-days',
    '1',
    '-subj',
    '/CN=other-ca',
  ]);
  return {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    caFile: join(dir, 'ca.crt'),
    otherCaFile: join(dir, 'other.crt'),
  };
}

function status(res: http.ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      code,
    }),
  );
}

function matchesSelector(
  obj: Record<string, unknown>,
  labelSelector: string | null,
  fieldSelector: string | null,
): boolean {
  const meta = (obj.metadata ?? {}) as { labels?: Record<string, string> };
  if (labelSelector)
    for (const term of labelSelector.split(',')) {
      const [k, v] = term.split('=');
      if ((meta.labels ?? {})[k!] !== v) return false;
    }
  if (fieldSelector) {
    const [k, v] = fieldSelector.split('=');
    if (k === 'status.podIP' && ((obj.status ?? {}) as { podIP?: string }).podIP !== v) return false;
  }
  return true;
}

export async function startKubeApiServer(objects: {
  pods: FakePod[];
  services?: Array<Record<string, unknown>>;
  istio?: Array<Record<string, unknown>>;
}): Promise<KubeApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-kube-'));
  const { key, cert, caFile, otherCaFile } = certificates(dir);
  const token = 'meshctl-test-token';
  const faults: Faults = { deny: [], delayMs: 0, drop: new Set() };

  // one fake Envoy admin per pod that has a dump
  const admins = new Map<string, number>();
  const adminServers: http.Server[] = [];
  for (const p of objects.pods) {
    if (!p.dump) continue;
    const file = p.dump;
    const srv = http.createServer((req, res) => {
      if (!req.url?.startsWith('/config_dump')) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    admins.set(`${p.namespace}/${p.name}`, (srv.address() as net.AddressInfo).port);
    adminServers.push(srv);
  }

  const list = (
    kind: string,
    items: Array<Record<string, unknown>>,
    url: URL,
    ns: string | undefined,
    res: http.ServerResponse,
  ) => {
    const filtered = items.filter(
      (o) =>
        (!ns || (o.metadata as { namespace?: string }).namespace === ns) &&
        matchesSelector(o, url.searchParams.get('labelSelector'), url.searchParams.get('fieldSelector')),
    );
    const limit = Number(url.searchParams.get('limit') ?? 0) || filtered.length || 1;
    const start = Number(url.searchParams.get('continue') ?? 0);
    const page = filtered.slice(start, start + limit).map((o) => {
      const { kind: _k, apiVersion: _a, ...rest } = o; // built-in list items carry no kind/apiVersion
      return rest;
    });
    const next = start + limit < filtered.length ? String(start + limit) : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${kind}List`,
        apiVersion: 'v1',
        metadata: { resourceVersion: '1', ...(next ? { continue: next } : {}) },
        items: page,
      }),
    );
  };

  const denied = (verb: string, resource: string, ns: string | undefined) =>
    faults.deny.find(
      (d) =>
        d.verb === verb && d.resource === resource && (d.namespace === '*' || d.namespace === (ns ?? '')),
    );

  const forbid = (
    res: http.ServerResponse,
    verb: string,
    resource: string,
    ns: string | undefined,
    group = '',
  ) =>
    status(
      res,
      403,
      'Forbidden',
      `${resource} is forbidden: User "system:serviceaccount:default:meshctl" cannot ${verb} resource "${resource}" in API group "${group}"${ns ? ` in the namespace "${ns}"` : ' at the cluster scope'}`,
    );

  const pods = objects.pods.map((p) => p.raw);
  const services = objects.services ?? [];
  const server = https.createServer({ key, cert }, (req, res) => {
    setTimeout(() => {
      if (req.headers.authorization !== `Bearer ${token}`)
        return status(res, 401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://x');
      if (
        req.method === 'POST' &&
        url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
      ) {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          const review = JSON.parse(body) as {
            spec: {
              resourceAttributes: {
                verb: string;
                resource: string;
                subresource?: string;
                namespace?: string;
              };
            };
          };
          const a = review.spec.resourceAttributes;
          const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
          res.writeHead(201, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ...review, status: { allowed: !denied(a.verb, resource, a.namespace) } }));
        });
        return;
      }
      const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/(pods|services|endpoints)(?:\/([^/]+))?$/.exec(
        url.pathname,
      );
      if (m) {
        const [, ns, resource, name] = m;
        const verb = name ? 'get' : 'list';
        if (denied(verb, resource!, ns)) return forbid(res, verb, resource!, ns);
        const items = resource === 'pods' ? pods : resource === 'services' ? services : [];
        const kind = resource === 'pods' ? 'Pod' : resource === 'services' ? 'Service' : 'Endpoints';
        if (name) {
          const found = items.find(
            (o) =>
              (o.metadata as { name?: string; namespace?: string }).name === name &&
              (o.metadata as { namespace?: string }).namespace === ns,
          );
          if (!found) return status(res, 404, 'NotFound', `${resource} "${name}" not found`);
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify(found));
        }
        return list(kind, items, url, ns, res);
      }
      const crd = /^\/apis\/([^/]+)\/([^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)$/.exec(url.pathname);
      if (crd) {
        const [, group, version, ns, plural] = crd;
        if (version !== 'v1beta1')
          return status(res, 404, 'NotFound', 'the server could not find the requested resource');
        const items = (objects.istio ?? []).filter(
          (o) =>
            String(o.apiVersion).startsWith(group!) &&
            `${String(o.kind).toLowerCase()}s` === plural!.replace(/ies$/, 'ys'),
        );
        return list('Object', items, url, ns, res);
      }
      status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }, faults.delayMs);
  });

  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    const reject = (code: number, text: string) => {
      socket.write(
        `HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ kind: 'Status', code, message: text })}`,
      );
      socket.destroy();
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reject(401, 'Unauthorized');
    const exec = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (exec) {
      if (denied('create', 'pods/exec', exec[1])) return reject(403, 'Forbidden');
      const pod = objects.pods.find((p) => p.namespace === exec[1] && p.name === exec[2]);
      if (!pod) return reject(404, 'Not Found');
      return wss.handleUpgrade(req, socket, head, (ws) =>
        execute(ws, pod, url.searchParams.getAll('command')),
      );
    }
    if (!m) return reject(404, 'Not Found');
    if (denied('create', 'pods/portforward', m[1])) return reject(403, 'Forbidden');
    const key = `${m[1]}/${m[2]}`;
    if (!objects.pods.some((p) => `${p.namespace}/${p.name}` === key)) return reject(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, key, Number(url.searchParams.get('ports') ?? 0)));
  });

  /** The exec channel protocol: stdout on channel 1, stderr on 2, the exit Status on 3, then close. */
  function execute(ws: WebSocket, pod: FakePod, command: string[]): void {
    const cmd = command.join(' ');
    const send = (channel: number, data: Buffer | string) =>
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    let out: Buffer | undefined;
    if (cmd === 'cat /proc/net/tcp /proc/net/tcp6' && pod.sockets) out = readFileSync(pod.sockets);
    else if (/^pilot-agent request GET config_dump/.test(cmd) && pod.dump) out = readFileSync(pod.dump);
    if (out) {
      for (let i = 0; i < out.length; i += 16384) send(1, out.subarray(i, i + 16384));
      send(3, JSON.stringify({ metadata: {}, status: 'Success' }));
    } else {
      send(2, `${cmd}: not found\n`);
      send(
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message: 'command terminated with non-zero exit code: exit status 1',
          reason: 'NonZeroExitCode',
        }),
      );
    }
    ws.close();
  }

  function bridge(ws: WebSocket, key: string, port: number): void {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    ws.send(Buffer.concat([Buffer.from([0]), prefix]));
    ws.send(Buffer.concat([Buffer.from([1]), prefix]));
    const adminPort = admins.get(key);
    if (!adminPort) {
      // what the kubelet says when nothing listens on the port inside the pod
      ws.send(
        Buffer.concat([
          Buffer.from([1]),
          Buffer.from(
            `error forwarding port ${port} to pod ${key}: failed to connect to localhost:${port}: connection refused`,
          ),
        ]),
      );
      return;
    }
    const upstream = net.connect(adminPort, '127.0.0.1');
    let sent = 0;
    upstream.on('data', (d: Buffer) => {
      if (faults.drop.has(key)) {
        // send the first 4 KiB, then cut the connection without a close frame
        if (sent < 4096) ws.send(Buffer.concat([Buffer.from([0]), d.subarray(0, 4096 - sent)]));
        sent += d.length;
        upstream.destroy();
        ws.terminate();
        return;
      }
      sent += d.length;
      ws.send(Buffer.concat([Buffer.from([0]), d]));
    });
    upstream.on('end', () => ws.close());
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data.length > 1) upstream.write(data.subarray(1));
    });
    ws.on('close', () => upstream.destroy());
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  let n = 0;
  return {
    url,
    token,
    caFile,
    faults,
    kubeconfig(o = {}) {
      const ca = readFileSync(o.caFile === 'other' ? otherCaFile : (o.caFile ?? caFile)).toString('base64');
      const path = join(dir, `kubeconfig-${n++}.yaml`);
      const ctx = o.context ?? 'test';
      writeFileSync(
        path,
        `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: ${o.server ?? url}\n    certificate-authority-data: ${ca}\nusers:\n- name: test\n  user:\n    token: ${o.token ?? token}\ncontexts:\n- name: ${ctx}\n  context:\n    cluster: test\n    user: test\n    namespace: ${o.namespace ?? 'default'}\n- name: other\n  context:\n    cluster: test\n    user: test\ncurrent-context: ${ctx}\n`,
      );
      return path;
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
      for (const s of adminServers) await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
