// Seeded generated families of the conformance corpus (issue 13): route tables with every match kind,
// domain sets, filter-chain matchers, capture annotations, app bind addresses × era, and mTLS modes. Each
// world is a small snapshot (a client sidecar, the pods it calls) written in Istio's shapes by istio-dump.ts;
// each case says what it must hit, or just miss, so that a case also checks the generator.
// The expected decisions follow Envoy's documented behaviour, cited where each family is built.
import type { CorpusCase, CorpusWorld, ExpectStep } from './types.js';
import * as D from './istio-dump.js';
import type { J } from './istio-dump.js';

/** mulberry32: a small, fixed-seed generator, so the corpus is the same on every run and machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(r: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const NS = 'corpus';
const CLIENT: D.PodIdentity = {
  name: 'client-0',
  namespace: NS,
  ip: '10.200.0.10',
  labels: { app: 'client' },
};
const SERVER: D.PodIdentity = { name: 'server-0', namespace: NS, ip: '10.200.0.20', labels: { app: 'web' } };
const WEB_VIP = '10.201.0.10';
const WEB_PORT = 8080;
const FQDN = (svc: string) => `${svc}.${NS}.svc.cluster.local`;
const out = (port: number, subset: string, svc: string) => `outbound|${port}|${subset}|${FQDN(svc)}`;
const src = (p: D.PodIdentity) => `${p.name}.${p.namespace}`;

/** The server side every family shares: a sidecar whose inbound takes the given ports, its app on 0.0.0.0. */
function serverPod(
  e: D.Era,
  pod: D.PodIdentity,
  ports: D.InboundPort[],
  sockets: [string, number][] | null = null,
): D.SnapshotPod {
  return {
    pod,
    dump: D.configDump(e, pod, {
      listeners: [D.virtualOutbound(), D.virtualInbound(ports)],
      clusters: [...ports.map((p) => D.inboundCluster(e, p.port)), ...D.baseClusters(e)],
    }),
    sockets: sockets ?? [...ports.map((p): [string, number] => ['0.0.0.0', p.port]), ...D.ENVOY_SOCKETS],
  };
}

function webObjects(extraPods: D.PodIdentity[] = []): J[] {
  return [
    D.podManifest(CLIENT, []),
    D.podManifest(SERVER, [WEB_PORT]),
    ...extraPods.map((p) => D.podManifest(p, [WEB_PORT])),
    D.serviceManifest('web', NS, WEB_VIP, [['http-web', WEB_PORT]], { app: 'web' }),
  ];
}

