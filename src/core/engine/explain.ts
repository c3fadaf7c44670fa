// The simulator: walks a connection or request through the proxies on its path, stage by stage, recording
// each decision with the config object that made it (envoy-semantics.md; cli-contract.md "Explanation").
// Missing evidence makes a step `unknown` and is named in `missing`; nothing is guessed.
import { formatAddress } from '../model/address.js';
import type { Cluster } from '../model/cluster.js';
import type { ConfigDump } from '../model/config-dump.js';
import { decodeCluster } from '../model/cluster.js';
import type { RouteConfig } from '../model/route.js';
import { describeRef, parseIstioClusterName } from '../model/istio.js';
import type { MeshInventory, PodInfo } from '../model/k8s.js';
import type {
  FilterChain,
  HttpConnectionManager,
  Listener,
  NetworkFilter,
  TcpProxy,
} from '../model/listener.js';
import { proxyLabel } from '../model/proxy.js';
import { acceptingSocket, formatSocket, type SocketEvidence } from '../model/sockets.js';

export type { SocketEvidence };
import { captureInbound, captureOutbound, type CaptureSettings } from './capture.js';
import { atLeast, eraOf, type Era } from './era.js';
import { chainLabel, selectFilterChain, type ConnectionFacts } from './filter-chain.js';
import { boundListener, captureListener, handOff, listenerName } from './listener-select.js';
import {
  describeVirtualHost,
  routeLabel,
  routeOrigin,
  routeRequest,
  type HttpRequest,
} from './route-table.js';
import type { Call, Explanation, Hint, Outcome, Protocol, Stage, Step, StepResult, Via } from './types.js';
import { endpointLabel, endpointsOf, upstreamSecurity, type UpstreamSecurity } from './upstream.js';
import { isIp } from './resolve.js';
import { isHttpProtocol, resolvePortProtocol } from '../model/protocol.js';

export interface Traffic {
  readonly protocol: Protocol;
  /** HTTP Host/:authority, or the name the client dialled; for TLS the default SNI. */
  readonly host: string | undefined;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly sni: string | undefined;
}

/** A call with a client's defaults: path `/`, GET (POST for gRPC), no extra headers, no SNI of its own. */
export function trafficOf(t: {
  protocol: Protocol;
  host?: string | undefined;
  path?: string;
  method?: string;
  sni?: string | undefined;
}): Traffic {
  return {
    protocol: t.protocol,
    host: t.host,
    path: t.path ?? '/',
    method: t.method ?? (t.protocol === 'grpc' ? 'POST' : 'GET'),
    headers: {},
    sni: t.sni,
  };
}

export interface World {
  readonly dumps: readonly ConfigDump[];
  readonly inventory: MeshInventory;
  readonly sockets: readonly SocketEvidence[];
}

export type Query =
  | {
      readonly mode: 'outbound';
      readonly source: ConfigDump;
      readonly ip: string;
      readonly port: number;
      readonly traffic: Traffic;
    }
  | {
      readonly mode: 'gateway';
      readonly gateway: ConfigDump;
      readonly port: number;
      readonly traffic: Traffic;
    }
  | {
      readonly mode: 'inbound';
      readonly destination: ConfigDump;
      readonly port: number;
      readonly fromIp: string | undefined;
      readonly traffic: Traffic;
    };

interface Verdict {
  readonly result: Outcome['result'];
  readonly via: Via;
  readonly flag: string | null;
  readonly status: number | null;
  readonly stage: Stage | null;
  readonly summary: string;
}

const EPHEMERAL_PORT = 43_210;

class Trace {
  readonly steps: Step[] = [];
  readonly hints: Hint[] = [];
  readonly missing: string[] = [];
  cluster: string | null = null;
  endpoint: string | null = null;

  add(
    stage: Stage,
    proxy: string,
    result: StepResult,
    name: string,
    detail: string,
    extra: Partial<Pick<Step, 'origin' | 'alternatives'>> = {},
  ): void {
    const step: Step = { stage, proxy, result, name, detail };
    if (extra.origin) Object.assign(step, { origin: extra.origin });
    if (extra.alternatives?.length) Object.assign(step, { alternatives: extra.alternatives.slice(0, 12) });
    this.steps.push(step);
  }
  hint(id: string, message: string, fix: string): void {
    if (!this.hints.some((h) => h.id === id)) this.hints.push({ id, message, fix });
  }
  need(what: string): void {
    if (!this.missing.includes(what)) this.missing.push(what);
  }
}

function label(dump: ConfigDump): string {
  return proxyLabel(dump.identity()) ?? dump.source;
}

function isHttp(p: Protocol): boolean {
  return p === 'http' || p === 'http2' || p === 'grpc';
}

function fail(stage: Stage, via: Via, flag: string | null, status: number | null, summary: string): Verdict {
  return { result: 'failed', via, flag, status, stage, summary };
}

function delivered(via: Via, summary: string): Verdict {
  return { result: 'delivered', via, flag: null, status: null, stage: null, summary };
}

function unknown(stage: Stage, summary: string): Verdict {
  return {
    result: 'unknown',
    via: 'none',
    flag: null,
    status: null,
    stage: null,
    summary: `${summary} (stage ${stage})`,
  };
}

/** Finds the pod (manifests) and the dump for an IP. */
function podByIp(world: World, ip: string): { dump: ConfigDump | undefined; pod: PodInfo | undefined } {
  return {
    dump: world.dumps.find((d) => d.identity().ip === ip),
    pod: world.inventory.pods.find((p) => p.ip === ip),
  };
}

function socketsFor(
  world: World,
  dump: ConfigDump | undefined,
  pod: PodInfo | undefined,
  ip: string,
): SocketEvidence | undefined {
  const names = new Set<string>([ip]);
  const id = dump?.identity();
  for (const n of [
    id?.pod,
    id?.pod && id.namespace ? `${id.pod}.${id.namespace}` : undefined,
    id?.namespace && id.pod ? `${id.namespace}/${id.pod}` : undefined,
    pod?.name,
    pod ? `${pod.name}.${pod.namespace}` : undefined,
    pod ? `${pod.namespace}/${pod.name}` : undefined,
  ])
    if (n) names.add(n);
  return world.sockets.find((s) => names.has(s.pod));
}

function captureSettings(dump: ConfigDump | undefined, pod: PodInfo | undefined): CaptureSettings {
  if (pod && Object.keys(pod.annotations).length)
    return {
      annotations: pod.annotations,
      source: pod.location
        ? `pod ${pod.namespace}/${pod.name} in ${pod.location.file}:${pod.location.line}`
        : `pod ${pod.namespace}/${pod.name}`,
      podIp: pod.ip ?? dump?.identity().ip,
      declaredPorts: pod.containers
        .filter((c) => c.name !== 'istio-proxy')
        .flatMap((c) => c.ports.map((p) => p.containerPort)),
    };
  const id = dump?.identity();
  if (id && Object.keys(id.annotations).length)
    return {
      annotations: id.annotations,
      source: 'the bootstrap node metadata ANNOTATIONS',
      podIp: id.ip,
      declaredPorts: undefined,
    };
  return {
    annotations: {},
    source: undefined,
    podIp: pod?.ip ?? id?.ip,
    declaredPorts: pod
      ? pod.containers
          .filter((c) => c.name !== 'istio-proxy')
          .flatMap((c) => c.ports.map((p) => p.containerPort))
      : undefined,
  };
}

