// What a listener knows of a connection before it picks a filter chain: the listener filters (tls_inspector,
// http_inspector) read the first bytes and set the transport protocol, SNI and ALPN that filter_chain_match
// compares (envoy-semantics.md section 2;
// https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/listener_filters/tls_inspector and
// .../http_inspector). Evidence read: the listener's listener_filters and their filter_disabled predicates, the
// chains' TLS fields (Envoy <= 1.16 adds a tls_inspector by itself), what the client or source sidecar sends.
import type { Listener } from '../model/listener.js';
import type { Era } from './era.js';
import type { ConnectionFacts } from './filter-chain.js';
import { listenerName } from './listener-select.js';
import { isHttp, unknown, type Evidence, type Stop } from './trace.js';
import type { Target, Traffic } from './traffic.js';
import type { UpstreamSecurity } from './upstream.js';

/** The client's source port in a simulation: any ephemeral port (no chain here matches on one). */
const EPHEMERAL_PORT = 43_210;

/** Evaluates listener-filter `filter_disabled` predicates that depend on the destination port. */
function filterDisabled(pred: unknown, port: number): boolean {
  if (typeof pred !== 'object' || pred === null) return false;
  const p = pred as Record<string, unknown>;
  const range = p.destination_port_range as { start?: number; end?: number } | undefined;
  if (range) return port >= (range.start ?? 0) && port < (range.end ?? 0);
  const or = (p.or_match as { rules?: unknown[] } | undefined)?.rules;
  if (or) return or.some((r) => filterDisabled(r, port));
  const and = (p.and_match as { rules?: unknown[] } | undefined)?.rules;
  if (and) return and.every((r) => filterDisabled(r, port));
  if (p.not_match) return !filterDisabled(p.not_match, port);
  return false;
}

function inspectors(l: Listener, port: number, era: Era): { tls: boolean; http: boolean; note: string } {
  const active = (k: string) =>
    l.listenerFilters.some((f) => f.kind === k && !filterDisabled(f.disabled, port));
  let tls = active('tls_inspector');
  const usesTls = l.filterChains.some(
    (c) =>
      c.match.transportProtocol === 'tls' ||
      c.match.serverNames.length > 0 ||
      c.match.applicationProtocols.length > 0,
  );
  let note = '';
  if (
    !tls &&
    era.implicitTlsInspector &&
    usesTls &&
    !l.listenerFilters.some((f) => f.kind === 'tls_inspector')
  ) {
    tls = true;
    note = 'Envoy <= 1.16 adds a tls_inspector by itself because chains match on TLS fields';
  }
  return { tls, http: active('http_inspector'), note };
}

export function connectionFacts(
  l: Listener,
  era: Era,
  dst: Target,
  srcIp: string | undefined,
  traffic: Traffic,
  security: UpstreamSecurity | undefined,
): { facts: ConnectionFacts; note: string } {
  const insp = inspectors(l, dst.port, era);
  const tlsOnWire = security ? security.kind !== 'plaintext' : traffic.protocol === 'tls';
  const transport: 'tls' | 'raw_buffer' = tlsOnWire && insp.tls ? 'tls' : 'raw_buffer';
  let alpn: string[] = [];
  let sni: string | undefined;
  if (tlsOnWire && insp.tls) {
    alpn = security && security.kind !== 'plaintext' ? security.alpn : [];
    sni = security && security.kind !== 'plaintext' ? security.sni : (traffic.sni ?? traffic.host);
  } else if (!tlsOnWire && insp.http && isHttp(traffic.protocol))
    alpn = traffic.protocol === 'http' ? ['http/1.1'] : ['h2c'];
  return {
    facts: {
      destinationIp: dst.ip,
      destinationPort: dst.port,
      sourceIp: srcIp,
      sourcePort: EPHEMERAL_PORT,
      serverName: sni,
      transportProtocol: transport,
      applicationProtocols: alpn,
    },
    note: insp.note,
  };
}

/**
 * The chain depends on the client's address (source_prefix_ranges, direct_source_prefix_ranges, source_type:
 * listener_components.proto FilterChainMatch reads the downstream connection's source) and it is not given:
 * unknown, saying which option gives it, never a guessed address.
 */
export function clientNotGiven(
  ev: Evidence,
  l: Listener,
  proxy: string,
  criterion: string,
  narrowing: string,
  option: string,
): Stop {
  ev.trace.add(
    'filterChain',
    proxy,
    'unknown',
    l.name,
    `chains of ${listenerName(l)} match on the ${criterion} and the client's address is not given (behind kube-proxy it may be a node's address). ${narrowing}`,
  );
  ev.trace.need(`the client's address as ${proxy} sees it (${option})`);
  return ev.trace.decide(
    unknown('filterChain', `${listenerName(l)} picks its chain by the ${criterion}, which is not given`),
  );
}
