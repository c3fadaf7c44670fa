// One proxy's config dump as a bootstrap upstream Envoy (1.40) runs by itself, for `meshctl replay` (issue 13,
// ../shared/design/replay.md "A bootstrap per proxy"). Everything is static: no xDS server exists in the replay
// world, so what the proxy had received over ADS is written into `static_resources`:
// - listeners: the serving ones (static, and dynamic active; warming and draining are not serving:
//   envoy-semantics.md section 0), each HCM's `rds` inlined as its `route_config`;
// - clusters: static and dynamic active; EDS becomes STATIC with the dumped ClusterLoadAssignment (or the
//   manifests' endpoints, exactly where explain takes them from: engine/upstream.ts endpointsOf);
// - SDS over ADS becomes static secrets holding the run's test certificates;
// - extensions only istio-proxy has (mixer, istio_authn, istio.alpn, metadata exchange, stats, Wasm plugins)
//   are removed, and istio.alpn, which changes the path, is emulated;
// - v2-era fields that Envoy 1.40's v3 API no longer has are converted or dropped.
// Every change is an adaptation the replay report lists, so a reader knows what was not replayed verbatim.
// Pure: the certificates and file paths come in as arguments.
import type { ConfigDump } from '../model/config-dump.js';
import type { IndexEntry } from '../model/dump-index.js';
import { eraOf } from '../engine/era.js';
import { endpointsOf } from '../engine/upstream.js';
import { decodeCluster } from '../model/cluster.js';
import { obj, str } from '../model/fields.js';
import { emptyInventory, type MeshInventory } from '../model/k8s.js';
import { isObject, TYPE_URL_PREFIX, type Json, type JsonObject } from '../model/normalize.js';

/** One change made to the dump's config so that upstream Envoy runs it. */
export interface Adaptation {
  /** What was changed: `removed HTTP filter istio.stats`. */
  readonly what: string;
  /** Where, as a path of names: `listeners[0.0.0.0_9080].filter_chains[0]`, or `3 places: …`. */
  readonly where: string;
  /** Why, in one sentence. */
  readonly why: string;
}

/** PEM texts made by the effectful layer (src/replay/certs.ts) from the run's test CA. */
export interface TestCertificates {
  /** The run's root: every proxy trusts it (one trust domain). */
  readonly rootCert: string;
  /** This proxy's workload certificate (SAN spiffe://<trust domain>/ns/<ns>/sa/<sa>), then the root. */
  readonly certChain: string;
  readonly privateKey: string;
}

export type AdminAddress = { readonly address: string; readonly port: number } | { readonly pipe: string };

export interface BootstrapOptions {
  readonly certificates: TestCertificates;
  /** The file every access log of this proxy writes to (JSON lines, ACCESS_LOG_FORMAT). */
  readonly accessLogPath: string;
  /** Kubernetes objects: endpoints of EDS clusters the dump holds none for, as explain uses them. */
  readonly inventory?: MeshInventory;
  /** Default 127.0.0.1:15000, where Istio's own bootstrap puts it (its 15090 stats listener points there). */
  readonly admin?: AdminAddress;
  /**
   * More extension type URLs (or names) to remove, beyond those known to be Istio's: what a `--mode
   * validate` of an earlier attempt rejected as unknown to this Envoy build.
   */
  readonly unsupported?: readonly string[];
}

export interface ServedListener {
  readonly name: string;
  readonly address: string | undefined;
  readonly port: number | undefined;
  /** false for Istio's per-port listeners that only receive hand-offs (bind_to_port false). */
  readonly bound: boolean;
}

export interface ReplayBootstrap {
  /** envoy.config.bootstrap.v3.Bootstrap, JSON as Envoy reads it. */
  readonly bootstrap: JsonObject;
  readonly adaptations: Adaptation[];
  /** Set when the dump cannot be replayed faithfully; the bootstrap is then what could be made. */
  readonly skipped?: string;
  readonly listeners: ServedListener[];
  /** Clusters whose hosts are DNS names: nothing in the replay world resolves them. */
  readonly dnsClusters: string[];
}

const T = TYPE_URL_PREFIX;

/**
 * The access-log format on every listener, HCM and tcp_proxy: JSON lines whose values are Envoy's command
 * operators (https://www.envoyproxy.io/docs/envoy/v1.40.0/configuration/observability/access_log/usage).
 * `log` says which kind of log wrote the line; the rest are named after the operator they hold.
 */
export function accessLogFormat(kind: 'listener' | 'http' | 'tcp'): JsonObject {
  return {
    log: kind,
    access_log_type: '%ACCESS_LOG_TYPE%',
    listener_name: '%LISTENER_NAME%',
    filter_chain_name: '%FILTER_CHAIN_NAME%',
    route_name: '%ROUTE_NAME%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    upstream_host: '%UPSTREAM_HOST%',
    upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
    upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
    response_flags: '%RESPONSE_FLAGS%',
    response_code: '%RESPONSE_CODE%',
    response_code_details: '%RESPONSE_CODE_DETAILS%',
    connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
    downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
    downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
    requested_server_name: '%REQUESTED_SERVER_NAME%',
    downstream_tls_version: '%DOWNSTREAM_TLS_VERSION%',
    downstream_peer_uri_san: '%DOWNSTREAM_PEER_URI_SAN%',
    upstream_peer_uri_san: '%UPSTREAM_PEER_URI_SAN%',
    protocol: '%PROTOCOL%',
    method: '%REQ(:METHOD)%',
    authority: '%REQ(:AUTHORITY)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    bytes_received: '%BYTES_RECEIVED%',
    bytes_sent: '%BYTES_SENT%',
    connection_id: '%CONNECTION_ID%',
    start_time: '%START_TIME%',
  };
}

/** One line of the replay access log, read back. Absent values ("-" or null) are left out. */
export interface ReplayLogRecord {
  readonly log: 'listener' | 'http' | 'tcp';
  readonly fields: Readonly<Record<string, string | number>>;
}

/** The JSON lines an Envoy running a replay bootstrap wrote; lines that are not such records are skipped. */
export function parseReplayLog(text: string): ReplayLogRecord[] {
  const out: ReplayLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(v) || (v.log !== 'listener' && v.log !== 'http' && v.log !== 'tcp')) continue;
    const fields: Record<string, string | number> = {};
    for (const [k, x] of Object.entries(v))
      if (k !== 'log' && x !== null && x !== '-' && (typeof x === 'string' || typeof x === 'number'))
        fields[k] = x;
    out.push({ log: v.log, fields });
  }
  return out;
}

/** The SPIFFE identity a proxy's certificate carries, as Istio's CA would issue it. */
export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly spiffe: string;
}

/**
 * Who the proxy is to mTLS peers: namespace and service account from the bootstrap's node metadata
 * (NAMESPACE, SERVICE_ACCOUNT), the trust domain from the SANs its clusters expect of their peers, else
 * Istio's default `cluster.local`.
 */
