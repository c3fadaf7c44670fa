// The replay API (issue 13): openReplayWorld() reads the same inputs as `meshctl explain`, and each replay()
// runs one explain call through real Envoy in a world of network namespaces (world.ts), then compares what
// Envoy did with meshctl's Explanation (core/replay/compare.ts). One world serves many calls: each proxy's
// Envoy starts once, the first time a call's path needs it. close() tears down every namespace, process and
// file the world made; closeAllReplayWorlds() does it for signal handlers.
import { mkdtemp, chmod, open as openFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/diagnostics/errors.js';
import { explain, type Query, type World as EngineWorld } from '../core/engine/explain.js';
import { eraOf, parseVersion } from '../core/engine/era.js';
import type { Explanation } from '../core/engine/types.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import type { PodInfo } from '../core/model/k8s.js';
import { isObject, type JsonObject } from '../core/model/normalize.js';
import { proxyLabel } from '../core/model/proxy.js';
import type { SocketEvidence } from '../core/model/sockets.js';
import { captureRules } from '../core/replay/capture-rules.js';
import { captureSettings } from '../core/engine/capture.js';
import { compare, deciding, predictedProxies } from '../core/replay/compare.js';
import { callRecords, parseReplayLog } from '../core/replay/bootstrap.js';
import { parseExplainArgs } from '../core/replay/explain-args.js';
import type { AdaptationEntry, AppSeen, Observed, ObservedProxy, Replay } from '../core/replay/schema.js';
import { gatewayQuery, inboundQuery, podToPodQuery, requestQuery } from '../core/engine/query.js';
import { makeTestCa, type TestCa } from './certs.js';
import { findEnvoy, type EnvoyBinary } from './envoy.js';
import { startProxy, type ReplayProxy } from './proxy.js';
import { sweepStaleNamespaces } from './sweep.js';
import { offlineWorld, type OfflineInputs } from '../sources/offline-world.js';
import {
  checkNamespaceSupport,
  closeAllWorlds,
  NetWorld,
  ReplayUnavailableError,
  type Host,
} from './world.js';

export { ReplayUnavailableError };
export type { Replay };

/** explain's inputs (a snapshot or dumps, manifests, sockets) and the Envoy to replay them with. */
export interface ReplayInputs extends OfflineInputs {
  readonly envoy?: string | undefined;
}

export interface ReplayWorld {
  envoyVersion: string;
  /**
   * `opts.explanation` replaces meshctl's own Explanation of the call (a test hook: a deliberately wrong
   * prediction must come out as differences).
   */
  replay(explainArgs: string[], opts?: { explanation?: Explanation }): Promise<Replay>;
  close(): Promise<void>;
}

/** Where an outside client stands (gateway and inbound calls): TEST-NET-2-style benchmarking space, RFC 2544. */
const OUTSIDE_CLIENT = '198.18.0.1';
/** Ports the sidecar itself owns in a pod: an app is never bound there. */
const isProxyPort = (p: number) => p >= 15000 && p <= 15099;

/** The inputs as explain reads them (snapshot, dumps, manifests, sockets). */
async function loadInputs(inputs: ReplayInputs): Promise<EngineWorld> {
  const w = await offlineWorld(inputs);
  if (!w)
    throw new InputError(
      'replay needs the config dumps of the proxies on the path',
      'give --snapshot DIR, or --dump FILE for each proxy (and -f manifests)',
    );
  return w;
}

/** The raw lines a log file got from byte `from` on. */
async function linesFrom(path: string, from: number): Promise<string[]> {
  let fh;
  try {
    fh = await openFile(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = (await fh.stat()).size;
    if (size <= from) return [];
    const buf = Buffer.alloc(size - from);
    await fh.read(buf, 0, buf.length, from);
    return buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } finally {
    await fh.close();
  }
}

function queryOf(w: EngineWorld, args: string[]): Query {
  const a = parseExplainArgs(args);
  const [p0, p1] = a.positional as [string, string];
  switch (a.kind) {
    case 'pod-to-pod':
      return podToPodQuery(w, p0, p1, a.options);
    case 'request':
      return requestQuery(w, p0, p1, a.options);
    case 'gateway':
      return gatewayQuery(w, p0, a.options);
    case 'inbound':
      return inboundQuery(w, p0, a.options);
  }
}

function splitHostPort(s: string): { ip: string; port: number } | undefined {
  const m = /^\[?([\d.a-fA-F:]+?)\]?:(\d+)$/.exec(s);
  return m && /^\d+\.\d+\.\d+\.\d+$/.test(m[1]!) ? { ip: m[1]!, port: Number(m[2]) } : undefined;
}

/** The hosts of a cluster of a running bootstrap (STATIC load assignments: EDS was made static). */
function clusterHosts(bootstrap: JsonObject, cluster: string | null): Array<{ ip: string; port: number }> {
  if (!cluster) return [];
  const sr = bootstrap.static_resources;
  const clusters = isObject(sr) && Array.isArray(sr.clusters) ? sr.clusters : [];
  const c = clusters.find((x) => isObject(x) && x.name === cluster);
  const out: Array<{ ip: string; port: number }> = [];
  const text = JSON.stringify(isObject(c) ? (c.load_assignment ?? {}) : {});
  for (const m of text.matchAll(/"address":"(\d+\.\d+\.\d+\.\d+)","port_value":(\d+)/g))
    out.push({ ip: m[1]!, port: Number(m[2]) });
  return out;
}

interface PodSide {
  readonly host: Host;
  readonly dump: ConfigDump;
  readonly label: string;
  proxy: ReplayProxy;
}

class World implements ReplayWorld {
  private net: NetWorld | undefined;
  private ca: TestCa | undefined;
  private readonly pods = new Map<string, PodSide>();
  private closed = false;

  constructor(
    readonly bin: EnvoyBinary,
    readonly engine: EngineWorld,
    readonly dir: string,
    readonly timeoutMs: number,
  ) {}

  get envoyVersion(): string {
    return this.bin.version;
  }

  private async network(): Promise<NetWorld> {
    if (this.closed) throw new Error('the replay world is closed');
    if (!this.net) this.net = await NetWorld.create();
    if (!this.ca) this.ca = await makeTestCa(join(this.dir, 'ca'));
    return this.net;
  }

  private podOf(dump: ConfigDump): PodInfo | undefined {
    const ip = dump.identity().ip;
    return this.engine.inventory.pods.find((p) => p.ip === ip);
  }

  private evidenceFor(dump: ConfigDump | undefined, ip: string): SocketEvidence | undefined {
    const id = dump?.identity();
    const names = new Set([ip]);
    if (id?.pod) names.add(id.pod);
    if (id?.pod && id.namespace) {
      names.add(`${id.pod}.${id.namespace}`);
      names.add(`${id.namespace}/${id.pod}`);
    }
    return this.engine.sockets.find((s) => names.has(s.pod));
  }

  /** A pod with a dump: namespace, capture rules (sidecars), its app sockets, its Envoy as uid 1337. */
  private async pod(dump: ConfigDump, capture: boolean): Promise<PodSide> {
    const ip = dump.identity().ip;
    if (!ip)
      throw new InputError(
        `${dump.source}: the bootstrap's node id names no pod IP, so the pod cannot be placed`,
      );
    const known = this.pods.get(ip);
    if (known) return known;
    const net = await this.network();
    const era = eraOf(dump);
    const rules = capture
      ? captureRules(captureSettings(dump, this.podOf(dump)), { inboundPort: era.inboundCapturePort })
      : [];
    const host = await net.host(ip, rules);
    await this.bindEvidence(host, dump);
    const label = proxyLabel(dump.identity()) ?? dump.source;
    const proxy = await startProxy(this.bin, dump, {
      dir: join(this.dir, `proxy-${this.pods.size}`),
      ca: this.ca!,
      inventory: this.engine.inventory,
      netns: host.ns,
      timeoutMs: this.timeoutMs,
    });
    const side: PodSide = { host, dump, label, proxy };
    this.pods.set(ip, side);
    return side;
  }

  /** Binds the app sockets the evidence lists (not the sidecar's own); true when there was evidence. */
  private async bindEvidence(host: Host, dump: ConfigDump | undefined): Promise<boolean> {
    const ev = this.evidenceFor(dump, host.ip);
    if (!ev) return false;
    for (const s of ev.sockets) {
      if (isProxyPort(s.port) || s.family !== 4) continue;
      await this.net!.bind(host, s.ip, s.port);
    }
    return true;
  }

  /**
   * An app on 0.0.0.0:port, where no socket evidence says otherwise. Only a pod with a sidecar (a dump) owns
   * the 150xx ports; a host outside the mesh (a passthrough destination) may listen on any of them.
   */
  private async appPort(host: Host, dump: ConfigDump | undefined, port: number): Promise<void> {
    if ((dump !== undefined && isProxyPort(port)) || this.evidenceFor(dump, host.ip)) return;
    await this.net!.bind(host, '0.0.0.0', port);
  }

  /** Every address Envoy may connect to on this call gets a host: a pod with its proxy, or a plain app. */
  private async upstreams(first: PodSide, e: Explanation, q: Query): Promise<void> {
    const targets: Array<{ ip: string; port: number }> = [];
    const ep = e.outcome.endpoint ? splitHostPort(e.outcome.endpoint) : undefined;
    if (ep) targets.push(ep);
    if (q.mode === 'outbound') targets.push({ ip: q.ip, port: q.port });
    targets.push(...clusterHosts(first.proxy.prepared.made.bootstrap, e.outcome.cluster));
    for (const s of e.steps)
      if (s.stage === 'endpoints' && s.proxy === first.label) {
        const t = s.address === undefined ? undefined : splitHostPort(s.address);
        if (t) targets.push(t);
      }
    for (const t of targets) {
      if (t.ip === first.host.ip || t.ip.startsWith('127.')) continue;
      const dump = this.engine.dumps.find((d) => d.identity().ip === t.ip);
      if (dump) {
        const side = await this.pod(dump, dump.identity().type !== 'router');
        await this.appPort(side.host, dump, t.port);
      } else {
        const h = await this.net!.host(t.ip);
        await this.appPort(h, undefined, t.port);
      }
    }
  }

  async replay(explainArgs: string[], opts: { explanation?: Explanation } = {}): Promise<Replay> {
    if (this.closed) throw new Error('the replay world is closed');
    const q = queryOf(this.engine, explainArgs);
    const e = opts.explanation ?? explain(this.engine, q);
    const base = {
      apiVersion: 'meshctl/v1' as const,
      kind: 'Replay' as const,
      args: [...explainArgs],
      meshctl: e,
    };
    const skip = (reason: string): Replay => ({
      ...base,
      envoy: null,
      comparison: [],
      differences: [],
      adaptations: [],
      skipped: { reason },
    });
    if (e.outcome.result === 'unknown')
      return skip(
        `meshctl cannot decide this call (${e.missing.join('; ') || e.outcome.summary}), so there is nothing to confirm`,
      );
    const firstDump = q.mode === 'outbound' ? q.source : q.mode === 'gateway' ? q.gateway : q.destination;
    const first = await this.pod(firstDump, q.mode !== 'gateway' && firstDump.identity().type !== 'router');
    const net = this.net!;
    let client: Host;
    let target: { ip: string; port: number };
    if (q.mode === 'outbound') {
      client = first.host;
      target = { ip: q.ip, port: q.port };
      await this.upstreams(first, e, q);
    } else {
      // the client stands where --from says (a gateway's chains and an inbound one may match on it)
      client = await net.host(q.fromIp ?? OUTSIDE_CLIENT);
      target = { ip: first.host.ip, port: q.port };
      if (q.mode === 'inbound') await this.appPort(first.host, first.dump, q.port);
      else await this.upstreams(first, e, q);
    }
    const skippedBy = [...this.pods.values()].find((p) => p.proxy.prepared.made.skipped);
    if (skippedBy)
      return skip(
        `${skippedBy.label}'s dump cannot be replayed faithfully: ${skippedBy.proxy.prepared.made.skipped}`,
      );

    const sides = [...this.pods.values()];
    const t = q.traffic;
    const kind =
      t.protocol === 'http'
        ? 'http'
        : t.protocol === 'http2' || t.protocol === 'grpc'
          ? 'http2'
          : t.protocol === 'tls'
            ? 'tls'
            : 'tcp';
    const headers: Record<string, string> = { ...t.headers };
    if (t.host && kind !== 'tcp' && kind !== 'tls') headers.host ??= t.host;
    if (t.protocol === 'grpc') headers['content-type'] ??= 'application/grpc';
    /** One call through the world, observed: only its own log lines, counters and app connections. */
    const attempt = async (): Promise<Observed> => {
      const marks = await Promise.all(sides.map((p) => p.proxy.mark()));
      const before = await Promise.all(sides.map((p) => p.proxy.envoy.stats().catch(() => ({}))));
      for (const h of net.hosts.values()) await h.agent.records(); // forget what earlier calls left
      const seenByClient = await client.agent.call({
        kind,
        address: target.ip,
        port: target.port,
        timeoutMs: Math.min(this.timeoutMs, 5_000),
        method: t.method,
        path: t.path,
        headers,
        ...(t.sni ? { sni: t.sni } : {}),
      });
      const proxies = await this.observeProxies(sides, marks, before, first, seenByClient.local);
      let app: AppSeen[] = [];
      for (const h of net.hosts.values())
        for (const r of await h.agent.records())
          app.push({
            host: h.ip,
            listen: r.listen,
            remote: r.remote,
            bytes: r.bytes,
            ...(r.requestLine ? { requestLine: r.requestLine } : {}),
            ...(r.host ? { httpHost: r.host } : {}),
            ...(r.tls ? { tls: true } : {}),
          });
      // the app's connections of this call: opened by the client itself or by a proxy on this call's path
      // (an earlier call's connection may reach the app late); kept all when none matches, as when a log
      // was not flushed in time
      const peers = new Set<string>(seenByClient.local ? [seenByClient.local] : []);
      for (const r of parseReplayLog(proxies.flatMap((p) => p.accessLog).join('\n')))
        if (typeof r.fields.upstream_local_address === 'string') peers.add(r.fields.upstream_local_address);
      if (app.some((a) => peers.has(a.remote))) app = app.filter((a) => peers.has(a.remote));
      const http = kind === 'http' || kind === 'http2';
      const fromApp = http
        ? seenByClient.headers?.['x-meshctl-app'] === 'yes' ||
          /meshctl-replay-app/.test(seenByClient.reply ?? '')
        : app.length > 0;
      return {
        version: this.bin.version,
        result: fromApp ? 'delivered' : 'failed',
        responseFlag: deciding(proxies),
        httpStatus: http ? (seenByClient.status ?? null) : null,
        proxies,
        client: seenByClient,
        app,
      };
    };
    // Envoy's balancer may pick another of the endpoints meshctl names (balancedOver) than the one its walk
    // follows, and what happens after the pick depends on the host. The pick agrees either way (compare.ts);
    // to check the rest of the walk the call is made again, a bounded number of times, until Envoy picks the
    // walk's host (Istio's ROUND_ROBIN and LEAST_REQUEST both reach every host in a few calls:
    // https://www.envoyproxy.io/docs/envoy/v1.40.0/intro/arch_overview/upstream/load_balancing/load_balancers).
    const balanced = predictedProxies(e).filter((p) => p.upstreamHost !== null && p.upstreamHosts?.length);
    const elsewhere = (o: Observed) =>
      balanced.some((p) => {
        const seen = o.proxies.find((x) => x.proxy === p.proxy)?.upstreamHost;
        return !!seen && seen !== p.upstreamHost && p.upstreamHosts!.includes(seen);
      });
    const maxAttempts = Math.min(8, 2 * Math.max(1, ...balanced.map((p) => p.upstreamHosts!.length)));
    let observed = await attempt();
    let attempts = 1;
    while (elsewhere(observed) && attempts < maxAttempts) {
      observed = await attempt();
      attempts++;
    }
    if (attempts > 1) observed = { ...observed, attempts };
    const { comparison, differences } = compare(e, observed);
    const adaptations: AdaptationEntry[] = sides.flatMap((p) =>
      p.proxy.prepared.made.adaptations.map((a) => ({ proxy: p.label, ...a })),
    );
    return { ...base, envoy: observed, comparison, differences, adaptations, skipped: null };
  }

  /** Each proxy's access-log lines of this call (waiting for Envoy's 100 ms flush) and its changed counters. */
  private async observeProxies(
    sides: PodSide[],
    marks: number[],
    before: Array<Record<string, number>>,
    first: PodSide,
    client: string | undefined,
  ): Promise<ObservedProxy[]> {
    // tcp_proxy logs when both sides have closed; wait until no log grows for 400 ms (at most 3 s)
    let sizes = marks;
    let quiet = 0;
    const start = Date.now();
    while (Date.now() - start < 3_000) {
      await new Promise((r) => setTimeout(r, 150));
      const now = await Promise.all(sides.map((p) => p.proxy.mark()));
      const grew = now.some((n, i) => n !== sizes[i]);
      const any = now.some((n, i) => n > marks[i]!);
      sizes = now;
      quiet = grew ? 0 : quiet + 150;
      if (any && quiet >= 400) break;
    }
    // every line each proxy wrote since the call began, then only this call's: the records of the client's
    // connection and of the connections it led to (a connection of an earlier call closing late writes its
    // line during a later one; seen replaying story 4's 1.10 pairs and the 2020 echo dump)
    const lines = await Promise.all(sides.map((p, i) => linesFrom(p.proxy.accessLogPath, marks[i]!)));
    const parsed = lines.map((ls) => ls.map((l) => ({ line: l, record: parseReplayLog(l)[0] })));
    const all = parsed.map((ps) => ps.flatMap((x) => (x.record ? [x.record] : [])));
    const firstIndex = sides.indexOf(first);
    const mine = client ? callRecords(all, firstIndex, client) : all;
    const out: ObservedProxy[] = [];
    for (const [i, p] of sides.entries()) {
      const recs = mine[i] ?? [];
      const kept = new Set(recs);
      const raw = parsed[i]!.filter((x) => x.record && kept.has(x.record)).map((x) => x.line);
      const after = await p.proxy.envoy.stats().catch(() => ({}) as Record<string, number>);
      const stats: Record<string, number> = {};
      for (const [k, v] of Object.entries(after)) {
        const d = v - (before[i]![k] ?? 0);
        if (
          d > 0 &&
          /(no_route|no_cluster|no_filter_chain_match|upstream_cx_connect_fail|upstream_cx_none_healthy|none_healthy|upstream_rq_5xx|upstream_cx_total|downstream_cx_total)$/.test(
            k,
          )
        )
          stats[k] = d;
      }
      if (!recs.length && p !== first) continue;
      // the request's own line: an HTTP or TCP log, else the listener's (no chain matched)
      const r = recs.find((x) => x.log === 'http') ?? recs.find((x) => x.log === 'tcp') ?? recs[0];
      const f = r?.fields ?? {};
      const s = (k: string) =>
        typeof f[k] === 'string' && f[k] !== ''
          ? String(f[k])
          : typeof f[k] === 'number'
            ? String(f[k])
            : null;
      const code = f.response_code;
      out.push({
        proxy: p.label,
        role: p === first ? (p.dump.identity().type === 'router' ? 'gateway' : 'source') : 'destination',
        listener: s('listener_name'),
        filterChain: s('filter_chain_name'),
        route: s('route_name'),
        cluster: s('upstream_cluster'),
        upstreamHost: s('upstream_host'),
        responseFlag: s('response_flags'),
        responseCode:
          typeof code === 'number' && code > 0
            ? code
            : typeof code === 'string' && Number(code) > 0
              ? Number(code)
              : null,
        responseCodeDetails: s('response_code_details'),
        accessLog: raw,
        stats,
      });
    }
    // path order: the first proxy, then the others as Envoy reached them
    return out.sort((a, b) => (a.proxy === first.label ? -1 : b.proxy === first.label ? 1 : 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    await Promise.all([...this.pods.values()].map((p) => p.proxy.stop().catch(() => undefined)));
    await this.net?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

const open = new Set<World>();

/** Tears down every world of this process (SIGINT/SIGTERM handlers). */
export async function closeAllReplayWorlds(): Promise<void> {
  await Promise.all([...open].map((w) => w.close()));
  await closeAllWorlds();
}

/**
 * Checks the machine (root, namespaces, iptables), finds Envoy and reads the inputs, in that order and
 * before anything is made, so bad input leaves nothing behind; then sweeps namespaces dead runs left.
 */
export async function openReplayWorld(
  inputs: ReplayInputs,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ReplayWorld> {
  const env = opts.env ?? process.env;
  await checkNamespaceSupport(env);
  const bin = await findEnvoy({ flag: inputs.envoy, env });
  const engine = await loadInputs(inputs);
  await sweepStaleNamespaces();
  const dir = await mkdtemp(join(tmpdir(), `meshctl-replay-${process.pid}-`));
  // Envoy runs as uid 1337 and must reach its own directory below this one
  await chmod(dir, 0o711);
  // the explanation speaks of flags as the Envoy that replays it logs them, not as the dump's own Envoy did
  // (DPE is logged from Envoy 1.12 on: an Istio 1.0 dump's Envoy 1.8 closed the same way with no flag)
  const w = new World(
    bin,
    { ...engine, envoyVersion: parseVersion(bin.version) },
    dir,
    opts.timeoutMs ?? 20_000,
  );
  open.add(w);
  return w;
}
