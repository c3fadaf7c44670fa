// Which listener takes a connection (envoy-semantics.md section 1): after iptables REDIRECT the capture
// listener (use_original_dst) hands the connection to the listener whose address is exactly the original
// destination, else the wildcard 0.0.0.0:<port> (or [::]:<port>), else keeps it and matches its own chains.
// Gateways have no capture: the kernel picks the bound listener by local address.
// Envoy: listener_manager_impl.cc / connection_handler_impl.cc (getBalancedHandlerByAddress), and
// https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/original_dst_filter
// Evidence read: the proxy's listeners (address, additional_addresses, use_original_dst, bind_to_port, state).
import { formatAddress, type Address } from '../model/address.js';
import type { ConfigDump } from '../model/config-dump.js';
import { listenerKey, type Listener } from '../model/listener.js';
import { fail, originOf, unknown, type Evidence, type Stop } from './trace.js';
import type { OnListener, OnProxy, Receiving, ReceivingOnListener } from './traffic.js';
import type { Alternative } from './types.js';

function serving(l: Listener): boolean {
  return l.state === 'active' || l.state === 'static';
}

function addresses(l: Listener): Address[] {
  return [l.address, ...l.additionalAddresses];
}

export function listenerName(l: Listener): string {
  return l.name || listenerKey(l.address);
}

function at(l: Listener, ip: string, port: number): boolean {
  return addresses(l).some((a) => a.kind === 'socket' && a.port === port && a.ip === ip);
}

/** The listener iptables delivers captured connections to: bound to `port`, with use_original_dst. */
export function captureListener(dump: ConfigDump, port: number): Listener | undefined {
  const byName = dump.listenersNamed((n) => n.startsWith('virtual') || n.endsWith(`_${port}`));
  const pool = byName?.some((l) => addresses(l).some((a) => a.kind === 'socket' && a.port === port))
    ? byName
    : dump.listeners();
  const bound = pool.filter(
    (l) => serving(l) && addresses(l).some((a) => a.kind === 'socket' && a.port === port),
  );
  return bound.find((l) => l.useOriginalDst) ?? bound.find((l) => l.bindToPort);
}

export interface HandOff {
  readonly listener: Listener | undefined;
  readonly how: 'exact' | 'wildcard' | 'none';
  readonly detail: string;
  readonly alternatives: Alternative[];
}

/** Envoy's hand-off lookup: exact ip:port among all active listeners, then the wildcard of the family. */
export function handOff(dump: ConfigDump, ip: string, port: number, from: Listener): HandOff {
  // Istio names listeners `<ip>_<port>`: on a big dump, decode only the ones that could take this address
  const named = dump.listenersNamed((n) => n.endsWith(`_${port}`));
  const candidates = (named ?? dump.listeners()).filter((l) => serving(l) && l !== from);
  const exact = candidates.find((l) => at(l, ip, port));
  const samePort = candidates.filter((l) => addresses(l).some((a) => a.kind === 'socket' && a.port === port));
  const alternatives = samePort
    .filter((l) => l !== exact)
    .map((l) => ({
      name: l.name || null, // Envoy's own; the hand-off lists listeners, not positions
      index: null,
      reason: `bound to ${addresses(l)
        .map((a) => (a.kind === 'socket' ? a.ip : '?'))
        .join(', ')}, not ${ip}`,
    }));
  if (exact)
    return {
      listener: exact,
      how: 'exact',
      detail: `listener ${listenerName(exact)} has exactly the original destination ${ip}:${port}`,
      alternatives,
    };
  const wildcardIp = ip.includes(':') ? '::' : '0.0.0.0';
  const wildcard =
    candidates.find((l) => at(l, wildcardIp, port)) ??
    (ip.includes(':') ? undefined : candidates.find((l) => at(l, '::', port)));
  if (wildcard)
    return {
      listener: wildcard,
      how: 'wildcard',
      detail: `no listener has ${ip}:${port}; the wildcard listener ${listenerName(wildcard)} takes every address on port ${port}`,
      alternatives: alternatives.filter((a) => a.name !== (wildcard.name || null)),
    };
  return {
    listener: undefined,
    how: 'none',
    detail: `no listener has ${ip}:${port} and none listens on ${wildcardIp}:${port}`,
    alternatives,
  };
}

/** A gateway's listener for traffic arriving at its pod on `port` (no capture, no hand-off). */
export function boundListener(dump: ConfigDump, ip: string | undefined, port: number): Listener | undefined {
  const bound = dump.listeners().filter((l) => serving(l) && l.bindToPort);
  return (
    (ip ? bound.find((l) => at(l, ip, port)) : undefined) ??
    bound.find((l) => at(l, '0.0.0.0', port) || at(l, '::', port))
  );
}

