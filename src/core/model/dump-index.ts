// The index of a config dump: which resources it holds, by kind, state and name, and where each one is.
// Building it touches every byte once but decodes only names; resources are decoded when asked for.
// Shapes recognised (envoy-semantics.md section 0; cli-contract.md "Inputs"):
// - Envoy admin `/config_dump` (with or without `?include_eds`), envoy.admin.v3 or envoy.admin.v2alpha types,
//   snake_case as Envoy prints it or camelCase as `istioctl proxy-config all -o json|yaml` prints it;
// - the arrays `istioctl proxy-config listeners|routes|clusters|endpoints|secret -o json|yaml` print;
// - `istioctl proxy-config bootstrap -o json` (`{"bootstrap": ...}`) and a bare Bootstrap;
// - Envoy admin `/clusters?format=json` (what `istioctl proxy-config endpoints` reads on older Istio).
import type { Issue } from '../diagnostics/issue.js';
import { stringAt, type DocNode } from './doc-node.js';
import { camelToSnake } from './normalize.js';

export type ResourceKind =
  | 'bootstrap'
  | 'listener'
  | 'cluster'
  | 'routeConfig'
  | 'endpoints'
  | 'secret'
  | 'scopedRoutes'
  | 'ecdsFilter'
  | 'clusterStatus';

/** static: from the bootstrap; active: from xDS and serving; warming/draining/error: not (or no longer) serving. */
export type ResourceState = 'static' | 'active' | 'warming' | 'draining' | 'error';

export interface IndexEntry {
  readonly kind: ResourceKind;
  readonly state: ResourceState;
  readonly name: string;
  /** Where it sits in the source, as a JSON path: `configs[2].dynamic_listeners[3].active_state.listener`. */
  readonly location: string;
  readonly node: DocNode;
  /** For error_state entries: Envoy's reason. */
  readonly errorDetails?: string | undefined;
}

export type DumpShape = 'config_dump' | 'resource_list' | 'bootstrap' | 'admin_clusters';
export type AdminApi = 'v3' | 'v2alpha' | 'unknown';

export interface DumpIndex {
  readonly shape: DumpShape;
  readonly adminApi: AdminApi;
  readonly entries: IndexEntry[];
  /** Config types present, short names (`ListenersConfigDump`), in dump order. */
  readonly configTypes: string[];
  readonly issues: Issue[];
}

interface SectionSpec {
  readonly kind: ResourceKind;
  /** How a section element holds its resource(s). */
  readonly read: (
    element: DocNode,
  ) => Array<{ state: ResourceState; path: string; node: DocNode; details?: string }>;
  readonly state: ResourceState;
}

/** The member named `snakeKey`, in Envoy's spelling or istioctl's camelCase one. */
function member(node: DocNode, snakeKey: string): DocNode | undefined {
  return node.get(snakeKey) ?? (snakeKey.includes('_') ? node.get(snakeToCamel(snakeKey)) : undefined);
}

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `{ <wrapperKey>: resource, version_info, last_updated }` */
const wrapped =
  (wrapperKey: string, state: ResourceState) =>
  (element: DocNode): Array<{ state: ResourceState; path: string; node: DocNode }> => {
    const inner = member(element, wrapperKey);
    return inner ? [{ state, path: `.${wrapperKey}`, node: inner }] : [];
  };

/** v3 DynamicListener: one element may hold an active, a warming, a draining and an error state at once. */
function dynamicListener(
  element: DocNode,
): Array<{ state: ResourceState; path: string; node: DocNode; details?: string }> {
  const out: Array<{ state: ResourceState; path: string; node: DocNode; details?: string }> = [];
  const states: Array<[string, ResourceState]> = [
    ['active_state', 'active'],
    ['warming_state', 'warming'],
    ['draining_state', 'draining'],
  ];
  for (const [key, state] of states) {
    const s = member(element, key);
    const l = s && member(s, 'listener');
    if (l) out.push({ state, path: `.${key}.listener`, node: l });
  }
  const err = member(element, 'error_state');
  if (err) {
    const failed = member(err, 'failed_configuration');
    const details = stringAt(member(err, 'details'));
    if (failed)
      out.push({
        state: 'error',
        path: '.error_state.failed_configuration',
        node: failed,
        ...(details ? { details } : {}),
      });
  }
  return out;
}

/** Secrets keep their name on the wrapper; the secret itself may be absent while warming. */
const secretEntry =
  (state: ResourceState) =>
  (element: DocNode): Array<{ state: ResourceState; path: string; node: DocNode }> => [
    { state, path: '', node: element },
  ];

