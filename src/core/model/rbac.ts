// Envoy's RBAC filters as Istio writes them for AuthorizationPolicy (and ServiceRole/ServiceRoleBinding before
// 1.4): envoy.filters.network.rbac and envoy.filters.http.rbac, v2 (`config`, envoy.config.filter.*.rbac.v2)
// and v3 (`typed_config`, envoy.extensions.filters.*.rbac.v3), both holding an envoy.config.rbac.v3.RBAC
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto). Read into a tree of
// permissions and principals the engine can evaluate; every field meshctl does not evaluate is kept as
// `unsupported` with its name, so the engine can say "cannot tell" instead of guessing.
import { decodeCidr, type Cidr } from './address.js';
import { arr, num, obj, objects, str, typeName, typeUrlOf } from './fields.js';
import { isObject, type JsonObject } from './normalize.js';
import { decodeHeader, decodeStringMatch, type HeaderMatcher, type StringMatch } from './route.js';

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

export type Permission =
  | { readonly kind: 'any' }
  | { readonly kind: 'and' | 'or'; readonly rules: readonly Permission[] }
  | { readonly kind: 'not'; readonly rule: Permission }
  | { readonly kind: 'header'; readonly header: HeaderMatcher }
  | { readonly kind: 'url_path'; readonly path: StringMatch }
  | { readonly kind: 'destination_ip'; readonly cidr: Cidr }
  | { readonly kind: 'destination_port'; readonly port: number }
  | { readonly kind: 'destination_port_range'; readonly start: number; readonly end: number }
  | { readonly kind: 'requested_server_name'; readonly match: StringMatch }
  | { readonly kind: 'metadata'; readonly metadata: MetadataMatch }
  | { readonly kind: 'unsupported'; readonly field: string };

export type Principal =
  | { readonly kind: 'any' }
  | { readonly kind: 'and' | 'or'; readonly ids: readonly Principal[] }
  | { readonly kind: 'not'; readonly id: Principal }
  /** Authenticated: the peer certificate's URI SAN (else DNS SAN, else subject); any TLS peer when unset. */
  | { readonly kind: 'authenticated'; readonly principalName: StringMatch | undefined }
  | {
      readonly kind: 'source_ip' | 'direct_remote_ip' | 'remote_ip';
      readonly cidr: Cidr;
    }
  | { readonly kind: 'header'; readonly header: HeaderMatcher }
  | { readonly kind: 'url_path'; readonly path: StringMatch }
  | { readonly kind: 'metadata'; readonly metadata: MetadataMatch }
  | { readonly kind: 'unsupported'; readonly field: string };

/** envoy.type.matcher.v3.MetadataMatcher with a string value (Istio <= 1.5: istio_authn source.principal). */
export interface MetadataMatch {
  readonly filter: string;
  readonly path: readonly string[];
  /** undefined: a value matcher other than a string (present, list, number...), not evaluated. */
  readonly value: StringMatch | undefined;
  readonly invert: boolean;
}

export interface RbacPolicy {
  readonly name: string;
  readonly permissions: readonly Permission[];
  readonly principals: readonly Principal[];
  /** A CEL condition (`condition`/`checked_condition`): meshctl does not evaluate it. */
  readonly condition: boolean;
}

export interface RbacFilter {
  readonly layer: 'network' | 'http';
  /** The filter's name as the dump spells it. */
  readonly name: string;
  /** Its position in the chain's filters (network) or the HCM's http_filters (HTTP). */
  readonly index: number;
  /**
   * `rules` absent: the filter enforces nothing (rbac.proto: "If absent, no enforcing RBAC policy will be
   * applied"); present with no policies: ALLOW denies everything, DENY allows everything.
   */
  readonly rules: { readonly action: RbacAction; readonly policies: readonly RbacPolicy[] } | undefined;
  /** `matcher` (the xDS matcher API form of the rules): not evaluated. */
  readonly usesMatcher: boolean;
  readonly statPrefix: string | undefined;
  /**
   * `shadow_rules`: judged but never enforced; the filter writes the matched policy into its dynamic
   * metadata as `<shadow_rules_stat_prefix>shadow_effective_policy_id`, which Istio's CUSTOM action reads to
   * turn ext_authz on (rbac.proto RBAC.shadow_rules_stat_prefix).
   */
  readonly shadow: RbacRules | undefined;
  readonly shadowStatPrefix: string;
}

export interface RbacRules {
  readonly action: RbacAction;
  readonly policies: readonly RbacPolicy[];
}

