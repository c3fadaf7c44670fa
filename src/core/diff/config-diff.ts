// A semantic diff of two proxies' configuration: listeners, routes, clusters and endpoints, keyed by name and
// grouped by the service and port they serve, so "what changed at 02:14" and "why does this replica behave
// differently" read as sentences. Not compared: version_info, last_updated and other bookkeeping, the order of
// resources and of order-free lists (domains, endpoints, named entries), and, between two pods, each pod's own
// IP (it is in inbound listener names and addresses of every replica).
import type { z } from 'zod';
import type {
  ChangeGroupSchema,
  ChangeSchema,
  DiffSchema,
  LeafChangeSchema,
  ResourceKindSchema,
} from '../schema/diff.js';
import type { ConfigDump } from '../model/config-dump.js';
import { describeRef, istioOrigin, parseIstioClusterName } from '../model/istio.js';
import { formatAddress } from '../model/address.js';
import { isObject, type Json, type JsonObject } from '../model/normalize.js';
import { decodeRoute, describePathMatch, type Route, type RouteAction } from '../model/route.js';
import { decodeCluster } from '../model/cluster.js';
import type { Issue } from '../diagnostics/issue.js';

export type ResourceKind = z.infer<typeof ResourceKindSchema>;

// The diff's printed types are inferred from core/schema/diff.ts, the contract's single source.
export type LeafChange = z.infer<typeof LeafChangeSchema>;

export type Change = z.infer<typeof ChangeSchema>;

export type ChangeGroup = z.infer<typeof ChangeGroupSchema>;

export interface DiffSide {
  readonly label: string;
  readonly dump: ConfigDump;
}

export type ConfigDiff = z.infer<typeof DiffSchema>;

/** What two replicas differ in only because they are different pods: their addresses and name. */
interface Own {
  readonly ips: string[];
  readonly pod: string | undefined;
  /** The other pod of the comparison: replicas see each other (endpoints, per-pod listeners). */
  readonly peer: { readonly ips: string[]; readonly pod: string | undefined };
}

const OWN_IP = '<pod IP>';
const OWN_POD = '<pod>';
const PEER_IP = '<other pod IP>';
const PEER_POD = '<other pod>';

/** Keys that are bookkeeping, not behaviour. */
const IGNORED_KEYS = new Set(['version_info', 'last_updated', '@type']);
/** Arrays whose order Envoy does not use: compared as sets. */
const UNORDERED = new Set([
  'domains',
  'prefix_ranges',
  'server_names',
  'application_protocols',
  'source_prefix_ranges',
]);

/** An IP as Istio's mixer filter carries it: base64 of its 4 or 16 bytes (IPv4 also IPv4-mapped). */
function ipBytesBase64(ip: string): string[] {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!v4) return [];
  const b = v4.slice(1).map(Number);
  const text = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
  return [text(b), text([...new Array<number>(10).fill(0), 255, 255, ...b])];
}

function ownText(s: string, own: Own | undefined): string {
  if (!own) return s;
  let out = s;
  for (const [ips, token] of [
    [own.ips, OWN_IP],
    [own.peer.ips, PEER_IP],
  ] as const)
    for (const ip of ips) {
      if (out.includes(ip)) out = out.split(ip).join(token);
      for (const b of ipBytesBase64(ip)) if (out === b) out = token;
    }
  for (const [pod, token] of [
    [own.pod, OWN_POD],
    [own.peer.pod, PEER_POD],
  ] as const)
    if (pod && out.includes(pod)) out = out.split(pod).join(token);
  return out;
}

/** The pod's own addresses and name, replaced so replicas compare equal where they only differ by who they are. */
function withoutOwn(v: Json, own: Own | undefined): Json {
  if (!own) return v;
  if (typeof v === 'string') return ownText(v, own);
  if (Array.isArray(v)) return v.map((x) => withoutOwn(x, own));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = withoutOwn(x, own);
    return out;
  }
  return v;
}

