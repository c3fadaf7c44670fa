// Route selection judged by real Envoy, without a world: a proxy's route configurations served by one Envoy
// on loopback, each route tagged with its position, every cluster a route names (and the dump defines)
// pointing at one local server. A request then comes back with the virtual host and route Envoy chose,
// to compare with meshctl's virtualHost and route steps. It checks HTTP routing only (domains, path
// specifiers, headers, query parameters, case sensitivity, ignore_port_in_host_matching); capture,
// listeners and filter chains need the replay world.
import type { ConfigDump } from '../model/config-dump.js';
import type { JsonObject } from '../model/normalize.js';
import type { Explanation } from '../engine/types.js';
import { stepIdentity } from './corpus/check.js';

const T = 'type.googleapis.com/';

/** The response header that carries `<virtual host index>/<route index>` of the route Envoy chose. */
export const ROUTE_HEADER = 'x-meshctl-route';

export interface RoutingProbe {
  readonly id: string;
  /** The proxy (pod.namespace) whose route configuration decides. */
  readonly proxy: string;
  readonly routeConfig: string;
  readonly request: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
  };
  /** meshctl's choice as `<vh index>/<route index>`, or null when it says no virtual host or route matches. */
  readonly meshctl: string | null;
}

/** The route-selection question of an HTTP Explanation, when it got as far as a route configuration. */
export function routingProbe(id: string, e: Explanation, dump: ConfigDump): RoutingProbe | undefined {
  const http = e.call.protocol === 'http' || e.call.protocol === 'http2';
  const rcStep = e.steps.find((s) => s.stage === 'routeConfig' && s.result === 'matched');
  if (!http || !rcStep) return undefined;
  const entry = dump.entries('routeConfig').find((x) => x.name === rcStep.name);
  const rc = entry ? dump.routeConfigAt(entry) : undefined;
  if (!rc) return undefined;
  const vhStep = e.steps.find((s) => s.stage === 'virtualHost' && s.proxy === rcStep.proxy);
  const rStep = e.steps.find((s) => s.stage === 'route' && s.proxy === rcStep.proxy);
  const vi = vhStep?.result === 'matched' ? rc.hosts.findIndex((h) => h.name === vhStep.name) : -1;
  const ri = rStep?.result === 'matched' ? stepIdentity(rStep).index : null;
  const headers: Record<string, string> = { ...e.call.headers };
  headers.host = e.call.host ?? `${e.call.address}:${e.call.port}`;
  return {
    id,
    proxy: rcStep.proxy,
    routeConfig: rc.name,
    request: { method: e.call.method ?? 'GET', path: e.call.path ?? '/', headers },
    meshctl: vi >= 0 && ri !== null ? `${vi}/${ri}` : null,
  };
}

const clone = (j: JsonObject): JsonObject => JSON.parse(JSON.stringify(j)) as JsonObject;

/**
 * A static bootstrap serving these route configurations of the dump on 127.0.0.1 (one listener each, on a
 * port the kernel picks: `listeners[name]` is the listener's name, whose address the admin API tells),
 * clusters to 127.0.0.1:`serverPort`. Per-filter configs, retries and hash
 * policies are dropped: they do not choose a route, and they name extensions this Envoy may lack.
 */
export function routingBootstrap(
  dump: ConfigDump,
  routeConfigs: readonly string[],
  serverPort: number,
): { bootstrap: JsonObject; listeners: Record<string, string> } {
  const defined = new Set(dump.clusters().map((c) => c.name));
  const referenced = new Set<string>();
  const names: Record<string, string> = {};
  const listeners: JsonObject[] = [];
  routeConfigs.forEach((name, k) => {
    const entry = dump.entries('routeConfig').find((x) => x.name === name);
    if (!entry) return;
    const rc = clone(dump.routeConfigAt(entry).raw);
    delete rc['@type'];
    delete rc.vhds;
    rc.validate_clusters = false; // a route to a cluster the dump lacks is 503 NC, as with RDS
    const vhosts = (rc.virtual_hosts as JsonObject[] | undefined) ?? [];
    vhosts.forEach((vh, i) => {
      for (const k2 of [
        'typed_per_filter_config',
        'per_filter_config',
        'retry_policy',
        'rate_limits',
        'cors',
      ])
        delete vh[k2];
      ((vh.routes as JsonObject[] | undefined) ?? []).forEach((r, j) => {
        for (const k2 of ['typed_per_filter_config', 'per_filter_config', 'decorator', 'tracing'])
          delete r[k2];
        r.name = `${i}/${j}`;
        r.response_headers_to_add = [{ header: { key: ROUTE_HEADER, value: `${i}/${j}` } }];
        const a = r.route as JsonObject | undefined;
        if (a) {
          for (const k2 of [
            'retry_policy',
            'hash_policy',
            'max_grpc_timeout',
            'request_mirror_policies',
            'rate_limits',
          ])
            delete a[k2];
          a.timeout = '5s';
          if (typeof a.cluster === 'string') referenced.add(a.cluster);
          const wc = (a.weighted_clusters as JsonObject | undefined)?.clusters as JsonObject[] | undefined;
          for (const c of wc ?? []) if (typeof c.name === 'string') referenced.add(c.name);
        }
      });
    });
    names[name] = `routes_${k}`;
    listeners.push({
      name: `routes_${k}`,
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              typed_config: {
                '@type': `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
                stat_prefix: `routes_${k}`,
                route_config: rc,
                http_filters: [
                  {
                    name: 'envoy.filters.http.router',
                    typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  });
  const clusters = [...referenced]
    .filter((n) => defined.has(n))
    .sort()
    .map((name) => ({
      name,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: {
        cluster_name: name,
        endpoints: [
          {
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: serverPort } } } },
            ],
          },
        ],
      },
    }));
  return {
    bootstrap: {
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      static_resources: { listeners, clusters },
    },
    listeners: names,
  };
}
