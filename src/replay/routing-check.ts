// Runs the route-selection check of src/core/replay/routing-check.ts: one Envoy on loopback per proxy (its
// admin and listeners on ports the kernel picks), a local server behind every cluster, each probe's request
// sent and Envoy's choice read from the response. Loopback only; the Envoy and the server are stopped
// before this returns, whatever happens.
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ConfigDump } from '../core/model/config-dump.js';
import { ROUTE_HEADER, routingBootstrap, type RoutingProbe } from '../core/replay/routing-check.js';
import type { EnvoyBinary } from './envoy.js';

export interface RoutingResult {
  readonly probe: RoutingProbe;
  /** Envoy's choice as `<vh index>/<route index>`, null when it routed nowhere (404 NR). */
  readonly envoy: string | null;
  readonly status: number | null;
  readonly error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(
  port: number,
  path: string,
  o: { method?: string; headers?: Record<string, string>; timeoutMs: number },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const q = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        headers: o.headers ?? {},
        setHost: !o.headers?.host,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    q.setTimeout(o.timeoutMs, () => q.destroy(new Error(`no answer in ${o.timeoutMs} ms`)));
    q.on('error', reject);
    q.end();
  });
}

/** Envoy's route choice for each probe, all of one proxy (`dump`). */
export async function checkRouting(
  bin: EnvoyBinary,
  dump: ConfigDump,
  probes: readonly RoutingProbe[],
  o: { dir: string; timeoutMs?: number },
): Promise<RoutingResult[]> {
  const timeoutMs = o.timeoutMs ?? 15_000;
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const server: Server = createServer((_, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const serverPort = (server.address() as AddressInfo).port;
  const rcs = [...new Set(probes.map((p) => p.routeConfig))];
  const { bootstrap, listeners } = routingBootstrap(dump, rcs, serverPort);
  const file = join(o.dir, 'routing-bootstrap.json');
  const adminFile = join(o.dir, 'admin-address');
  await writeFile(file, JSON.stringify(bootstrap), { mode: 0o600 });
  let log = '';
  const envoy = spawn(
    bin.path,
    ['-c', file, '--disable-hot-restart', '--log-level', 'error', '--admin-address-path', adminFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  envoy.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => envoy.on('exit', () => r()));
  try {
    // the admin address, then the kernel's ports of the listeners
    const deadline = Date.now() + timeoutMs;
    let ports: Record<string, number> | undefined;
    while (!ports) {
      if (envoy.exitCode !== null || Date.now() > deadline)
        throw new Error(`Envoy did not start: ${log.trim().split('\n').slice(-3).join(' ') || 'no output'}`);
      await sleep(50);
      const admin = await readFile(adminFile, 'utf8').catch(() => '');
      const m = /:(\d+)\s*$/.exec(admin.trim());
      if (!m) continue;
      const r = await get(Number(m[1]), '/listeners?format=json', { timeoutMs: 2000 }).catch(() => undefined);
      if (!r || r.status !== 200) continue;
      const doc = JSON.parse(r.body) as {
        listener_statuses?: { name: string; local_address?: { socket_address?: { port_value?: number } } }[];
      };
      const byName = Object.fromEntries(
        (doc.listener_statuses ?? []).map((l) => [l.name, l.local_address?.socket_address?.port_value ?? 0]),
      );
      if (Object.values(listeners).every((n) => (byName[n] ?? 0) > 0))
        ports = Object.fromEntries(Object.entries(listeners).map(([rc, n]) => [rc, byName[n]!]));
    }
    const out: RoutingResult[] = [];
    for (const p of probes) {
      try {
        const r = await get(ports[p.routeConfig]!, p.request.path, {
          method: p.request.method,
          headers: { ...p.request.headers },
          timeoutMs,
        });
        const h = r.headers[ROUTE_HEADER];
        out.push({ probe: p, envoy: typeof h === 'string' ? h : null, status: r.status });
      } catch (e) {
        out.push({ probe: p, envoy: null, status: null, error: (e as Error).message });
      }
    }
    return out;
  } finally {
    envoy.kill('SIGTERM');
    const killer = setTimeout(() => envoy.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(killer);
    await new Promise<void>((r) => server.close(() => r()));
  }
}