/** Evaluates listener-filter `filter_disabled` predicates that depend on the destination port. */
function filterDisabled(pred: unknown, port: number): boolean {
  if (typeof pred !== 'object' || pred === null) return false;
  const p = pred as Record<string, unknown>;
  const range = p.destination_port_range as { start?: number; end?: number } | undefined;
  if (range) return port >= (range.start ?? 0) && port < (range.end ?? 0);
  const or = (p.or_match as { rules?: unknown[] } | undefined)?.rules;
  if (or) return or.some((r) => filterDisabled(r, port));
  const and = (p.and_match as { rules?: unknown[] } | undefined)?.rules;
  if (and) return and.every((r) => filterDisabled(r, port));
  if (p.not_match) return !filterDisabled(p.not_match, port);
  return false;
}

function inspectors(l: Listener, port: number, era: Era): { tls: boolean; http: boolean; note: string } {
  const active = (k: string) =>
    l.listenerFilters.some((f) => f.kind === k && !filterDisabled(f.disabled, port));
  let tls = active('tls_inspector');
  const usesTls = l.filterChains.some(
    (c) =>
      c.match.transportProtocol === 'tls' ||
      c.match.serverNames.length > 0 ||
      c.match.applicationProtocols.length > 0,
  );
  let note = '';
  if (
    !tls &&
    era.implicitTlsInspector &&
    usesTls &&
    !l.listenerFilters.some((f) => f.kind === 'tls_inspector')
  ) {
    tls = true;
    note = 'Envoy <= 1.16 adds a tls_inspector by itself because chains match on TLS fields';
  }
  return { tls, http: active('http_inspector'), note };
}

function facts(
  l: Listener,
  era: Era,
  dst: { ip: string; port: number },
  srcIp: string,
  traffic: Traffic,
  security: UpstreamSecurity | undefined,
): { facts: ConnectionFacts; note: string } {
  const insp = inspectors(l, dst.port, era);
  const tlsOnWire = security ? security.kind !== 'plaintext' : traffic.protocol === 'tls';
  const transport: 'tls' | 'raw_buffer' = tlsOnWire && insp.tls ? 'tls' : 'raw_buffer';
  let alpn: string[] = [];
  let sni: string | undefined;
  if (tlsOnWire && insp.tls) {
    alpn = security && security.kind !== 'plaintext' ? security.alpn : [];
    sni = security && security.kind !== 'plaintext' ? security.sni : (traffic.sni ?? traffic.host);
  } else if (!tlsOnWire && insp.http && isHttp(traffic.protocol))
    alpn = traffic.protocol === 'http' ? ['http/1.1'] : ['h2c'];
  return {
    facts: {
      destinationIp: dst.ip,
      destinationPort: dst.port,
      sourceIp: srcIp,
      sourcePort: EPHEMERAL_PORT,
      serverName: sni,
      transportProtocol: transport,
      applicationProtocols: alpn,
    },
    note: insp.note,
  };
}

function routingFilter(chain: FilterChain): HttpConnectionManager | TcpProxy | undefined {
  return chain.filters.find(
    (f): f is HttpConnectionManager | TcpProxy =>
      f.kind === 'http_connection_manager' || f.kind === 'tcp_proxy',
  );
}

function otherFilters(chain: FilterChain): string {
  const names = chain.filters
    .filter((f: NetworkFilter) => f.kind === 'other')
    .map((f) => f.name || (f.kind === 'other' ? (f.typeUrl ?? '?') : '?'));
  return names.length ? ` (also runs: ${names.join(', ')})` : '';
}

function httpRequest(traffic: Traffic, dst: { ip: string; port: number }): HttpRequest {
  const headers = new Map<string, string[]>();
  for (const [k, v] of Object.entries(traffic.headers)) headers.set(k.toLowerCase(), [v]);
  if (traffic.protocol === 'grpc' && !headers.has('content-type'))
    headers.set('content-type', ['application/grpc']);
  const host =
    traffic.headers.host ??
    traffic.headers.Host ??
    traffic.host ??
    formatAddress({ kind: 'socket', ip: dst.ip, port: dst.port, protocol: 'TCP' });
  return { host, path: traffic.path, method: traffic.method, headers, ssl: false, internal: true };
}

function clusterByName(dump: ConfigDump, name: string): { cluster: Cluster | undefined; warming: boolean } {
  const entries = dump.entries('cluster').filter((e) => e.name === name);
  const usable = entries.find((e) => e.state === 'active' || e.state === 'static');
  if (usable) return { cluster: decodeCluster(dump.resource(usable), usable.state, []), warming: false };
  return { cluster: undefined, warming: entries.some((e) => e.state === 'warming') };
}

function routeConfigByName(dump: ConfigDump, name: string): RouteConfig | undefined {
  const entry = dump.entries('routeConfig').find((e) => e.name === name && e.state !== 'error');
  return entry ? dump.routeConfigAt(entry) : undefined; // decoded once per process, shared with resolveHost
}

// ------------------------------------------------------------------------------------------------------------

class Simulation {
  readonly trace = new Trace();
  /** Set when the capture listener found no listener to hand off to and used its own chains. */
  private stayedOnCapture: { ip: string; port: number; listener: string } | undefined;
  /**
   * Istio's `istio.alpn` HTTP filter rewrites the upstream ALPN of mTLS connections to istio-http/1.0,
   * istio-http/1.1 or istio-h2 by the request's protocol, which is what inbound HTTP chains match on.
   */
  private alpnOverride: string[] | undefined;
  /** The matched route retries connect failures (Istio's default), so UF shows as UF,URX. */
  retriesConnectFailure = false;
  constructor(readonly world: World) {}