/** A client sidecar with one HTTP listener 0.0.0.0_8080 (RDS "8080") and the given route configuration. */
function httpClient(e: D.Era, virtualHosts: J[], clusters: string[]): D.SnapshotPod {
  const rc: J = {
    name: String(WEB_PORT),
    virtual_hosts: virtualHosts,
    validate_clusters: false,
    // Istio >= 1.15 drops the `host:port` domains and lets Envoy ignore the port instead
    ...(e.portsInDomains ? {} : { ignore_port_in_host_matching: true }),
  };
  return {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, {
      listeners: [
        D.virtualOutbound(),
        D.virtualInbound([]),
        D.outboundListener('0.0.0.0', WEB_PORT, [{ filters: [D.hcmRds(String(WEB_PORT))] }]),
      ],
      clusters: [...clusters.map((c) => D.edsCluster(c)), ...D.baseClusters(e)],
      routes: [rc],
      endpoints: clusters.map((cluster) => ({ cluster, endpoints: [{ ip: SERVER.ip, port: WEB_PORT }] })),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
}

const routeStep = (name: string, absent = false): ExpectStep =>
  absent
    ? { stage: 'route', result: 'matched', name, absent: true }
    : { stage: 'route', result: 'matched', name };

// ------------------------------------------------------------------------------------------------ routes
// Route matching: the first route in order whose path specifier, headers and query parameters all match
// (envoy/api/v3/config/route/v3/route_components.proto, RouteMatch; "Route matching" in Envoy's HTTP routing
// docs). Each route gets a path family of its own so a near miss can only fall to a later route or to none.
interface RouteSpec {
  readonly kind: string;
  readonly match: J;
  readonly hit: { path: string; headers?: string[] };
  readonly misses: { path: string; headers?: string[]; why: string }[];
}

function routeSpecs(k: number): RouteSpec[] {
  const p = `/k${k}`;
  return [
    {
      kind: 'prefix',
      match: { prefix: `${p}/api` },
      hit: { path: `${p}/api/v1` },
      misses: [{ path: `${p}/ap`, why: 'one character short of the prefix' }],
    },
    // `path` is the whole path without the query string
    {
      kind: 'path',
      match: { path: `${p}/exact` },
      hit: { path: `${p}/exact?x=1` },
      misses: [
        { path: `${p}/exact/`, why: 'a trailing slash' },
        { path: `${p}/exacT`, why: 'case differs (case_sensitive defaults to true)' },
      ],
    },
    // safe_regex must match the whole path (RE2 full match)
    {
      kind: 'safe_regex',
      match: { safe_regex: { regex: `${p}/r[0-9]+` } },
      hit: { path: `${p}/r42` },
      misses: [{ path: `${p}/r42x`, why: 'the regex must match the whole path' }],
    },
    // path_separated_prefix: the prefix, then the end of the path, `?` or `/`
    {
      kind: 'path_separated_prefix',
      match: { path_separated_prefix: `${p}/sep` },
      hit: { path: `${p}/sep/a` },
      misses: [{ path: `${p}/separate`, why: 'the prefix is not followed by / ? or the end' }],
    },
    {
      kind: 'prefix-ci',
      match: { prefix: `${p}/Case`, case_sensitive: false },
      hit: { path: `${p}/cASE/x` },
      misses: [{ path: `${p}/cas`, why: 'one character short of the prefix' }],
    },
    {
      kind: 'header-exact',
      match: { prefix: `${p}/h`, headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] },
      hit: { path: `${p}/h`, headers: ['x-version: v2'] },
      misses: [
        { path: `${p}/h`, headers: ['x-version: v3'], why: 'header value differs' },
        { path: `${p}/h`, why: 'header absent' },
      ],
    },
    {
      kind: 'header-prefix-ci',
      match: {
        prefix: `${p}/hp`,
        headers: [{ name: 'x-user', string_match: { prefix: 'Jas', ignore_case: true } }],
      },
      hit: { path: `${p}/hp`, headers: ['x-user: jason'] },
      misses: [{ path: `${p}/hp`, headers: ['x-user: jxson'], why: 'value does not start with the prefix' }],
    },
    {
      kind: 'header-present',
      match: { prefix: `${p}/hx`, headers: [{ name: 'x-debug', present_match: true }] },
      hit: { path: `${p}/hx`, headers: ['x-debug: 1'] },
      misses: [{ path: `${p}/hx`, why: 'header absent' }],
    },
    {
      kind: 'header-regex',
      match: {
        prefix: `${p}/hr`,
        headers: [{ name: 'x-id', string_match: { safe_regex: { regex: '[0-9]{3}' } } }],
      },
      hit: { path: `${p}/hr`, headers: ['x-id: 123'] },
      misses: [{ path: `${p}/hr`, headers: ['x-id: 1234'], why: 'the regex must match the whole value' }],
    },
    {
      kind: 'header-invert',
      match: {
        prefix: `${p}/hi`,
        headers: [{ name: 'x-env', string_match: { exact: 'prod' }, invert_match: true }],
      },
      hit: { path: `${p}/hi`, headers: ['x-env: dev'] },
      misses: [{ path: `${p}/hi`, headers: ['x-env: prod'], why: 'the inverted match holds for prod' }],
    },
    {
      kind: 'query-exact',
      match: { prefix: `${p}/q`, query_parameters: [{ name: 'v', string_match: { exact: '1' } }] },
      hit: { path: `${p}/q?v=1` },
      misses: [{ path: `${p}/q?v=2`, why: 'query value differs' }],
    },
    {
      kind: 'query-present',
      match: { prefix: `${p}/qp`, query_parameters: [{ name: 'debug', present_match: true }] },
      hit: { path: `${p}/qp?debug=yes&x=1` },
      misses: [{ path: `${p}/qp?x=1`, why: 'parameter absent' }],
    },
  ];
}

function routesWorld(seed: number, istio: string, catchAll: boolean): CorpusWorld {
  const r = rng(seed);
  const e = D.era(istio);
  const specs = shuffle(r, routeSpecs(seed % 10));
  const routes = specs.map((s, i) => ({
    name: `r${i}-${s.kind}`,
    match: s.match,
    route: { cluster: out(WEB_PORT, `r${i}`, 'web'), timeout: '0s' },
  }));
  if (catchAll)
    routes.push({
      name: 'default',
      match: { prefix: '/' },
      route: { cluster: out(WEB_PORT, '', 'web'), timeout: '0s' },
    });
  const clusters = [
    ...specs.map((_, i) => out(WEB_PORT, `r${i}`, 'web')),
    ...(catchAll ? [out(WEB_PORT, '', 'web')] : []),
  ];
  const vhName = `web.${NS}.svc.cluster.local:${WEB_PORT}`;
  const client = httpClient(
    e,
    [{ name: vhName, domains: D.serviceDomains(e, 'web', NS, NS, WEB_VIP, WEB_PORT), routes }],
    clusters,
  );
  const id = `routes-${istio}-${seed}`;
  const call = (path: string, headers: string[] = []) => [
    'request',
    src(CLIENT),
    `http://web:${WEB_PORT}${path}`,
    ...headers.flatMap((h) => ['-H', h]),
  ];
  const cases: CorpusCase[] = [];
  specs.forEach((s, i) => {
    const name = `r${i}-${s.kind}`;
    cases.push({
      id: `${id}/${name}/hit`,
      args: call(s.hit.path, s.hit.headers),
      aim: `route ${name} (${s.kind}) matches ${s.hit.path}`,
      expect: {
        result: 'delivered',
        cluster: out(WEB_PORT, `r${i}`, 'web'),
        steps: [{ stage: 'virtualHost', result: 'matched', name: vhName }, routeStep(name)],
      },
    });
    s.misses.forEach((m, j) =>
      cases.push({
        id: `${id}/${name}/miss-${j}`,
        args: call(m.path, m.headers),
        aim: `route ${name} (${s.kind}) just misses ${m.path}: ${m.why}`,
        expect: catchAll
          ? { result: 'delivered', steps: [routeStep(name, true)] }
          : { steps: [routeStep(name, true)] },
      }),
    );
  });
  if (!catchAll)
    cases.push({
      id: `${id}/no-route`,
      args: call('/nothing/here'),
      aim: 'no route matches: 404 NR',
      expect: { result: 'failed', responseFlag: 'NR', steps: [{ stage: 'route', result: 'no-match' }] },
    });
  return {
    id,
    family: 'routes',
    description: `route table of ${routes.length} routes (every match kind, seed ${seed}) on Istio ${istio}${catchAll ? ', with a catch-all' : ''}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [client, serverPod(e, SERVER, [{ port: WEB_PORT, http: true }])],
      webObjects(),
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ domains
// Virtual host selection: exact domain, then the longest suffix wildcard, then the longest prefix
// wildcard, then `*`; domains are matched case-insensitively and a domain with a port only matches a
// Host with that port unless ignore_port_in_host_matching (route_components.proto, VirtualHost.domains;
// route_config.proto, ignore_port_in_host_matching).
function domainsWorld(seed: number, istio: string, star: boolean): CorpusWorld {
  const r = rng(seed);
  const e = D.era(istio);
  const hosts = [
    { name: 'exact', domains: ['shop.example.com'] },
    { name: 'suffix', domains: ['*.example.com'] },
    { name: 'suffix-long', domains: ['*.api.example.com'] },
    { name: 'prefix', domains: ['api.*'] },
    { name: 'ported', domains: ['pinned.example.org:8080'] },
    ...(star ? [{ name: 'star', domains: ['*'] }] : []),
  ];
  const ordered = shuffle(r, hosts);
  const cluster = (vh: string) => out(WEB_PORT, vh, 'web');
  const client = httpClient(
    e,
    ordered.map((h) => ({
      name: h.name,
      domains: h.domains,
      routes: [
        { name: 'default', match: { prefix: '/' }, route: { cluster: cluster(h.name), timeout: '0s' } },
      ],
    })),
    hosts.map((h) => cluster(h.name)),
  );
  const id = `domains-${istio}-${seed}${star ? '-star' : ''}`;
  const fallback = star ? 'star' : null;
  const probes: { host: string; want: string | null; why: string }[] = [
    { host: 'shop.example.com', want: 'exact', why: 'exact domain (wins over *.example.com)' },
    { host: 'SHOP.Example.com', want: 'exact', why: 'domains match case-insensitively' },
    { host: 'a.example.com', want: 'suffix', why: 'suffix wildcard' },
    { host: 'v1.api.example.com', want: 'suffix-long', why: 'the longest suffix wildcard wins' },
    { host: 'api.example.com', want: 'suffix', why: 'a suffix wildcard wins over a prefix wildcard' },
    {
      host: 'example.com',
      want: fallback,
      why: '*.example.com needs at least one character before .example.com',
    },
    { host: 'api.internal', want: 'prefix', why: 'prefix wildcard' },
    { host: 'apix.internal', want: fallback, why: 'api.* needs the dot after api' },
    // with ignore_port_in_host_matching Envoy strips the port of the Host only, never of the domains, so a
    // domain with a port matches nothing (envoy source/common/router/config_impl.cc, findVirtualHost)
    {
      host: 'pinned.example.org:8080',
      want: e.portsInDomains ? 'ported' : fallback,
      why: e.portsInDomains ? 'exact domain with its port' : 'the Host loses its port, the domain keeps it',
    },
    { host: 'pinned.example.org', want: fallback, why: 'a domain with a port needs that port in Host' },
    { host: 'pinned.example.org:9090', want: fallback, why: 'another port' },
    { host: 'nothing.test', want: fallback, why: 'no domain lists it' },
  ];
  const cases: CorpusCase[] = probes.map((p) => ({
    id: `${id}/${p.host.replace(/:/g, '_')}`,
    args: [
      'pod-to-pod',
      src(CLIENT),
      WEB_VIP,
      '--port',
      String(WEB_PORT),
      '--protocol',
      'http',
      '--host',
      p.host,
    ],
    aim: `Host ${p.host} → ${p.want ?? 'no virtual host (404 NR)'}: ${p.why}`,
    expect: p.want
      ? {
          result: 'delivered',
          cluster: cluster(p.want),
          steps: [{ stage: 'virtualHost', result: 'matched', name: p.want }],
        }
      : { result: 'failed', responseFlag: 'NR', steps: [{ stage: 'virtualHost', result: 'no-match' }] },
  }));
  return {
    id,
    family: 'domains',
    description: `virtual hosts with exact, suffix, prefix${star ? ', *' : ''} and ported domains (seed ${seed}) on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [client, serverPod(e, SERVER, [{ port: WEB_PORT, http: true }])],
      webObjects(),
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ chains
// Filter-chain selection on a gateway's bound listener: destination port, destination IP prefix, server
// name (exact, then wildcard), transport protocol, then source type and source prefix; the most specific
// value wins at each level and there is no backtracking (listener_components.proto, FilterChainMatch).
const GW: D.PodIdentity = {
  name: 'gateway-0',
  namespace: NS,
  ip: '10.200.0.30',
  labels: { app: 'gateway', istio: 'ingressgateway' },
  type: 'router',
};
const UP = (n: string): D.PodIdentity => ({
  name: `up-${n}`,
  namespace: NS,
  ip: `10.200.1.${10 + n.charCodeAt(0) - 97}`,
  labels: { app: `up-${n}` },
});

function chainsWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const ups = ['a', 'b', 'c', 'd', 'e', 'f'].map(UP);
  const cl = (n: string) => out(9000, '', `up-${n}`);
  const tls = (port: number) => ({
    name: 'envoy.filters.listener.tls_inspector',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
    },
    port,
  });
  const chainsFor: J[] = [
    {
      name: 'sni-exact',
      filter_chain_match: { server_names: ['a.example.com'] },
      filters: [D.tcpProxy(cl('a'))],
    },
    {
      name: 'sni-wildcard',
      filter_chain_match: { server_names: ['*.example.com'] },
      filters: [D.tcpProxy(cl('b'))],
    },
    { name: 'tls-any', filter_chain_match: { transport_protocol: 'tls' }, filters: [D.tcpProxy(cl('c'))] },
    {
      name: 'plain-local',
      filter_chain_match: {
        transport_protocol: 'raw_buffer',
        source_prefix_ranges: [{ address_prefix: '10.200.0.0', prefix_len: 24 }],
      },
      filters: [D.tcpProxy(cl('d'))],
    },
    {
      name: 'plain-any',
      filter_chain_match: { transport_protocol: 'raw_buffer' },
      filters: [D.tcpProxy(cl('e'))],
    },
  ];
  const dportChains: J[] = [
    {
      name: 'dst-gw-ip',
      filter_chain_match: { prefix_ranges: [{ address_prefix: GW.ip, prefix_len: 32 }] },
      filters: [D.tcpProxy(cl('f'))],
    },
    {
      name: 'dst-other',
      filter_chain_match: { prefix_ranges: [{ address_prefix: '192.0.2.0', prefix_len: 24 }] },
      filters: [D.tcpProxy(cl('a'))],
    },
  ];
  const gwDump = D.configDump(e, GW, {
    listeners: [
      D.listener('0.0.0.0_8443', '0.0.0.0', 8443, chainsFor, {
        listener_filters: [{ name: tls(8443).name, typed_config: tls(8443).typed_config }],
        traffic_direction: 'OUTBOUND',
      }),
      D.listener('0.0.0.0_9443', '0.0.0.0', 9443, dportChains, { traffic_direction: 'OUTBOUND' }),
    ],
    clusters: [...ups.map((u) => D.edsCluster(out(9000, '', u.name))), ...D.baseClusters(e)],
    endpoints: ups.map((u) => ({ cluster: out(9000, '', u.name), endpoints: [{ ip: u.ip, port: 9000 }] })),
  });
  const id = `chains-${istio}`;
  const gw = (port: number, extra: string[]) => ['gateway', src(GW), '--port', String(port), ...extra];
  const hit = (chain: string, cluster: string): ExpectStep[] => [
    { stage: 'filterChain', result: 'matched', name: chain },
    { stage: 'cluster', name: cluster },
  ];
  const cases: CorpusCase[] = [
    {
      id: `${id}/sni-exact`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'a.example.com']),
      aim: 'SNI a.example.com: the exact server name wins over *.example.com',
      expect: { result: 'delivered', steps: hit('sni-exact', cl('a')) },
    },
    {
      id: `${id}/sni-wildcard`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'b.example.com']),
      aim: 'SNI b.example.com: the wildcard server name',
      expect: { result: 'delivered', steps: hit('sni-wildcard', cl('b')) },
    },
    {
      id: `${id}/sni-deep`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'x.b.example.com']),
      aim: 'SNI x.b.example.com: *.example.com matches any depth',
      expect: { result: 'delivered', steps: hit('sni-wildcard', cl('b')) },
    },
    {
      id: `${id}/sni-bare`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'example.com']),
      aim: 'SNI example.com just misses *.example.com: falls to the chains without server names',
      expect: { result: 'delivered', steps: hit('tls-any', cl('c')) },
    },
    {
      id: `${id}/sni-other`,
      args: gw(8443, ['--protocol', 'tls', '--sni', 'other.test']),
      aim: 'SNI other.test: no server name, TLS chain',
      expect: { result: 'delivered', steps: hit('tls-any', cl('c')) },
    },
    {
      id: `${id}/plain-local`,
      args: gw(8443, ['--protocol', 'tcp']),
      aim: 'plaintext from 10.200.0.0/24 (the client pod): the source-prefix chain',
      expect: { result: 'delivered', steps: hit('plain-local', cl('d')) },
    },
    {
      id: `${id}/dst-prefix`,
      args: gw(9443, ['--protocol', 'tcp']),
      aim: 'destination is the gateway IP: the /32 prefix chain',
      expect: { result: 'delivered', steps: hit('dst-gw-ip', cl('f')) },
    },
  ];
  return {
    id,
    family: 'chains',
    description: `a gateway's filter chains on SNI (exact, wildcard), transport protocol, source prefix and destination prefix on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        {
          pod: GW,
          dump: gwDump,
          // a gateway pod runs Envoy alone: no app sockets (its listeners are Envoy's own)
          sockets: null,
        },
        ...ups.map((u) => ({ pod: u, dump: null, sockets: [['0.0.0.0', 9000]] as [string, number][] })),
      ],
      [D.podManifest(GW, [8443, 9443], false), ...ups.map((u) => D.podManifest(u, [9000], false))],
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ inbound chains
// The receiving sidecar's virtualInbound: destination port, then transport protocol (tls_inspector), then
// the passthrough chain for ports no service declares; the source prefix narrows after those.
function inboundWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const ports: D.InboundPort[] = [
    { port: 7000, http: false, mtls: 'PERMISSIVE' },
    { port: 7001, http: false, mtls: 'STRICT' },
    { port: 7002, http: false, mtls: 'DISABLE' },
    { port: 8080, http: true, mtls: 'PERMISSIVE' },
  ];
  const server = serverPod(e, SERVER, ports, [
    ['0.0.0.0', 7000],
    ['0.0.0.0', 7001],
    ['0.0.0.0', 7002],
    ['0.0.0.0', 8080],
    ['0.0.0.0', 7500],
    ...D.ENVOY_SOCKETS,
  ]);
  const id = `inbound-${istio}`;
  const inb = (port: number, extra: string[] = []) => [
    'inbound',
    src(SERVER),
    '--port',
    String(port),
    '--from',
    CLIENT.ip,
    ...extra,
  ];
  const cases: CorpusCase[] = [
    {
      id: `${id}/permissive-plain`,
      args: inb(7000),
      aim: 'plaintext into PERMISSIVE 7000: the raw_buffer chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_7000' }],
      },
    },
    {
      id: `${id}/strict-plain`,
      args: inb(7001),
      aim: 'plaintext into STRICT 7001: no chain (the passthrough chain needs another port)',
      expect: { result: 'failed' },
    },
    {
      id: `${id}/disable-plain`,
      args: inb(7002),
      aim: 'plaintext into DISABLE 7002: the raw_buffer chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_7002' }],
      },
    },
    {
      id: `${id}/http-plain`,
      args: inb(8080, ['--protocol', 'http']),
      aim: 'plaintext HTTP into PERMISSIVE 8080',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: '0.0.0.0_8080' }],
      },
    },
    {
      id: `${id}/undeclared`,
      args: inb(7500),
      aim: 'a port no service declares: the virtualInbound passthrough chain',
      expect: {
        result: 'delivered',
        steps: [{ stage: 'filterChain', result: 'matched', name: 'virtualInbound' }],
      },
    },
  ];
  return {
    id,
    family: 'chains',
    description: `a sidecar's inbound chains (PERMISSIVE, STRICT, DISABLE, passthrough) on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [server, { pod: CLIENT, dump: null, sockets: null }],
      [
        D.podManifest(CLIENT, [], false),
        D.podManifest(
          SERVER,
          ports.map((p) => p.port),
        ),
      ],
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ capture
// istio-iptables: outbound traffic to includeOutboundIPRanges (default *) minus excludeOutboundIPRanges and
// excludeOutboundPorts is redirected to 15001; inbound ports in includeInboundPorts (default *) minus
// excludeInboundPorts to 15006 (istio tools/istio-iptables, and the annotations' reference page).
function captureWorld(
  n: number,
  annotations: Record<string, string>,
  probes: { ip: string; port: number; captured: boolean; why: string }[],
): CorpusWorld {
  const e = D.era('1.16.0');
  const client: D.PodIdentity = { ...CLIENT, annotations };
  const targets = [...new Set(probes.map((p) => `${p.ip}:${p.port}`))];
  const hostPods: D.PodIdentity[] = [...new Set(probes.map((p) => p.ip))].map((ip, i) => ({
    name: `host-${i}`,
    namespace: NS,
    ip,
    labels: { app: `host-${i}` },
  }));
  const id = `capture-${n}`;
  const clientPod: D.SnapshotPod = {
    pod: client,
    dump: D.configDump(e, client, {
      listeners: [D.virtualOutbound(), D.virtualInbound([])],
      clusters: D.baseClusters(e),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
  const cases: CorpusCase[] = probes.map((p) => ({
    id: `${id}/${p.ip}_${p.port}`,
    args: ['pod-to-pod', src(CLIENT), p.ip, '--port', String(p.port)],
    aim: `${p.ip}:${p.port} ${p.captured ? 'is captured' : 'bypasses the sidecar'}: ${p.why}`,
    expect: p.captured
      ? {
          result: 'delivered',
          via: 'passthrough',
          steps: [
            { stage: 'capture', result: 'matched' },
            { stage: 'listener', result: 'matched', name: 'virtualOutbound' },
          ],
        }
      : { result: 'delivered', via: 'bypass', steps: [{ stage: 'listener', absent: true }] },
  }));
  return {
    id,
    family: 'capture',
    description: `capture annotations ${JSON.stringify(annotations)} (${targets.length} destinations)`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...hostPods.map((h) => ({
          pod: h,
          dump: null,
          sockets: [...new Set(probes.filter((p) => p.ip === h.ip).map((p) => p.port))].map(
            (port): [string, number] => ['0.0.0.0', port],
          ),
        })),
      ],
      [
        D.podManifest(client, []),
        ...hostPods.map((h) =>
          D.podManifest(
            h,
            probes.filter((p) => p.ip === h.ip).map((p) => p.port),
            false,
          ),
        ),
      ],
    ),
    cases,
  };
}

function captureWorlds(): CorpusWorld[] {
  const A = 'traffic.sidecar.istio.io/';
  return [
    captureWorld(1, { [`${A}excludeOutboundIPRanges`]: '10.210.0.0/16' }, [
      { ip: '10.210.3.4', port: 7000, captured: false, why: 'inside the excluded range' },
      { ip: '10.211.0.4', port: 7000, captured: true, why: 'just outside 10.210.0.0/16' },
    ]),
    captureWorld(2, { [`${A}includeOutboundIPRanges`]: '10.220.0.0/24' }, [
      { ip: '10.220.0.9', port: 7000, captured: true, why: 'inside the included range' },
      { ip: '10.220.1.9', port: 7000, captured: false, why: 'just outside 10.220.0.0/24' },
    ]),
    captureWorld(3, { [`${A}excludeOutboundPorts`]: '7001,7003' }, [
      { ip: '10.230.0.5', port: 7001, captured: false, why: 'an excluded port' },
      { ip: '10.230.0.5', port: 7002, captured: true, why: 'a port next to an excluded one' },
      { ip: '10.230.0.5', port: 7003, captured: false, why: 'an excluded port' },
    ]),
    captureWorld(
      4,
      { [`${A}includeOutboundIPRanges`]: '10.240.0.0/16', [`${A}excludeOutboundIPRanges`]: '10.240.5.0/24' },
      [
        { ip: '10.240.4.1', port: 7000, captured: true, why: 'included and not excluded' },
        { ip: '10.240.5.1', port: 7000, captured: false, why: 'excluded wins over included' },
        { ip: '10.241.0.1', port: 7000, captured: false, why: 'outside the included range' },
      ],
    ),
  ];
}

// ------------------------------------------------------------------------------------------------ bind × era
// Where the inbound cluster connects: 127.0.0.1:<port> before Istio 1.10, the pod IP (from 127.0.0.6) from
// 1.10 (Istio 1.10 upgrade notes, "Inbound forwarding"); the app accepts only if it listens on that address
// or on 0.0.0.0 (a socket bound to one address accepts only connections to it: ip(7), bind(2)).
// The inbound cluster is reached by tcp_proxy, which logs a refused connect as UF,URX (tcp_proxy.cc: the
// attempt past max_connect_attempts, default 1, sets URX).
function bindWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const port = 7000;
  const binds = [
    { n: 'any', sockets: (ip: string): [string, number][] | null => (void ip, [['0.0.0.0', port]]) },
    { n: 'podip', sockets: (ip: string): [string, number][] | null => [[ip, port]] },
    { n: 'loopback', sockets: (): [string, number][] | null => [['127.0.0.1', port]] },
    { n: 'absent', sockets: (): [string, number][] | null => [['0.0.0.0', port + 1]] },
  ];
  const pods = binds.map((b, i) => ({
    b,
    pod: {
      name: `bind-${b.n}`,
      namespace: NS,
      ip: `10.200.2.${10 + i}`,
      labels: { app: `bind-${b.n}` },
    } as D.PodIdentity,
  }));
  const clientPod: D.SnapshotPod = {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, {
      listeners: [D.virtualOutbound(), D.virtualInbound([])],
      clusters: D.baseClusters(e),
    }),
    sockets: D.ENVOY_SOCKETS,
  };
  const id = `bind-${istio}`;
  const accepts = (n: string) =>
    n === 'any' || (n === 'podip' ? e.inboundOriginalDst : n === 'loopback' ? !e.inboundOriginalDst : false);
  const cases: CorpusCase[] = pods.map(({ b, pod }) => ({
    id: `${id}/${b.n}`,
    args: ['pod-to-pod', src(CLIENT), src(pod), '--port', String(port)],
    aim: `app bound ${b.n} on Istio ${istio}: ${accepts(b.n) ? 'accepts' : 'refuses'} the sidecar's connection to ${e.inboundOriginalDst ? 'the pod IP' : '127.0.0.1'}`,
    expect: accepts(b.n)
      ? { result: 'delivered', steps: [{ stage: 'application', result: 'matched' }] }
      : { result: 'failed', responseFlag: 'UF,URX', steps: [{ stage: 'application', result: 'failed' }] },
  }));
  return {
    id,
    family: 'bind',
    description: `apps bound to 0.0.0.0, the pod IP, 127.0.0.1 or not at all, behind an Istio ${istio} sidecar`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...pods.map(({ b, pod }) =>
          serverPod(e, pod, [{ port, http: false }], [...(b.sockets(pod.ip) ?? []), ...D.ENVOY_SOCKETS]),
        ),
      ],
      [D.podManifest(CLIENT, []), ...pods.map(({ pod }) => D.podManifest(pod, [port]))],
    ),
    cases,
  };
}

