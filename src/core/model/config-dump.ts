// One proxy's configuration, read lazily from its dump index: a resource is decoded and normalised the first
// time something asks for it, and kept once (no second copy of the tree).
import type { Issue } from '../diagnostics/issue.js';
import { decodeCluster, type Cluster } from './cluster.js';
import { indexDump, type DumpIndex, type IndexEntry, type ResourceKind } from './dump-index.js';
import { ByteNode, stringAt, type DocNode } from './doc-node.js';
import { decodeClusterStatus, decodeLoadAssignment, type LoadAssignment } from './endpoint.js';
import { JsonScanError } from './json-scan.js';
import { stringsIn } from './fields.js';
import { decodeListener, type Listener } from './listener.js';
import { camelToSnake, isObject, normalizeResource, type Json, type JsonObject } from './normalize.js';
import { proxyIdentity, type ProxyIdentity } from './proxy.js';
import { decodeRouteConfig, routeConfigOf, type RouteConfig, type VirtualHostSource } from './route.js';
import { decodeSecret, type Secret } from './secret.js';

/** Where a problem sits in the source: the caller knows the bytes and turns offsets into lines. */
export type Locator = (offset: number) => number | undefined;

/** A resource that could not be decoded; carries the file position for the error message. */
export class ResourceDecodeError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly location: string,
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'ResourceDecodeError';
  }
}

export interface RouteConfigEntry extends RouteConfig {
  readonly state: IndexEntry['state'];
}

/** The value cached for `entry`, made the first time it is asked for. */
function once<T>(cache: Map<IndexEntry, T>, entry: IndexEntry, make: () => T): T {
  let v = cache.get(entry);
  if (v === undefined) {
    v = make();
    cache.set(entry, v);
  }
  return v;
}

export class ConfigDump {
  readonly index: DumpIndex;
  private readonly decodeIssues: Issue[] = [];
  private readonly normalized = new Map<IndexEntry, JsonObject>();
  private byKind: Map<ResourceKind, IndexEntry[]> | undefined;
  private readonly decodedClusters = new Map<IndexEntry, Cluster>();
  private readonly decodedListeners = new Map<IndexEntry, Listener>();
  private readonly decodedRoutes = new Map<IndexEntry, RouteConfigEntry>();
  private cache: {
    listeners?: Listener[];
    clusters?: Cluster[];
    routes?: RouteConfigEntry[];
    endpoints?: LoadAssignment[];
    secrets?: Secret[];
    identity?: ProxyIdentity;
  } = {};

  constructor(
    /** The file (or `-`) this dump came from, for messages. */
    readonly source: string,
    root: DocNode,
    private readonly locate: Locator = () => undefined,
    /**
     * Who the dump belongs to when its container says so (egctl's namespace → pod wrapper, egctl.ts): it
     * names the proxy even when the bootstrap's node id does not follow Istio's form.
     */
    private readonly owner?: { readonly pod: string; readonly namespace: string },
  ) {
    this.index = indexDump(root);
  }

  get issues(): Issue[] {
    return [...this.index.issues, ...this.decodeIssues];
  }

  /** The entries of one kind, in dump order (grouped once: a big dump has 100k entries, asked for often). */
  entries(kind: ResourceKind): readonly IndexEntry[] {
    if (!this.byKind) {
      this.byKind = new Map();
      for (const e of this.index.entries) {
        const list = this.byKind.get(e.kind);
        if (list) list.push(e);
        else this.byKind.set(e.kind, [e]);
      }
    }
    return this.byKind.get(kind) ?? [];
  }

  has(kind: ResourceKind): boolean {
    return this.entries(kind).length > 0;
  }

  /** The entry's resource, normalised to Envoy v3 snake_case. Decoded once. */
  resource(entry: IndexEntry): JsonObject {
    return once(this.normalized, entry, () => this.peek(entry));
  }

  /**
   * The entry's resource decoded as `resource` does, but not kept: for a pass over every resource of a big
   * dump (diff) that needs each one once.
   */
  peek(entry: IndexEntry): JsonObject {
    const kept = this.normalized.get(entry);
    if (kept) return kept;
    // A resource's own @type is redundant with where it sits (and older dumps omit it): dropped so every
    // dialect gives the same model; `get -o json` writes the v3 type back.
    const { ['@type']: _type, ...rest } = this.decodeObject(entry, entry.node, () => entry.node.value());
    return rest;
  }

