// The question the walk answers: which proxies and pods are known (the World), and the traffic a client sends
// (protocol, Host, path, method, headers, SNI) with a client's defaults, and the shapes the traffic takes as
// it moves from stage to stage of the walk (explain.ts).
import type { Cluster } from '../model/cluster.js';
import type { ConfigDump } from '../model/config-dump.js';
import type { MeshInventory, PodInfo } from '../model/k8s.js';
import type { FilterChain, Listener } from '../model/listener.js';
import type { SocketEvidence } from '../model/sockets.js';
import type { Era, Version } from './era.js';
import type { Protocol } from './types.js';
import type { UpstreamSecurity } from './upstream.js';

export interface Traffic {
  readonly protocol: Protocol;
  /** HTTP Host/:authority, or the name the client dialled; for TLS the default SNI. */
  readonly host: string | undefined;
  readonly path: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly sni: string | undefined;
}

/** A call with a client's defaults: path `/`, GET (POST for gRPC), no extra headers, no SNI of its own. */
export function trafficOf(t: {
  protocol: Protocol;
  host?: string | undefined;
  path?: string;
  method?: string;
  sni?: string | undefined;
}): Traffic {
  return {
    protocol: t.protocol,
    host: t.host,
    path: t.path ?? '/',
    method: t.method ?? (t.protocol === 'grpc' ? 'POST' : 'GET'),
    headers: {},
    sni: t.sni,
  };
}

export interface World {
  readonly dumps: readonly ConfigDump[];
  readonly inventory: MeshInventory;
  readonly sockets: readonly SocketEvidence[];
  /**
   * The Envoy whose access-log vocabulary the explanation speaks (response flags that appeared in later
   * Envoys, such as DPE in 1.12); unset: each dump's own Envoy. Replay sets the Envoy it runs, which loads
   * configs of every era (replay.md "Era").
   */
  readonly envoyVersion?: Version | undefined;
}

export type Query =
  | {
      readonly mode: 'outbound';
      readonly source: ConfigDump;
      readonly ip: string;
      readonly port: number;
      readonly traffic: Traffic;
    }
  | {
      readonly mode: 'gateway';
      readonly gateway: ConfigDump;
      readonly port: number;
      /** The client's address as the gateway sees it (--from); undefined when the inputs do not say. */
      readonly fromIp?: string | undefined;
      readonly traffic: Traffic;
    }
  | {
      readonly mode: 'inbound';
      readonly destination: ConfigDump;
      readonly port: number;
      readonly fromIp: string | undefined;
      readonly traffic: Traffic;
    };

/** The dump and the pod (manifests) that have an IP. */
export function podByIp(
  world: World,
  ip: string,
): { dump: ConfigDump | undefined; pod: PodInfo | undefined } {
  return {
    dump: world.dumps.find((d) => d.identity().ip === ip),
    pod: world.inventory.pods.find((p) => p.ip === ip),
  };
}

/** An address and port the traffic is sent to. */
export interface Target {
  readonly ip: string;
  readonly port: number;
}

/** The traffic as it leaves the app of the source pod: where to, and what it carries. */
export interface Departure {
  readonly src: ConfigDump;
  readonly dst: Target;
  readonly traffic: Traffic;
}

/** The traffic as it stands inside one proxy on its path. */
export interface OnProxy {
  readonly dump: ConfigDump;
  readonly era: Era;
  readonly proxy: string;
  readonly dst: Target;
  readonly traffic: Traffic;
  /** Set when the capture listener found no listener to hand off to and used its own chains. */
  readonly stayedOnCapture?: { readonly ip: string; readonly port: number; readonly listener: string };
  /**
   * Istio's `istio.alpn` HTTP filter rewrites the upstream ALPN of mTLS connections to istio-http/1.0,
   * istio-http/1.1 or istio-h2 by the request's protocol, which is what inbound HTTP chains match on.
   */
  readonly alpnOverride?: readonly string[];
  /**
   * The downstream address the listener sees when it is not this pod's own app: a gateway's client (--from),
   * null when the inputs do not say (then a chain choice that depends on it is unknown). Absent: the app in
   * this pod, whose address is the pod IP.
   */
  readonly clientIp?: string | null;
}

/** How the connection came to the listener it is on. */
export type ListenerHow = 'outbound' | 'handed-off' | 'capture' | 'bound';

export interface OnListener extends OnProxy {
  readonly listener: Listener;
  readonly how: ListenerHow;
}

export interface OnChain extends OnListener {
  readonly chain: FilterChain;
}

/** A cluster was chosen by a tcp_proxy or a route. */
export interface ToCluster extends OnProxy {
  readonly cluster: string;
  /** The Istio resource behind the route that chose it, for the subset hint. */
  readonly routeOrigin: string | undefined;
}

export interface ToEndpoints extends ToCluster {
  readonly resolved: Cluster;
  readonly passthrough: boolean;
  /** The first cluster on the path: its endpoint is the outcome's. */
  readonly firstHop: boolean;
}

/** The traffic as it arrives at the destination pod's IP. */
export interface Arrival {
  /** The proxy that sent it, or undefined for a client outside the inputs (explain inbound). */
  readonly sender: ConfigDump | undefined;
  /** The client's address; undefined when not given (explain inbound without --from): never guessed. */
  readonly srcIp: string | undefined;
  readonly dst: Target;
  readonly security: UpstreamSecurity;
  readonly traffic: Traffic;
  /** The app connected without its sidecar (capture let it through). */
  readonly bypassed?: boolean;
  /** The original destination of a passthrough cluster: an address that may be outside the inputs. */
  readonly passthrough?: boolean;
}

/** The traffic inside the receiving pod's sidecar. */
export interface Receiving extends Arrival {
  readonly dump: ConfigDump;
  readonly pod: PodInfo | undefined;
  readonly era: Era;
  readonly proxy: string;
}

export interface ReceivingOnListener extends Receiving {
  readonly listener: Listener;
}

export interface ReceivingOnChain extends ReceivingOnListener {
  readonly chain: FilterChain;
}

/** The connection the receiving side makes to the app: the pod's sockets decide whether it is accepted. */
export interface AtApplication {
  readonly dump: ConfigDump | undefined;
  readonly pod: PodInfo | undefined;
  readonly proxy: string;
  readonly dst: Target;
  /** Where the sidecar (or the bypassing client) connects: loopback, the pod IP, or the destination itself. */
  readonly target: Target;
  readonly traffic: Traffic;
}

/** The receiving sidecar's inbound filter named the cluster it forwards to. */
export interface ReceivingToCluster extends ReceivingOnChain {
  readonly cluster: string;
}