/** Stage: captured traffic arrives on the 15001 listener, which hands it off by original destination. */
export function outboundListener(ev: Evidence, hop: OnProxy): OnListener | Stop {
  const { dump, proxy, dst } = hop;
  const virtual = captureListener(dump, 15001);
  if (!virtual) {
    ev.trace.need(`the capture listener on port 15001 of ${proxy}: the dump has none (is it complete?)`);
    return ev.trace.decide(
      unknown('listener', `${proxy}'s dump has no listener on 15001 to receive captured traffic`),
    );
  }
  const name = listenerName(virtual);
  if (!virtual.useOriginalDst) {
    ev.trace.add(
      'listener',
      proxy,
      'matched',
      virtual.name,
      `captured traffic arrives on ${name}, which does not hand off (use_original_dst unset)`,
    );
    return { ...hop, listener: virtual, how: 'outbound' };
  }
  const h = handOff(dump, dst.ip, dst.port, virtual);
  if (h.listener) {
    ev.trace.add(
      'listener',
      proxy,
      'matched',
      h.listener.name,
      `captured on ${name} (use_original_dst), handed off: ${h.detail}`,
      { alternatives: h.alternatives, ...originOf(h.listener) },
    );
    return { ...hop, listener: h.listener, how: 'handed-off' };
  }
  ev.trace.add(
    'listener',
    proxy,
    'matched',
    virtual.name,
    `captured on ${name} (use_original_dst); ${h.detail}, so the connection stays on ${name} and its own filter chains decide`,
    { alternatives: h.alternatives },
  );
  return {
    ...hop,
    listener: virtual,
    how: 'capture',
    stayedOnCapture: { ip: dst.ip, port: dst.port, listener: name },
  };
}

/** Stage: a gateway has no capture; the kernel gives the connection to the listener bound to the port. */
export function gatewayListener(ev: Evidence, hop: OnProxy): OnListener | Stop {
  const { dump, proxy, dst } = hop;
  const port = dst.port;
  ev.trace.add(
    'capture',
    proxy,
    'skipped',
    null,
    `no capture: a gateway receives traffic on its own listeners; kube-proxy already translated the gateway Service's port to the pod's port ${port}`,
  );
  const l = boundListener(dump, dump.identity().ip, port);
  if (l) {
    ev.trace.add(
      'listener',
      proxy,
      'matched',
      l.name,
      `listener ${listenerName(l)} is bound to ${formatAddress(l.address)}`,
      originOf(l),
    );
    return { ...hop, listener: l, how: 'bound' };
  }
  const ports = dump
    .listeners()
    .filter((x) => x.bindToPort && x.address.kind === 'socket' && serving(x))
    .map((x) => (x.address.kind === 'socket' ? x.address.port : 0));
  ev.trace.add(
    'listener',
    proxy,
    'no-match',
    null,
    `no listener is bound to port ${port} (bound: ${[...new Set(ports)].sort((a, b) => a - b).join(', ') || 'none'}); the client's connection is refused (RST) and Envoy logs nothing`,
  );
  ev.trace.hint(
    'gateway-port-without-route',
    `Istio builds a gateway listener only for a Gateway server port that some VirtualService routes; port ${port} has none.`,
    `Add a server for port ${port} to a Gateway selecting this gateway, and a VirtualService bound to that Gateway with a route for the port (tcp: match port ${port}); check the gateway Service exposes it.`,
  );
  return ev.trace.decide(
    fail(
      null,
      null,
      `${proxy} has no listener on port ${port}: the connection is refused and nothing is logged`,
    ),
  );
}

/** Stage: inbound traffic arrives on the inbound capture listener (15006, or 15001 before Istio 1.3). */
export function inboundListener(ev: Evidence, r: Receiving): ReceivingOnListener | Stop {
  const { dump, era, proxy, dst } = r;
  const capture = captureListener(dump, era.inboundCapturePort);
  if (!capture) {
    ev.trace.need(
      `the inbound capture listener (port ${era.inboundCapturePort}) of ${proxy}: not in its dump`,
    );
    ev.trace.add(
      'inbound',
      proxy,
      'unknown',
      null,
      `no listener on ${era.inboundCapturePort} in ${proxy}'s dump`,
    );
    return ev.trace.decide(unknown('inbound', `the inbound listener of ${proxy} is not in its dump`));
  }
  let l: Listener = capture;
  let how = `inbound traffic arrives on ${listenerName(capture)}`;
  if (capture.useOriginalDst) {
    const h = handOff(dump, dst.ip, dst.port, capture);
    if (h.listener) {
      l = h.listener;
      how += ` (use_original_dst), handed off: ${h.detail}`;
      if (h.how === 'wildcard')
        ev.trace.hint(
          'inbound-on-outbound-listener',
          `Inbound traffic to ${dst.ip}:${dst.port} was handed to ${listenerName(h.listener)}, a wildcard listener meant for outbound traffic.`,
          `Declare port ${dst.port} in a Service selecting the pod so Istio builds an inbound listener for it.`,
        );
    } else how += `; ${h.detail}, so ${listenerName(capture)}'s own chains decide`;
  }
  ev.trace.add('inbound', proxy, 'matched', l.name, how);
  return { ...r, listener: l };
}
