// Which listener takes a connection (envoy-semantics.md section 1): after iptables REDIRECT the capture
// listener (use_original_dst) hands the connection to the listener whose address is exactly the original
// destination, else the wildcard 0.0.0.0:<port> (or [::]:<port>), else keeps it and matches its own chains.
// Gateways have no capture: the kernel picks the bound listener by local address.
import type { ConfigDump } from '../model/config-dump.js';
import type { Address } from '../model/address.js';
import { listenerKey, type Listener } from '../model/listener.js';
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
      name: listenerName(l),
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
      alternatives: alternatives.filter((a) => a.name !== listenerName(wildcard)),
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