export function workloadIdentity(dump: ConfigDump, trustDomain?: string): WorkloadIdentity {
  const id = dump.identity();
  const md = obj(obj(dump.bootstrap(), 'node'), 'metadata');
  const namespace = id.namespace ?? 'default';
  const serviceAccount = str(md, 'SERVICE_ACCOUNT') ?? 'default';
  const td = trustDomain ?? trustDomainOf(dump) ?? 'cluster.local';
  return {
    trustDomain: td,
    namespace,
    serviceAccount,
    spiffe: `spiffe://${td}/ns/${namespace}/sa/${serviceAccount}`,
  };
}

/**
 * The peer identities a cluster's upstream TLS accepts (match_subject_alt_names, exact, of its
 * transport_socket and transport_socket_matches): a stand-in for the upstream's sidecar needs a certificate
 * naming one of them, as Istio's would.
 */
export function expectedPeerSans(dump: ConfigDump, clusterName: string): string[] {
  const e = dump.entries('cluster').find((x) => serving(x) && x.name === clusterName);
  if (!e) return [];
  const out = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      for (const m of Array.isArray(v.match_subject_alt_names)
        ? v.match_subject_alt_names.filter(isObject)
        : [])
        if (typeof m.exact === 'string') out.add(m.exact);
      for (const s of Array.isArray(v.verify_subject_alt_name) ? v.verify_subject_alt_name : [])
        if (typeof s === 'string') out.add(s);
      Object.values(v).forEach(walk);
    }
  };
  walk(dump.resource(e));
  return [...out].sort();
}