  /** Source side of pod-to-pod / request: capture, then the capture listener's hand-off. */
  outbound(src: ConfigDump, ip: string, port: number, traffic: Traffic): Verdict {
    const proxy = label(src);
    const era = eraOf(src);
    const srcPod = this.world.inventory.pods.find((p) => p.ip && p.ip === src.identity().ip);
    const cap = captureOutbound(captureSettings(src, srcPod), ip, port, false);
    this.trace.add(
      'capture',
      proxy,
      cap.captured ? 'matched' : 'skipped',
      cap.captured ? 'iptables ISTIO_OUTPUT -> 15001' : 'iptables RETURN',
      cap.detail + (cap.assumption ? `; ${cap.assumption}` : ''),
    );
    if (!cap.captured) {
      this.trace.endpoint = endpointLabel({ ip, port });
      return this.destination(
        src,
        { ip, port },
        { kind: 'plaintext', detail: 'the app connects directly, without its sidecar' },
        traffic,
        'bypass',
      );
    }
    const virtual = captureListener(src, 15001);
    if (!virtual) {
      this.trace.need(`the capture listener on port 15001 of ${proxy}: the dump has none (is it complete?)`);
      return unknown('listener', `${proxy}'s dump has no listener on 15001 to receive captured traffic`);
    }
    const h = handOff(src, ip, port, virtual);
    if (!virtual.useOriginalDst) {
      this.trace.add(
        'listener',
        proxy,
        'matched',
        listenerName(virtual),
        `captured traffic arrives on ${listenerName(virtual)}, which does not hand off (use_original_dst unset)`,
      );
      return this.throughListener(src, era, virtual, { ip, port }, traffic, proxy, 'outbound');
    }
    if (h.listener) {
      this.trace.add(
        'listener',
        proxy,
        'matched',
        listenerName(h.listener),
        `captured on ${listenerName(virtual)} (use_original_dst), handed off: ${h.detail}`,
        {
          alternatives: h.alternatives,
          ...(h.listener.origin ? { origin: describeRef(h.listener.origin) } : {}),
        },
      );
      return this.throughListener(src, era, h.listener, { ip, port }, traffic, proxy, 'handed-off');
    }
    this.trace.add(
      'listener',
      proxy,
      'matched',
      listenerName(virtual),
      `captured on ${listenerName(virtual)} (use_original_dst); ${h.detail}, so the connection stays on ${listenerName(virtual)} and its own filter chains decide`,
      { alternatives: h.alternatives },
    );
    this.stayedOnCapture = { ip, port, listener: listenerName(virtual) };
    return this.throughListener(src, era, virtual, { ip, port }, traffic, proxy, 'capture');
  }

  gateway(gw: ConfigDump, port: number, traffic: Traffic): Verdict {
    const proxy = label(gw);
    const era = eraOf(gw);
    const ip = gw.identity().ip ?? '0.0.0.0';
    this.trace.add(
      'capture',
      proxy,
      'skipped',
      'no capture',
      `a gateway receives traffic on its own listeners; kube-proxy already translated the gateway Service's port to the pod's port ${port}`,
    );
    const l = boundListener(gw, gw.identity().ip, port);
    if (!l) {
      const ports = gw
        .listeners()
        .filter(
          (x) =>
            x.bindToPort && x.address.kind === 'socket' && (x.state === 'active' || x.state === 'static'),
        )
        .map((x) => (x.address.kind === 'socket' ? x.address.port : 0));
      this.trace.add(
        'listener',
        proxy,
        'no-match',
        `port ${port}`,
        `no listener is bound to port ${port} (bound: ${[...new Set(ports)].sort((a, b) => a - b).join(', ') || 'none'}); the client's connection is refused (RST) and Envoy logs nothing`,
      );
      this.trace.hint(
        'gateway-port-without-route',
        `Istio builds a gateway listener only for a Gateway server port that some VirtualService routes; port ${port} has none.`,
        `Add a server for port ${port} to a Gateway selecting this gateway, and a VirtualService bound to that Gateway with a route for the port (tcp: match port ${port}); check the gateway Service exposes it.`,
      );
      return fail(
        'listener',
        'none',
        null,
        null,
        `${proxy} has no listener on port ${port}: the connection is refused and nothing is logged`,
      );
    }
    this.trace.add(
      'listener',
      proxy,
      'matched',
      listenerName(l),
      `listener ${listenerName(l)} is bound to ${formatAddress(l.address)}`,
      l.origin ? { origin: describeRef(l.origin) } : {},
    );
    return this.throughListener(gw, era, l, { ip, port }, traffic, proxy, 'bound');
  }

  private throughListener(
    dump: ConfigDump,
    era: Era,
    l: Listener,
    dst: { ip: string; port: number },
    traffic: Traffic,
    proxy: string,
    how: 'outbound' | 'handed-off' | 'capture' | 'bound',
  ): Verdict {
    if (l.usesFilterChainMatcher) {
      this.trace.add(
        'filterChain',
        proxy,
        'unknown',
        listenerName(l),
        'the listener selects chains with filter_chain_matcher (xDS matcher tree), which meshctl does not simulate',
      );
      return unknown('filterChain', 'filter_chain_matcher is not simulated');
    }
    const srcIp = dump.identity().ip ?? '10.0.0.1';
    const { facts: f, note } = facts(l, era, dst, srcIp, traffic, undefined);
    const sel = selectFilterChain(l, f);
    const narrowing = sel.narrowing.join('; ') + (note ? `; ${note}` : '');
    if (!sel.chain) {
      const closing =
        how === 'handed-off' ? ' (a handed-off connection never falls back to the capture listener)' : '';
      this.trace.add(
        'filterChain',
        proxy,
        'no-match',
        listenerName(l),
        `no filter chain matches and there is no default_filter_chain: Envoy closes the connection (NR, "no matching filter chain")${closing}. ${narrowing}`,
        {
          alternatives: sel.dropped,
        },
      );
      return fail(
        'filterChain',
        'none',
        'NR',
        null,
        `${listenerName(l)} on ${proxy} has no filter chain for this connection: it is closed`,
      );
    }
    if (sel.tie.length > 1)
      this.trace.hint(
        'filter-chain-tie',
        `Chains ${sel.tie.map(chainLabel).join(', ')} of ${listenerName(l)} match equally; Envoy rejects such a listener.`,
        'Check the Sidecar/EnvoyFilter that produced overlapping filter_chain_match entries.',
      );
    const chain = sel.chain;
    this.trace.add(
      'filterChain',
      proxy,
      'matched',
      chainLabel(chain),
      `${sel.usedDefault ? 'no chain matched; default_filter_chain used. ' : ''}${narrowing || 'the listener has one chain'}`,
      {
        alternatives: sel.dropped,
        ...(chain.origin ? { origin: describeRef(chain.origin) } : {}),
      },
    );
    const filter = routingFilter(chain);
    if (!filter) {
      this.trace.add(
        'networkFilter',
        proxy,
        'unknown',
        chain.filters.map((x) => x.name).join(', ') || '(none)',
        'the chain has neither an HTTP connection manager nor a tcp_proxy; meshctl cannot follow it',
      );
      return unknown(
        'networkFilter',
        `chain ${chainLabel(chain)} of ${listenerName(l)} ends in a filter meshctl does not simulate`,
      );
    }
    if (filter.kind === 'tcp_proxy') return this.tcpProxy(dump, filter, chain, dst, traffic, proxy);
    return this.http(dump, era, filter, chain, l, dst, traffic, proxy);
  }

  private tcpProxy(
    dump: ConfigDump,
    tp: TcpProxy,
    chain: FilterChain,
    dst: { ip: string; port: number },
    traffic: Traffic,
    proxy: string,
  ): Verdict {
    const weighted = tp.weightedClusters;
    const cluster = tp.cluster ?? [...weighted].sort((a, b) => b.weight - a.weight)[0]?.name;
    const dist = weighted.length
      ? `; weighted: ${weighted.map((w) => `${w.name} ${w.weight}`).join(', ')} (following the heaviest)`
      : '';
    this.trace.add(
      'networkFilter',
      proxy,
      'matched',
      'tcp_proxy',
      `tcp_proxy forwards the connection's bytes to cluster ${cluster ?? '(none)'}${dist}${otherFilters(chain)}`,
    );
    if (!cluster) return fail('networkFilter', 'none', 'NR', null, 'the tcp_proxy names no cluster');
    return this.cluster(dump, cluster, dst, traffic, proxy, undefined);
  }

