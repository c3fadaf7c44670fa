// HTTP connection managers and their routes (a stage of bootstrapFor): istio-proxy's HTTP filters removed
// (istio.alpn's override remembered for the clusters it routes to), RDS inlined as route_config, and the v2
// fields of route tables Envoy 1.40 no longer has converted.
import { obj, str } from '../model/fields.js';
import { isObject, type JsonObject } from '../model/normalize.js';
import { clone, ISTIO_ALPN_DEFAULT, T, type Conversion } from './conversion.js';
import { extensionType } from './extensions.js';

export function hcm(cv: Conversion, f: JsonObject, at: string): JsonObject {
  const tc: JsonObject = { ...(obj(f, 'typed_config') ?? {}) };
  // HTTP filters
  const httpFilters: JsonObject[] = [];
  let alpn: Record<string, string[]> | undefined;
  for (const [i, hf] of (Array.isArray(tc.http_filters) ? tc.http_filters : []).entries()) {
    if (!isObject(hf)) continue;
    const where = `${at}.http_filters[${i}]`;
    if (str(hf, 'name') === 'istio.alpn' || extensionType(hf)?.endsWith('alpn.v2alpha1.FilterConfig'))
      alpn = alpnOverrides(obj(hf, 'typed_config') ?? obj(hf, 'config'));
    const c = cv.filter(hf, 'HTTP filter', where);
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
    cv.adapt(
      'moved the HCM idle_timeout to common_http_protocol_options',
      at,
      'The v2 field is gone from the v3 HttpConnectionManager.',
    );
  }
  if ('tracing' in tc) {
    delete tc.tracing;
    cv.adapt(
      'removed HCM tracing',
      at,
      'There is no trace collector in the replay world; tracing does not change routing.',
    );
  }
  if (!str(tc, 'stat_prefix')) tc.stat_prefix = 'http'; // protojson omits an empty one; 1.40 requires it
  cv.replaceAccessLog(tc);
  tc.access_log = [cv.accessLog('http')];
  // routes
  const rds = obj(tc, 'rds');
  let rc: JsonObject | undefined;
  if (rds) {
    const name = str(rds, 'route_config_name') ?? '';
    delete tc.rds;
    const dumped = cv.routes.get(name);
    if (dumped) {
      rc = routeConfig(cv, dumped, `routes[${name}]`);
      cv.adapt(
        'inlined RDS route tables as route_config (validate_clusters: false, as RDS had it)',
        at,
        'No xDS server exists in the replay world; a static route_config would otherwise check its clusters at load, which RDS tables do not (route.proto validate_clusters).',
      );
    } else {
      rc = { name, virtual_hosts: [], validate_clusters: false };
      cv.adapt(
        `inlined an empty route table for RDS ${JSON.stringify(name)}`,
        at,
        'The dump holds no route configuration of that name (a listener waiting for RDS); every request gets 404 NR.',
      );
    }
    tc.route_config = rc;
  } else if (isObject(tc.route_config)) {
    rc = routeConfig(cv, tc.route_config, `${at}.route_config`);
    tc.route_config = rc;
  } else if ('scoped_routes' in tc) {
    cv.skip(`${at}: the HCM takes its routes from scoped RDS, which replay does not inline yet`);
  }
  if (alpn && rc)
    for (const c of routedClusters(rc))
      if (!cv.alpnFor.has(c)) cv.alpnFor.set(c, { protocols: alpn, where: at });
  return { ...f, typed_config: tc };
}

// --- routes ----------------------------------------------------------------------------------------------

export function routeConfig(cv: Conversion, rc: JsonObject, at: string): JsonObject {
  const { ['@type']: _type, ...out } = clone(rc);
  out.validate_clusters = false;
  const vhosts = Array.isArray(out.virtual_hosts) ? out.virtual_hosts.filter(isObject) : [];
  for (const vh of vhosts) {
    const vat = `${at}.virtual_hosts[${str(vh, 'name') ?? ''}]`;
    perFilterConfig(cv, vh, vat);
    retryPolicy(cv, obj(vh, 'retry_policy'), vat);
    for (const [i, r] of (Array.isArray(vh.routes) ? vh.routes.filter(isObject) : []).entries())
      route(cv, r, `${vat}.routes[${i}]`);
  }
  return out;
}

