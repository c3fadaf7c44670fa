// HTTP routing inside one route configuration: virtual host, then the first route whose every condition holds
// (config_impl.cc RouteEntryImplBase::matchRoute), then its action. Each decision keeps what lost and why.
import type { Route, RouteAction, RouteConfig, VirtualHost } from '../model/route.js';
import { str } from '../model/fields.js';
import {
  describeDomainMatch,
  selectVirtualHost,
  stripPort,
  type VirtualHostChoice,
} from './match/domain-matcher.js';
import { HeaderMatcher, type HeaderMap } from './match/header-matcher.js';
import { PathMatcher } from './match/path-matcher.js';
import { StringMatcher, UnsupportedRegexError } from './match/string-matcher.js';
import type { Alternative } from './types.js';

export interface HttpRequest {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  /** Lower-case names; every occurrence of a header. */
  readonly headers: HeaderMap;
  readonly ssl: boolean;
  /** Envoy's `x-envoy-internal` notion: the request came from inside (RFC 1918 peer). */
  readonly internal: boolean;
  /** Picks among weighted clusters like Envoy's random value (router_check's `random_value`). */
  readonly randomValue?: number;
  /**
   * Runtime overrides, as router_check_tool mocks them: a runtime_fraction route matches only if its key is
   * listed. Without it Envoy's defaults apply: the default_value decides (100% always, less is a coin toss).
   */
  readonly runtimeEnabled?: ReadonlySet<string>;
  /** Dynamic metadata set by earlier filters, by namespace (router_check inputs; unknown in a simulation). */
  readonly dynamicMetadata?: ReadonlyMap<string, unknown>;
}

export interface RouteCondition {
  readonly description: string;
  readonly holds: boolean | undefined;
}

export type RouteDecision =
  | { readonly kind: 'no-virtual-host'; readonly host: string }
  | { readonly kind: 'require-tls'; readonly vhost: VirtualHostChoice; readonly location: string }
  | { readonly kind: 'no-route'; readonly vhost: VirtualHostChoice; readonly rejected: Alternative[] }
  | {
      readonly kind: 'route';
      readonly vhost: VirtualHostChoice;
      readonly route: Route;
      readonly index: number;
      readonly matchedBecause: string;
      readonly rejected: Alternative[];
      /** The cluster the action picks for this request ('' for cluster_header with the header missing). */
      readonly cluster: string | undefined;
      /** For redirects: the Location Envoy answers with. */
      readonly location: string | undefined;
      readonly notes: string[];
    };

function headerMap(req: HttpRequest): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of req.headers) m.set(k.toLowerCase(), [...v]);
  m.set(':authority', [req.host]);
  m.set(':path', [req.path]);
  m.set(':method', [req.method]);
  m.set(':scheme', [req.ssl ? 'https' : 'http']);
  return m;
}

function queryParams(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = path.indexOf('?');
  if (q < 0) return out;
  for (const part of path
    .slice(q + 1)
    .split('#')[0]!
    .split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    // the first value wins (Envoy's QueryParamsMulti first-value semantics)
    if (!out.has(name)) out.set(name, eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1)));
  }
  return out;
}

/** Every condition of a route, evaluated: the first that fails says why the route lost. */
export function routeConditions(route: Route, req: HttpRequest, headers: HeaderMap): RouteCondition[] {
  const out: RouteCondition[] = [];
  const m = route.match;
  try {
    const pm = new PathMatcher(m.path, m.caseSensitive);
    out.push({ description: pm.describe(), holds: pm.matches(req.path, req.method) });
  } catch (e) {
    if (!(e instanceof UnsupportedRegexError)) throw e;
    out.push({ description: e.message, holds: undefined });
  }
  for (const h of m.headers) {
    try {
      const hm = new HeaderMatcher(h);
      out.push({ description: hm.describe(), holds: hm.matches(headers) });
    } catch (e) {
      if (!(e instanceof UnsupportedRegexError)) throw e;
      out.push({ description: e.message, holds: undefined });
    }
  }
  if (m.queryParameters.length) {
    const q = queryParams(req.path);
    for (const qp of m.queryParameters) {
      const v = q.get(qp.name);
      if (qp.value.kind === 'present')
        out.push({ description: `query parameter ${qp.name} is present`, holds: v !== undefined });
      else {
        const sm = new StringMatcher(qp.value.match);
        out.push({
          description: `query parameter ${qp.name} ${sm.describe()}`,
          holds: v !== undefined && sm.matches(v),
        });
      }
    }
  }
  if (m.grpc) {
    const ct = headers.get('content-type')?.[0] ?? '';
    out.push({
      description: 'gRPC request (content-type application/grpc*)',
      holds: ct.startsWith('application/grpc'),
    });
  }
  for (const d of m.dynamicMetadata) {
    let v: unknown = req.dynamicMetadata?.get(d.filter);
    for (const key of d.path)
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    const sm = d.value ? new StringMatcher(d.value) : undefined;
    const ok = typeof v === 'string' ? (sm ? sm.matches(v) : true) : false;
    out.push({
      description: `dynamic metadata ${d.filter}.${d.path.join('.')} ${d.invert ? 'NOT ' : ''}${sm ? sm.describe() : 'is set'}`,
      holds: ok !== d.invert,
    });
  }
  for (const field of m.unsupported)
    out.push({ description: `match.${field}, which meshctl does not evaluate`, holds: undefined });
  if (m.runtimeFraction) {
    const { numerator, denominator, runtimeKey } = m.runtimeFraction;
    const pct = (100 * numerator) / denominator;
    const what = `${pct}% of requests (runtime_fraction${runtimeKey ? ` ${runtimeKey}` : ''})`;
    if (req.runtimeEnabled) {
      const on = runtimeKey !== undefined && req.runtimeEnabled.has(runtimeKey);
      out.push({ description: `${what}, runtime ${on ? 'on' : 'off'}`, holds: on });
    } else if (numerator >= denominator) out.push({ description: what, holds: true });
    else
      out.push({ description: `${what}: some requests take this route, the rest go on`, holds: undefined });
  }
  return out;
}