  /** A load assignment (EDS, or admin /clusters host statuses), decoded and not kept. */
  peekLoadAssignment(entry: IndexEntry): LoadAssignment {
    return entry.kind === 'endpoints'
      ? decodeLoadAssignment(this.peek(entry), entry.name, entry.state)
      : decodeClusterStatus(this.peek(entry), entry.state);
  }

  /** `read()` of a part of the entry's resource, its syntax errors located in the file. */
  private guarded<T>(entry: IndexEntry, at: DocNode, read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof JsonScanError) && !(e instanceof SyntaxError)) throw e;
      const offset = e instanceof JsonScanError ? e.offset : at.offset;
      throw new ResourceDecodeError(
        e.message,
        this.source,
        entry.location,
        offset !== undefined ? this.locate(offset) : undefined,
      );
    }
  }

  /** The object `read()` returns for `at`, normalised. */
  private decodeObject(entry: IndexEntry, at: DocNode, read: () => unknown): JsonObject {
    const n: Json = normalizeResource(this.guarded(entry, at, read));
    if (!isObject(n))
      throw new ResourceDecodeError(
        'expected an object',
        this.source,
        entry.location,
        at.offset !== undefined ? this.locate(at.offset) : undefined,
      );
    return n;
  }

  bootstrap(): JsonObject | undefined {
    const e = this.entries('bootstrap')[0];
    return e ? this.resource(e) : undefined;
  }

  identity(): ProxyIdentity {
    return (this.cache.identity ??= this.owner
      ? { ...proxyIdentity(this.bootstrap()), ...this.owner }
      : proxyIdentity(this.bootstrap()));
  }

  listeners(): Listener[] {
    return (this.cache.listeners ??= this.entries('listener').map((e) => this.listenerAt(e)));
  }

  /** One listener, decoded on first use. */
  listenerAt(entry: IndexEntry): Listener {
    return once(this.decodedListeners, entry, () =>
      decodeListener(this.resource(entry), entry.state, this.decodeIssues),
    );
  }

  /**
   * The serving listeners whose names pass `wanted`, if every listener follows Istio's naming (`<ip>_<port>`,
   * `virtual*`): then a lookup by address can go by name and decode only those. undefined otherwise.
   */
  listenersNamed(wanted: (name: string) => boolean): Listener[] | undefined {
    const entries = this.entries('listener');
    if (!entries.every((e) => /^(virtual\w*|[\d.:a-fA-F[\]]+_\d+)$/.test(e.name))) return undefined;
    return entries
      .filter((e) => wanted(e.name) && (e.state === 'active' || e.state === 'static'))
      .map((e) => this.listenerAt(e));
  }

  clusters(): Cluster[] {
    return (this.cache.clusters ??= this.entries('cluster').map((e) => this.clusterAt(e)));
  }

  /** One cluster, decoded on first use: lets a filtered question skip decoding the others. */
  clusterAt(entry: IndexEntry): Cluster {
    return once(this.decodedClusters, entry, () =>
      decodeCluster(this.resource(entry), entry.state, this.decodeIssues),
    );
  }

  /** One route configuration, decoded on first use. */
  routeConfigAt(entry: IndexEntry): RouteConfigEntry {
    return once(this.decodedRoutes, entry, () =>
      Object.assign(this.readRouteConfig(entry), { state: entry.state }),
    );
  }

  /**
   * A route configuration with each virtual host's name and domains read and the rest left in the dump until
   * that host is chosen: an unscoped sidecar's table for a port holds a virtual host per service.
   */
  private readRouteConfig(entry: IndexEntry): RouteConfig {
    const path = `routes[${entry.name}]`;
    // route configuration > virtual_hosts > virtual hosts, skipped with their names and domains captured
    // (json-structure LIST_KEYS): scanned in one pass
    const node =
      entry.node.kind === 'object'
        ? this.guarded(entry, entry.node, () => entry.node.indexed(2))
        : entry.node;
    const members = node.kind === 'object' ? [...node.members()] : [];
    const hostsKey = members.find(([k, v]) => camelToSnake(k) === 'virtual_hosts' && v.kind === 'array')?.[0];
    if (hostsKey === undefined) return decodeRouteConfig(this.resource(entry), path, this.decodeIssues);
    const { ['@type']: _type, ...shell } = this.decodeObject(entry, node, () =>
      Object.fromEntries(members.map(([k, v]) => [k, k === hostsKey ? [] : v.value()])),
    );
    const hosts = members.find(([k]) => k === hostsKey)![1];
    const decoder = this.hostDecoder(entry);
    const sources = this.guarded(entry, hosts, () =>
      [...hosts.elements()].map((vh) => lazyHost(vh, decoder)),
    );
    return routeConfigOf(shell, sources, path, this.decodeIssues);
  }

  /**
   * Decodes a virtual host of `entry`'s table (or a node of it, with the error placed in the dump). Made
   * here, not in readRouteConfig, so that the closures the hosts keep do not hold that function's scope (the
   * table's bytes and scan) alive.
   */
  private hostDecoder(entry: IndexEntry): HostDecoder {
    return {
      host: (own) => this.decodeObject(entry, own, () => own.value()),
      value: (own) => this.guarded(entry, own, () => own.value()),
    };
  }

  routeConfigs(): RouteConfigEntry[] {
    return (this.cache.routes ??= this.entries('routeConfig').map((e) => this.routeConfigAt(e)));
  }

  /** EDS load assignments (`?include_eds`), or host lists from admin `/clusters`. */
  loadAssignments(): LoadAssignment[] {
    return (this.cache.endpoints ??= [
      ...this.entries('endpoints').map((e) => decodeLoadAssignment(this.resource(e), e.name, e.state)),
      ...this.entries('clusterStatus').map((e) => decodeClusterStatus(this.resource(e), e.state)),
    ]);
  }

  secrets(): Secret[] {
    return (this.cache.secrets ??= this.entries('secret').map((e) =>
      decodeSecret(this.resource(e), e.state),
    ));
  }

  /** The load assignment of one cluster (EDS or admin /clusters), decoding only that one. */
  loadAssignmentFor(names: readonly string[]): LoadAssignment | undefined {
    const e = [...this.entries('endpoints'), ...this.entries('clusterStatus')].find((x) =>
      names.includes(x.name),
    );
    return e ? this.peekLoadAssignment(e) : undefined;
  }

  /** Decode one resource by name without decoding the others of its kind. */
  find(kind: ResourceKind, name: string): JsonObject | undefined {
    const e = this.entries(kind).find((x) => x.name === name && x.state !== 'error');
    return e ? this.resource(e) : undefined;
  }

  /** Decodes everything once and returns every problem found: the "does this dump parse" check. */
  validate(): Issue[] {
    const out: Issue[] = [];
    const decoders: Array<() => unknown> = [
      () => this.bootstrap(),
      () => this.listeners(),
      () => this.clusters(),
      () => this.routeConfigs().forEach((rc) => rc.virtualHosts),
      () => this.loadAssignments(),
      () => this.secrets(),
    ];
    for (const decode of decoders) {
      try {
        decode();
      } catch (e) {
        if (!(e instanceof ResourceDecodeError)) throw e;
        out.push({
          severity: 'error',
          path: e.location,
          message: e.message,
          ...(e.line ? { line: e.line } : {}),
        });
      }
    }
    return [...this.issues, ...out];
  }
}

