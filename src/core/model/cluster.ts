// envoy.config.cluster.v3.Cluster: type, EDS service name, upstream TLS and the Istio objects behind it.
import type { Issue } from '../diagnostics/issue.js';
import { obj, objects, str } from './fields.js';
import { istioOrigin, parseIstioClusterName, type ConfigRef, type IstioClusterName } from './istio.js';
import type { JsonObject } from './normalize.js';
import type { ResourceState } from './dump-index.js';
import { decodeLoadAssignment, type LoadAssignment } from './endpoint.js';
import { decodeTransportSocket, type TransportSocket } from './transport-socket.js';

export interface TransportSocketMatch {
  readonly name: string;
  readonly match: JsonObject;
  readonly transportSocket: TransportSocket | undefined;
}

export interface Cluster {
  readonly name: string;
  readonly state: ResourceState;
  /** EDS, STATIC, STRICT_DNS, LOGICAL_DNS, ORIGINAL_DST, or a custom cluster_type's name. */
  readonly type: string;
  readonly edsServiceName: string | undefined;
  readonly transportSocket: TransportSocket | undefined;
  readonly transportSocketMatches: TransportSocketMatch[];
  /** Endpoints written in the cluster itself (STATIC, DNS clusters; ORIGINAL_DST has none). */
  readonly loadAssignment: LoadAssignment | undefined;
  readonly istio: IstioClusterName | undefined;
  /** The DestinationRule (or other config) behind it, from filter_metadata.istio.config. */
  readonly origin: ConfigRef | undefined;
  readonly raw: JsonObject;
}

export function decodeCluster(c: JsonObject, state: ResourceState, issues: Issue[]): Cluster {
  const name = str(c, 'name') ?? '';
  if (!name) issues.push({ severity: 'warning', path: 'clusters[]', message: 'cluster has no name' });
  const custom = obj(c, 'cluster_type');
  // protojson omits the enum's default value, so a cluster without `type` is STATIC.
  const type = custom ? (str(custom, 'name') ?? 'CUSTOM') : (str(c, 'type') ?? 'STATIC');
  const la = obj(c, 'load_assignment');
  return {
    name,
    state,
    type,
    edsServiceName: str(obj(c, 'eds_cluster_config'), 'service_name'),
    transportSocket: decodeTransportSocket(obj(c, 'transport_socket')),
    transportSocketMatches: objects(c, 'transport_socket_matches').map((m) => ({
      name: str(m, 'name') ?? '',
      match: obj(m, 'match') ?? {},
      transportSocket: decodeTransportSocket(obj(m, 'transport_socket')),
    })),
    loadAssignment: la ? decodeLoadAssignment(la, name, state) : undefined,
    istio: parseIstioClusterName(name),
    origin: istioOrigin(c),
    raw: c,
  };
}
