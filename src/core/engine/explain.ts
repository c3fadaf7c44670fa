// The simulator: walks a connection or request through the proxies on its path, stage by stage, recording
// each decision with the config object that made it (envoy-semantics.md; cli-contract.md "Explanation").
// Missing evidence makes a step `unknown` and is named in `missing`; nothing is guessed.
// Each stage is a function of (evidence, the traffic as it stands) that writes its steps into the trace and
// returns the traffic as it leaves the stage, or STOP when its step decided the outcome. The walks below read
// like the packet's life in scenarios.md; the outcome is derived from the deciding step (trace.ts).
import type { ConfigDump } from '../model/config-dump.js';
import { application } from './application.js';
import { inboundCapture, outboundCapture } from './capture.js';
import { inboundCluster, inboundEndpoint, outboundCluster } from './cluster.js';
import { eraOf } from './era.js';
import { inboundChain, outboundChain } from './filter-chain.js';
import { routeTable } from './http-route.js';
import { gatewayListener, inboundListener, outboundListener } from './listener-select.js';
import { httpConnectionManager, inboundFilter, networkFilter, tcpProxy } from './network-filter.js';
import { authorize, type AuthzPoint } from './rbac.js';
import { receiver } from './receiving.js';
import { STOP, Trace, isHttp, label, type Evidence, type Stop } from './trace.js';
import type { Arrival, Departure, OnChain, OnListener, OnProxy, Query, Receiving, World } from './traffic.js';
import type { Call, Explanation } from './types.js';
import { endpoints, type UpstreamSecurity } from './upstream.js';

export type { SocketEvidence } from '../model/sockets.js';
export { trafficOf, type Query, type Traffic, type World } from './traffic.js';

/** The source side of pod-to-pod and request: the app's connect() captured to the sidecar's 15001 listener. */
function outbound(ev: Evidence, d: Departure): Stop {
  const captured = outboundCapture(ev, d); //           iptables ISTIO_OUTPUT
  if ('bypass' in captured) return receive(ev, captured.bypass);
  const hop = outboundListener(ev, captured.captured); // 15001, use_original_dst hand-off
  return hop === STOP ? STOP : throughProxy(ev, hop);
}

/** A gateway: no capture, the listener bound to the port takes the connection. */
function gateway(ev: Evidence, hop: OnProxy): Stop {
  const on = gatewayListener(ev, hop);
  return on === STOP ? STOP : throughProxy(ev, on);
}

/** One proxy's walk from its listener to the upstream host it connects to. */
function throughProxy(ev: Evidence, hop: OnListener): Stop {
  const chained = outboundChain(ev, hop); //             filter_chain_match, default_filter_chain
  if (chained === STOP) return STOP;
  const filter = networkFilter(ev, chained); //          the terminal network filter
  if (filter === STOP) return STOP;
  let picked;
  if (filter.kind === 'tcp_proxy')
    picked = tcpProxy(ev, filter); // tcp_proxy's cluster
  else {
    const table = httpConnectionManager(ev, filter); //  HTTP codec, RDS
    picked = table === STOP ? STOP : routeTable(ev, table); // virtual host, route, action
  }
  if (picked === STOP) return STOP;
  const cluster = outboundCluster(ev, picked); //        CDS
  if (cluster === STOP) return STOP;
  const authz = downstreamOf(chained);
  if (authorize(ev, authz, ['http']) === STOP) return STOP; // RBAC in the HCM, before the router
  const arrival = endpoints(ev, cluster); //             EDS or Kubernetes endpoints, upstream TLS
  if (arrival === STOP || authorize(ev, authz, ['network']) === STOP) return STOP; // network RBAC
  return receive(ev, arrival);
}

/**
 * Who a proxy's own RBAC filters see as the downstream: a sidecar's own app (plaintext, from the pod IP), or
 * a gateway's client, which is outside the inputs (its address unknown; TLS when the call is TLS).
 */
function downstreamOf(hop: OnChain): AuthzPoint {
  const gateway = hop.how === 'bound';
  const t = hop.traffic;
  return {
    proxy: hop.proxy,
    chain: hop.chain,
    traffic: t,
    dst: hop.dst,
    srcIp: gateway ? undefined : hop.dump.identity().ip,
    security:
      gateway && t.protocol === 'tls'
        ? { kind: 'tls', detail: 'TLS from the client', alpn: [], sni: t.sni }
        : { kind: 'plaintext', detail: 'plaintext from the client' },
    sender: undefined,
  };
}

