// FilterChainMatch selection (envoy-semantics.md section 2; Envoy filter_chain_manager_impl.cc): nine
// criteria, each a pruning level. At each level only the most specific chains that match survive; chains that
// leave the criterion unset survive only when no chain matched it specifically. No backtracking: once a level
// keeps a specific chain, a later failure means "no match" (then default_filter_chain), never a retry with
// the less specific chains (istio#26079).
import type { Cidr } from '../model/address.js';
import type { FilterChain, FilterChainMatch, Listener } from '../model/listener.js';
import { cidrContains } from './match/cidr.js';
import type { Alternative } from './types.js';

/** What the listener sees of a connection once its listener filters have run. */
export interface ConnectionFacts {
  readonly destinationIp: string;
  readonly destinationPort: number;
  readonly sourceIp: string;
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
}

export function chainLabel(c: FilterChain): string {
  return c.index === -1 ? 'default_filter_chain' : `${c.name ? `${c.name} ` : ''}#${c.index}`;
}

interface Level {
  readonly name: string;
  /** undefined when the chain leaves the criterion unset; else its specificity (higher wins), -1 = no match. */
  readonly rank: (c: FilterChain, f: ConnectionFacts) => number | undefined;
  readonly value: (f: ConnectionFacts) => string;
  /** What the chain asks for at this level, for the reason it was dropped. */
  readonly wants: (c: FilterChain) => string;
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
    rank: (c, f) => (ranges(c.match).length === 0 ? undefined : bestPrefix(ranges(c.match), f.sourceIp)),
    value: (f) => f.sourceIp,
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
    rank: (c, f) => {
      if (c.match.sourceType === 'ANY') return undefined;
      const local = f.sourceIp === f.destinationIp || f.sourceIp.startsWith('127.') || f.sourceIp === '::1';
      return (c.match.sourceType === 'SAME_IP_OR_LOOPBACK') === local ? 1 : -1;
    },
    value: (f) => f.sourceIp,
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
      dropped.push({ name: chainLabel(x.c), reason: why });
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
