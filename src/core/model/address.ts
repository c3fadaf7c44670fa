import { num, obj, str } from './fields.js';
import type { JsonObject } from './normalize.js';

export type Address =
  | { readonly kind: 'socket'; readonly ip: string; readonly port: number; readonly protocol: string }
  | { readonly kind: 'pipe'; readonly path: string }
  | { readonly kind: 'internal'; readonly name: string; readonly endpointId: string | undefined }
  | { readonly kind: 'none' };

/** envoy.config.core.v3.Address */
export function decodeAddress(a: JsonObject | undefined): Address {
  const socket = obj(a, 'socket_address');
  if (socket) {
    return {
      kind: 'socket',
      ip: str(socket, 'address') ?? '',
      port: num(socket, 'port_value') ?? 0,
      protocol: str(socket, 'protocol') ?? 'TCP',
    };
  }
  const pipe = obj(a, 'pipe');
  if (pipe) return { kind: 'pipe', path: str(pipe, 'path') ?? '' };
  const internal = obj(a, 'envoy_internal_address');
  if (internal)
    return {
      kind: 'internal',
      name: str(internal, 'server_listener_name') ?? '',
      endpointId: str(internal, 'endpoint_id'),
    };
  return { kind: 'none' };
}

/** `10.0.0.1:80`, `[::1]:80`, `unix:///path` as istioctl prints them. */
export function formatAddress(a: Address): string {
  switch (a.kind) {
    case 'socket':
      return a.ip.includes(':') ? `[${a.ip}]:${a.port}` : `${a.ip}:${a.port}`;
    case 'pipe':
      return `unix://${a.path}`;
    case 'internal':
      return `envoy://${a.name}${a.endpointId ? `/${a.endpointId}` : ''}`;
    case 'none':
      return '-';
  }
}

export interface Cidr {
  readonly address: string;
  readonly prefixLen: number;
}

/** envoy.config.core.v3.CidrRange; prefix_len "defaults to 0 when unset" (Envoy's address.proto). */
export function decodeCidr(c: JsonObject): Cidr {
  return { address: str(c, 'address_prefix') ?? '', prefixLen: num(c, 'prefix_len') ?? 0 };
}

export function formatCidr(c: Cidr): string {
  return `${c.address}/${c.prefixLen}`;
}