/** Drops config for filters that were removed (and the v2 untyped form), in place. */
export function perFilterConfig(cv: Conversion, o: JsonObject, at: string): void {
  if ('per_filter_config' in o) {
    delete o.per_filter_config;
    cv.adapt(
      'dropped per_filter_config',
      at,
      'The v2 untyped per-filter config is gone from v3; only Istio filters used it here.',
    );
  }
  const tpf = obj(o, 'typed_per_filter_config');
  if (!tpf) return;
  for (const [k, v] of Object.entries(tpf)) {
    if (!isObject(v)) continue;
    const why = cv.removal({ name: k, typed_config: v });
    if (why) {
      delete tpf[k];
      cv.adapt(`dropped typed_per_filter_config ${k}`, at, 'Its filter was removed: ' + why + '.');
    }
  }
  if (Object.keys(tpf).length === 0) delete o.typed_per_filter_config;
}

/** Retry predicates named without a typed_config (Istio <= 1.7) typed, in place. */
export function retryPolicy(cv: Conversion, rp: JsonObject | undefined, at: string): void {
  if (rp && Array.isArray(rp.retry_host_predicate))
    rp.retry_host_predicate = rp.retry_host_predicate
      .filter(isObject)
      .map((p) => cv.filter(p, 'retry host predicate', `${at}.retry_policy`) ?? p);
}

export function route(cv: Conversion, r: JsonObject, at: string): void {
  perFilterConfig(cv, r, at);
  const m = obj(r, 'match');
  if (m) {
    if (typeof m.regex === 'string') {
      m.safe_regex = { regex: m.regex };
      delete m.regex;
      cv.adapt(
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
      cv.adapt(
        'made the v2 runtime match runtime_fraction',
        at,
        'The v2 field is gone from v3; a percentage of 100 is the same fraction.',
      );
    }
    for (const h of Array.isArray(m.headers) ? m.headers.filter(isObject) : [])
      if (typeof h.regex_match === 'string') {
        h.safe_regex_match = { regex: h.regex_match };
        delete h.regex_match;
        cv.adapt('made v2 header regex_match safe_regex_match', at, 'The v2 field is gone from v3.');
      }
    for (const q of Array.isArray(m.query_parameters) ? m.query_parameters.filter(isObject) : [])
      if (typeof q.value === 'string' && !('string_match' in q)) {
        q.string_match = q.regex === true ? { safe_regex: { regex: q.value } } : { exact: q.value };
        delete q.value;
        delete q.regex;
        cv.adapt('made v2 query parameter value/regex string_match', at, 'The v2 fields are gone from v3.');
      }
  }
  const action = obj(r, 'route');
  retryPolicy(cv, obj(action, 'retry_policy'), at);
  if (action) {
    if ('use_websocket' in action) {
      delete action.use_websocket;
      cv.adapt(
        'dropped use_websocket',
        at,
        'Gone from v3 (upgrade_configs replaced it); replayed requests do not upgrade.',
      );
    }
    if (isObject(action.request_mirror_policy)) {
      const { runtime_key: _rk, ...mp } = action.request_mirror_policy;
      action.request_mirror_policies = [mp];
      delete action.request_mirror_policy;
      cv.adapt(
        'made request_mirror_policy request_mirror_policies',
        at,
        'The v2 field is gone from v3; mirroring does not change the response.',
      );
    }
    if (typeof action.host_rewrite === 'string') {
      action.host_rewrite_literal = action.host_rewrite;
      delete action.host_rewrite;
      cv.adapt('renamed host_rewrite to host_rewrite_literal', at, 'The v2 name is gone from v3.');
    }
    const wc = obj(action, 'weighted_clusters');
    for (const c of Array.isArray(wc?.clusters) ? wc.clusters.filter(isObject) : [])
      perFilterConfig(cv, c, at);
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
