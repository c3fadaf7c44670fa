// Istio's protocol selection for a Service port (envoy-semantics.md section 6; Istio's ConvertProtocol and
// protocol.Parse): UDP; else appProtocol if set (kubernetes.io/h2c|ws|wss mapped); else the port name;
// `grpc-web` prefix first, then the text before the first `-`, case-insensitive; an unknown name on a
// well-known port (25, 53, 3306, 27017) is TCP; anything else is sniffed (Istio >= 1.3) or TCP (<= 1.2).
export type IstioProtocol =
  | 'TCP'
  | 'UDP'
  | 'HTTP'
  | 'HTTP2'
  | 'HTTPS'
  | 'HTTP_PROXY'
  | 'GRPC'
  | 'GRPC-Web'
  | 'TLS'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'UnsupportedProtocol';

const NAMES: Record<string, IstioProtocol> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

/** Kubernetes' standard appProtocol values (Service spec). */
const K8S_APP_PROTOCOLS: Record<string, IstioProtocol> = {
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

export const WELL_KNOWN_TCP_PORTS: Readonly<Record<number, string>> = {
  25: 'SMTP',
  53: 'DNS',
  3306: 'MySQL',
  27017: 'MongoDB',
};

/** protocol.Parse: exact names, case-insensitive. */
export function parseProtocolName(s: string): IstioProtocol {
  return NAMES[s.toLowerCase()] ?? 'UnsupportedProtocol';
}

export interface PortProtocol {
  readonly protocol: IstioProtocol;
  /** What decided it. */
  readonly from: 'udp' | 'appProtocol' | 'name' | 'well-known port' | 'none';
  /** Istio >= 1.3 detects the protocol from the first bytes (sniffing); <= 1.2 treats it as TCP. */
  readonly sniffed: boolean;
}

export function resolvePortProtocol(p: {
  port: number;
  name?: string | undefined;
  protocol?: string | undefined;
  appProtocol?: string | undefined;
}): PortProtocol {
  if ((p.protocol ?? '').toUpperCase() === 'UDP') return { protocol: 'UDP', from: 'udp', sniffed: false };
  let name = p.name ?? '';
  let from: PortProtocol['from'] = name ? 'name' : 'none';
  if (p.appProtocol !== undefined && p.appProtocol !== null) {
    name = p.appProtocol;
    from = 'appProtocol';
    const known = K8S_APP_PROTOCOLS[name];
    if (known) return { protocol: known, from, sniffed: false };
  }
  let protocol: IstioProtocol;
  if (name.toLowerCase().startsWith('grpc-web')) protocol = 'GRPC-Web';
  else {
    const dash = name.indexOf('-');
    protocol = parseProtocolName(dash >= 0 ? name.slice(0, dash) : name);
  }
  if (protocol === 'UnsupportedProtocol' && WELL_KNOWN_TCP_PORTS[p.port] !== undefined)
    return { protocol: 'TCP', from: 'well-known port', sniffed: false };
  return {
    protocol,
    from: protocol === 'UnsupportedProtocol' ? 'none' : from,
    sniffed: protocol === 'UnsupportedProtocol',
  };
}

/** Istio's IsHTTP: HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web. */
export function isHttpProtocol(p: IstioProtocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'HTTP_PROXY' || p === 'GRPC' || p === 'GRPC-Web';
}

/** What `istioctl x describe` prints for a port: `auto-detect` for sniffed ports, `HBONE` for appProtocol hbone. */
export function describeProtocol(p: {
  port: number;
  name?: string;
  protocol?: string;
  appProtocol?: string;
}): string {
  if (p.appProtocol?.toLowerCase() === 'hbone') return 'HBONE';
  const r = resolvePortProtocol(p);
  return r.protocol === 'UnsupportedProtocol' ? 'auto-detect' : r.protocol;
}