function pickWeighted(
  action: Extract<RouteAction, { kind: 'weighted_clusters' }>,
  random: number | undefined,
): string | undefined {
  if (random === undefined || action.totalWeight <= 0) return undefined;
  let point = random % action.totalWeight;
  for (const c of action.clusters) {
    if (point < c.weight) return c.name;
    point -= c.weight;
  }
  return undefined;
}

/** The Location of a redirect (route_components.proto RedirectAction). */
function redirectLocation(
  action: Extract<RouteAction, { kind: 'redirect' }>,
  req: HttpRequest,
  route: Route,
): string {
  const scheme = action.httpsRedirect ? 'https' : (action.scheme ?? (req.ssl ? 'https' : 'http'));
  let host = action.host ?? stripPort(req.host);
  const origPort =
    req.host.length > stripPort(req.host).length ? req.host.slice(stripPort(req.host).length + 1) : undefined;
  if (action.port) host += `:${action.port}`;
  else if (!action.host && origPort && !action.httpsRedirect && !action.scheme) host += `:${origPort}`;
  let path = req.path;
  if (action.path !== undefined) path = action.path;
  else if (action.prefixRewrite !== undefined && route.match.path.kind === 'prefix')
    path = action.prefixRewrite + req.path.slice(route.match.path.value.length);
  if (action.stripQuery) path = path.split('?')[0]!;
  return `${scheme}://${host}${path}`;
}

export function routeRequest(rc: RouteConfig, req: HttpRequest): RouteDecision {
  const chosen = selectVirtualHost(rc.hosts, req.host, rc.ignorePortInHostMatching);
  if (!chosen) return { kind: 'no-virtual-host', host: req.host };
  const vhost: VirtualHostChoice = { ...chosen, vhost: rc.virtualHost(chosen.index) };
  const requireTls = str(vhost.vhost.raw, 'require_tls');
  if (!req.ssl && (requireTls === 'ALL' || (requireTls === 'EXTERNAL_ONLY' && !req.internal)))
    return { kind: 'require-tls', vhost, location: `https://${stripPort(req.host)}${req.path}` };
  const headers = headerMap(req);
  const rejected: Alternative[] = [];
  const routes = vhost.vhost.routes;
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    const conditions = routeConditions(route, req, headers);
    const failed = conditions.find((c) => c.holds !== true);
    if (failed) {
      rejected.push({
        name: route.name ?? null,
        index: i,
        reason:
          failed.holds === undefined ? `cannot tell: ${failed.description}` : `needs ${failed.description}`,
      });
      continue;
    }
    const notes: string[] = [];
    let cluster: string | undefined;
    let location: string | undefined;
    const a = route.action;
    if (a.kind === 'cluster') cluster = a.cluster;
    else if (a.kind === 'weighted_clusters') {
      cluster = pickWeighted(a, req.randomValue);
      notes.push(
        `weighted: ${a.clusters.map((c) => `${c.name} ${((100 * c.weight) / (a.totalWeight || 1)).toFixed(0)}%`).join(', ')}`,
      );
    } else if (a.kind === 'cluster_header') cluster = headers.get(a.header.toLowerCase())?.[0] ?? '';
    else if (a.kind === 'redirect') location = redirectLocation(a, req, route);
    return {
      kind: 'route',
      vhost,
      route,
      index: i,
      matchedBecause: conditions.map((c) => c.description).join(' and '),
      rejected,
      cluster,
      location,
      notes,
    };
  }
  return { kind: 'no-route', vhost, rejected };
}

export function routeLabel(route: Route, index: number): string {
  return route.name ? `${route.name} (#${index})` : `#${index}`;
}

export function describeVirtualHost(choice: VirtualHostChoice, host: string): string {
  return describeDomainMatch(choice, host);
}

/** Routes from istio carry the VirtualService in metadata; vhosts sometimes instead. */
export function routeOrigin(route: Route, vhost: VirtualHost): string | undefined {
  const ref = route.origin ?? vhost.origin;
  return ref ? `${ref.kind} ${ref.namespace}/${ref.name}` : undefined;
}
