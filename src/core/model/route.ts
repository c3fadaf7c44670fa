// envoy.config.route.v3.RouteConfiguration, VirtualHost and Route, read into what the simulator and the
// tables need. Every object keeps its normalised JSON (`raw`) so nothing unknown is lost.
import type { Issue } from '../diagnostics/issue.js';
import { arr, bool, num, obj, objects, str, strings } from './fields.js';
import { istioOrigin, type ConfigRef } from './istio.js';
import type { JsonObject } from './normalize.js';

export type PathMatch =
  | { readonly kind: 'prefix' | 'path' | 'path_separated_prefix'; readonly value: string }
  | { readonly kind: 'safe_regex'; readonly value: string }
  | { readonly kind: 'connect' }
  | { readonly kind: 'template'; readonly value: string }
  | { readonly kind: 'unsupported'; readonly field: string };

export type StringMatch =
  | {
      readonly kind: 'exact' | 'prefix' | 'suffix' | 'contains';
      readonly value: string;
      readonly ignoreCase: boolean;
    }
  | { readonly kind: 'safe_regex'; readonly value: string; readonly ignoreCase: false };

export type HeaderValueMatch =
  | { readonly kind: 'string'; readonly match: StringMatch }
  | { readonly kind: 'present'; readonly present: boolean }
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  | { readonly kind: 'any' };

export interface HeaderMatcher {
  readonly name: string;
  readonly value: HeaderValueMatch;
  readonly invert: boolean;
  readonly treatMissingAsEmpty: boolean;
}

export interface QueryParameterMatcher {
  readonly name: string;
  readonly value:
    | { readonly kind: 'string'; readonly match: StringMatch }
    | { readonly kind: 'present'; readonly present: boolean };
}

export interface RouteMatch {
  readonly path: PathMatch;
  readonly caseSensitive: boolean;
  readonly headers: HeaderMatcher[];
  readonly queryParameters: QueryParameterMatcher[];
  /** The share of requests this route matches (runtime_fraction's default, overridable by runtime). */
  readonly runtimeFraction?: {
    readonly numerator: number;
    readonly denominator: number;
    readonly runtimeKey?: string;
  };
  readonly grpc: boolean;
  /** match.dynamic_metadata: values other filters set on the request (never known to a simulation). */
  readonly dynamicMetadata: DynamicMetadataMatcher[];
  /** Match fields meshctl does not evaluate (tls_context, filter_state, ...): the route is "cannot tell". */
  readonly unsupported: string[];
}

export interface DynamicMetadataMatcher {
  readonly filter: string;
  readonly path: string[];
  readonly value: StringMatch | undefined;
  readonly invert: boolean;
}

const EVALUATED_MATCH_FIELDS = new Set([
  'prefix',
  'path',
  'safe_regex',
  'regex',
  'path_separated_prefix',
  'connect_matcher',
  'path_match_policy',
  'case_sensitive',
  'headers',
  'query_parameters',
  'runtime_fraction',
  'grpc',
  'dynamic_metadata',
]);

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

export type RouteAction =
  | { readonly kind: 'cluster'; readonly cluster: string; readonly timeout?: string }
  | { readonly kind: 'weighted_clusters'; readonly clusters: WeightedCluster[]; readonly totalWeight: number }
  | { readonly kind: 'cluster_header'; readonly header: string }
  | { readonly kind: 'cluster_specifier_plugin'; readonly plugin: string }
  | {
      readonly kind: 'redirect';
      readonly status: number;
      readonly scheme?: string;
      readonly host?: string;
      readonly port?: number;
      readonly path?: string;
      readonly prefixRewrite?: string;
      readonly httpsRedirect: boolean;
      readonly stripQuery: boolean;
    }
  | { readonly kind: 'direct_response'; readonly status: number; readonly body?: string }
  | { readonly kind: 'non_forwarding' }
  | { readonly kind: 'unsupported'; readonly field: string };

export interface Route {
  readonly name: string | undefined;
  readonly match: RouteMatch;
  readonly action: RouteAction;
  readonly origin: ConfigRef | undefined;
  readonly raw: JsonObject;
}