// ------------------------------------------------------------------------------------------------ mTLS
// Auto mTLS: the client sidecar sends Istio mTLS to endpoints labelled tlsMode=istio (transport_socket_matches,
// cluster.proto); the receiving sidecar's inbound chains accept mTLS (tls + ALPN istio*) and/or plaintext by
// PeerAuthentication mode.
function mtlsWorld(istio: string): CorpusWorld {
  const e = D.era(istio);
  const modes: ('STRICT' | 'PERMISSIVE' | 'DISABLE')[] = ['STRICT', 'PERMISSIVE', 'DISABLE'];
  const port = 7000;
  const servers = modes.map((m, i) => ({
    m,
    pod: {
      name: `mtls-${m.toLowerCase()}`,
      namespace: NS,
      ip: `10.200.3.${10 + i}`,
      labels: { app: `mtls-${m.toLowerCase()}` },
    } as D.PodIdentity,
    vip: `10.201.3.${10 + i}`,
  }));
  const cl = (svc: string, istioEp: boolean) => out(port, istioEp ? 'mtls' : 'plain', svc);
  const listeners: J[] = [D.virtualOutbound(), D.virtualInbound([])];
  const clusters: J[] = [...D.baseClusters(e)];
  const endpoints: { cluster: string; endpoints: D.Endpoint[] }[] = [];
  for (const s of servers) {
    const svc = s.pod.name;
    // two VIPs per server: one whose endpoint carries tlsMode=istio (mTLS), one without (plaintext)
    for (const [k, istioEp] of [
      [0, true],
      [1, false],
    ] as const) {
      const vip = s.vip.replace(/\.(\d+)$/, (_, d: string) => `.${Number(d) + k * 100}`);
      const c = cl(svc, istioEp);
      listeners.push(D.outboundListener(vip, port, [{ filters: [D.tcpProxy(c)] }]));
      clusters.push(D.edsCluster(c, `outbound_.${port}_._.${FQDN(svc)}`));
      endpoints.push({ cluster: c, endpoints: [{ ip: s.pod.ip, port, istio: istioEp }] });
    }
  }
  const clientPod: D.SnapshotPod = {
    pod: CLIENT,
    dump: D.configDump(e, CLIENT, { listeners, clusters, endpoints }),
    sockets: D.ENVOY_SOCKETS,
  };
  const id = `mtls-${istio}`;
  const cases: CorpusCase[] = servers.flatMap((s) =>
    (
      [
        [0, true],
        [1, false],
      ] as const
    ).map(([k, istioEp]) => {
      const vip = s.vip.replace(/\.(\d+)$/, (_, d: string) => `.${Number(d) + k * 100}`);
      const ok = istioEp ? s.m !== 'DISABLE' : s.m !== 'STRICT';
      return {
        id: `${id}/${s.m.toLowerCase()}-${istioEp ? 'mtls' : 'plain'}`,
        args: ['pod-to-pod', src(CLIENT), vip, '--port', String(port)],
        aim: `${istioEp ? 'Istio mTLS' : 'plaintext'} into a ${s.m} inbound: ${ok ? 'accepted' : 'no chain takes it'}`,
        expect: ok
          ? {
              result: 'delivered' as const,
              cluster: cl(s.pod.name, istioEp),
              steps: [{ stage: 'filterChain' as const, result: 'matched' as const, name: `0.0.0.0_${port}` }],
            }
          : { result: 'failed' as const, cluster: cl(s.pod.name, istioEp) },
      };
    }),
  );
  return {
    id,
    family: 'mtls',
    description: `auto mTLS and plaintext into STRICT, PERMISSIVE and DISABLE inbound chains on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [
        clientPod,
        ...servers.map((s) =>
          serverPod(e, s.pod, [{ port, http: false, mtls: s.m }], [['0.0.0.0', port], ...D.ENVOY_SOCKETS]),
        ),
      ],
      [D.podManifest(CLIENT, []), ...servers.map((s) => D.podManifest(s.pod, [port]))],
    ),
    cases,
  };
}

export const CORPUS_SEED = 20261207;

/** Every generated world, in a fixed order (the seed makes them the same on every run). */
export function generatedWorlds(seed = CORPUS_SEED): CorpusWorld[] {
  const r = rng(seed);
  const s = () => Math.floor(r() * 1_000_000);
  return [
    routesWorld(s(), '1.9.5', true),
    routesWorld(s(), '1.10.0', false),
    routesWorld(s(), '1.16.0', true),
    routesWorld(s(), '1.20.0', false),
    domainsWorld(s(), '1.10.0', true),
    domainsWorld(s(), '1.16.0', false),
    chainsWorld('1.16.0'),
    inboundWorld('1.9.5'),
    inboundWorld('1.16.0'),
    ...captureWorlds(),
    bindWorld('1.9.5'),
    bindWorld('1.10.0'),
    bindWorld('1.20.0'),
    mtlsWorld('1.10.0'),
    mtlsWorld('1.20.0'),
  ];
}
