// FilterChainMatch selection (envoy-semantics.md section 2; Envoy filter_chain_manager_impl.cc): nine
// criteria, each a pruning level. At each level only the most specific chains that match survive; chains that
// leave the criterion unset survive only when no chain matched it specifically. No backtracking: once a level
// keeps a specific chain, a later failure means "no match" (then default_filter_chain), never a retry with
// the less specific chains (istio#26079).
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto#config-listener-v3-filterchainmatch
// Evidence read: the listener's filter_chains, default_filter_chain and filter_chain_matcher, and the
// connection facts its listener filters produced (listener-filters.ts). The stage functions at the end write
// the filterChain steps of the source side and of the receiving side.
import type { Cidr } from '../model/address.js';
import type { FilterChain, FilterChainMatch, Listener } from '../model/listener.js';
import { clientNotGiven, connectionFacts } from './listener-filters.js';
import { listenerName } from './listener-select.js';
import { cidrContains } from './match/cidr.js';
import { fail, isHttp, originOf, unknown, type Evidence, type Stop } from './trace.js';
import type { OnChain, OnListener, ReceivingOnChain, ReceivingOnListener } from './traffic.js';
import type { Alternative } from './types.js';

/** What the listener sees of a connection once its listener filters have run. */
export interface ConnectionFacts {
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** The downstream address; undefined when the inputs do not say (a gateway's client without --from). */
  readonly sourceIp: string | undefined;
  readonly sourcePort: number;
  /** SNI from the TLS ClientHello, when the tls_inspector ran and the client sent one. */
  readonly serverName: string | undefined;
  /** `tls` when the tls_inspector saw a ClientHello, else `raw_buffer`. */
  readonly transportProtocol: 'tls' | 'raw_buffer';
  /** ALPN offered in the ClientHello, or what the http_inspector detected (http/1.1, h2c). */
  readonly applicationProtocols: readonly string[];
}

export interface ChainSelection {
  readonly chain: FilterChain | undefined;
  readonly usedDefault: boolean;
  /** One sentence per narrowing, in order. */
  readonly narrowing: string[];
  readonly dropped: Alternative[];
  /** More than one chain survived every level: Envoy rejects such configs; a finding for the user. */
  readonly tie: FilterChain[];
  /**
   * The level that would decide between the chains left but reads the source address, which the inputs do
   * not give: no chain is picked (the choice is unknown), and `chain` is undefined.
   */
  readonly undetermined?: string;
}

/** A chain as a person reads it in a sentence (its name and position); data carries `name` and `index`. */
export function chainLabel(c: FilterChain): string {
  return c.index === -1
    ? `default_filter_chain${c.name ? ` ${c.name}` : ''}`
    : `${c.name ? `${c.name} ` : ''}#${c.index}`;
}

/** A chain's step fields: its own name, and its position in filter_chains (none for the default chain). */
function chainStep(c: FilterChain): { name: string | null; index: number | null } {
  return { name: c.name || null, index: c.index >= 0 ? c.index : null };
}

interface Level {
  readonly name: string;
  /** undefined when the chain leaves the criterion unset; else its specificity (higher wins), -1 = no match. */
  readonly rank: (c: FilterChain, f: ConnectionFacts) => number | undefined;
  readonly value: (f: ConnectionFacts) => string;
  /** What the chain asks for at this level, for the reason it was dropped. */
  readonly wants: (c: FilterChain) => string;
  /** Set on the levels that read the source address: whether the chain constrains it. */
  readonly sourceCriterion?: (c: FilterChain) => boolean;
}

const cidrs = (rs: readonly Cidr[]) => rs.map((r) => `${r.address}/${r.prefixLen}`).join(', ');

function bestPrefix(ranges: readonly Cidr[], ip: string): number {
  let best = -1;
  for (const r of ranges) if (cidrContains(r, ip)) best = Math.max(best, r.prefixLen);
  return best;
}

/** A level that narrows on the source IP by the longest prefix of `ranges` (direct source, then source). */
function sourcePrefixLevel(name: string, ranges: (m: FilterChainMatch) => readonly Cidr[]): Level {
  return {
    name,
    wants: (c) => cidrs(ranges(c.match)),
    sourceCriterion: (c) => ranges(c.match).length > 0,
    rank: (c, f) =>
      ranges(c.match).length === 0 || f.sourceIp === undefined
        ? undefined
        : bestPrefix(ranges(c.match), f.sourceIp),
    value: (f) => f.sourceIp ?? '(unknown)',
  };
}

function serverNameRank(names: readonly string[], sni: string | undefined): number {
  if (!sni) return -1;
  const host = sni.toLowerCase();
  let best = -1;
  for (const raw of names) {
    const n = raw.toLowerCase();
    if (n === host)
      best = Math.max(best, 10_000); // exact beats every wildcard
    else if (n.startsWith('*.') && host.endsWith(n.slice(1))) best = Math.max(best, n.length);
    else if (n.startsWith('.') && host.endsWith(n)) best = Math.max(best, n.length);
  }
  return best;
}

const LEVELS: Level[] = [
  {
    name: 'destination port',
    wants: (c) => String(c.match.destinationPort),
    rank: (c, f) =>
      c.match.destinationPort === undefined
        ? undefined
        : c.match.destinationPort === f.destinationPort
          ? 1
          : -1,
    value: (f) => String(f.destinationPort),
  },
  {
    name: 'destination IP',
    wants: (c) => cidrs(c.match.prefixRanges),
    rank: (c, f) =>
      c.match.prefixRanges.length === 0 ? undefined : bestPrefix(c.match.prefixRanges, f.destinationIp),
    value: (f) => f.destinationIp,
  },
  {
    name: 'server name (SNI)',
    wants: (c) => c.match.serverNames.join(', '),
    rank: (c, f) =>
      c.match.serverNames.length === 0 ? undefined : serverNameRank(c.match.serverNames, f.serverName),
    value: (f) => f.serverName ?? '(none)',
  },
  {
    name: 'transport protocol',
    wants: (c) => c.match.transportProtocol ?? '',
    rank: (c, f) =>
      c.match.transportProtocol === undefined
        ? undefined
        : c.match.transportProtocol === f.transportProtocol
          ? 1
          : -1,
    value: (f) => f.transportProtocol,
  },
  {
    name: 'application protocol (ALPN)',
    wants: (c) => c.match.applicationProtocols.join(', '),
    // The connection's protocols are tried in its own order; the first one any chain names wins.
    rank: (c, f) => {
      if (c.match.applicationProtocols.length === 0) return undefined;
      const i = f.applicationProtocols.findIndex((p) => c.match.applicationProtocols.includes(p));
      return i < 0 ? -1 : 1000 - i;
    },
    value: (f) => (f.applicationProtocols.length ? f.applicationProtocols.join(',') : '(none)'),
  },
  sourcePrefixLevel('direct source IP', (m) => m.directSourcePrefixRanges),
  {
    name: 'source type',
    wants: (c) => c.match.sourceType,
    sourceCriterion: (c) => c.match.sourceType !== 'ANY',
    rank: (c, f) => {
      if (c.match.sourceType === 'ANY' || f.sourceIp === undefined) return undefined;
      const local = f.sourceIp === f.destinationIp || f.sourceIp.startsWith('127.') || f.sourceIp === '::1';
      return (c.match.sourceType === 'SAME_IP_OR_LOOPBACK') === local ? 1 : -1;
    },
    value: (f) => f.sourceIp ?? '(unknown)',
  },
  sourcePrefixLevel('source IP', (m) => m.sourcePrefixRanges),
  {
    name: 'source port',
    wants: (c) => c.match.sourcePorts.join(', '),
    rank: (c, f) =>
      c.match.sourcePorts.length === 0 ? undefined : c.match.sourcePorts.includes(f.sourcePort) ? 1 : -1,
    value: (f) => String(f.sourcePort),
  },
];

export function selectFilterChain(listener: Listener, facts: ConnectionFacts): ChainSelection {
  let survivors = [...listener.filterChains];
  const narrowing: string[] = [];
  const dropped: Alternative[] = [];
  for (const level of LEVELS) {
    if (survivors.length === 0) break;
    // Envoy reads the downstream's own address here (FilterChainMatch: direct_source_prefix_ranges,
    // source_type, source_prefix_ranges, envoy/config/listener/v3/listener_components.proto); when the inputs
    // do not give it and a chain left constrains it, which chain wins is not knowable from the config
    if (facts.sourceIp === undefined && level.sourceCriterion && survivors.some(level.sourceCriterion)) {
      narrowing.push(`${level.name} unknown: ${survivors.length} chains left, some match on it`);
      return { chain: undefined, usedDefault: false, narrowing, dropped, tie: [], undetermined: level.name };
    }
    const ranked = survivors.map((c) => ({ c, r: level.rank(c, facts) }));
    if (ranked.every((x) => x.r === undefined)) continue; // no chain uses this criterion
    const matching = ranked.filter((x) => x.r !== undefined && x.r >= 0);
    let keep: FilterChain[];
    if (matching.length > 0) {
      const top = Math.max(...matching.map((x) => x.r!));
      keep = matching.filter((x) => x.r === top).map((x) => x.c);
    } else keep = ranked.filter((x) => x.r === undefined).map((x) => x.c);
    for (const x of ranked) {
      if (keep.includes(x.c)) continue;
      const why =
        x.r === undefined
          ? `leaves ${level.name} unset, and a chain names ${level.value(facts)} specifically`
          : x.r < 0
            ? `needs ${level.name} ${level.wants(x.c)}, the connection has ${level.value(facts)}`
            : `less specific ${level.name} than the chain kept`;
      dropped.push({ ...chainStep(x.c), reason: why });
    }
    narrowing.push(`${level.name} ${level.value(facts)}: ${keep.length} of ${survivors.length} chains left`);
    survivors = keep;
  }
  if (survivors.length === 1) return { chain: survivors[0], usedDefault: false, narrowing, dropped, tie: [] };
  if (survivors.length > 1)
    return { chain: survivors[0], usedDefault: false, narrowing, dropped, tie: survivors };
  if (listener.defaultFilterChain)
    return { chain: listener.defaultFilterChain, usedDefault: true, narrowing, dropped, tie: [] };
  return { chain: undefined, usedDefault: false, narrowing, dropped, tie: [] };
}

/** Stage: the source proxy's listener picks the filter chain for the connection. */
export function outboundChain(ev: Evidence, hop: OnListener): OnChain | Stop {
  const { dump, era, listener: l, dst, traffic, proxy } = hop;
  if (l.usesFilterChainMatcher) {
    ev.trace.add(
      'filterChain',
      proxy,
      'unknown',
      l.name,
      'the listener selects chains with filter_chain_matcher (xDS matcher tree), which meshctl does not simulate',
    );
    return ev.trace.decide(unknown('filterChain', 'filter_chain_matcher is not simulated'));
  }
  // a sidecar's outbound connection comes from its own app (the pod IP); a gateway's from its client
  const srcIp = hop.clientIp === undefined ? (dump.identity().ip ?? '10.0.0.1') : (hop.clientIp ?? undefined);
  const { facts: f, note } = connectionFacts(l, era, dst, srcIp, traffic, undefined);
  const sel = selectFilterChain(l, f);
  const narrowing = sel.narrowing.join('; ') + (note ? `; ${note}` : '');
  if (sel.undetermined !== undefined)
    return clientNotGiven(ev, l, proxy, sel.undetermined, narrowing, 'explain gateway --from IP');
  if (!sel.chain) {
    const closing =
      hop.how === 'handed-off' ? ' (a handed-off connection never falls back to the capture listener)' : '';
    // the step names the listener whose chains were searched
    ev.trace.add(
      'filterChain',
      proxy,
      'no-match',
      l.name,
      `no filter chain of ${listenerName(l)} matches and there is no default_filter_chain: Envoy closes the connection (NR, "no matching filter chain")${closing}. ${narrowing}`,
      { alternatives: sel.dropped },
    );
    return ev.trace.decide(
      fail(
        'NR',
        null,
        `${listenerName(l)} on ${proxy} has no filter chain for this connection: it is closed`,
      ),
    );
  }
  if (sel.tie.length > 1)
    ev.trace.hint(
      'filter-chain-tie',
      `Chains ${sel.tie.map(chainLabel).join(', ')} of ${listenerName(l)} match equally; Envoy rejects such a listener.`,
      'Check the Sidecar/EnvoyFilter that produced overlapping filter_chain_match entries.',
    );
  const chain = sel.chain;
  const { name, index } = chainStep(chain);
  ev.trace.add(
    'filterChain',
    proxy,
    'matched',
    name,
    `${sel.usedDefault ? 'no chain matched; default_filter_chain used. ' : ''}${narrowing || 'the listener has one chain'}`,
    { index, alternatives: sel.dropped, ...originOf(chain) },
  );
  return { ...hop, chain };
}

/** The handshake between what the source sends and what the chosen inbound chain serves, when it fails. */
function tlsMismatch(
  ev: Evidence,
  r: ReceivingOnListener,
  serverTls: boolean,
): { flag: string | null; status: boolean; why: string } | undefined {
  const { dst, security, proxy } = r;
  if (serverTls && security.kind === 'plaintext') {
    ev.trace.hint(
      'plaintext-into-strict',
      `${proxy}'s chain for port ${dst.port} requires TLS and the source sends plaintext.`,
      'Enable mTLS at the source (auto mTLS or DestinationRule ISTIO_MUTUAL), or PERMISSIVE mode at the destination.',
    );
    // UC and the 503 are the source sidecar's (its upstream connection is reset). With no sender in the
    // inputs (explain inbound) the client gets the reset itself and the receiving Envoy, the only proxy on
    // the path, logs the chain with no response flag: Envoy 1.40 replaying Istio 1.4's productpage dump
    // wrote filter_chain_name filter_chains[2] and response_flags "-" in its listener access log, and the
    // client saw ECONNRESET (meshctl replay, corpus case .../productpage-v1-c7765c886-v99jb/inbound/...).
    if (r.sender === undefined)
      return {
        flag: null,
        status: false,
        why: `plaintext into a TLS-only chain of ${proxy}: the handshake fails and ${proxy} resets the connection (a source sidecar would log UC)`,
      };
    return {
      flag: 'UC',
      status: true,
      why: `plaintext into a TLS-only chain of ${proxy}: the handshake fails and the connection is reset (UC)`,
    };
  }
  if (!serverTls && security.kind !== 'plaintext') {
    ev.trace.hint(
      'tls-into-plaintext',
      `The source sends ${security.detail} but ${proxy} serves port ${dst.port} in plaintext.`,
      'Disable TLS origination for this destination (DestinationRule tls.mode DISABLE) or enable mTLS on the destination (PeerAuthentication).',
    );
    return {
      flag: 'UF',
      status: true,
      why: `TLS from the source into a plaintext chain of ${proxy}: the handshake fails (UF, upstream_transport_failure_reason)`,
    };
  }
  return undefined;
}

/** Stage: the receiving sidecar's inbound listener picks a chain; its TLS must fit what the source sends. */
export function inboundChain(ev: Evidence, r: ReceivingOnListener): ReceivingOnChain | Stop {
  const { listener: l, era, dst, srcIp, traffic, security, proxy } = r;
  const { facts: f, note } = connectionFacts(l, era, dst, srcIp, traffic, security);
  const sel = selectFilterChain(l, f);
  const narrowing = sel.narrowing.join('; ') + (note ? `; ${note}` : '');
  if (sel.undetermined !== undefined)
    return clientNotGiven(ev, l, proxy, sel.undetermined, narrowing, 'explain inbound --from IP');
  if (!sel.chain) return noInboundChain(ev, r, sel, narrowing);
  const chain = sel.chain;
  const serverTls = chain.transportSocket?.kind === 'tls';
  const mismatch = tlsMismatch(ev, r, serverTls);
  const { name, index } = chainStep(chain);
  ev.trace.add(
    'filterChain',
    proxy,
    mismatch ? 'failed' : 'matched',
    name,
    `${sel.usedDefault ? 'no chain matched; default_filter_chain used. ' : ''}${narrowing || 'the listener has one chain'}; ${serverTls ? `terminates TLS${chain.transportSocket?.requireClientCertificate ? ' and requires a client certificate (mTLS)' : ''}` : 'plaintext'}${mismatch ? `; ${mismatch.why}` : ''}`,
    { index, alternatives: sel.dropped, ...originOf(chain) },
  );
  if (mismatch)
    return ev.trace.decide(
      fail(mismatch.flag, mismatch.status && isHttp(traffic.protocol) ? 503 : null, mismatch.why),
    );
  return { ...r, chain };
}

function noInboundChain(ev: Evidence, r: ReceivingOnListener, sel: ChainSelection, narrowing: string): Stop {
  const { listener: l, dst, traffic, security, proxy } = r;
  const what = security.kind === 'plaintext' ? 'plaintext' : 'this TLS';
  ev.trace.add(
    'filterChain',
    proxy,
    'no-match',
    l.name,
    `no inbound chain of ${listenerName(l)} accepts ${what} on port ${dst.port}: the server closes the connection (NR, filter_chain_not_found). ${narrowing}`,
    { alternatives: sel.dropped },
  );
  if (
    security.kind === 'plaintext' &&
    l.filterChains.some((c) => c.match.destinationPort === dst.port && c.match.transportProtocol === 'tls')
  )
    ev.trace.hint(
      'plaintext-into-strict',
      `${proxy} accepts only mutual TLS on port ${dst.port} (PeerAuthentication STRICT), and the source sends plaintext.`,
      'Let the source send Istio mTLS (auto mTLS, or a DestinationRule with tls.mode ISTIO_MUTUAL), or set the PeerAuthentication to PERMISSIVE.',
    );
  // No chain and no default_filter_chain: Envoy closes the connection before any network filter runs, counts
  // no_filter_chain_match and logs NR with response_code_details filter_chain_not_found (envoy
  // source/common/listener_manager/active_stream_listener_base.cc, ActiveStreamListenerBase::newConnection).
  // This proxy decides, so the flag is its NR, with a sender too: replay's deciding flag is the last proxy's
  // on the path (Envoy 1.40 on mtls-1.10.0/strict-plain: the source logs UR, the destination NR). An HTTP
  // client behind a source sidecar gets that sidecar's 503; a client calling the pod directly no status.
  const status = isHttp(traffic.protocol) && r.sender ? 503 : null;
  return ev.trace.decide(
    fail(
      'NR',
      status,
      `${proxy} refuses ${security.kind === 'plaintext' ? 'plaintext' : 'the connection'} on port ${dst.port}: no inbound filter chain matches, so ${proxy} closes the connection (NR, filter_chain_not_found)${r.sender ? '; the source sees it closed' : ''}`,
    ),
  );
}