/** A filter chain match as a short key: `port=9080 prefix=<pod IP>/32 alpn=istio`. */
function matchKey(m: JsonObject): string {
  const compact = (x: Json): string =>
    Array.isArray(x)
      ? x.map(compact).join(',')
      : isObject(x)
        ? 'address_prefix' in x
          ? `${String(x.address_prefix)}/${String(x.prefix_len ?? 32)}`
          : JSON.stringify(x)
        : String(x);
  const short: Record<string, string> = {
    destination_port: 'port',
    prefix_ranges: 'prefix',
    application_protocols: 'alpn',
    transport_protocol: 'transport',
    server_names: 'sni',
    source_prefix_ranges: 'source',
  };
  const parts = Object.entries(m).map(([k, x]) => `${short[k] ?? k}=${compact(x)}`);
  return parts.length ? parts.join(' ') : 'any';
}

function keyOf(v: Json): string | undefined {
  if (!isObject(v)) return undefined;
  const n = v.name ?? v.cluster_name;
  if (typeof n === 'string') return n;
  const fcm = v.filter_chain_match;
  return isObject(fcm) ? matchKey(fcm) : 'filters' in v ? 'any' : undefined;
}

/** Leaf differences between two JSON values; named entries of arrays are matched by name, not position. */
/** protojson prints an empty message as `{}`; Envoy reads it as unset. */
const unsetIfEmpty = (v: Json | undefined) => (isObject(v) && Object.keys(v).length === 0 ? undefined : v);