/** The receiving side: whoever has the destination IP, its sidecar's inbound path, then the app. */
function receive(ev: Evidence, a: Arrival): Stop {
  const at = receiver(ev, a); //                          pod with sidecar, without, or outside the inputs
  if (at === STOP) return STOP;
  return 'app' in at ? application(ev, at.app) : inboundSidecar(ev, at.sidecar);
}

function inboundSidecar(ev: Evidence, r: Receiving): Stop {
  const captured = inboundCapture(ev, r); //             iptables ISTIO_INBOUND
  if (captured === STOP) return STOP;
  if ('app' in captured) return application(ev, captured.app);
  const on = inboundListener(ev, captured.sidecar); //   15006 (15001 before 1.3), hand-off
  if (on === STOP) return STOP;
  const chained = inboundChain(ev, on); //               inbound chain and its TLS
  if (chained === STOP) return STOP;
  const filter = inboundFilter(ev, chained); //          tcp_proxy, or the inbound HCM
  if (filter === STOP) return STOP;
  const picked = 'routing' in filter ? routeTable(ev, filter.routing) : filter; // its route, as outbound
  if (picked === STOP) return STOP;
  const cluster = inboundCluster(ev, picked); //         inbound|<port>|| or InboundPassthroughCluster
  if (cluster === STOP) return STOP;
  // RBAC (AuthorizationPolicy): on an HTTP chain its filters run before the router connects upstream, so a
  // refused request has no upstream host; a network rbac filter before tcp_proxy judges the first bytes, after
  // tcp_proxy already connected on the new connection (envoy source/extensions/filters/network/rbac/rbac_filter.cc
  // onData; source/common/tcp_proxy/tcp_proxy.cc onNewConnection)
  const http = isHttp(r.traffic.protocol);
  if (http && authorize(ev, cluster) === STOP) return STOP;
  const app = inboundEndpoint(ev, cluster); //           where it connects: 127.0.0.1 or the pod IP
  if (app === STOP || (!http && authorize(ev, cluster) === STOP)) return STOP;
  return application(ev, app); //                        the app's listening sockets
}

function callOf(q: Query, ip: string): Call {
  const t = q.traffic;
  return {
    mode: q.mode,
    address: ip,
    port: q.port,
    protocol: t.protocol,
    host: isHttp(t.protocol) ? (t.headers.host ?? t.host ?? null) : (t.host ?? null),
    path: isHttp(t.protocol) ? t.path : null,
    method: isHttp(t.protocol) ? t.method : null,
    headers: { ...t.headers },
    sni: t.sni ?? null,
  };
}

/** Where the walk starts: the proxy it is told from, and the address the call is made to. */
function start(ev: Evidence, q: Query): { origin: ConfigDump; ip: string } {
  if (q.mode === 'outbound') {
    outbound(ev, { src: q.source, dst: { ip: q.ip, port: q.port }, traffic: q.traffic });
    return { origin: q.source, ip: q.ip };
  }
  if (q.mode === 'gateway') {
    const ip = q.gateway.identity().ip ?? '0.0.0.0';
    const dump = q.gateway;
    gateway(ev, {
      dump,
      era: eraOf(dump),
      proxy: label(dump),
      dst: { ip, port: q.port },
      traffic: q.traffic,
      clientIp: q.fromIp ?? null,
    });
    return { origin: dump, ip };
  }
  const dump = q.destination;
  const ip = dump.identity().ip ?? '0.0.0.0';
  const security: UpstreamSecurity =
    q.traffic.protocol === 'tls'
      ? { kind: 'tls', detail: 'TLS from the client', alpn: [], sni: q.traffic.sni }
      : { kind: 'plaintext', detail: 'plaintext from the client' };
  inboundSidecar(ev, {
    sender: undefined,
    srcIp: q.fromIp,
    dst: { ip, port: q.port },
    security,
    traffic: q.traffic,
    dump,
    pod: ev.world.inventory.pods.find((p) => p.ip === ip),
    era: eraOf(dump),
    proxy: label(dump),
  });
  return { origin: dump, ip };
}

export function explain(world: World, q: Query): Explanation {
  const ev: Evidence = { world, trace: new Trace() };
  const { origin, ip } = start(ev, q);
  const id = origin.identity();
  return {
    apiVersion: 'meshctl/v1',
    kind: 'Explanation',
    source: { proxy: label(origin), type: id.type, ip: id.ip ?? null, istioVersion: id.istioVersion ?? null },
    call: callOf(q, ip),
    outcome: ev.trace.outcome(q.traffic.protocol),
    steps: ev.trace.steps,
    hints: ev.trace.hints,
    missing: ev.trace.missing,
  };
}