  private http(
    dump: ConfigDump,
    era: Era,
    hcm: HttpConnectionManager,
    chain: FilterChain,
    l: Listener,
    dst: { ip: string; port: number },
    traffic: Traffic,
    proxy: string,
  ): Verdict {
    const req = httpRequest(traffic, dst);
    const rcName = hcm.rds ?? hcm.routeConfig?.name ?? '(inline)';
    this.trace.add(
      'networkFilter',
      proxy,
      isHttp(traffic.protocol) ? 'matched' : 'failed',
      'http_connection_manager',
      `the chain parses HTTP and routes with ${hcm.rds !== undefined ? `RDS route configuration ${hcm.rds}` : 'an inline route configuration'}${otherFilters(chain)}`,
    );
    const rc = hcm.routeConfig ?? (hcm.rds !== undefined ? routeConfigByName(dump, hcm.rds) : undefined);
    if (hcm.httpFilters.some((f) => f === 'istio.alpn' || f === 'envoy.filters.http.alpn'))
      this.alpnOverride = [traffic.protocol === 'http' ? 'istio-http/1.1' : 'istio-h2'];
    if (!isHttp(traffic.protocol)) {
      // Non-HTTP bytes into an HCM: the codec fails before any routing.
      const dpe = era.envoy ? atLeast(era.envoy, 1, 14) : true;
      let asHttp = '';
      if (rc) {
        const d = routeRequest(rc, req);
        if (d.kind === 'no-virtual-host')
          asHttp = ` Even an HTTP request would fail: route configuration ${rcName} has no virtual host for Host "${req.host}" (404 NR).`;
      }
      // Which Service port made it HTTP, by the same protocol rules lint uses (model/protocol.ts).
      const why = this.world.inventory.services
        .flatMap((svc) =>
          svc.ports.filter((p) => p.port === dst.port).map((p) => ({ svc, p, r: resolvePortProtocol(p) })),
        )
        .find((x) => isHttpProtocol(x.r.protocol));
      const because = why
        ? ` Service ${why.svc.namespace}/${why.svc.name} declares port ${dst.port} ${why.r.from === 'appProtocol' ? `with appProtocol ${why.p.appProtocol}` : `as "${why.p.name}"`}, which Istio reads as ${why.r.protocol}.`
        : '';
      this.trace.hint(
        'non-http-into-http-port',
        `Port ${dst.port} is served as HTTP by ${listenerName(l)}, but the client speaks ${traffic.protocol === 'tcp' ? 'a non-HTTP protocol' : traffic.protocol}: Envoy's HTTP codec rejects the first bytes (400, connection closed).${because}${asHttp}`,
        `Name the Service port tcp-${why?.p.name?.replace(/^[a-z0-9]+-?/i, '') || '<name>'} (or set appProtocol: tcp) so Istio proxies it as TCP.`,
      );
      return fail(
        'networkFilter',
        'none',
        dpe ? 'DPE' : null,
        400,
        `${listenerName(l)} on ${proxy} expects HTTP on port ${dst.port}; ${traffic.protocol.toUpperCase()} bytes fail to parse and the connection is closed`,
      );
    }
    if (!rc) {
      this.trace.add(
        'routeConfig',
        proxy,
        'failed',
        rcName,
        `route configuration ${rcName} is not in the dump: the listener is warming or the table is empty; every request gets 404 NR`,
      );
      return fail(
        'routeConfig',
        'none',
        'NR',
        404,
        `RDS route configuration ${rcName} is missing on ${proxy}`,
      );
    }
    this.trace.add(
      'routeConfig',
      proxy,
      'matched',
      rc.name || rcName,
      `${rc.hosts.length} virtual hosts${rc.ignorePortInHostMatching ? '; the port of the Host is ignored (ignore_port_in_host_matching)' : '; Host must match a domain including its port'}`,
    );
    const d = routeRequest(rc, req);
    if (d.kind === 'no-virtual-host') {
      const domains = rc.hosts.reduce((n, v) => n + v.domains.length, 0);
      this.trace.add(
        'virtualHost',
        proxy,
        'no-match',
        req.host,
        `no virtual host of ${rc.name} has the domain "${req.host}" (${domains} domains, no "*" catch-all); Envoy answers 404 NR`,
        {
          alternatives: rc.hosts.slice(0, 8).map((v) => ({
            name: v.name,
            reason: `domains ${v.domains.slice(0, 4).join(', ')}${v.domains.length > 4 ? ', ...' : ''}`,
          })),
        },
      );
      const ipHost = /^\[?[\d.:a-f]+\]?(:\d+)?$/i.test(req.host);
      if (ipHost)
        this.trace.hint(
          'pod-ip-is-no-domain',
          `Istio lists service names and ClusterIPs as domains, never pod IPs, so "Host: ${req.host}" reaches no virtual host of ${rc.name}.`,
          'Call the service by name, or name the port tcp-* so pod-IP traffic is proxied as TCP.',
        );
      return fail(
        'virtualHost',
        'none',
        'NR',
        404,
        `no virtual host for ${req.host} in ${rc.name} on ${proxy}: 404 NR`,
      );
    }
    const vh = d.vhost.vhost;
    this.trace.add(
      'virtualHost',
      proxy,
      'matched',
      vh.name,
      describeVirtualHost(d.vhost, req.host),
      vh.origin ? { origin: describeRef(vh.origin) } : {},
    );
    if (d.kind === 'require-tls') {
      this.trace.add(
        'route',
        proxy,
        'matched',
        'require_tls',
        `the virtual host requires TLS: Envoy redirects to ${d.location}`,
      );
      return fail('route', 'redirect', null, 301, `redirected to ${d.location} (require_tls)`);
    }
    if (d.kind === 'no-route') {
      this.trace.add(
        'route',
        proxy,
        'no-match',
        vh.name,
        `no route of ${vh.name} matches ${req.method} ${req.path}: 404 NR`,
        { alternatives: d.rejected },
      );
      return fail('route', 'none', 'NR', 404, `no route in ${vh.name} matches ${req.path}: 404 NR`);
    }
    const r = d.route;
    const origin = routeOrigin(r, vh);
    const retryOn = JSON.stringify(
      (r.raw.route as { retry_policy?: { retry_on?: string } } | undefined)?.retry_policy?.retry_on ?? '',
    );
    // Istio's default retry policy retries connect failures: an upstream UF is logged as UF,URX
    this.retriesConnectFailure = /connect-failure|reset/.test(retryOn);
    const a = r.action;
    const actionText =
      a.kind === 'cluster'
        ? `to cluster ${a.cluster}`
        : a.kind === 'weighted_clusters'
          ? `split: ${a.clusters.map((c) => `${c.name} ${c.weight}`).join(', ')} (following the heaviest)`
          : a.kind === 'cluster_header'
            ? `to the cluster named by header ${a.header}`
            : a.kind === 'redirect'
              ? `redirect ${a.status} to ${d.location}`
              : a.kind === 'direct_response'
                ? `direct response ${a.status}`
                : a.kind;
    this.trace.add('route', proxy, 'matched', routeLabel(r, d.index), `${d.matchedBecause}; ${actionText}`, {
      alternatives: d.rejected,
      ...(origin ? { origin } : {}),
    });
    if (a.kind === 'redirect')
      return fail(
        'route',
        'redirect',
        null,
        a.status,
        `${proxy} answers ${a.status} redirect to ${d.location}`,
      );
    if (a.kind === 'direct_response') {
      if (a.status === 502 && vh.name === 'block_all')
        this.trace.hint(
          'registry-only',
          `The mesh (or a Sidecar) allows only registered services (REGISTRY_ONLY); ${req.host} is not one.`,
          'Add a ServiceEntry for the host, or set outboundTrafficPolicy ALLOW_ANY.',
        );
      return fail(
        'route',
        'direct-response',
        null,
        a.status,
        `${proxy} answers directly with ${a.status} (route ${routeLabel(r, d.index)})`,
      );
    }
    const cluster =
      a.kind === 'cluster'
        ? a.cluster
        : a.kind === 'weighted_clusters'
          ? [...a.clusters].sort((x, y) => y.weight - x.weight)[0]?.name
          : a.kind === 'cluster_header'
            ? d.cluster
            : undefined;
    if (!cluster) return unknown('route', `the route's action (${a.kind}) is not simulated`);
    return this.cluster(dump, cluster, dst, traffic, proxy, origin);
  }