function leaves(a0: Json | undefined, b0: Json | undefined, path: string, out: LeafChange[]): void {
  // `{}` against nothing is nothing; against an object, its members are what changed
  const [a, b] = [b0 === undefined ? unsetIfEmpty(a0) : a0, a0 === undefined ? unsetIfEmpty(b0) : b0];
  if (a === undefined && b === undefined) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = path.slice(path.lastIndexOf('.') + 1).replace(/\[.*$/, '');
    if (
      UNORDERED.has(key) &&
      a.every((x) => typeof x !== 'object') &&
      b.every((x) => typeof x !== 'object')
    ) {
      const as = new Set(a.map((x) => JSON.stringify(x)));
      const bs = new Set(b.map((x) => JSON.stringify(x)));
      for (const x of as) if (!bs.has(x)) out.push({ path, a: JSON.parse(x) as Json, b: undefined });
      for (const x of bs) if (!as.has(x)) out.push({ path, a: undefined, b: JSON.parse(x) as Json });
      return;
    }
    const ak = a.map(keyOf);
    const bk = b.map(keyOf);
    const named = ak.every((k) => k !== undefined) && bk.every((k) => k !== undefined);
    if (named && new Set(ak).size === ak.length && new Set(bk).size === bk.length) {
      const names = (ks: Array<string | undefined>) => ks as string[];
      const [an, bn] = [names(ak), names(bk)];
      for (let i = 0; i < a.length; i++) leaves(a[i], b[bn.indexOf(an[i]!)], `${path}[${an[i]}]`, out);
      for (let i = 0; i < b.length; i++)
        if (!an.includes(bn[i]!)) leaves(undefined, b[i], `${path}[${bn[i]}]`, out);
      return;
    }
    for (let i = 0; i < Math.max(a.length, b.length); i++) leaves(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (IGNORED_KEYS.has(k)) continue;
      leaves(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, a, b });
}

function short(v: Json | undefined): string {
  if (v === undefined) return '(unset)';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function leafText(l: LeafChange): string {
  // a whole object or list appearing or going: its name says enough, its JSON would be noise
  if (l.a === undefined)
    return typeof l.b === 'object' && l.b !== null ? `${l.path} added` : `${l.path}: + ${short(l.b)}`;
  if (l.b === undefined)
    return typeof l.a === 'object' && l.a !== null ? `${l.path} removed` : `${l.path}: - ${short(l.a)}`;
  return `${l.path}: ${short(l.a)} → ${short(l.b)}`;
}

function clusterGroup(name: string): string {
  const c = parseIstioClusterName(name);
  if (!c) return 'proxy internals';
  if (c.direction === 'outbound') return `${c.fqdn}:${c.port ?? '?'}`;
  return `inbound :${c.port ?? '?'}`;
}

function listenerGroup(name: string): string {
  const m = /_(\d+)$/.exec(name);
  return m ? `listeners :${m[1]}` : 'proxy internals';
}

/** A virtual host's group: Istio names them `<fqdn>:<port>`; the rest stay with their route configuration. */
function vhostGroup(vhost: string, rc: string): string {
  return /^[^:]+\.[^:]+:\d+$/.test(vhost) ? vhost : `route configuration ${rc}`;
}

function describeAction(a: RouteAction): string {
  switch (a.kind) {
    case 'cluster':
      return `all to ${a.cluster}`;
    case 'weighted_clusters':
      return a.clusters
        .map((c) => `${a.totalWeight ? Math.round((100 * c.weight) / a.totalWeight) : 0}% to ${c.name}`)
        .join(', ');
    case 'redirect':
      return `a ${a.status} redirect`;
    case 'direct_response':
      return `a direct ${a.status} response`;
    case 'cluster_header':
      return `to the cluster named by header ${a.header}`;
    default:
      return a.kind.replace(/_/g, ' ');
  }
}

function routeLabel(r: Route, i: number): string {
  return r.name ? `route '${r.name}'` : `route #${i}`;
}

function decodeRoutes(vhost: JsonObject | undefined): Route[] {
  const issues: Issue[] = [];
  const routes = Array.isArray(vhost?.routes) ? vhost.routes.filter(isObject) : [];
  return routes.map((r, i) => decodeRoute(r, `routes[${i}]`, issues));
}

/** Sentences for what changed in a virtual host's routes: where requests now go, routes added or removed. */
function routeSentences(a: JsonObject, b: JsonObject): string[] {
  const ra = decodeRoutes(a);
  const rb = decodeRoutes(b);
  const out: string[] = [];
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    if (x && !y) out.push(`${routeLabel(x, i)} (${describePathMatch(x.match.path)}) removed`);
    else if (!x && y)
      out.push(
        `${routeLabel(y, i)} added: ${describePathMatch(y.match.path)} sends ${describeAction(y.action)}`,
      );
    else if (x && y) {
      const before = describeAction(x.action);
      const after = describeAction(y.action);
      if (before !== after) out.push(`${routeLabel(y, i)} now sends ${after} (was ${before})`);
      if (JSON.stringify(x.match) !== JSON.stringify(y.match))
        out.push(
          `${routeLabel(y, i)} now matches ${describePathMatch(y.match.path)}${y.match.headers.length ? ' with header conditions' : ''}`,
        );
    }
  }
  return out;
}

/** A resource of one side, decoded when compared and not kept: two big dumps are never held decoded. */
type Reader<T> = () => T;

interface RouteSide {
  /** The RouteConfiguration without its virtual hosts. */
  readonly shell: JsonObject;
  /** Virtual hosts by name. */
  readonly vhosts: Map<string, JsonObject>;
}

interface Side {
  readonly listeners: Map<string, Reader<JsonObject>>;
  readonly clusters: Map<string, Reader<JsonObject>>;
  readonly routes: Map<string, Reader<RouteSide>>;
  readonly endpoints: Map<string, Reader<Map<string, string>>>;
}

function sideOf(d: ConfigDump, own: Own | undefined): Side {
  const clean = (v: JsonObject) => withoutOwn(v, own) as JsonObject;
  const name = (n: string) => ownText(n, own);
  const serving = (kind: Parameters<ConfigDump['entries']>[0]) =>
    d.entries(kind).filter((e) => e.state === 'active' || e.state === 'static');
  const readers = (kind: 'listener' | 'cluster') =>
    new Map(serving(kind).map((e) => [name(e.name), () => clean(d.peek(e))] as const));
  const routes = new Map(
    serving('routeConfig').map(
      (e) =>
        [
          e.name,
          (): RouteSide => {
            const { virtual_hosts: hosts, ...shell } = clean(d.peek(e));
            const vhosts = new Map<string, JsonObject>();
            for (const vh of Array.isArray(hosts) ? hosts.filter(isObject) : [])
              vhosts.set(typeof vh.name === 'string' ? vh.name : '', vh);
            return { shell, vhosts };
          },
        ] as const,
    ),
  );
  const endpoints = new Map(
    [...serving('endpoints'), ...serving('clusterStatus')].map(
      (e) =>
        [
          name(e.name),
          () => {
            const la = d.peekLoadAssignment(e);
            return new Map(la.endpoints.map((x) => [name(formatAddress(x.address)), x.health]));
          },
        ] as const,
    ),
  );
  return { listeners: readers('listener'), clusters: readers('cluster'), routes, endpoints };
}

function origin(v: JsonObject): string {
  const ref = istioOrigin(v);
  return ref ? `, from ${describeRef(ref)}` : '';
}

function compareMaps<T>(
  a: Map<string, T>,
  b: Map<string, T>,
  each: (name: string, x: T | undefined, y: T | undefined) => void,
): void {
  for (const [k, x] of a) each(k, x, b.get(k));
  for (const [k, y] of b) if (!a.has(k)) each(k, undefined, y);
}

/** How a cluster secures its connections, in words: what a TLS change means. */
function tlsText(c: JsonObject | undefined): string {
  const issues: Issue[] = [];
  const d = c ? decodeCluster(c, 'active', issues) : undefined;
  if (!d) return 'none';
  if (d.transportSocketMatches.length)
    return `by endpoint label (${d.transportSocketMatches.map((m) => `${m.name}: ${m.transportSocket?.kind ?? 'plaintext'}`).join(', ')})`;
  const ts = d.transportSocket;
  if (!ts || ts.kind === 'raw_buffer') return 'plaintext';
  return ts.istioMutual ? 'Istio mutual TLS' : `TLS${ts.sni ? ` (SNI ${ts.sni})` : ''}`;
}

const TLS_PATHS = /^(transport_socket|transport_socket_matches|tls_context)\b/;

/** A cluster's changes as sentences where they have a plain meaning, leaf paths for the rest. */
function clusterSentences(x: JsonObject, y: JsonObject, details: LeafChange[]): string[] {
  const out: string[] = [];
  const field = (k: string, label: string, fallback: string) => {
    const [a, b] = [x[k] ?? fallback, y[k] ?? fallback];
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${label} ${short(a)} → ${short(b)}`);
  };
  field('type', 'type', 'STATIC');
  field('lb_policy', 'load balancing', 'ROUND_ROBIN');
  if (details.some((d) => TLS_PATHS.test(d.path))) {
    const [a, b] = [tlsText(x), tlsText(y)];
    out.push(a === b ? `TLS settings changed (${b})` : `TLS: ${a} → ${b}`);
  }
  const rest = details.filter((d) => !TLS_PATHS.test(d.path) && d.path !== 'type' && d.path !== 'lb_policy');
  return [...out, ...rest.map(leafText)];
}

export function diffDumps(a: DiffSide, b: DiffSide): ConfigDiff {
  const ia = a.dump.identity();
  const ib = b.dump.identity();
  // only two different pods have different own IPs worth hiding; before/after of one pod keep theirs
  const samePod = ia.ip === ib.ip && ia.pod === ib.pod;
  const [pa, pb] = [
    { ips: ia.ips, pod: ia.pod },
    { ips: ib.ips, pod: ib.pod },
  ];
  const sa = sideOf(a.dump, samePod ? undefined : { ...pa, peer: pb });
  const sb = sideOf(b.dump, samePod ? undefined : { ...pb, peer: pa });
  const groups = new Map<string, Change[]>();
  const add = (group: string, c: Change) => groups.set(group, [...(groups.get(group) ?? []), c]);
  /** One change: added, removed, or what differs, the first sentences in the summary. */
  const change = (
    group: string,
    resource: ResourceKind,
    name: string,
    what: string,
    x: JsonObject | undefined,
    y: JsonObject | undefined,
    /** Sentences for the changes; without it, the leaf differences themselves. */
    sentences?: (x: JsonObject, y: JsonObject, details: LeafChange[]) => string[],
  ) => {
    if (!x || !y) {
      const v = (x ?? y)!;
      const kind = x ? 'removed' : 'added';
      const type =
        resource === 'cluster'
          ? ` (${typeof v.type === 'string' ? v.type : 'STATIC'}${origin(v)})`
          : origin(v);
      return add(group, { kind, resource, name, summary: `${what} ${kind}${type}`, details: [], more: [] });
    }
    const details: LeafChange[] = [];
    leaves(x, y, '', details);
    if (!details.length) return;
    const words = sentences ? sentences(x, y, details) : details.map(leafText);
    const listed = Math.min(words.length, 3);
    add(group, {
      kind: 'changed',
      resource,
      name,
      summary: `${what} changed: ${words.slice(0, listed).join('; ')}${words.length > listed ? `; and ${words.length - listed} more` : ''}`,
      details,
      more: words.slice(listed),
    });
  };
  compareMaps(sa.listeners, sb.listeners, (n, x, y) =>
    change(listenerGroup(n), 'listener', n, `listener ${n}`, x?.(), y?.()),
  );
  compareMaps(sa.clusters, sb.clusters, (n, x, y) =>
    change(clusterGroup(n), 'cluster', n, `cluster ${n}`, x?.(), y?.(), clusterSentences),
  );
  compareMaps(sa.routes, sb.routes, (rc, x, y) => {
    const [rx, ry] = [x?.(), y?.()];
    change(`route configuration ${rc}`, 'route', rc, `route configuration ${rc}`, rx?.shell, ry?.shell);
    compareMaps(rx?.vhosts ?? new Map(), ry?.vhosts ?? new Map(), (vhost, vx, vy) =>
      change(
        vhostGroup(vhost, rc),
        'route',
        `${rc}/${vhost}`,
        `routing for ${vhost} (virtual host of route configuration ${rc})`,
        vx,
        vy,
        (p, q, details) => {
          const out = routeSentences(p, q);
          const domains = details.filter((d) => d.path === 'domains');
          if (domains.length)
            out.push(
              `domains ${domains.map((d) => (d.a === undefined ? `+${short(d.b)}` : `-${short(d.a)}`)).join(' ')}`,
            );
          const other = details.filter((d) => d.path !== 'domains');
          return out.length ? out : other.map(leafText);
        },
      ),
    );
  });
  compareMaps(sa.endpoints, sb.endpoints, (n, x, y) => {
    const before = x?.() ?? new Map<string, string>();
    const after = y?.() ?? new Map<string, string>();
    const details: LeafChange[] = [];
    for (const [addr, h] of before)
      if (!after.has(addr)) details.push({ path: addr, a: h, b: undefined });
      else if (after.get(addr) !== h) details.push({ path: addr, a: h, b: after.get(addr)! });
    for (const [addr, h] of after) if (!before.has(addr)) details.push({ path: addr, a: undefined, b: h });
    if (!details.length) return;
    const words = details.map((d) =>
      d.a === undefined
        ? `+ ${d.path} (${String(d.b)})`
        : d.b === undefined
          ? `- ${d.path}`
          : `${d.path} ${String(d.a)} → ${String(d.b)}`,
    );
    add(clusterGroup(n), {
      kind: x && y ? 'changed' : x ? 'removed' : 'added',
      resource: 'endpoints',
      name: n,
      summary: `endpoints of ${n}: ${words.slice(0, 6).join(', ')}${words.length > 6 ? `, and ${words.length - 6} more` : ''}`,
      details,
      more: words.slice(6),
    });
  });
  const sorted = [...groups]
    .sort(([x], [y]) => rank(x) - rank(y) || x.localeCompare(y, 'en', { numeric: true }))
    .map(([group, changes]) => ({ group, changes }));
  const ignored = [
    'version_info, last_updated and @type',
    'the order of resources, of domains and of named entries',
    'secrets and the bootstrap',
    ...(samePod
      ? []
      : [
          `each pod's own addresses and name (${[...ia.ips, ia.pod].join(', ')} and ${[...ib.ips, ib.pod].join(', ')}), shown as ${OWN_IP} and ${OWN_POD}`,
        ]),
  ];
  return {
    apiVersion: 'meshctl/v1',
    kind: 'Diff',
    a: { label: a.label, proxy: proxyName(a.dump), istioVersion: ia.istioVersion ?? null },
    b: { label: b.label, proxy: proxyName(b.dump), istioVersion: ib.istioVersion ?? null },
    identical: sorted.length === 0,
    groups: sorted,
    ignored,
  };
}

/** Services first, then inbound, listeners, route configurations, proxy internals. */
function rank(group: string): number {
  if (group.startsWith('inbound')) return 1;
  if (group.startsWith('listeners')) return 2;
  if (group.startsWith('route configuration')) return 3;
  if (group === 'proxy internals') return 4;
  return 0;
}

function proxyName(d: ConfigDump): string {
  const id = d.identity();
  return id.pod ? `${id.pod}${id.namespace ? `.${id.namespace}` : ''}` : d.source;
}