export interface VirtualHost {
  readonly name: string;
  readonly domains: string[];
  readonly routes: Route[];
  readonly origin: ConfigRef | undefined;
  readonly raw: JsonObject;
}

/** What choosing a virtual host reads: its name and domains. */
export interface VirtualHostHeader {
  readonly name: string;
  readonly domains: readonly string[];
  /**
   * False only if no domain of this host can be `domain` (lower-case): a quick look at the host's bytes, so
   * that finding an exact domain among tens of thousands of hosts decodes the domains of the few that may
   * have it. Absent: any host may.
   */
  mayHaveDomain?(domain: string): boolean;
}

/** A virtual host not yet decoded: its header, and how to read the rest when it is chosen. */
export interface VirtualHostSource extends VirtualHostHeader {
  load(): JsonObject;
}

export interface RouteConfig {
  readonly name: string;
  /**
   * Name and domains of every virtual host, in order. A sidecar without Sidecar scoping has one virtual host
   * per service on a port (tens of thousands): host selection reads only these, and decodes the one chosen.
   */
  readonly hosts: readonly VirtualHostHeader[];
  /** The virtual host at `i` in `hosts`, decoded in full on first use. */
  virtualHost(i: number): VirtualHost;
  /** Every virtual host, decoded (listings read them all). */
  readonly virtualHosts: VirtualHost[];
  readonly ignorePortInHostMatching: boolean;
  readonly validateClusters: boolean | undefined;
  /** The whole RouteConfiguration, virtual hosts included. */
  readonly raw: JsonObject;
}

export function decodeStringMatch(m: JsonObject | undefined): StringMatch | undefined {
  if (!m) return undefined;
  const ignoreCase = bool(m, 'ignore_case') ?? false;
  for (const kind of ['exact', 'prefix', 'suffix', 'contains'] as const) {
    const v = str(m, kind);
    if (v !== undefined) return { kind, value: v, ignoreCase };
  }
  const re = str(obj(m, 'safe_regex'), 'regex') ?? str(m, 'regex');
  if (re !== undefined) return { kind: 'safe_regex', value: re, ignoreCase: false };
  return undefined;
}

export function decodeHeader(h: JsonObject): HeaderMatcher {
  const name = str(h, 'name') ?? '';
  const invert = bool(h, 'invert_match') ?? false;
  const treatMissingAsEmpty = bool(h, 'treat_missing_header_as_empty') ?? false;
  const base = { name, invert, treatMissingAsEmpty };
  const sm = decodeStringMatch(obj(h, 'string_match'));
  if (sm) return { ...base, value: { kind: 'string', match: sm } };
  // Deprecated direct fields (exact_match, prefix_match, ...), still printed by older Envoys.
  const legacy: Array<[string, StringMatch['kind']]> = [
    ['exact_match', 'exact'],
    ['prefix_match', 'prefix'],
    ['suffix_match', 'suffix'],
    ['contains_match', 'contains'],
  ];
  for (const [field, kind] of legacy) {
    const v = str(h, field);
    if (v !== undefined)
      return {
        ...base,
        value: { kind: 'string', match: { kind, value: v, ignoreCase: false } as StringMatch },
      };
  }
  const re = str(obj(h, 'safe_regex_match'), 'regex') ?? str(h, 'regex_match');
  if (re !== undefined)
    return {
      ...base,
      value: { kind: 'string', match: { kind: 'safe_regex', value: re, ignoreCase: false } },
    };
  const present = bool(h, 'present_match');
  if (present !== undefined) return { ...base, value: { kind: 'present', present } };
  const range = obj(h, 'range_match');
  if (range)
    return {
      ...base,
      value: { kind: 'range', start: num(range, 'start') ?? 0, end: num(range, 'end') ?? 0 },
    };
  return { ...base, value: { kind: 'any' } };
}

function decodeQuery(q: JsonObject): QueryParameterMatcher {
  const name = str(q, 'name') ?? '';
  const sm = decodeStringMatch(obj(q, 'string_match'));
  if (sm) return { name, value: { kind: 'string', match: sm } };
  const present = bool(q, 'present_match');
  return { name, value: { kind: 'present', present: present ?? true } };
}

const DENOMINATORS: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