/** The trust domain of the first SPIFFE SAN the proxy's clusters verify, if any. */
export function trustDomainOf(dump: ConfigDump): string | undefined {
  for (const e of dump.entries('cluster')) {
    if (e.state !== 'active' && e.state !== 'static') continue;
    const m = /spiffe:\/\/([^/"]+)\/ns\//.exec(JSON.stringify(dump.resource(e)));
    if (m) return m[1];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Extensions

/**
 * v2-era filter names whose untyped `config` (Istio <= 1.2) Envoy 1.40 needs as a typed_config, with the v3
 * type each configures (Envoy's v2 → v3 migration: api/API_VERSIONING.md, the "well known names" of
 * source/extensions/filters/*). normalize.ts already types the tcp_proxy and HCM.
 */
const LEGACY_NAMES: Record<string, string> = {
  'envoy.router': 'envoy.extensions.filters.http.router.v3.Router',
  'envoy.cors': 'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.fault': 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.health_check': 'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.grpc_web': 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  'envoy.lua': 'envoy.extensions.filters.http.lua.v3.Lua',
  'envoy.filters.http.rbac': 'envoy.extensions.filters.http.rbac.v3.RBAC',
  'envoy.filters.http.jwt_authn': 'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
  'envoy.ext_authz': 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.filters.network.rbac': 'envoy.extensions.filters.network.rbac.v3.RBAC',
  'envoy.mongo_proxy': 'envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy',
  'envoy.redis_proxy': 'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
  'envoy.listener.tls_inspector': 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.filters.listener.tls_inspector': 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  'envoy.listener.original_dst': 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.filters.listener.original_dst': 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  'envoy.listener.http_inspector': 'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.filters.listener.http_inspector':
    'envoy.extensions.filters.listener.http_inspector.v3.HttpInspector',
  'envoy.listener.proxy_protocol': 'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
  'envoy.transport_sockets.raw_buffer': 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  raw_buffer: 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  'envoy.retry_host_predicates.previous_hosts':
    'envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate',
};

const BY_NAME: Record<string, string> = {
  ...LEGACY_NAMES,
  'envoy.filters.http.router': 'envoy.extensions.filters.http.router.v3.Router',
  'envoy.filters.http.cors': 'envoy.extensions.filters.http.cors.v3.Cors',
  'envoy.filters.http.grpc_web': 'envoy.extensions.filters.http.grpc_web.v3.GrpcWeb',
  'envoy.filters.http.fault': 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  'envoy.filters.http.health_check': 'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.filters.http.lua': 'envoy.extensions.filters.http.lua.v3.Lua',
  'envoy.filters.http.grpc_stats': 'envoy.extensions.filters.http.grpc_stats.v3.FilterConfig',
  'envoy.filters.http.ext_authz': 'envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
  'envoy.filters.network.tcp_proxy': 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.filters.network.http_connection_manager':
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.filters.network.mongo_proxy': 'envoy.extensions.filters.network.mongo_proxy.v3.MongoProxy',
  'envoy.filters.network.redis_proxy': 'envoy.extensions.filters.network.redis_proxy.v3.RedisProxy',
  'envoy.filters.network.sni_cluster': 'envoy.extensions.filters.network.sni_cluster.v3.SniCluster',
  'envoy.filters.listener.proxy_protocol':
    'envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol',
  'envoy.access_loggers.file': 'envoy.extensions.access_loggers.file.v3.FileAccessLog',
};

/** Extension names only istio-proxy knows (Istio's proxy repo: extensions/, source/extensions/filters/). */
const ISTIO_NAMES = new Set([
  'mixer',
  'istio_authn',
  'jwt-auth',
  'istio.alpn',
  'istio.stats',
  'istio.metadata_exchange',
  'istio.peer_metadata',
  'envoy.filters.network.metadata_exchange',
  'envoy.filters.network.upstream.metadata_exchange',
  'envoy.filters.http.wasm',
  'envoy.filters.network.wasm',
  'envoy.wasm.stats',
  'envoy.wasm.metadata_exchange',
]);

/** The message name an extension is configured with: typed_config's @type, a TypedStruct's type_url, else by name. */
export function extensionType(f: JsonObject): string | undefined {
  const tc = obj(f, 'typed_config');
  let url = str(tc, '@type');
  if (url && /(udpa|xds)\.type\.v[13]\.TypedStruct$/.test(url)) url = str(tc, 'type_url') ?? url;
  if (url) return url.startsWith(T) ? url.slice(T.length) : url;
  const name = str(f, 'name');
  return name ? BY_NAME[name] : undefined;
}

/** v2 extension config packages and their v3 successors (api/envoy/config/filter/* → api/envoy/extensions/filters/*). */
function upgradeExtensionType(type: string): string {
  const m = /^envoy\.config\.filter\.(http|network|listener)\.(\w+)\.v2(?:alpha1?)?\.(\w+)$/.exec(type);
  if (m) return `envoy.extensions.filters.${m[1]}.${m[2]}.v3.${m[3]}`;
  const a = /^envoy\.config\.accesslog\.v2\.(\w+)$/.exec(type);
  if (a) return `envoy.extensions.access_loggers.file.v3.${a[1]}`;
  return type;
}

// ---------------------------------------------------------------------------------------------------------
// The conversion

interface Place {
  what: string;
  why: string;
  where: string[];
}

function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function serving(e: IndexEntry): boolean {
  return e.state === 'active' || e.state === 'static';
}

/** Istio's defaults for istio.alpn (pilot/pkg/networking/core/ ALPN override: mtlsHTTP10ALPN, mtlsHTTP11ALPN, mtlsHTTP2ALPN). */
const ISTIO_ALPN_DEFAULT: Record<string, string[]> = {
  HTTP10: ['istio-http/1.0', 'istio', 'http/1.0'],
  HTTP11: ['istio-http/1.1', 'istio', 'http/1.1'],
  HTTP2: ['istio-h2', 'istio', 'h2'],
};

class Conversion {
  private readonly places = new Map<string, Place>();
  readonly certNames = new Set<string>();
  readonly validationNames = new Set<string>();
  /** Cluster names → ALPN list istio.alpn would have set, per the HCMs that route to them. */
  readonly alpnFor = new Map<string, { protocols: Record<string, string[]>; where: string }>();
  readonly tcpClusters = new Set<string>();
  skipped: string | undefined;
  private readonly routes = new Map<string, JsonObject>();
  private readonly unsupported: Set<string>;
  private readonly implicitTlsInspector: boolean;

  constructor(
    readonly dump: ConfigDump,
    readonly o: BootstrapOptions,
  ) {
    this.unsupported = new Set(o.unsupported ?? []);
    for (const e of dump.entries('routeConfig'))
      if (serving(e) && !this.routes.has(e.name)) this.routes.set(e.name, dump.resource(e));
    this.implicitTlsInspector = eraOf(dump).implicitTlsInspector;
  }

  adapt(what: string, where: string, why: string): void {
    const key = `${what}\u0000${why}`;
    const p = this.places.get(key);
    if (p) p.where.push(where);
    else this.places.set(key, { what, why, where: [where] });
  }

  adaptations(): Adaptation[] {
    return [...this.places.values()].map((p) => ({
      what: p.what,
      where:
        p.where.length === 1
          ? p.where[0]!
          : `${p.where.length} places: ${p.where.slice(0, 3).join(', ')}${p.where.length > 3 ? ', …' : ''}`,
      why: p.why,
    }));
  }

  skip(reason: string): void {
    this.skipped ??= reason;
  }

  /** Why an extension cannot stay, or undefined when upstream Envoy has it. */
  private removal(f: JsonObject): string | undefined {
    const name = str(f, 'name') ?? '';
    const type = extensionType(f);
    if (this.unsupported.has(name) || (type && this.unsupported.has(type)))
      return 'this Envoy build does not have it (its --mode validate rejected it)';
    if (type && /^(istio\.|io\.istio\.|envoy\.tcp\.metadataexchange\.)/.test(type))
      return "it is one of istio-proxy's own extensions, which upstream Envoy does not have";
    if (type && /\.wasm\.v3\.Wasm$/.test(type))
      return "a Wasm plugin: Istio's run in istio-proxy's built-in (null) VM, which upstream Envoy does not have";
    if (ISTIO_NAMES.has(name))
      return "it is one of istio-proxy's own extensions, which upstream Envoy does not have";
    return undefined;
  }

  /**
   * A filter (network, HTTP or listener) as Envoy 1.40 reads it: typed, v3, or undefined when it is removed.
   * `kind` names it in messages.
   */
  private filter(f: JsonObject, kind: string, where: string): JsonObject | undefined {
    const name = str(f, 'name') ?? '(unnamed)';
    const why = this.removal(f);
    if (why) {
      const effect =
        name === 'istio.alpn'
          ? 'its effect, the upstream ALPN, is emulated on the clusters it routes to'
          : 'it does not choose listeners, chains, routes or clusters';
      this.adapt(`removed ${kind} ${name}`, where, `${why[0]!.toUpperCase()}${why.slice(1)}; ${effect}.`);
      return undefined;
    }
    const out: JsonObject = { ...f };
    if (!('typed_config' in out)) {
      const type = BY_NAME[name];
      if (type) {
        const config = isObject(out.config) ? out.config : {};
        delete out.config;
        out.typed_config = { '@type': T + type, ...config };
        this.adapt(
          `typed the v2 config of ${kind} ${name}`,
          where,
          'Envoy 1.40 finds an extension by its typed_config only; its name (and v2 config, if any) says which v3 type it is.',
        );
        if (type.endsWith('.RBAC')) this.v2StringMatchers(out.typed_config as JsonObject, where);
      } else if (isObject(out.config))
        this.skip(
          `${where}: ${kind} ${name} has an untyped config that cannot be converted to a typed_config`,
        );
      return out;
    } else if (isObject(out.typed_config)) {
      const url = str(out.typed_config, '@type');
      if (url?.startsWith(T)) {
        const v3 = upgradeExtensionType(url.slice(T.length));
        if (v3 !== url.slice(T.length)) {
          out.typed_config = { ...out.typed_config, '@type': T + v3 };
          if (v3.endsWith('.RBAC')) this.v2StringMatchers(out.typed_config as JsonObject, where);
          this.adapt(
            `upgraded ${kind} ${name} to ${v3}`,
            where,
            'Envoy 1.40 has no v2 API; the v3 message has the same fields.',
          );
        }
      }
    }
    return out;
  }

  /** v2 StringMatcher `regex` (std::regex) → v3 `safe_regex`, anywhere in a v2 config; in place. */
  private v2StringMatchers(v: Json, at: string): void {
    if (Array.isArray(v)) for (const x of v) this.v2StringMatchers(x, at);
    if (!isObject(v)) return;
    if (
      typeof v.regex === 'string' &&
      !['exact', 'prefix', 'suffix', 'contains', 'safe_regex'].some((k) => k in v)
    ) {
      v.safe_regex = { regex: v.regex };
      delete v.regex;
      this.adapt(
        'made v2 string matcher regex safe_regex',
        at,
        'The v2 field is gone from the v3 StringMatcher.',
      );
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'safe_regex') this.v2StringMatchers(x, at);
  }

  // --- listeners -------------------------------------------------------------------------------------------

  listener(l: JsonObject): JsonObject {
    const name = str(l, 'name') ?? '';
    const at = `listeners[${name}]`;
    const out: JsonObject = { ...l };
    if ('deprecated_v1' in out) {
      delete out.deprecated_v1; // normalize.ts moved its bind_to_port up
      this.adapt(
        'moved deprecated_v1.bind_to_port to bind_to_port',
        at,
        'The v1 field is gone from the v3 Listener.',
      );
    }
    const lfs: JsonObject[] = [];
    for (const [i, f] of (Array.isArray(l.listener_filters) ? l.listener_filters : []).entries()) {
      if (!isObject(f)) continue;
      const c = this.filter(f, 'listener filter', `${at}.listener_filters[${i}]`);
      if (c) lfs.push(c);
    }
    const chains = Array.isArray(l.filter_chains) ? l.filter_chains.filter(isObject) : [];
    out.filter_chains = chains.flatMap((c, i) => this.filterChain(c, `${at}.filter_chains[${i}]`, `#${i}`));
    if (isObject(l.default_filter_chain)) {
      const [d, ...more] = this.filterChain(
        l.default_filter_chain,
        `${at}.default_filter_chain`,
        'default_filter_chain',
      );
      if (d) out.default_filter_chain = d;
      if (more.length)
        this.skip(
          `${at}.default_filter_chain: its tcp_proxy routes by v1 conditions, which a default chain cannot split into`,
        );
    }
    if (
      this.implicitTlsInspector &&
      !lfs.some((f) => extensionType(f)?.endsWith('.TlsInspector')) &&
      chains.some((c) => {
        const m = obj(c, 'filter_chain_match');
        return (
          str(m, 'transport_protocol') === 'tls' ||
          (!str(m, 'transport_protocol') &&
            ((Array.isArray(m?.server_names) && m.server_names.length > 0) ||
              (Array.isArray(m?.application_protocols) && m.application_protocols.length > 0)))
        );
      })
    ) {
      lfs.unshift({
        name: 'envoy.filters.listener.tls_inspector',
        typed_config: { '@type': `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector` },
      });
      this.adapt(
        'added the tls_inspector listener filter',
        at,
        'Envoy <= 1.16, which this dump comes from, added it by itself when a chain matches on TLS, SNI or ALPN (envoyproxy/envoy#14404); 1.40 does not.',
      );
    }
    if (lfs.length) out.listener_filters = lfs;
    else delete out.listener_filters;
    out.access_log = [this.accessLog('listener')];
    return out;
  }

  private accessLog(kind: 'listener' | 'http' | 'tcp'): JsonObject {
    return {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
        path: this.o.accessLogPath,
        log_format: { json_format: accessLogFormat(kind) },
      },
    };
  }

  /** One chain, or several when its tcp_proxy had a v1 route table (one chain per route). */
  private filterChain(c: JsonObject, at: string, fallbackName: string): JsonObject[] {
    const out: JsonObject = { ...c };
    if (!str(out, 'name')) {
      // %FILTER_CHAIN_NAME% is how the access log says which chain took a connection: an unnamed chain is
      // named as explain's trace names it (engine/filter-chain.ts chainLabel: `#<index>`, `default_filter_chain`)
      out.name = fallbackName;
    }
    if ('use_proxy_proto' in out) {
      delete out.use_proxy_proto;
      this.adapt(
        'dropped use_proxy_proto',
        at,
        'The field is gone from the v3 FilterChain; no replayed client sends PROXY protocol.',
      );
    }
    const m = obj(out, 'filter_chain_match');
    if (m && 'sni_domains' in m) {
      const { sni_domains, ...rest } = m;
      out.filter_chain_match = { ...rest, server_names: sni_domains ?? [] };
      this.adapt(
        'renamed sni_domains to server_names',
        at,
        'The v2 name is gone from the v3 FilterChainMatch.',
      );
    }
    if (isObject(out.transport_socket))
      out.transport_socket = this.transportSocket(out.transport_socket, `${at}.transport_socket`);
    const filters: JsonObject[] = [];
    let v1: { index: number; routes: JsonObject[]; where: string } | undefined;
    for (const [i, f] of (Array.isArray(c.filters) ? c.filters : []).entries()) {
      if (!isObject(f)) continue;
      const where = `${at}.filters[${i}]`;
      const typed = this.filter(f, 'network filter', where);
      if (!typed) continue;
      const type = extensionType(typed);
      if (type?.endsWith('.HttpConnectionManager')) filters.push(this.hcm(typed, where));
      else if (type?.endsWith('.TcpProxy')) {
        const { filter, routes } = this.tcpProxy(typed, where);
        if (routes) v1 = { index: filters.length, routes, where };
        filters.push(filter);
      } else filters.push(typed);
    }
    out.filters = filters;
    return v1 ? this.splitV1Routes(out, v1) : [out];
  }

  /**
   * Envoy v1's tcp_proxy route table (Istio 1.0-1.1: one outbound listener per port, a route per service by
   * destination_ip_list) as one chain per route matching the same conditions: Envoy 1.40 has no route table
   * in tcp_proxy, and FilterChainMatch selects by the same destination and source addresses. The v1 table
   * took the first route that matched; chains take the most specific one, the same choice for Istio's
   * tables, whose conditions do not overlap (a route shadowed by an identical earlier one is dropped).
   */
  private splitV1Routes(
    chain: JsonObject,
    v1: { index: number; routes: JsonObject[]; where: string },
  ): JsonObject[] {
    const base = obj(chain, 'filter_chain_match') ?? {};
    if (['prefix_ranges', 'source_prefix_ranges', 'source_ports'].some((k) => k in base)) {
      this.skip(`${v1.where}: a v1 tcp_proxy route table inside a chain that already matches on addresses`);
      return [chain];
    }
    const out: JsonObject[] = [];
    const seen = new Set<string>();
    for (const [i, r] of v1.routes.entries()) {
      const unknown = Object.keys(r).filter(
        (k) => !['cluster', 'destination_ip_list', 'source_ip_list', 'destination_ports'].includes(k),
      );
      const ports =
        typeof r.destination_ports === 'string' ? r.destination_ports.split(',').map((p) => p.trim()) : [];
      if (
        unknown.length ||
        ports.length > 1 ||
        ports.some((p) => !/^\d+$/.test(p)) ||
        typeof r.cluster !== 'string'
      ) {
        this.skip(
          `${v1.where}: v1 tcp_proxy route ${i} matches on ${[...unknown, ...(ports.length > 1 || ports.some((p) => !/^\d+$/.test(p)) ? ['destination_ports ranges'] : [])].join(', ') || 'nothing Envoy 1.40 can express'}`,
        );
        return [chain];
      }
      const match: JsonObject = { ...base };
      const dst = cidrs(r.destination_ip_list);
      const src = cidrs(r.source_ip_list);
      if (dst.length) match.prefix_ranges = dst;
      if (src.length) match.source_prefix_ranges = src;
      if (ports[0] !== undefined) match.destination_port = Number(ports[0]);
      const key = JSON.stringify(match);
      if (seen.has(key)) continue;
      seen.add(key);
      const filters = [...(chain.filters as JsonObject[])];
      const tcp = filters[v1.index]!;
      filters[v1.index] = {
        ...tcp,
        typed_config: { ...(obj(tcp, 'typed_config') ?? {}), cluster: r.cluster },
      };
      this.tcpClusters.add(r.cluster);
      out.push({
        ...chain,
        name: `${str(chain, 'name') ?? ''} route${i}`,
        filter_chain_match: match,
        filters,
      });
    }
    this.adapt(
      'split v1 tcp_proxy route tables into one filter chain per route',
      v1.where,
      "Envoy 1.40's TcpProxy has no route table; a chain per route matches the same destination and source addresses (the chain's name ends with routeN).",
    );
    return out;
  }

  private tcpProxy(f: JsonObject, at: string): { filter: JsonObject; routes?: JsonObject[] } {
    let tc: JsonObject = { ...(obj(f, 'typed_config') ?? {}) };
    let routes: JsonObject[] | undefined;
    if (tc.deprecated_v1 === true && isObject(tc.value)) {
      // the v1 JSON form, kept as a Struct by Istio 1.0: {deprecated_v1: true, value: {stat_prefix, route_config}}
      const v = tc.value;
      routes = Array.isArray(obj(v, 'route_config')?.routes)
        ? (obj(v, 'route_config')!.routes as Json[]).filter(isObject)
        : [];
      tc = { '@type': tc['@type'] ?? null, stat_prefix: str(v, 'stat_prefix') ?? 'tcp' };
    } else if (isObject(tc.deprecated_v1)) {
      routes = Array.isArray(tc.deprecated_v1.routes) ? tc.deprecated_v1.routes.filter(isObject) : [];
      delete tc.deprecated_v1;
    }
    if (routes) {
      const only =
        routes.length === 1 && Object.keys(routes[0]!).every((k) => k === 'cluster') ? routes[0] : undefined;
      if (only && typeof only.cluster === 'string' && !('cluster' in tc)) {
        tc.cluster = only.cluster;
        routes = undefined;
        this.adapt(
          'made the one v1 route of tcp_proxy its cluster',
          at,
          'The v1 route table is gone from the v3 TcpProxy; one unconditional route is the same as a cluster.',
        );
      } else if (!('cluster' in tc)) tc.cluster = ''; // set per chain by splitV1Routes
    }
    const cluster = str(tc, 'cluster');
    if (cluster) this.tcpClusters.add(cluster);
    const wc = obj(tc, 'weighted_clusters');
    for (const w of Array.isArray(wc?.clusters) ? wc.clusters.filter(isObject) : [])
      if (typeof w.name === 'string') this.tcpClusters.add(w.name);
    if (!str(tc, 'stat_prefix')) tc.stat_prefix = 'tcp'; // protojson omits an empty one; 1.40 requires it
    this.replaceAccessLog(tc);
    tc.access_log = [this.accessLog('tcp')];
    const filter = { ...f, typed_config: tc };
    return routes ? { filter, routes } : { filter };
  }

  private replaceAccessLog(tc: JsonObject): void {
    // Istio's own access logs (stdout, the gRPC access-log service) would print where nobody reads them
    if (Array.isArray(tc.access_log) && tc.access_log.length)
      this.adapt(
        "replaced the dump's access logs",
        'every listener, HCM and tcp_proxy',
        'Replay reads one JSON log per proxy, with the fields it compares (accessLogFormat in src/core/replay/bootstrap.ts).',
      );
  }

  private hcm(f: JsonObject, at: string): JsonObject {
    const tc: JsonObject = { ...(obj(f, 'typed_config') ?? {}) };
    // HTTP filters
    const httpFilters: JsonObject[] = [];
    let alpn: Record<string, string[]> | undefined;
    for (const [i, hf] of (Array.isArray(tc.http_filters) ? tc.http_filters : []).entries()) {
      if (!isObject(hf)) continue;
      const where = `${at}.http_filters[${i}]`;
      if (str(hf, 'name') === 'istio.alpn' || extensionType(hf)?.endsWith('alpn.v2alpha1.FilterConfig'))
        alpn = alpnOverrides(obj(hf, 'typed_config') ?? obj(hf, 'config'));
      const c = this.filter(hf, 'HTTP filter', where);
      if (c) httpFilters.push(c);
    }
    if (!httpFilters.some((x) => extensionType(x)?.endsWith('.Router')))
      httpFilters.push({
        name: 'envoy.filters.http.router',
        typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` },
      });
    tc.http_filters = httpFilters;
    // v2 fields without a v3 place
    if ('idle_timeout' in tc) {
      const common = isObject(tc.common_http_protocol_options) ? tc.common_http_protocol_options : {};
      tc.common_http_protocol_options = { idle_timeout: tc.idle_timeout ?? null, ...common };
      delete tc.idle_timeout;
      this.adapt(
        'moved the HCM idle_timeout to common_http_protocol_options',
        at,
        'The v2 field is gone from the v3 HttpConnectionManager.',
      );
    }
    if ('tracing' in tc) {
      delete tc.tracing;
      this.adapt(
        'removed HCM tracing',
        at,
        'There is no trace collector in the replay world; tracing does not change routing.',
      );
    }
    if (!str(tc, 'stat_prefix')) tc.stat_prefix = 'http'; // protojson omits an empty one; 1.40 requires it
    this.replaceAccessLog(tc);
    tc.access_log = [this.accessLog('http')];
    // routes
    const rds = obj(tc, 'rds');
    let rc: JsonObject | undefined;
    if (rds) {
      const name = str(rds, 'route_config_name') ?? '';
      delete tc.rds;
      const dumped = this.routes.get(name);
      if (dumped) {
        rc = this.routeConfig(dumped, `routes[${name}]`);
        this.adapt(
          'inlined RDS route tables as route_config (validate_clusters: false, as RDS had it)',
          at,
          'No xDS server exists in the replay world; a static route_config would otherwise check its clusters at load, which RDS tables do not (route.proto validate_clusters).',
        );
      } else {
        rc = { name, virtual_hosts: [], validate_clusters: false };
        this.adapt(
          `inlined an empty route table for RDS ${JSON.stringify(name)}`,
          at,
          'The dump holds no route configuration of that name (a listener waiting for RDS); every request gets 404 NR.',
        );
      }
      tc.route_config = rc;
    } else if (isObject(tc.route_config)) {
      rc = this.routeConfig(tc.route_config, `${at}.route_config`);
      tc.route_config = rc;
    } else if ('scoped_routes' in tc) {
      this.skip(`${at}: the HCM takes its routes from scoped RDS, which replay does not inline yet`);
    }
    if (alpn && rc)
      for (const c of routedClusters(rc))
        if (!this.alpnFor.has(c)) this.alpnFor.set(c, { protocols: alpn, where: at });
    return { ...f, typed_config: tc };
  }

  // --- routes ----------------------------------------------------------------------------------------------

  private routeConfig(rc: JsonObject, at: string): JsonObject {
    const { ['@type']: _type, ...out } = clone(rc);
    out.validate_clusters = false;
    const vhosts = Array.isArray(out.virtual_hosts) ? out.virtual_hosts.filter(isObject) : [];
    for (const vh of vhosts) {
      const vat = `${at}.virtual_hosts[${str(vh, 'name') ?? ''}]`;
      this.perFilterConfig(vh, vat);
      this.retryPolicy(obj(vh, 'retry_policy'), vat);
      for (const [i, r] of (Array.isArray(vh.routes) ? vh.routes.filter(isObject) : []).entries())
        this.route(r, `${vat}.routes[${i}]`);
    }
    return out;
  }

  /** Drops config for filters that were removed (and the v2 untyped form), in place. */
  private perFilterConfig(o: JsonObject, at: string): void {
    if ('per_filter_config' in o) {
      delete o.per_filter_config;
      this.adapt(
        'dropped per_filter_config',
        at,
        'The v2 untyped per-filter config is gone from v3; only Istio filters used it here.',
      );
    }
    const tpf = obj(o, 'typed_per_filter_config');
    if (!tpf) return;
    for (const [k, v] of Object.entries(tpf)) {
      if (!isObject(v)) continue;
      const why = this.removal({ name: k, typed_config: v });
      if (why) {
        delete tpf[k];
        this.adapt(`dropped typed_per_filter_config ${k}`, at, 'Its filter was removed: ' + why + '.');
      }
    }
    if (Object.keys(tpf).length === 0) delete o.typed_per_filter_config;
  }

  /** Retry predicates named without a typed_config (Istio <= 1.7) typed, in place. */
  private retryPolicy(rp: JsonObject | undefined, at: string): void {
    if (rp && Array.isArray(rp.retry_host_predicate))
      rp.retry_host_predicate = rp.retry_host_predicate
        .filter(isObject)
        .map((p) => this.filter(p, 'retry host predicate', `${at}.retry_policy`) ?? p);
  }

  private route(r: JsonObject, at: string): void {
    this.perFilterConfig(r, at);
    const m = obj(r, 'match');
    if (m) {
      if (typeof m.regex === 'string') {
        m.safe_regex = { regex: m.regex };
        delete m.regex;
        this.adapt(
          'made v2 regex path matches safe_regex',
          at,
          'The v2 regex (std::regex) field is gone from v3; RE2 gives the same answer for the patterns Istio writes.',
        );
      }
      if (isObject(m.runtime) && !('runtime_fraction' in m)) {
        const rt = m.runtime;
        m.runtime_fraction = {
          runtime_key: rt.runtime_key ?? '',
          default_value: { numerator: rt.default_value ?? 0, denominator: 'HUNDRED' },
        };
        delete m.runtime;
        this.adapt(
          'made the v2 runtime match runtime_fraction',
          at,
          'The v2 field is gone from v3; a percentage of 100 is the same fraction.',
        );
      }
      for (const h of Array.isArray(m.headers) ? m.headers.filter(isObject) : [])
        if (typeof h.regex_match === 'string') {
          h.safe_regex_match = { regex: h.regex_match };
          delete h.regex_match;
          this.adapt('made v2 header regex_match safe_regex_match', at, 'The v2 field is gone from v3.');
        }
      for (const q of Array.isArray(m.query_parameters) ? m.query_parameters.filter(isObject) : [])
        if (typeof q.value === 'string' && !('string_match' in q)) {
          q.string_match = q.regex === true ? { safe_regex: { regex: q.value } } : { exact: q.value };
          delete q.value;
          delete q.regex;
          this.adapt(
            'made v2 query parameter value/regex string_match',
            at,
            'The v2 fields are gone from v3.',
          );
        }
    }
    const action = obj(r, 'route');
    this.retryPolicy(obj(action, 'retry_policy'), at);
    if (action) {
      if ('use_websocket' in action) {
        delete action.use_websocket;
        this.adapt(
          'dropped use_websocket',
          at,
          'Gone from v3 (upgrade_configs replaced it); replayed requests do not upgrade.',
        );
      }
      if (isObject(action.request_mirror_policy)) {
        const { runtime_key: _rk, ...mp } = action.request_mirror_policy;
        action.request_mirror_policies = [mp];
        delete action.request_mirror_policy;
        this.adapt(
          'made request_mirror_policy request_mirror_policies',
          at,
          'The v2 field is gone from v3; mirroring does not change the response.',
        );
      }
      if (typeof action.host_rewrite === 'string') {
        action.host_rewrite_literal = action.host_rewrite;
        delete action.host_rewrite;
        this.adapt('renamed host_rewrite to host_rewrite_literal', at, 'The v2 name is gone from v3.');
      }
      const wc = obj(action, 'weighted_clusters');
      for (const c of Array.isArray(wc?.clusters) ? wc.clusters.filter(isObject) : [])
        this.perFilterConfig(c, at);
    }
  }

  // --- clusters --------------------------------------------------------------------------------------------

  cluster(c: JsonObject, dnsClusters: string[]): JsonObject {
    const name = str(c, 'name') ?? '';
    const at = `clusters[${name}]`;
    const out = clone(c);
    if (str(out, 'lb_policy') === 'ORIGINAL_DST_LB') {
      out.lb_policy = 'CLUSTER_PROVIDED';
      this.adapt(
        'renamed lb_policy ORIGINAL_DST_LB to CLUSTER_PROVIDED',
        at,
        'The v2 value is gone from v3.',
      );
    }
    if (str(out, 'type') === 'ORIGINAL_DST' && !out.lb_policy) out.lb_policy = 'CLUSTER_PROVIDED';
    if ('extension_protocol_options' in out) {
      delete out.extension_protocol_options;
      this.adapt('dropped extension_protocol_options', at, 'The v2 untyped form is gone from v3.');
    }
    if (str(out, 'type') === 'EDS' || isObject(out.eds_cluster_config)) this.staticFromEds(out, c, at);
    const type = str(out, 'type') ?? 'STATIC';
    if ((type === 'STRICT_DNS' || type === 'LOGICAL_DNS') && hasHostnames(out)) dnsClusters.push(name);
    if (isObject(out.transport_socket))
      out.transport_socket = this.transportSocket(out.transport_socket, `${at}.transport_socket`, name);
    for (const [i, m] of (Array.isArray(out.transport_socket_matches)
      ? out.transport_socket_matches.filter(isObject)
      : []
    ).entries())
      if (isObject(m.transport_socket))
        m.transport_socket = this.transportSocket(
          m.transport_socket,
          `${at}.transport_socket_matches[${i}]`,
          name,
        );
    if (Array.isArray(out.filters)) {
      const kept: JsonObject[] = [];
      for (const [i, f] of out.filters.filter(isObject).entries()) {
        const k = this.filter(f, 'upstream network filter', `${at}.filters[${i}]`);
        if (k) kept.push(k);
      }
      if (kept.length) out.filters = kept;
      else delete out.filters;
    }
    return out;
  }

  /** EDS → STATIC: the dumped ClusterLoadAssignment, else the manifests' endpoints (as explain), else none. */
  private staticFromEds(out: JsonObject, original: JsonObject, at: string): void {
    const name = str(out, 'name') ?? '';
    const service = str(obj(out, 'eds_cluster_config'), 'service_name');
    delete out.eds_cluster_config;
    out.type = 'STATIC';
    const e = this.dump
      .entries('endpoints')
      .find((x) => serving(x) && (x.name === service || x.name === name));
    if (e) {
      const la = clone(this.dump.resource(e));
      out.load_assignment = { ...la, cluster_name: name };
      this.adapt(
        'made EDS clusters STATIC with the dumped endpoints',
        at,
        'No xDS server exists in the replay world; the ClusterLoadAssignment is the one the dump holds.',
      );
      return;
    }
    const set = endpointsOf(
      decodeCluster(original, 'active', []),
      this.dump,
      this.o.inventory ?? emptyInventory(),
      { ip: '0.0.0.0', port: 0 },
    );
    out.load_assignment = {
      cluster_name: name,
      endpoints: set.endpoints.length
        ? [
            {
              lb_endpoints: set.endpoints.map((x) => ({
                endpoint: { address: { socket_address: { address: x.ip, port_value: x.port } } },
                health_status: x.healthy ? 'HEALTHY' : 'UNHEALTHY',
              })),
            },
          ]
        : [],
    };
    if (set.source === 'kubernetes')
      this.adapt(
        'made EDS clusters STATIC with endpoints from the manifests',
        at,
        `The dump holds no EDS for it; explain reads the same endpoints (${set.detail}).`,
      );
    else
      this.adapt(
        'made EDS clusters STATIC with no endpoints',
        at,
        'Neither the dump (saved without ?include_eds) nor the manifests give its endpoints; explain says the same (503 UH).',
      );
  }

  // --- TLS -------------------------------------------------------------------------------------------------

  private transportSocket(ts: JsonObject, at: string, cluster?: string): JsonObject {
    // a v2 TLS transport socket with an untyped config: its direction is where it sits
    const v2 =
      !('typed_config' in ts) && isObject(ts.config) && str(ts, 'name') === 'envoy.transport_sockets.tls'
        ? {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': `${T}envoy.extensions.transport_sockets.tls.v3.${cluster !== undefined ? 'Upstream' : 'Downstream'}TlsContext`,
              ...ts.config,
            },
          }
        : ts;
    const typed = this.filter(v2, 'transport socket', at) ?? v2;
    const tc = obj(typed, 'typed_config');
    const type = extensionType(typed);
    if (!tc || !type?.endsWith('TlsContext')) return typed;
    const ctx = clone(tc);
    // a v2 tls_context carried no @type: decide by where it sits
    if (!str(ctx, '@type'))
      ctx['@type'] =
        `${T}envoy.extensions.transport_sockets.tls.v3.${cluster !== undefined ? 'Upstream' : 'Downstream'}TlsContext`;
    this.tlsContext(ctx, at);
    return { ...typed, typed_config: ctx };
  }

  /** SDS → static secret names, files → the run's certificates; in place. */
  private tlsContext(ctx: JsonObject, at: string): void {
    const common = obj(ctx, 'common_tls_context');
    if (!common) return;
    const sdsRefs = (v: Json | undefined, role: 'cert' | 'validation'): void => {
      for (const ref of Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []) {
        if ('sds_config' in ref) {
          delete ref.sds_config;
          this.adapt(
            "made SDS secrets static, from the run's test CA",
            at,
            'No SDS server exists in the replay world; every proxy gets a certificate for its own SPIFFE identity from one per-run CA, so mTLS really handshakes.',
          );
        }
        const name = str(ref, 'name');
        if (name) (role === 'cert' ? this.certNames : this.validationNames).add(name);
      }
    };
    sdsRefs(common.tls_certificate_sds_secret_configs, 'cert');
    sdsRefs(common.validation_context_sds_secret_config, 'validation');
    const combined = obj(common, 'combined_validation_context');
    if (combined) {
      sdsRefs(combined.validation_context_sds_secret_config, 'validation');
      const dvc = obj(combined, 'default_validation_context');
      if (dvc) this.validationContext(dvc, at);
      // Envoy 1.40 requires it (tls.proto CombinedCertificateValidationContext: default_validation_context required)
      else combined.default_validation_context = {};
    }
    for (const cert of Array.isArray(common.tls_certificates)
      ? common.tls_certificates.filter(isObject)
      : []) {
      if (isObject(cert.certificate_chain))
        cert.certificate_chain = this.pem('certChain', cert.certificate_chain, at);
      if (isObject(cert.private_key)) cert.private_key = this.pem('privateKey', cert.private_key, at);
    }
    const vc = obj(common, 'validation_context');
    if (vc) this.validationContext(vc, at);
  }

  private validationContext(vc: JsonObject, at: string): void {
    if (isObject(vc.trusted_ca)) vc.trusted_ca = this.pem('rootCert', vc.trusted_ca, at);
    if (Array.isArray(vc.verify_subject_alt_name)) {
      vc.match_subject_alt_names = [
        ...(Array.isArray(vc.match_subject_alt_names) ? vc.match_subject_alt_names : []),
        ...vc.verify_subject_alt_name
          .filter((s): s is string => typeof s === 'string')
          .map((exact) => ({ exact })),
      ];
      delete vc.verify_subject_alt_name;
      this.adapt(
        'made verify_subject_alt_name match_subject_alt_names',
        at,
        'The v2 field is gone from v3; exact matches say the same.',
      );
    }
    const custom = obj(vc, 'custom_validator_config');
    const spiffe = obj(custom, 'typed_config');
    for (const d of Array.isArray(spiffe?.trust_domains) ? spiffe.trust_domains.filter(isObject) : [])
      if (isObject(d.trust_bundle)) d.trust_bundle = this.pem('rootCert', d.trust_bundle, at);
  }

  /** A DataSource (file, inline) replaced by the run's PEM of that role. */
  private pem(role: keyof TestCertificates, ds: JsonObject, at: string): JsonObject {
    if ('filename' in ds)
      this.adapt(
        "replaced certificate files with the run's test certificates",
        at,
        "The files (e.g. /etc/certs/*.pem of Istio <= 1.5) exist only in the pod; the run's CA stands in for Istio's.",
      );
    return { inline_string: this.o.certificates[role] };
  }

  /** istio.alpn's override as the clusters' upstream TLS alpn_protocols (the filter sets it per request). */
  applyAlpn(clusters: JsonObject[]): void {
    for (const c of clusters) {
      const name = str(c, 'name') ?? '';
      const a = this.alpnFor.get(name);
      if (!a) continue;
      if (str(obj(obj(obj(c, 'metadata'), 'filter_metadata'), 'istio'), 'alpn_override') === 'false')
        continue;
      const protocol = isHttp2(c) ? 'HTTP2' : 'HTTP11';
      const list = a.protocols[protocol] ?? ISTIO_ALPN_DEFAULT[protocol]!;
      let changed = false;
      const sockets = [
        obj(c, 'transport_socket'),
        ...(Array.isArray(c.transport_socket_matches)
          ? c.transport_socket_matches.filter(isObject).map((m) => obj(m, 'transport_socket'))
          : []),
      ];
      for (const ts of sockets) {
        const common = obj(obj(ts, 'typed_config'), 'common_tls_context');
        if (!common || !str(obj(ts, 'typed_config'), '@type')?.endsWith('UpstreamTlsContext')) continue;
        common.alpn_protocols = [...list];
        changed = true;
      }
      if (changed)
        this.adapt(
          `emulated istio.alpn: upstream TLS ALPN ${list.join(',')}`,
          `clusters[${name}]`,
          `istio.alpn (removed from ${a.where}) sets this ALPN on every ${protocol === 'HTTP2' ? 'HTTP/2' : 'HTTP/1.1'} request to the cluster, and the destination's inbound chains match on it${this.tcpClusters.has(name) ? '; tcp_proxy connections to this cluster now send it too' : ''}.`,
        );
    }
  }
}

/** The alpn_override list of an istio.alpn filter config, by upstream protocol (HTTP11 is the enum's default). */
function alpnOverrides(config: JsonObject | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = { ...ISTIO_ALPN_DEFAULT };
  const inner = isObject(config?.value) ? config.value : config; // a TypedStruct holds it under value
  for (const o of Array.isArray(inner?.alpn_override) ? inner.alpn_override.filter(isObject) : []) {
    const list = Array.isArray(o.alpn_override)
      ? o.alpn_override.filter((s): s is string => typeof s === 'string')
      : [];
    if (list.length) out[str(o, 'upstream_protocol') ?? 'HTTP11'] = list;
  }
  return out;
}

/** v1 `"10.0.0.1/32"` strings or v2 CidrRange objects → v3 CidrRange. */
function cidrs(list: Json | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  for (const c of Array.isArray(list) ? list : []) {
    if (isObject(c)) out.push(c);
    else if (typeof c === 'string') {
      const [address, len] = c.split('/');
      out.push({
        address_prefix: address ?? c,
        prefix_len: len !== undefined ? Number(len) : address?.includes(':') ? 128 : 32,
      });
    }
  }
  return out;
}

function routedClusters(rc: JsonObject): string[] {
  const out: string[] = [];
  for (const vh of Array.isArray(rc.virtual_hosts) ? rc.virtual_hosts.filter(isObject) : [])
    for (const r of Array.isArray(vh.routes) ? vh.routes.filter(isObject) : []) {
      const a = obj(r, 'route');
      if (typeof a?.cluster === 'string') out.push(a.cluster);
      const wc = obj(a, 'weighted_clusters');
      for (const c of Array.isArray(wc?.clusters) ? wc.clusters.filter(isObject) : [])
        if (typeof c.name === 'string') out.push(c.name);
    }
  return out;
}

function isHttp2(c: JsonObject): boolean {
  if ('http2_protocol_options' in c) return true;
  const opts = obj(
    obj(c, 'typed_extension_protocol_options'),
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  );
  return isObject(obj(opts, 'explicit_http_config')?.http2_protocol_options);
}

function hasHostnames(c: JsonObject): boolean {
  const text = JSON.stringify(obj(c, 'load_assignment') ?? {});
  return [...text.matchAll(/"address":"([^"]+)"/g)].some((m) => !/^[\d.:a-fA-F]+$/.test(m[1]!));
}

function listenerAddress(l: JsonObject): { address: string | undefined; port: number | undefined } {
  const sa = obj(obj(l, 'address'), 'socket_address');
  const port = sa?.port_value;
  return {
    address: str(sa, 'address'),
    port: typeof port === 'number' ? port : typeof port === 'string' ? Number(port) : undefined,
  };
}

/**
 * The runnable bootstrap for one proxy's dump. Never throws on a dump meshctl could read: what cannot be
 * converted is `skipped` with its reason.
 */
export function bootstrapFor(dump: ConfigDump, o: BootstrapOptions): ReplayBootstrap {
  const cv = new Conversion(dump, o);
  const listeners: JsonObject[] = [];
  const served: ServedListener[] = [];
  const seen = new Set<string>();
  for (const e of dump.entries('listener')) {
    if (!serving(e) || seen.has(e.name)) continue;
    seen.add(e.name);
    const l = cv.listener(clone(dump.resource(e)));
    listeners.push(l);
    const a = listenerAddress(l);
    served.push({ name: e.name, ...a, bound: l.bind_to_port !== false });
  }
  const dnsClusters: string[] = [];
  const clusters: JsonObject[] = [];
  const seenClusters = new Set<string>();
  for (const e of dump.entries('cluster')) {
    if (!serving(e) || seenClusters.has(e.name)) continue;
    seenClusters.add(e.name);
    clusters.push(cv.cluster(dump.resource(e), dnsClusters));
  }
  cv.applyAlpn(clusters);
  if (dnsClusters.length)
    cv.adapt(
      'kept DNS clusters, which resolve nothing here',
      dnsClusters
        .slice(0, 3)
        .map((n) => `clusters[${n}]`)
        .join(', ') + (dnsClusters.length > 3 ? ', …' : ''),
      'The replay world has no DNS server; a request routed to them fails to find a host (UH) where the real mesh would resolve it.',
    );
  const secrets: JsonObject[] = [];
  for (const name of [...cv.certNames].sort())
    secrets.push({
      name,
      tls_certificate: {
        certificate_chain: { inline_string: o.certificates.certChain },
        private_key: { inline_string: o.certificates.privateKey },
      },
    });
  for (const name of [...cv.validationNames].sort()) {
    if (cv.certNames.has(name)) {
      cv.skip(`secret ${JSON.stringify(name)} is used both as a certificate and as a validation context`);
      continue;
    }
    secrets.push({ name, validation_context: { trusted_ca: { inline_string: o.certificates.rootCert } } });
  }
  const own = dump.bootstrap();
  const node = obj(own, 'node');
  const runtime: JsonObject = {};
  for (const layer of Array.isArray(obj(own, 'layered_runtime')?.layers)
    ? (obj(own, 'layered_runtime')!.layers as Json[]).filter(isObject)
    : [])
    if (isObject(layer.static_layer)) Object.assign(runtime, layer.static_layer);
  Object.assign(runtime, {
    // v2-era fields that v3 still carries but deprecates (e.g. cluster http2_protocol_options) load only with
    // this (https://www.envoyproxy.io/docs/envoy/v1.40.0/configuration/operations/runtime "Using runtime overrides for deprecated features")
    'envoy.features.enable_all_deprecated_features': true,
    // Istio's bootstrap raises RE2's program-size limit the same way, for its generated regexes
    're2.max_program_size.error_level': 32768,
  });
  if (dump.has('bootstrap') === false)
    cv.adapt(
      'made a node without a bootstrap',
      'bootstrap.node',
      'The dump has no BootstrapConfigDump; the node id is made up and the Istio era unknown.',
    );
  const admin = o.admin ?? { address: '127.0.0.1', port: 15000 };
  const bootstrap: JsonObject = {
    node: {
      id: str(node, 'id') ?? 'sidecar~0.0.0.0~replay.default~default.svc.cluster.local',
      cluster: str(node, 'cluster') ?? 'replay',
      ...(isObject(node?.metadata) ? { metadata: node.metadata } : {}),
    },
    admin: {
      address:
        'pipe' in admin
          ? { pipe: { path: admin.pipe } }
          : { socket_address: { address: admin.address, port_value: admin.port } },
    },
    static_resources: { listeners, clusters, secrets },
    layered_runtime: { layers: [{ name: 'replay', static_layer: runtime }] },
  };
  if (listeners.some((l) => isObject(l.internal_listener)))
    bootstrap.bootstrap_extensions = [
      {
        name: 'envoy.bootstrap.internal_listener',
        typed_config: { '@type': `${T}envoy.extensions.bootstrap.internal_listener.v3.InternalListener` },
      },
    ];
  cv.adapt(
    'made every resource static (no ADS)',
    'bootstrap',
    'The replay world has no istiod; what the proxy had received over xDS is its static config, and warming or draining resources are left out as they were not serving.',
  );
  const result: ReplayBootstrap = {
    bootstrap,
    adaptations: cv.adaptations(),
    listeners: served,
    dnsClusters,
  };
  return cv.skipped ? { ...result, skipped: cv.skipped } : result;
}
