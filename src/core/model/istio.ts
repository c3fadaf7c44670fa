// Istio's conventions inside Envoy config: cluster names and the mesh object a resource was built from.
import { obj, str } from './fields.js';
import type { JsonObject } from './normalize.js';

export type Direction = 'outbound' | 'inbound' | 'inbound-vip';

export interface IstioClusterName {
  readonly direction: Direction;
  readonly port: number | undefined;
  readonly subset: string;
  readonly fqdn: string;
}

/** `outbound|9080|v1|reviews.default.svc.cluster.local`; inbound also `inbound|9080||` (Istio >= 1.10). */
export function parseIstioClusterName(name: string): IstioClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, fqdn] = parts as [string, string, string, string];
  if (direction !== 'outbound' && direction !== 'inbound' && direction !== 'inbound-vip') return undefined;
  return { direction, port: /^\d+$/.test(port) ? Number(port) : undefined, subset, fqdn };
}

export interface ConfigRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The path exactly as Istio wrote it in filter_metadata.istio.config. */
  readonly path: string;
}

const KIND_BY_SEGMENT: Record<string, string> = {
  'virtual-service': 'VirtualService',
  'destination-rule': 'DestinationRule',
  sidecar: 'Sidecar',
  gateway: 'Gateway',
  'service-entry': 'ServiceEntry',
  'envoy-filter': 'EnvoyFilter',
  'peer-authentication': 'PeerAuthentication',
  'authorization-policy': 'AuthorizationPolicy',
  'request-authentication': 'RequestAuthentication',
  httproute: 'HTTPRoute',
  'http-route': 'HTTPRoute',
  grpcroute: 'GRPCRoute',
  tcproute: 'TCPRoute',
  tlsroute: 'TLSRoute',
};

/** `/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews` -> VirtualService default/reviews. */
export function parseConfigPath(path: string): ConfigRef | undefined {
  const m = /\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  const segment = m[2]!;
  const kind =
    KIND_BY_SEGMENT[segment] ??
    segment.replace(/(^|-)([a-z])/g, (_s, _d: string, c: string) => c.toUpperCase());
  return { kind, namespace: m[1]!, name: m[3]!, path };
}

/** The Istio config behind an Envoy object, from its metadata.filter_metadata.istio.config. */
export function istioOrigin(resource: JsonObject | undefined): ConfigRef | undefined {
  const path = str(obj(obj(obj(resource, 'metadata'), 'filter_metadata'), 'istio'), 'config');
  return path ? parseConfigPath(path) : undefined;
}

export function describeRef(ref: ConfigRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}