  private cluster(
    dump: ConfigDump,
    name: string,
    dst: { ip: string; port: number },
    traffic: Traffic,
    proxy: string,
    routeOriginText: string | undefined,
  ): Verdict {
    const era = eraOf(dump);
    const firstHop = this.trace.cluster === null;
    if (firstHop) this.trace.cluster = name;
    const { cluster, warming } = clusterByName(dump, name);
    const http = isHttp(traffic.protocol);
    if (!cluster) {
      const flag = era.clusterNotFoundFlag;
      const parsed = parseIstioClusterName(name);
      let why = warming
        ? `cluster ${name} is still warming (not usable)`
        : `cluster ${name} does not exist in ${proxy}'s CDS`;
      if (parsed?.subset) {
        const base = `${parsed.direction}|${parsed.port ?? ''}||${parsed.fqdn}`;
        const hasBase = clusterByName(dump, base).cluster !== undefined;
        const drs = this.world.inventory.istio.filter(
          (o) =>
            o.kind === 'DestinationRule' &&
            typeof o.spec.host === 'string' &&
            parsed.fqdn.startsWith(String(o.spec.host)),
        );
        const short = parsed.fqdn.split('.')[0]!;
        why += `: subset ${parsed.subset} is defined by no DestinationRule for host ${short}${hasBase ? ` (the cluster without subset, ${base}, exists)` : ''}`;
        if (drs.length)
          why += `; DestinationRule ${drs.map((d) => `${d.namespace}/${d.name}`).join(', ')} was given but ${proxy} did not receive its subset`;
        this.trace.hint(
          'subset-without-destination-rule',
          `A route sends traffic to subset ${parsed.subset} of ${parsed.fqdn}${routeOriginText ? ` (${routeOriginText})` : ''}, but subsets exist only as clusters built from a DestinationRule.`,
          `Create a DestinationRule for host ${short} with subset ${parsed.subset} (for example labels version: ${parsed.subset}); apply it before the VirtualService that uses it.`,
        );
      }
      this.trace.add(
        'cluster',
        proxy,
        'failed',
        name,
        `${why}; Envoy answers ${http ? '503 ' : ''}${flag} (cluster_not_found)`,
        routeOriginText ? { origin: routeOriginText } : {},
      );
      return fail(
        'cluster',
        'none',
        flag,
        http ? 503 : null,
        `cluster not found (${http ? '503 ' : ''}${flag}): ${why}`,
      );
    }
    const origin = cluster.origin ? describeRef(cluster.origin) : undefined;
    if (name === 'BlackHoleCluster') {
      this.trace.add(
        'cluster',
        proxy,
        'failed',
        name,
        `BlackHoleCluster has no endpoints: the connection is closed${http ? ' (502/503)' : ''} with UH`,
      );
      this.blackholeHint(dump, era);
      return fail(
        'cluster',
        'blackhole',
        'UH',
        http ? 502 : null,
        `${proxy} sends it to BlackHoleCluster: the connection is dropped (UH)`,
      );
    }
    const eps = endpointsOf(cluster, dump, this.world.inventory, dst);
    const passthrough = /^(Inbound)?PassthroughCluster/.test(name);
    this.trace.add(
      'cluster',
      proxy,
      'matched',
      name,
      `${cluster.type} cluster${passthrough ? ': passes the connection through to its original destination' : ''}`,
      origin ? { origin } : {},
    );
    if (eps.source === 'none') {
      this.trace.add('endpoints', proxy, 'unknown', name, eps.detail);
      this.trace.need(
        `endpoints of ${name}: save the dump with /config_dump?include_eds, or pass the Service's Endpoints with -f`,
      );
      return unknown('endpoints', `the endpoints of ${name} are not known`);
    }
    const healthy = eps.endpoints.filter((e) => e.healthy);
    if (healthy.length === 0) {
      this.trace.add(
        'endpoints',
        proxy,
        'failed',
        name,
        `${eps.detail}: no healthy endpoint${eps.endpoints.length ? ` (${eps.endpoints.map((e) => `${endpointLabel(e)} ${e.health}`).join(', ')})` : ''}`,
      );
      return fail(
        'endpoints',
        'cluster',
        'UH',
        http ? 503 : null,
        `no healthy upstream in ${name} (${http ? '503 ' : ''}UH)`,
      );
    }
    const chosen =
      healthy.find((e) => e.ip === dst.ip) ??
      healthy.find((e) => podByIp(this.world, e.ip).dump) ??
      healthy[0]!;
    const which =
      healthy.length === 1
        ? `the only endpoint is ${endpointLabel(chosen)}`
        : chosen.ip === dst.ip
          ? `${endpointLabel(chosen)}, the destination asked for, is one of ${healthy.length} healthy endpoints`
          : `Envoy balances over ${healthy.length} healthy endpoints; following ${endpointLabel(chosen)}`;
    let security = upstreamSecurity(cluster, chosen.metadata);
    if (security.kind === 'istio-mtls' && this.alpnOverride)
      security = { ...security, alpn: [...this.alpnOverride, ...security.alpn] };
    const kubeProxy =
      cluster.type === 'EDS' ? ' (the sidecar picks the pod itself: kube-proxy is not involved)' : '';
    this.trace.add(
      'endpoints',
      proxy,
      'matched',
      endpointLabel(chosen),
      `${eps.detail}; ${which}${kubeProxy}; sends ${security.detail}`,
    );
    if (firstHop) this.trace.endpoint = endpointLabel(chosen);
    return this.destination(
      dump,
      { ip: chosen.ip, port: chosen.port },
      security,
      traffic,
      passthrough ? 'passthrough' : 'cluster',
    );
  }