function decodeMatch(m: JsonObject | undefined): RouteMatch {
  let path: PathMatch = { kind: 'unsupported', field: 'none' };
  const p = (k: string) => str(m, k);
  if (p('prefix') !== undefined) path = { kind: 'prefix', value: p('prefix')! };
  else if (p('path') !== undefined) path = { kind: 'path', value: p('path')! };
  else if (p('path_separated_prefix') !== undefined)
    path = { kind: 'path_separated_prefix', value: p('path_separated_prefix')! };
  else if (obj(m, 'safe_regex'))
    path = { kind: 'safe_regex', value: str(obj(m, 'safe_regex'), 'regex') ?? '' };
  else if (p('regex') !== undefined) path = { kind: 'safe_regex', value: p('regex')! };
  else if (obj(m, 'connect_matcher')) path = { kind: 'connect' };
  else if (obj(m, 'path_match_policy'))
    path = {
      kind: 'template',
      value: str(obj(obj(m, 'path_match_policy'), 'typed_config'), 'path_template') ?? '',
    };
  const rf = obj(obj(m, 'runtime_fraction'), 'default_value');
  const numerator = num(rf, 'numerator') ?? 0;
  const denominator = DENOMINATORS[str(rf, 'denominator') ?? 'HUNDRED'] ?? 100;
  const runtimeKey = str(obj(m, 'runtime_fraction'), 'runtime_key');
  return {
    path,
    caseSensitive: bool(m, 'case_sensitive') ?? true,
    headers: objects(m, 'headers').map(decodeHeader),
    queryParameters: objects(m, 'query_parameters').map(decodeQuery),
    ...(rf ? { runtimeFraction: { numerator, denominator, ...(runtimeKey ? { runtimeKey } : {}) } } : {}),
    grpc: obj(m, 'grpc') !== undefined,
    dynamicMetadata: objects(m, 'dynamic_metadata').map((d) => ({
      filter: str(d, 'filter') ?? '',
      path: objects(d, 'path').map((p) => str(p, 'key') ?? ''),
      value: decodeStringMatch(obj(obj(d, 'value'), 'string_match')),
      invert: bool(d, 'invert') ?? false,
    })),
    unsupported: Object.keys(m ?? {}).filter((k) => !EVALUATED_MATCH_FIELDS.has(k)),
  };
}

function decodeAction(r: JsonObject, path: string, issues: Issue[]): RouteAction {
  const route = obj(r, 'route');
  if (route) {
    const cluster = str(route, 'cluster');
    if (cluster !== undefined) {
      const timeout = str(route, 'timeout');
      return { kind: 'cluster', cluster, ...(timeout ? { timeout } : {}) };
    }
    const wc = obj(route, 'weighted_clusters');
    if (wc) {
      const clusters = objects(wc, 'clusters').map((c) => ({
        name: str(c, 'name') ?? '',
        weight: num(c, 'weight') ?? 0,
      }));
      const total = num(wc, 'total_weight') ?? clusters.reduce((s, c) => s + c.weight, 0);
      return { kind: 'weighted_clusters', clusters, totalWeight: total };
    }
    const header = str(route, 'cluster_header');
    if (header !== undefined) return { kind: 'cluster_header', header };
    const plugin = str(route, 'cluster_specifier_plugin');
    if (plugin !== undefined) return { kind: 'cluster_specifier_plugin', plugin };
    issues.push({ severity: 'warning', path: `${path}.route`, message: 'route action names no cluster' });
    return { kind: 'unsupported', field: 'route' };
  }
  const redirect = obj(r, 'redirect');
  if (redirect) {
    const codes: Record<string, number> = {
      MOVED_PERMANENTLY: 301,
      FOUND: 302,
      SEE_OTHER: 303,
      TEMPORARY_REDIRECT: 307,
      PERMANENT_REDIRECT: 308,
    };
    const scheme = str(redirect, 'scheme_redirect');
    const host = str(redirect, 'host_redirect');
    const port = num(redirect, 'port_redirect');
    const rpath = str(redirect, 'path_redirect');
    const prefixRewrite = str(redirect, 'prefix_rewrite');
    return {
      kind: 'redirect',
      status: codes[str(redirect, 'response_code') ?? 'MOVED_PERMANENTLY'] ?? 301,
      ...(scheme ? { scheme } : {}),
      ...(host ? { host } : {}),
      ...(port ? { port } : {}),
      ...(rpath ? { path: rpath } : {}),
      ...(prefixRewrite !== undefined ? { prefixRewrite } : {}),
      httpsRedirect: bool(redirect, 'https_redirect') ?? false,
      stripQuery: bool(redirect, 'strip_query') ?? false,
    };
  }
  const dr = obj(r, 'direct_response');
  if (dr) {
    const body = str(obj(dr, 'body'), 'inline_string');
    return {
      kind: 'direct_response',
      status: num(dr, 'status') ?? 0,
      ...(body !== undefined ? { body } : {}),
    };
  }
  if (obj(r, 'non_forwarding_action')) return { kind: 'non_forwarding' };
  if (obj(r, 'filter_action')) return { kind: 'unsupported', field: 'filter_action' };
  issues.push({
    severity: 'warning',
    path,
    message: 'route has no action (route, redirect or direct_response)',
  });
  return { kind: 'unsupported', field: 'none' };
}