/** envoy.filters.http.ext_authz: an external service decides; `filter_enabled_metadata` gates it. */
export interface ExtAuthzFilter {
  readonly layer: 'ext_authz';
  readonly name: string;
  readonly index: number;
  readonly enabledBy: MetadataMatch | undefined;
}

const NETWORK_NAMES = new Set(['envoy.filters.network.rbac']);
const HTTP_NAMES = new Set(['envoy.filters.http.rbac']);

/** Whether a filter (network filter or HTTP filter JSON) is an RBAC filter of that layer: by type URL, then name. */
export function rbacLayer(f: JsonObject): RbacFilter['layer'] | undefined {
  const url = innerTypeUrl(f);
  if (url) {
    if (/\.filters?\.network\.rbac\.v\d\w*\.RBAC$/.test(url)) return 'network';
    if (/\.filters?\.http\.rbac\.v\d\w*\.RBAC$/.test(url)) return 'http';
    if (!/TypedStruct$/.test(url)) return undefined;
  }
  const name = str(f, 'name') ?? '';
  if (NETWORK_NAMES.has(name)) return 'network';
  if (HTTP_NAMES.has(name)) return 'http';
  return undefined;
}

/** typed_config's @type, or a TypedStruct's type_url (Istio wraps some filters in udpa TypedStruct). */
function innerTypeUrl(f: JsonObject): string | undefined {
  const tc = obj(f, 'typed_config');
  const url = typeUrlOf(f);
  if (url && /TypedStruct$/.test(url)) return str(tc, 'type_url') ?? url;
  return url;
}

/** The RBAC message itself: typed_config, a TypedStruct's value, or v2's untyped `config`. */
function rbacConfig(f: JsonObject): JsonObject {
  const tc = obj(f, 'typed_config');
  if (tc && typeName(str(tc, '@type'))?.endsWith('TypedStruct')) return obj(tc, 'value') ?? {};
  return tc ?? obj(f, 'config') ?? {};
}

export function decodeRbacFilter(f: JsonObject, layer: RbacFilter['layer'], index: number): RbacFilter {
  const cfg = rbacConfig(f);
  const rules = obj(cfg, 'rules');
  return {
    layer,
    name: str(f, 'name') ?? '',
    index,
    rules: rules ? decodeRules(rules) : undefined,
    usesMatcher: !rules && isObject(cfg.matcher),
    statPrefix: str(cfg, 'stat_prefix'),
    shadow: obj(cfg, 'shadow_rules') ? decodeRules(obj(cfg, 'shadow_rules')!) : undefined,
    shadowStatPrefix: str(cfg, 'shadow_rules_stat_prefix') ?? '',
  };
}

function decodeRules(rules: JsonObject): RbacRules {
  // the enum may be printed by name or by number (ALLOW = 0, DENY = 1, LOG = 2)
  const a = rules.action;
  const action: RbacAction = a === 'DENY' || a === 1 ? 'DENY' : a === 'LOG' || a === 2 ? 'LOG' : 'ALLOW';
  const policies = obj(rules, 'policies') ?? {};
  return {
    action,
    policies: Object.keys(policies)
      .sort()
      .map((name) => {
        const p = obj(policies, name) ?? {};
        return {
          name,
          permissions: objects(p, 'permissions').map(decodePermission),
          principals: objects(p, 'principals').map(decodePrincipal),
          condition: p.condition !== undefined || p.checked_condition !== undefined,
        };
      }),
  };
}

/** The one field a oneof message sets (protojson prints only the set member). */
function oneof(m: JsonObject): string | undefined {
  return Object.keys(m).find((k) => m[k] !== undefined && m[k] !== null);
}