  /** Why traffic fell into the BlackHoleCluster, and the fix for this Istio version. */
  private blackholeHint(dump: ConfigDump, era: Era): void {
    const stayed = this.stayedOnCapture;
    if (!stayed) return;
    if (era.istio && !atLeast(era.istio, 1, 1)) {
      const same = dump
        .listeners()
        .filter((l) => l.address.kind === 'socket' && l.address.port === stayed.port)
        .map(listenerName);
      this.trace.hint(
        'istio-1.0-no-listener-for-pod-ip',
        `${era.label} builds TCP listeners only on Service ClusterIPs and on this pod's own IP (${same.join(', ') || `none on port ${stayed.port}`}); a connection to another pod's IP ${stayed.ip}:${stayed.port} matches none, and the catch-all "${stayed.listener}" listener sends it to BlackHoleCluster.`,
        `Give the pods a headless Service for port ${stayed.port} (clusterIP: None): Istio 1.0 then builds 0.0.0.0_${stayed.port} with an ORIGINAL_DST cluster that forwards by pod IP. Or let the port bypass the sidecar: traffic.sidecar.istio.io/excludeOutboundPorts: "${stayed.port}". Istio >= 1.1 with outboundTrafficPolicy ALLOW_ANY passes unknown destinations through.`,
      );
    } else
      this.trace.hint(
        'registry-only',
        `No listener claims ${stayed.ip}:${stayed.port}, and ${stayed.listener}'s catch-all sends unknown destinations to BlackHoleCluster (outboundTrafficPolicy REGISTRY_ONLY).`,
        'Add a ServiceEntry (or a Service) for the destination, or set outboundTrafficPolicy ALLOW_ANY in the mesh config or the Sidecar.',
      );
  }

  /** The receiving side: the destination pod's capture, sidecar and application. */
  private destination(
    src: ConfigDump | undefined,
    dst: { ip: string; port: number },
    security: UpstreamSecurity,
    traffic: Traffic,
    via: Via,
  ): Verdict {
    const { dump, pod } = podByIp(this.world, dst.ip);
    const name = dump ? label(dump) : pod ? `${pod.name}.${pod.namespace}` : dst.ip;
    const srcIp = src?.identity().ip ?? '10.0.0.1';
    if (src && src.identity().ip === dst.ip && via === 'bypass') {
      return this.application(undefined, pod, name, dst, dst, traffic, via, security);
    }
    if (!dump) {
      if (pod && !pod.hasSidecar) {
        this.trace.add(
          'inbound',
          name,
          'skipped',
          'no sidecar',
          `${name} has no istio-proxy container: the connection reaches the app directly`,
        );
        if (security.kind !== 'plaintext') {
          this.trace.add(
            'inbound',
            name,
            'failed',
            'TLS into plaintext',
            `the source sends ${security.detail}, but ${name} has no sidecar to terminate it: the handshake fails`,
          );
          return fail(
            'inbound',
            via,
            'UF',
            isHttp(traffic.protocol) ? 503 : null,
            `TLS from the source into ${name}, which has no sidecar: the handshake fails (UF)`,
          );
        }
        return this.application(undefined, pod, name, dst, dst, traffic, via, security);
      }
      if (!pod && (via === 'passthrough' || !isIp(dst.ip))) {
        // An address outside the inputs: the original destination of a passthrough, or a DNS name Envoy resolves.
        const what = isIp(dst.ip)
          ? `${dst.ip} is not a pod of the inputs (no dump, no manifest)`
          : `Envoy resolves ${dst.ip} by DNS`;
        this.trace.add(
          'inbound',
          name,
          'skipped',
          dst.ip,
          `${what}: the connection leaves what meshctl can see`,
        );
        return delivered(via, `sent to ${endpointLabel(dst)}, outside the mesh as far as the inputs show`);
      }
      const known = this.world.dumps.length > 0 && !pod;
      this.trace.add(
        'inbound',
        name,
        'unknown',
        dst.ip,
        `${known ? `${dst.ip} is not the IP of any proxy whose dump was given` : `no config dump of ${name} was given`}, so its sidecar's handling is not known`,
      );
      this.trace.need(
        `the config dump of the destination ${name} (${dst.ip}) to follow the receiving sidecar`,
      );
      return {
        result: 'unknown',
        via,
        flag: null,
        status: null,
        stage: null,
        summary: `the source's sidecar sends it to ${endpointLabel(dst)} (${security.detail}); what the destination does is unknown without its dump`,
      };
    }
    return this.inbound(dump, pod, dst, srcIp, security, traffic, via);
  }