interface HostDecoder {
  host(own: DocNode): JsonObject;
  value(own: DocNode): unknown;
}

/**
 * A virtual host's name and domains, and a loader that holds the host alone until it is chosen. The domains
 * are kept as their JSON text and parsed when first read: host selection looks for an exact domain in the
 * text of every host first (mayHaveDomain) and parses the lists of the few that may have it.
 */
function lazyHost(vh: DocNode, decoder: HostDecoder): VirtualHostSource {
  const name = stringAt(vh.get('name')) ?? '';
  const own = vh.detached();
  const list = vh.get('domains');
  if (!(list instanceof ByteNode) || list.kind !== 'array')
    return { name, domains: stringsIn(list?.value()), load: () => decoder.host(own) };
  const text = list.text();
  // an escaped character could spell a domain the text does not show: then every domain is read
  const plain = !text.includes('\\');
  const lower = plain ? text.toLowerCase() : '';
  const detachedList = list.detached();
  let domains: string[] | undefined;
  return {
    name,
    get domains() {
      if (domains) return domains;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = decoder.value(detachedList); // the same error, placed in the dump
      }
      return (domains = stringsIn(parsed));
    },
    mayHaveDomain: (domain) => !plain || lower.includes(JSON.stringify(domain)),
    load: () => decoder.host(own),
  };
}