const SECTIONS: Record<string, Record<string, SectionSpec>> = {
  BootstrapConfigDump: {},
  ListenersConfigDump: {
    static_listeners: { kind: 'listener', state: 'static', read: wrapped('listener', 'static') },
    dynamic_listeners: { kind: 'listener', state: 'active', read: dynamicListener },
    dynamic_active_listeners: { kind: 'listener', state: 'active', read: wrapped('listener', 'active') },
    dynamic_warming_listeners: { kind: 'listener', state: 'warming', read: wrapped('listener', 'warming') },
    dynamic_draining_listeners: {
      kind: 'listener',
      state: 'draining',
      read: wrapped('listener', 'draining'),
    },
  },
  ClustersConfigDump: {
    static_clusters: { kind: 'cluster', state: 'static', read: wrapped('cluster', 'static') },
    dynamic_active_clusters: { kind: 'cluster', state: 'active', read: wrapped('cluster', 'active') },
    dynamic_warming_clusters: { kind: 'cluster', state: 'warming', read: wrapped('cluster', 'warming') },
  },
  RoutesConfigDump: {
    static_route_configs: { kind: 'routeConfig', state: 'static', read: wrapped('route_config', 'static') },
    dynamic_route_configs: { kind: 'routeConfig', state: 'active', read: wrapped('route_config', 'active') },
  },
  EndpointsConfigDump: {
    static_endpoint_configs: {
      kind: 'endpoints',
      state: 'static',
      read: wrapped('endpoint_config', 'static'),
    },
    dynamic_endpoint_configs: {
      kind: 'endpoints',
      state: 'active',
      read: wrapped('endpoint_config', 'active'),
    },
  },
  SecretsConfigDump: {
    static_secrets: { kind: 'secret', state: 'static', read: secretEntry('static') },
    dynamic_active_secrets: { kind: 'secret', state: 'active', read: secretEntry('active') },
    dynamic_warming_secrets: { kind: 'secret', state: 'warming', read: secretEntry('warming') },
  },
  ScopedRoutesConfigDump: {
    inline_scoped_route_configs: { kind: 'scopedRoutes', state: 'static', read: secretEntry('static') },
    dynamic_scoped_route_configs: { kind: 'scopedRoutes', state: 'active', read: secretEntry('active') },
  },
  EcdsConfigDump: {
    ecds_filters: { kind: 'ecdsFilter', state: 'active', read: wrapped('ecds_filter', 'active') },
  },
};

/** The type of one section of /config_dump (envoy.admin.v3.ClustersConfigDump, ...). */
export const ADMIN_SECTION = /^type\.googleapis\.com\/envoy\.admin\.(v3|v2alpha)\.\w+ConfigDump$/;

/** Sections every dump of that type may carry that hold no resources. */
const PLAIN_FIELDS = new Set(['@type', 'version_info', 'last_updated', 'bootstrap']);

/** Where a resource sits: element `index` of the array at `list`, then `path` inside it. */
interface ResourcePlace {
  readonly list: string;
  readonly index: number;
  readonly path: string;
}

/** An index entry; its location is spelled out only when a message needs it (a dump has 100k entries). */
class Entry implements IndexEntry {
  private readonly list: string;
  private readonly index: number;
  private readonly path: string;
  constructor(
    readonly kind: ResourceKind,
    readonly state: ResourceState,
    readonly name: string,
    readonly node: DocNode,
    place: ResourcePlace,
    readonly errorDetails: string | undefined,
  ) {
    this.list = place.list;
    this.index = place.index;
    this.path = place.path;
  }
  get location(): string {
    return `${this.list}[${this.index}]${this.path}`;
  }
}

/** How deep json-structure records a dump: root > configs > config > section > entry (its members). */
export const DUMP_INDEX_DEPTH = 5;

function resourceName(kind: ResourceKind, node: DocNode): string | undefined {
  // get() answers from the names captured while scanning (json-structure NAME_KEYS): no resource is read
  const keys = kind === 'endpoints' ? ['cluster_name', 'clusterName'] : ['name'];
  for (const key of keys) {
    const name = stringAt(node.get(key));
    if (name !== undefined) return name;
  }
  return undefined;
}

function shortType(typeUrl: string): { short: string; api: AdminApi } {
  const m = /envoy\.admin\.(v3|v2alpha)\.(\w+)$/.exec(typeUrl);
  if (!m) return { short: typeUrl, api: 'unknown' };
  return { short: m[2]!, api: m[1] as AdminApi };
}

/** Guess what a bare resource array holds, from the first element's fields (istioctl `pc <type> -o json`). */
function kindOfResource(node: DocNode): ResourceKind | undefined {
  const keys = new Set<string>();
  for (const [k] of node.members()) keys.add(camelToSnake(k));
  if (keys.has('filter_chains') || keys.has('listener_filters') || (keys.has('address') && keys.has('name')))
    return 'listener';
  if (keys.has('virtual_hosts')) return 'routeConfig';
  if (keys.has('cluster_name') && (keys.has('endpoints') || keys.has('policy'))) return 'endpoints';
  if (keys.has('host_statuses')) return 'clusterStatus';
  if (keys.has('tls_certificate') || keys.has('validation_context') || keys.has('secret')) return 'secret';
  if (
    keys.has('connect_timeout') ||
    keys.has('type') ||
    keys.has('eds_cluster_config') ||
    keys.has('lb_policy')
  )
    return 'cluster';
  if (keys.has('name') && keys.size <= 3) return 'routeConfig'; // an empty RouteConfiguration: just a name
  return undefined;
}