  inbound(
    dump: ConfigDump,
    pod: PodInfo | undefined,
    dst: { ip: string; port: number },
    srcIp: string,
    security: UpstreamSecurity,
    traffic: Traffic,
    via: Via,
  ): Verdict {
    const proxy = label(dump);
    const era = eraOf(dump);
    const cap = captureInbound(captureSettings(dump, pod), dst.port, era.inboundCapturePort === 15006);
    this.trace.add(
      'capture',
      proxy,
      cap.captured ? 'matched' : 'skipped',
      cap.captured ? `iptables ISTIO_INBOUND -> ${era.inboundCapturePort}` : 'iptables RETURN',
      `${cap.detail} (${era.label}: ${era.evidence})${cap.assumption ? `; ${cap.assumption}` : ''}`,
    );
    if (!cap.captured) {
      if (security.kind !== 'plaintext') {
        this.trace.add(
          'inbound',
          proxy,
          'failed',
          'TLS into the app',
          `the source sends ${security.detail}, but port ${dst.port} bypasses ${proxy}'s sidecar: the app receives a TLS handshake it cannot answer`,
        );
        return fail(
          'inbound',
          via,
          'UF',
          isHttp(traffic.protocol) ? 503 : null,
          `mTLS into port ${dst.port}, which the destination does not capture: the handshake fails (UF)`,
        );
      }
      return this.application(dump, pod, proxy, dst, dst, traffic, via, security);
    }
    const capture = captureListener(dump, era.inboundCapturePort);
    if (!capture) {
      this.trace.need(
        `the inbound capture listener (port ${era.inboundCapturePort}) of ${proxy}: not in its dump`,
      );
      this.trace.add(
        'inbound',
        proxy,
        'unknown',
        `port ${era.inboundCapturePort}`,
        `no listener on ${era.inboundCapturePort} in ${proxy}'s dump`,
      );
      return unknown('inbound', `the inbound listener of ${proxy} is not in its dump`);
    }
    let l: Listener = capture;
    let how = `inbound traffic arrives on ${listenerName(capture)}`;
    if (capture.useOriginalDst) {
      const h = handOff(dump, dst.ip, dst.port, capture);
      if (h.listener) {
        l = h.listener;
        how += ` (use_original_dst), handed off: ${h.detail}`;
        if (h.how === 'wildcard')
          this.trace.hint(
            'inbound-on-outbound-listener',
            `Inbound traffic to ${dst.ip}:${dst.port} was handed to ${listenerName(h.listener)}, a wildcard listener meant for outbound traffic.`,
            `Declare port ${dst.port} in a Service selecting the pod so Istio builds an inbound listener for it.`,
          );
      } else how += `; ${h.detail}, so ${listenerName(capture)}'s own chains decide`;
    }
    this.trace.add('inbound', proxy, 'matched', listenerName(l), how);
    const { facts: f, note } = facts(l, era, dst, srcIp, traffic, security);
    const sel = selectFilterChain(l, f);
    const narrowing = sel.narrowing.join('; ') + (note ? `; ${note}` : '');
    if (!sel.chain) {
      this.trace.add(
        'filterChain',
        proxy,
        'no-match',
        listenerName(l),
        `no inbound chain accepts ${security.kind === 'plaintext' ? 'plaintext' : 'this TLS'} on port ${dst.port}: the server closes the connection (NR, filter_chain_not_found). ${narrowing}`,
        { alternatives: sel.dropped },
      );
      if (
        security.kind === 'plaintext' &&
        l.filterChains.some(
          (c) => c.match.destinationPort === dst.port && c.match.transportProtocol === 'tls',
        )
      )
        this.trace.hint(
          'plaintext-into-strict',
          `${proxy} accepts only mutual TLS on port ${dst.port} (PeerAuthentication STRICT), and the source sends plaintext.`,
          'Let the source send Istio mTLS (auto mTLS, or a DestinationRule with tls.mode ISTIO_MUTUAL), or set the PeerAuthentication to PERMISSIVE.',
        );
      return fail(
        'inbound',
        via,
        isHttp(traffic.protocol) ? 'UC' : null,
        isHttp(traffic.protocol) ? 503 : null,
        `${proxy} refuses ${security.kind === 'plaintext' ? 'plaintext' : 'the connection'} on port ${dst.port}: no inbound filter chain matches (the source sees the connection closed)`,
      );
    }
    const chain = sel.chain;
    const serverTls = chain.transportSocket?.kind === 'tls';
    this.trace.add(
      'filterChain',
      proxy,
      'matched',
      chainLabel(chain),
      `${narrowing || 'the listener has one chain'}; ${serverTls ? `terminates TLS${chain.transportSocket?.requireClientCertificate ? ' and requires a client certificate (mTLS)' : ''}` : 'plaintext'}`,
      {
        alternatives: sel.dropped,
        ...(chain.origin ? { origin: describeRef(chain.origin) } : {}),
      },
    );
    if (serverTls && security.kind === 'plaintext') {
      this.trace.hint(
        'plaintext-into-strict',
        `${proxy}'s chain for port ${dst.port} requires TLS and the source sends plaintext.`,
        'Enable mTLS at the source (auto mTLS or DestinationRule ISTIO_MUTUAL), or PERMISSIVE mode at the destination.',
      );
      return fail(
        'inbound',
        via,
        'UC',
        isHttp(traffic.protocol) ? 503 : null,
        `plaintext into a TLS-only chain of ${proxy}: the handshake fails and the connection is reset (UC)`,
      );
    }
    if (!serverTls && security.kind !== 'plaintext') {
      this.trace.hint(
        'tls-into-plaintext',
        `The source sends ${security.detail} but ${proxy} serves port ${dst.port} in plaintext.`,
        'Disable TLS origination for this destination (DestinationRule tls.mode DISABLE) or enable mTLS on the destination (PeerAuthentication).',
      );
      return fail(
        'inbound',
        via,
        'UF',
        isHttp(traffic.protocol) ? 503 : null,
        `TLS from the source into a plaintext chain of ${proxy}: the handshake fails (UF, upstream_transport_failure_reason)`,
      );
    }
    const filter = routingFilter(chain);
    let clusterName: string | undefined;
    if (filter?.kind === 'tcp_proxy') {
      clusterName = filter.cluster ?? filter.weightedClusters[0]?.name;
      this.trace.add(
        'networkFilter',
        proxy,
        'matched',
        'tcp_proxy',
        `tcp_proxy to ${clusterName ?? '(none)'}${otherFilters(chain)}`,
      );
    } else if (filter?.kind === 'http_connection_manager') {
      if (!isHttp(traffic.protocol)) {
        this.trace.add(
          'networkFilter',
          proxy,
          'failed',
          'http_connection_manager',
          `the inbound chain parses HTTP; ${traffic.protocol} bytes fail to parse${otherFilters(chain)}`,
        );
        return fail(
          'inbound',
          via,
          'DPE',
          400,
          `${proxy} expects HTTP on port ${dst.port}; the connection is closed`,
        );
      }
      const rc = filter.routeConfig ?? (filter.rds ? routeConfigByName(dump, filter.rds) : undefined);
      if (!rc) {
        this.trace.add(
          'networkFilter',
          proxy,
          'failed',
          filter.rds ?? 'route config',
          'the inbound route configuration is not in the dump',
        );
        return fail('inbound', via, 'NR', 404, `${proxy}'s inbound route configuration is missing`);
      }
      const d = routeRequest(rc, httpRequest(traffic, dst));
      if (d.kind !== 'route') {
        this.trace.add(
          'networkFilter',
          proxy,
          'failed',
          rc.name,
          `no inbound route matches (${d.kind}): 404 NR`,
        );
        return fail('inbound', via, 'NR', 404, `no inbound route on ${proxy}`);
      }
      clusterName = d.cluster;
      this.trace.add(
        'networkFilter',
        proxy,
        'matched',
        `http_connection_manager ${rc.name || 'inline'}`,
        `inbound route ${routeLabel(d.route, d.index)} to ${clusterName ?? d.route.action.kind}${otherFilters(chain)}`,
      );
    } else {
      this.trace.add(
        'networkFilter',
        proxy,
        'unknown',
        chain.filters.map((x) => x.name).join(', '),
        'the inbound chain has no routing filter meshctl simulates',
      );
      return unknown('inbound', 'inbound chain not simulated');
    }
    if (!clusterName) return fail('inbound', via, 'NR', null, 'the inbound filter names no cluster');
    const { cluster } = clusterByName(dump, clusterName);
    if (!cluster) {
      this.trace.add(
        'inbound',
        proxy,
        'failed',
        clusterName,
        `inbound cluster ${clusterName} does not exist`,
      );
      return fail(
        'inbound',
        via,
        era.clusterNotFoundFlag,
        null,
        `inbound cluster ${clusterName} missing on ${proxy}`,
      );
    }
    let target: { ip: string; port: number };
    let how2: string;
    if (cluster.type === 'ORIGINAL_DST') {
      target = dst;
      const bind = /127\.0\.0\.6/.test(JSON.stringify(cluster.raw.upstream_bind_config ?? ''))
        ? ' from source 127.0.0.6'
        : '';
      how2 = `ORIGINAL_DST: the sidecar connects to the pod IP ${endpointLabel(dst)}${bind} (Istio >= 1.10 inbound forwarding)`;
    } else {
      const ep = cluster.loadAssignment?.endpoints.find((e) => e.address.kind === 'socket');
      if (!ep || ep.address.kind !== 'socket') {
        this.trace.add(
          'inbound',
          proxy,
          'unknown',
          clusterName,
          `inbound cluster ${clusterName} (${cluster.type}) lists no socket endpoint`,
        );
        return unknown('inbound', 'inbound cluster target unknown');
      }
      target = { ip: ep.address.ip, port: ep.address.port };
      how2 = `${cluster.type}: the sidecar connects to ${endpointLabel(target)}${target.ip.startsWith('127.') ? ' (loopback: Istio < 1.10 forwards inbound traffic to localhost)' : ''}`;
    }
    this.trace.add(
      'inbound',
      proxy,
      'matched',
      clusterName,
      how2,
      cluster.origin ? { origin: describeRef(cluster.origin) } : {},
    );
    return this.application(dump, pod, proxy, dst, target, traffic, via, security);
  }