function decodePermission(p: JsonObject): Permission {
  const field = oneof(p);
  switch (field) {
    case 'any':
      return p.any === true ? { kind: 'any' } : { kind: 'unsupported', field: 'any: false' };
    case 'and_rules':
    case 'or_rules':
      return {
        kind: field === 'and_rules' ? 'and' : 'or',
        rules: objects(obj(p, field), 'rules').map(decodePermission),
      };
    case 'not_rule': {
      const r = obj(p, 'not_rule');
      return r ? { kind: 'not', rule: decodePermission(r) } : { kind: 'unsupported', field };
    }
    case 'header':
      return { kind: 'header', header: decodeHeader(obj(p, 'header') ?? {}) };
    case 'url_path': {
      const m = decodeStringMatch(obj(obj(p, 'url_path'), 'path'));
      return m ? { kind: 'url_path', path: m } : { kind: 'unsupported', field };
    }
    case 'destination_ip':
      return { kind: 'destination_ip', cidr: decodeCidr(obj(p, 'destination_ip') ?? {}) };
    case 'destination_port':
      return { kind: 'destination_port', port: num(p, 'destination_port') ?? 0 };
    case 'destination_port_range': {
      const r = obj(p, 'destination_port_range');
      return { kind: 'destination_port_range', start: num(r, 'start') ?? 0, end: num(r, 'end') ?? 0 };
    }
    case 'requested_server_name': {
      const m = decodeStringMatch(obj(p, 'requested_server_name'));
      return m ? { kind: 'requested_server_name', match: m } : { kind: 'unsupported', field };
    }
    case 'metadata':
      return { kind: 'metadata', metadata: decodeMetadata(obj(p, 'metadata') ?? {}) };
    default:
      return { kind: 'unsupported', field: field ?? '(empty permission)' };
  }
}

function decodePrincipal(p: JsonObject): Principal {
  const field = oneof(p);
  switch (field) {
    case 'any':
      return p.any === true ? { kind: 'any' } : { kind: 'unsupported', field: 'any: false' };
    case 'and_ids':
    case 'or_ids':
      return {
        kind: field === 'and_ids' ? 'and' : 'or',
        ids: objects(obj(p, field), 'ids').map(decodePrincipal),
      };
    case 'not_id': {
      const r = obj(p, 'not_id');
      return r ? { kind: 'not', id: decodePrincipal(r) } : { kind: 'unsupported', field };
    }
    case 'authenticated':
      return {
        kind: 'authenticated',
        principalName: decodeStringMatch(obj(obj(p, 'authenticated'), 'principal_name')),
      };
    case 'source_ip':
    case 'direct_remote_ip':
    case 'remote_ip':
      return { kind: field, cidr: decodeCidr(obj(p, field) ?? {}) };
    case 'header':
      return { kind: 'header', header: decodeHeader(obj(p, 'header') ?? {}) };
    case 'url_path': {
      const m = decodeStringMatch(obj(obj(p, 'url_path'), 'path'));
      return m ? { kind: 'url_path', path: m } : { kind: 'unsupported', field };
    }
    case 'metadata':
      return { kind: 'metadata', metadata: decodeMetadata(obj(p, 'metadata') ?? {}) };
    default:
      return { kind: 'unsupported', field: field ?? '(empty principal)' };
  }
}

function decodeMetadata(m: JsonObject): MetadataMatch {
  const value = obj(m, 'value');
  return {
    filter: str(m, 'filter') ?? '',
    path: objects(m, 'path')
      .map((s) => str(s, 'key'))
      .filter((k): k is string => k !== undefined),
    value: decodeStringMatch(obj(value, 'string_match')),
    invert: m.invert === true,
  };
}

/** The RBAC filters of a chain's network filters, in order. */
export function networkRbacFilters(filters: readonly { readonly raw: JsonObject }[]): RbacFilter[] {
  return filters.flatMap((f, i) =>
    rbacLayer(f.raw) === 'network' ? [decodeRbacFilter(f.raw, 'network', i)] : [],
  );
}

/** The authorization filters among an HCM's http_filters (the HCM network filter's JSON), in order. */
export function httpAuthzFilters(hcm: JsonObject): Array<RbacFilter | ExtAuthzFilter> {
  const cfg = obj(hcm, 'typed_config') ?? obj(hcm, 'config');
  return arr(cfg, 'http_filters')
    .filter(isObject)
    .flatMap((f, i): Array<RbacFilter | ExtAuthzFilter> => {
      if (rbacLayer(f) === 'http') return [decodeRbacFilter(f, 'http', i)];
      const url = innerTypeUrl(f);
      const ext = url
        ? /\.filters?\.http\.ext_authz\.v\d\w*\.ExtAuthz$/.test(url)
        : ['envoy.filters.http.ext_authz', 'envoy.ext_authz'].includes(str(f, 'name') ?? '');
      if (!ext) return [];
      const gate = obj(rbacConfig(f), 'filter_enabled_metadata');
      return [
        {
          layer: 'ext_authz',
          name: str(f, 'name') ?? '',
          index: i,
          enabledBy: gate ? decodeMetadata(gate) : undefined,
        },
      ];
    });
}