export function indexDump(root: DocNode): DumpIndex {
  const entries: IndexEntry[] = [];
  const issues: Issue[] = [];
  const configTypes: string[] = [];
  let adminApi: AdminApi = 'unknown';

  const add = (
    kind: ResourceKind,
    state: ResourceState,
    node: DocNode,
    where: ResourcePlace,
    details?: string,
  ) => {
    entries.push(new Entry(kind, state, resourceName(kind, node) ?? '', node, where, details));
  };

  if (root.kind === 'array') {
    let i = 0;
    let kind: ResourceKind | undefined;
    for (const el of root.elements()) {
      kind ??= el.kind === 'object' ? kindOfResource(el) : undefined;
      if (!kind) {
        issues.push({
          severity: 'error',
          path: `[${i}]`,
          message: 'expected an Envoy resource (listener, route configuration, cluster, endpoints or secret)',
        });
        break;
      }
      add(kind, 'active', el, { list: '', index: i, path: '' });
      i++;
    }
    return { shape: 'resource_list', adminApi, entries, configTypes, issues };
  }
  if (root.kind !== 'object') {
    issues.push({
      severity: 'error',
      path: '$',
      message: 'expected a JSON object with a "configs" array (an Envoy /config_dump)',
    });
    return { shape: 'config_dump', adminApi, entries, configTypes, issues };
  }

  const configs = member(root, 'configs');
  // one section of a dump on its own, as `egctl config envoy-proxy cluster|listener|route|... -o json` prints
  // each proxy's: read as a dump whose configs are just it
  if (!configs && ADMIN_SECTION.test(stringAt(root.get('@type')) ?? '')) {
    readSection(root, '$');
    return { shape: 'config_dump', adminApi, entries, configTypes, issues };
  }
  if (!configs) {
    const clusterStatuses = member(root, 'cluster_statuses');
    if (clusterStatuses) {
      let i = 0;
      for (const el of clusterStatuses.elements())
        add('clusterStatus', 'active', el, { list: 'cluster_statuses', index: i++, path: '' });
      return { shape: 'admin_clusters', adminApi, entries, configTypes, issues };
    }
    const bootstrap = member(root, 'bootstrap') ?? (member(root, 'node') ? root : undefined);
    if (bootstrap) {
      entries.push({
        kind: 'bootstrap',
        state: 'static',
        name: 'bootstrap',
        location: bootstrap === root ? '$' : 'bootstrap',
        node: bootstrap,
      });
      return { shape: 'bootstrap', adminApi, entries, configTypes, issues };
    }
    issues.push({
      severity: 'error',
      path: '$',
      message:
        'this JSON object has no "configs" array, so it is not an Envoy /config_dump (nor an istioctl proxy-config output)',
    });
    return { shape: 'config_dump', adminApi, entries, configTypes, issues };
  }
  if (configs.kind !== 'array') {
    issues.push({ severity: 'error', path: 'configs', message: 'expected an array of typed config dumps' });
    return { shape: 'config_dump', adminApi, entries, configTypes, issues };
  }

  let ci = 0;
  for (const config of configs.elements()) readSection(config, `configs[${ci++}]`);
  return { shape: 'config_dump', adminApi, entries, configTypes, issues };

  /** One typed config dump (`{"@type": ".../ListenersConfigDump", ...}`) at `at`. */
  function readSection(config: DocNode, at: string): void {
    if (config.kind !== 'object') {
      issues.push({ severity: 'error', path: at, message: 'expected an object with an "@type"' });
      return;
    }
    const typeUrl = stringAt(config.get('@type'));
    if (!typeUrl) {
      issues.push({
        severity: 'error',
        path: at,
        message: 'this config has no "@type", so its content cannot be read',
      });
      return;
    }
    const { short, api } = shortType(typeUrl);
    configTypes.push(short);
    if (api !== 'unknown') adminApi = adminApi === 'unknown' || adminApi === api ? api : adminApi;
    const sections = SECTIONS[short];
    if (!sections) {
      issues.push({
        severity: 'warning',
        path: `${at}(${typeUrl})`,
        message: 'unknown config dump type, skipped; the rest of the dump is read',
      });
      return;
    }
    for (const [rawKey, value] of config.members()) {
      const key = camelToSnake(rawKey);
      if (key === 'bootstrap' && short === 'BootstrapConfigDump') {
        entries.push({
          kind: 'bootstrap',
          state: 'static',
          name: 'bootstrap',
          location: `${at}.bootstrap`,
          node: value,
        });
        continue;
      }
      if (PLAIN_FIELDS.has(key)) continue;
      const spec = sections[key];
      if (!spec) {
        issues.push({
          severity: 'warning',
          path: `${at}.${rawKey}`,
          message: `unknown field of ${short}, kept but not read`,
        });
        continue;
      }
      if (value.kind !== 'array') {
        issues.push({ severity: 'error', path: `${at}.${rawKey}`, message: 'expected an array' });
        continue;
      }
      let index = 0;
      const list = `${at}.${rawKey}`;
      for (const element of value.elements()) {
        // Secrets and scoped routes are named on their wrapper.
        for (const r of spec.read(element))
          add(spec.kind, r.state, r.node, { list, index, path: r.path }, r.details);
        index++;
      }
    }
  }
}
