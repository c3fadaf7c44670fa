// The Envoy resources `get -o json|yaml` prints: the selected objects themselves, normalised to v3
// snake_case (cli-contract.md), secrets redacted.
import type { ConfigDump } from './config-dump.js';
import { isObject, TYPE_URL_PREFIX, type Json, type JsonObject } from './normalize.js';
import { redactSecrets } from './redact.js';
import {
  summarizeClusters,
  summarizeEndpoints,
  summarizeListeners,
  summarizeRoutes,
  type ClusterFilter,
  type EndpointFilter,
  type EndpointRow,
  type ListenerFilter,
  type RouteFilter,
} from './summary.js';

const TYPES = {
  listener: 'envoy.config.listener.v3.Listener',
  cluster: 'envoy.config.cluster.v3.Cluster',
  routeConfig: 'envoy.config.route.v3.RouteConfiguration',
  endpoints: 'envoy.config.endpoint.v3.ClusterLoadAssignment',
  bootstrap: 'envoy.config.bootstrap.v3.Bootstrap',
} as const;

function typed(type: string, r: JsonObject): JsonObject {
  const { ['@type']: _drop, ...rest } = r;
  return { '@type': TYPE_URL_PREFIX + type, ...rest };
}

export function listenerResources(dump: ConfigDump, f: ListenerFilter): Json[] {
  return summarizeListeners(dump, f).map((s) => redactSecrets(typed(TYPES.listener, s.listener.raw)));
}

export function routeResources(dump: ConfigDump, f: RouteFilter): Json[] {
  return summarizeRoutes(dump, f).map((s) => redactSecrets(typed(TYPES.routeConfig, s.routeConfig.raw)));
}

export function clusterResources(dump: ConfigDump, f: ClusterFilter): Json[] {
  return summarizeClusters(dump, f).map((s) => redactSecrets(typed(TYPES.cluster, s.cluster.raw)));
}

/** Endpoints as ClusterLoadAssignments holding only the selected endpoints (as istioctl does with --port). */
export function endpointResources(dump: ConfigDump, f: EndpointFilter): Json[] {
  const rows = summarizeEndpoints(dump, f);
  const byCluster = new Map<string, EndpointRow[]>();
  for (const r of rows) byCluster.set(r.cluster, [...(byCluster.get(r.cluster) ?? []), r]);
  const out: Json[] = [];
  for (const [cluster, selected] of byCluster) {
    const eds = dump
      .loadAssignments()
      .find((la) => la.clusterName === cluster && la.raw && !('host_statuses' in la.raw));
    const keep = new Set(selected.map((r) => r.endpoint));
    if (eds) {
      // Keep the CLA as Envoy printed it, minus endpoints the filter dropped.
      const groups = (Array.isArray(eds.raw.endpoints) ? eds.raw.endpoints : [])
        .filter(isObject)
        .map((g) => ({
          ...g,
          lb_endpoints: (Array.isArray(g.lb_endpoints) ? g.lb_endpoints : []).filter((lb) => {
            const ep = dumpEndpointKey(lb);
            return ep === undefined || keep.has(ep);
          }),
        }));
      out.push(
        typed(TYPES.endpoints, { ...eds.raw, endpoints: groups.filter((g) => g.lb_endpoints.length > 0) }),
      );
      continue;
    }
    out.push(
      typed(TYPES.endpoints, {
        cluster_name: cluster,
        endpoints: [
          {
            lb_endpoints: selected.map((r) => ({
              endpoint: { address: addressJson(r) },
              health_status: r.status,
            })),
          },
        ],
      }),
    );
  }
  return out.map(redactSecrets);
}

function addressJson(r: EndpointRow): Json {
  const a = r.address;
  if (a.kind === 'socket') return { socket_address: { address: a.ip, port_value: a.port } };
  if (a.kind === 'pipe') return { pipe: { path: a.path } };
  if (a.kind === 'internal')
    return {
      envoy_internal_address: {
        server_listener_name: a.name,
        ...(a.endpointId ? { endpoint_id: a.endpointId } : {}),
      },
    };
  return {};
}

function dumpEndpointKey(lb: Json): string | undefined {
  if (!isObject(lb) || !isObject(lb.endpoint) || !isObject(lb.endpoint.address)) return undefined;
  const a = lb.endpoint.address;
  if (isObject(a.socket_address)) {
    const ip = String(a.socket_address.address ?? '');
    const port = String(a.socket_address.port_value ?? '0');
    return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  }
  if (isObject(a.pipe)) return `unix://${String(a.pipe.path ?? '')}`;
  if (isObject(a.envoy_internal_address))
    return `envoy://${String(a.envoy_internal_address.server_listener_name ?? '')}`;
  return undefined;
}

export function bootstrapResources(dump: ConfigDump): Json[] {
  const b = dump.bootstrap();
  return b ? [redactSecrets(typed(TYPES.bootstrap, b))] : [];
}

/** Secrets as SecretsConfigDump entries print them, key material redacted. */
export function secretResources(dump: ConfigDump): Json[] {
  return dump.entries('secret').map((e) => redactSecrets(dump.resource(e)));
}