export function decodeRoute(r: JsonObject, path: string, issues: Issue[]): Route {
  return {
    name: str(r, 'name'),
    match: decodeMatch(obj(r, 'match')),
    action: decodeAction(r, path, issues),
    origin: istioOrigin(r),
    raw: r,
  };
}

export function decodeVirtualHost(v: JsonObject, path: string, issues: Issue[]): VirtualHost {
  const name = str(v, 'name') ?? '';
  return {
    name,
    domains: strings(v, 'domains'),
    routes: objects(v, 'routes').map((r, i) =>
      decodeRoute(r, `${path}.routes[${str(r, 'name') ?? i}]`, issues),
    ),
    origin: istioOrigin(v),
    raw: v,
  };
}

export function decodeRouteConfig(rc: JsonObject, path: string, issues: Issue[]): RouteConfig {
  const sources = objects(rc, 'virtual_hosts').map((v) => ({
    name: str(v, 'name') ?? '',
    domains: strings(v, 'domains'),
    load: () => v,
  }));
  return routeConfigOf(rc, sources, path, issues);
}

/**
 * A route configuration whose virtual hosts are decoded when asked for. `shell` is the RouteConfiguration;
 * its `virtual_hosts` (if any) are replaced by those of `sources` in `raw`.
 */
export function routeConfigOf(
  shell: JsonObject,
  sources: readonly VirtualHostSource[],
  path: string,
  issues: Issue[],
): RouteConfig {
  if (arr(shell, 'vhds').length > 0 || obj(shell, 'vhds'))
    issues.push({ severity: 'warning', path, message: 'VHDS (on-demand virtual hosts) is not simulated' });
  const decoded: Array<VirtualHost | undefined> = [];
  const virtualHost = (i: number): VirtualHost => {
    const source = sources[i];
    if (!source) throw new RangeError(`route configuration ${path} has no virtual host ${i}`);
    return (decoded[i] ??= decodeVirtualHost(
      source.load(),
      `${path}.virtual_hosts[${source.name || i}]`,
      issues,
    ));
  };
  const all = (): VirtualHost[] => sources.map((_, i) => virtualHost(i));
  return {
    name: str(shell, 'name') ?? '',
    hosts: sources,
    virtualHost,
    get virtualHosts() {
      return all();
    },
    ignorePortInHostMatching: bool(shell, 'ignore_port_in_host_matching') ?? false,
    validateClusters: bool(shell, 'validate_clusters'),
    get raw() {
      return 'virtual_hosts' in shell ? { ...shell, virtual_hosts: all().map((v) => v.raw) } : shell;
    },
  };
}

/** A route's match as istioctl prints it in `proxy-config routes` (`/get*`, `/exact`, `~regex`). */
export function describePathMatch(m: PathMatch): string {
  switch (m.kind) {
    case 'prefix':
      return `${m.value}*`;
    case 'path':
      return m.value;
    case 'path_separated_prefix':
      return `PathPrefix:${m.value}`;
    case 'safe_regex':
      return `~${m.value}`;
    case 'connect':
      return 'CONNECT';
    case 'template':
      return `template:${m.value}`;
    case 'unsupported':
      return '-';
  }
}