  private application(
    dump: ConfigDump | undefined,
    pod: PodInfo | undefined,
    proxy: string,
    dst: { ip: string; port: number },
    target: { ip: string; port: number },
    traffic: Traffic,
    via: Via,
    security: UpstreamSecurity,
  ): Verdict {
    void security;
    const ev = socketsFor(this.world, dump, pod, dst.ip);
    const http = isHttp(traffic.protocol);
    if (!ev) {
      this.trace.add(
        'application',
        proxy,
        'unknown',
        endpointLabel(target),
        `whether the app listens on ${endpointLabel(target)} is not known: no socket evidence for ${proxy}`,
      );
      const podName = pod?.name ?? dump?.identity().pod ?? 'POD';
      // istio-proxy shares the pod's network namespace, so its /proc/net/tcp lists the app's sockets too
      const container = dump || pod?.hasSidecar ? ' -c istio-proxy' : '';
      this.trace.need(
        `listening sockets of ${proxy} to confirm the app accepts on ${endpointLabel(target)}: kubectl exec ${podName}${container} -- cat /proc/net/tcp /proc/net/tcp6 > sockets.txt, then --sockets ${podName}=sockets.txt`,
      );
      return delivered(
        via,
        `delivered to ${proxy} at ${endpointLabel(target)} (whether the app accepts is not shown: no socket evidence)`,
      );
    }
    const sock = acceptingSocket(ev.sockets, target.ip, target.port);
    if (sock) {
      this.trace.add(
        'application',
        proxy,
        'matched',
        formatSocket(sock),
        `the app listens on ${formatSocket(sock)} (${ev.source}), which accepts ${endpointLabel(target)}`,
      );
      return delivered(via, `delivered: ${proxy}'s app accepts on ${formatSocket(sock)}`);
    }
    const onPort = ev.sockets.filter((s) => s.port === target.port);
    const actually = onPort.length
      ? `the app listens only on ${onPort.map(formatSocket).join(', ')}`
      : `nothing listens on port ${target.port}`;
    this.trace.add(
      'application',
      proxy,
      'failed',
      endpointLabel(target),
      `${actually} (${ev.source}): connecting to ${endpointLabel(target)} is refused (ECONNREFUSED); the sidecar logs UF`,
      {
        alternatives: onPort.map((s) => ({
          name: formatSocket(s),
          reason: `bound to ${s.ip}, not ${target.ip}`,
        })),
      },
    );
    const era = dump ? eraOf(dump) : undefined;
    if (!onPort.length)
      this.trace.hint(
        'port-not-open',
        `Nothing in ${proxy} listens on port ${target.port}, on any address: the connection is refused with or without the mesh.`,
        'Check that the app runs and which ports it opens at this moment (a ZooKeeper follower, for one, opens the quorum port 2888 only while it leads).',
      );
    else if (target.ip.startsWith('127.') && onPort.some((s) => s.ip === dst.ip))
      this.trace.hint(
        'app-binds-pod-ip',
        `${era?.label ?? 'This Istio'} forwards inbound traffic to 127.0.0.1:${target.port}, but the app binds only the pod IP ${dst.ip}.`,
        `Make the app listen on 0.0.0.0 (ZooKeeper: quorumListenOnAllIPs=true; JGroups: bind_addr 0.0.0.0 / match-interface), or exclude the port from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts: "${target.port}"), or upgrade to Istio >= 1.10, which forwards to the pod IP.`,
      );
    else if (!target.ip.startsWith('127.') && onPort.some((s) => s.ip.startsWith('127.') || s.ip === '::1'))
      this.trace.hint(
        'app-binds-localhost',
        `${era?.label ?? 'Istio >= 1.10'} forwards inbound traffic to the pod IP ${target.ip}:${target.port}, but the app listens only on localhost.`,
        'Make the app listen on 0.0.0.0 or the pod IP, or set meshConfig.inboundTrafficPolicy.mode LOCALHOST.',
      );
    return fail(
      'application',
      via,
      'UF',
      http ? 503 : null,
      `${proxy}'s sidecar cannot connect to ${endpointLabel(target)}: ${actually} (UF${http ? ', 503' : ', connection closed'})`,
    );
  }
}

// ------------------------------------------------------------------------------------------------------------

function callOf(q: Query, ip: string): Call {
  const t = q.traffic;
  return {
    mode: q.mode,
    address: ip,
    port: q.port,
    protocol: t.protocol,
    host: isHttp(t.protocol) ? (t.headers.host ?? t.host ?? null) : (t.host ?? null),
    path: isHttp(t.protocol) ? t.path : null,
    method: isHttp(t.protocol) ? t.method : null,
    headers: { ...t.headers },
    sni: t.sni ?? null,
  };
}

export function explain(world: World, q: Query): Explanation {
  const sim = new Simulation(world);
  let verdict: Verdict;
  let origin: ConfigDump;
  let ip: string;
  if (q.mode === 'outbound') {
    origin = q.source;
    ip = q.ip;
    verdict = sim.outbound(q.source, q.ip, q.port, q.traffic);
  } else if (q.mode === 'gateway') {
    origin = q.gateway;
    ip = q.gateway.identity().ip ?? '0.0.0.0';
    verdict = sim.gateway(q.gateway, q.port, q.traffic);
  } else {
    origin = q.destination;
    ip = q.destination.identity().ip ?? '0.0.0.0';
    const from = q.fromIp ?? '10.0.0.1';
    const security: UpstreamSecurity =
      q.traffic.protocol === 'tls'
        ? { kind: 'tls', detail: 'TLS from the client', alpn: [], sni: q.traffic.sni }
        : { kind: 'plaintext', detail: 'plaintext from the client' };
    verdict = sim.inbound(
      q.destination,
      world.inventory.pods.find((p) => p.ip === ip),
      { ip, port: q.port },
      from,
      security,
      q.traffic,
      'cluster',
    );
  }
  if (verdict.flag === 'UF' && sim.retriesConnectFailure) verdict = { ...verdict, flag: 'UF,URX' };
  const id = origin.identity();
  const t = sim.trace;
  return {
    apiVersion: 'meshctl/v1',
    kind: 'Explanation',
    source: { proxy: label(origin), type: id.type, ip: id.ip ?? null, istioVersion: id.istioVersion ?? null },
    call: callOf(q, ip),
    outcome: {
      result: verdict.result,
      via: verdict.via,
      responseFlag: verdict.flag,
      httpStatus: isHttp(q.traffic.protocol) ? verdict.status : null,
      cluster: t.cluster,
      endpoint: t.endpoint,
      failedStage: verdict.result === 'failed' ? verdict.stage : null,
      summary: verdict.summary,
    },
    steps: t.steps,
    hints: t.hints,
    missing: t.missing,
  };
}
