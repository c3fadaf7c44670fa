// envoy.config.endpoint.v3.ClusterLoadAssignment (EDS, `?include_eds`) and the admin `/clusters` host list.
import { decodeAddress, type Address } from './address.js';
import { bool, num, obj, objects, str } from './fields.js';
import type { JsonObject } from './normalize.js';
import type { ResourceState } from './dump-index.js';

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED' | 'UNKNOWN';

export interface Endpoint {
  readonly cluster: string;
  readonly address: Address;
  readonly health: HealthStatus;
  readonly locality: string;
  readonly weight: number | undefined;
  readonly priority: number;
  /** From admin `/clusters` only: whether outlier detection ejected the host. */
  readonly outlierFailed: boolean | undefined;
}

export interface LoadAssignment {
  readonly clusterName: string;
  readonly state: ResourceState;
  readonly endpoints: Endpoint[];
  readonly raw: JsonObject;
}

const HEALTH: ReadonlySet<string> = new Set([
  'HEALTHY',
  'UNHEALTHY',
  'DRAINING',
  'TIMEOUT',
  'DEGRADED',
  'UNKNOWN',
]);

function health(v: string | undefined): HealthStatus {
  // protojson omits UNKNOWN (enum value 0); Envoy treats UNKNOWN as healthy for load balancing.
  return v && HEALTH.has(v) ? (v as HealthStatus) : 'UNKNOWN';
}

/** `region/zone/subzone`, empty parts dropped, as istioctl prints LOCALITY. */
function locality(l: JsonObject | undefined): string {
  return [str(l, 'region'), str(l, 'zone'), str(l, 'sub_zone')].filter(Boolean).join('/');
}

export function decodeLoadAssignment(
  la: JsonObject,
  fallbackName: string,
  state: ResourceState,
): LoadAssignment {
  const clusterName = str(la, 'cluster_name') ?? fallbackName;
  const endpoints: Endpoint[] = [];
  for (const group of objects(la, 'endpoints')) {
    const loc = locality(obj(group, 'locality'));
    const priority = num(group, 'priority') ?? 0;
    for (const lb of objects(group, 'lb_endpoints')) {
      endpoints.push({
        cluster: clusterName,
        address: decodeAddress(obj(obj(lb, 'endpoint'), 'address')),
        health: health(str(lb, 'health_status')),
        locality: loc,
        weight: num(lb, 'load_balancing_weight'),
        priority,
        outlierFailed: undefined,
      });
    }
  }
  return { clusterName, state, endpoints, raw: la };
}

/** One entry of admin `/clusters?format=json`: `{name, host_statuses: [{address, health_status: {...}}]}`. */
export function decodeClusterStatus(cs: JsonObject, state: ResourceState): LoadAssignment {
  const clusterName = str(cs, 'name') ?? '';
  const endpoints = objects(cs, 'host_statuses').map((h): Endpoint => {
    const hs = obj(h, 'health_status');
    const failedActive = bool(hs, 'failed_active_health_check') ?? false;
    return {
      cluster: clusterName,
      address: decodeAddress(obj(h, 'address')),
      health: failedActive ? 'UNHEALTHY' : health(str(hs, 'eds_health_status')),
      locality: locality(obj(h, 'locality')),
      weight: num(h, 'weight'),
      priority: num(h, 'priority') ?? 0,
      outlierFailed: bool(hs, 'failed_outlier_check') ?? false,
    };
  });
  return { clusterName, state, endpoints, raw: cs };
}
