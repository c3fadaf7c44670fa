// Requests derived from a real config dump (fixtures/real): for each listener, filter chain, virtual host and
// route, one request that must hit it and one that must just miss it (a port no listener claims, an address
// one off, a server name one character off, a domain not listed, a path one character off). The aim is
// computed here from the dump alone, with Envoy's documented rules and without the engine, so a case checks
// the generator and the engine against each other before Envoy judges both.
import type { ConfigDump } from '../../model/config-dump.js';
import type { FilterChain, Listener } from '../../model/listener.js';
import type { Route, RouteConfig, VirtualHost } from '../../model/route.js';
import type { CorpusCase, ExpectStep } from './types.js';

export interface DeriveLimits {
  /** Virtual hosts per route configuration (the first ones, then every n-th), routes per virtual host. */
  readonly vhostsPerRouteConfig: number;
  readonly routesPerVhost: number;
}

export const DEFAULT_LIMITS: DeriveLimits = { vhostsPerRouteConfig: 8, routesPerVhost: 4 };

const ip4 = (s: string) => /^\d+\.\d+\.\d+\.\d+$/.test(s);

function nextIp(ip: string): string {
  const b = ip.split('.').map(Number);
  b[3] = ((b[3] ?? 0) + 1) % 255 || 1;
  return b.join('.');
}

/** A Host header a domain pattern accepts: the domain itself, or a name under its wildcard. */
function hostFor(domain: string): string {
  if (domain === '*') return 'corpus-anything.test';
  if (domain.startsWith('*')) return `a${domain.slice(1)}`;
  if (domain.endsWith('*')) return `${domain.slice(0, -1)}a`;
  return domain;
}

/** A Host one character away from every form of the domain. */
function nearMiss(host: string): string {
  const [name, port] = host.split(/:(?=\d+$)/);
  return `x${name}${port ? `:${port}` : ''}`;
}

interface Req {
  readonly path: string;
  readonly headers: Record<string, string>;
}

/** A request the route's match accepts, or undefined when the match is not one this generator can aim at. */
function requestFor(r: Route): Req | undefined {
  const m = r.match;
  if (m.unsupported.length || m.runtimeFraction || m.dynamicMetadata.length || m.grpc) return undefined;
  let path: string;
  switch (m.path.kind) {
    case 'prefix':
    case 'path_separated_prefix':
      path = m.path.value || '/';
      break;
    case 'path':
      path = m.path.value;
      break;
    default:
      return undefined;
  }
  if (!path.startsWith('/')) return undefined;
  const headers: Record<string, string> = {};
  for (const h of m.headers) {
    if (h.invert || h.name.startsWith(':')) return undefined;
    if (h.value.kind === 'present' && h.value.present) headers[h.name] = '1';
    else if (h.value.kind === 'string' && h.value.match.kind === 'exact')
      headers[h.name] = h.value.match.value;
    else if (h.value.kind === 'string' && h.value.match.kind === 'prefix')
      headers[h.name] = `${h.value.match.value}x`;
    else return undefined;
  }
  const q: string[] = [];
  for (const p of m.queryParameters) {
    if (p.value.kind === 'present' && p.value.present) q.push(`${p.name}=1`);
    else if (p.value.kind === 'string' && p.value.match.kind === 'exact')
      q.push(`${p.name}=${p.value.match.value}`);
    else return undefined;
  }
  return { path: q.length ? `${path}?${q.join('&')}` : path, headers };
}

/** Might an earlier route take this request? Conservative: anything this cannot evaluate may. */
function mayMatch(r: Route, req: Req): boolean {
  const m = r.match;
  if (m.unsupported.length || m.dynamicMetadata.length || m.runtimeFraction) return true;
  const path = req.path.split('?')[0]!;
  const cmp = (a: string) => (m.caseSensitive ? a : a.toLowerCase());
  let ok: boolean;
  switch (m.path.kind) {
    case 'prefix':
      ok = cmp(path).startsWith(cmp(m.path.value));
      break;
    case 'path':
      ok = cmp(path) === cmp(m.path.value);
      break;
    case 'path_separated_prefix': {
      const v = m.path.value;
      ok = cmp(path) === cmp(v) || cmp(path).startsWith(cmp(v) + '/');
      break;
    }
    case 'safe_regex':
      try {
        ok = new RegExp(`^(?:${m.path.value})$`).test(path);
      } catch {
        ok = true;
      }
      break;
    default:
      ok = true;
  }
  if (!ok) return false;
  for (const h of m.headers) {
    const v = req.headers[h.name.toLowerCase()];
    if (h.value.kind === 'present') {
      if ((v !== undefined) !== (h.value.present !== h.invert)) return false;
    } else if (v === undefined && !h.invert) return false;
  }
  return m.queryParameters.length === 0 || m.queryParameters.every(() => true);
}

function nearMissPath(r: Route, hit: string): string | undefined {
  const m = r.match;
  if (m.headers.length || m.queryParameters.length) return undefined;
  const path = hit.split('?')[0]!;
  if (m.path.kind === 'prefix') return path.length > 1 ? path.slice(0, -1) : undefined;
  if (m.path.kind === 'path') return `${path}x`;
  if (m.path.kind === 'path_separated_prefix') return `${path}x`;
  return undefined;
}

const routeLabel = (r: Route, i: number) => r.name ?? `#${i}`;

function httpArgs(base: string[], host: string, req: Req): string[] {
  const args = [...base, '--protocol', 'http', '--host', host];
  if (req.path !== '/') args.push('--path', req.path);
  for (const [k, v] of Object.entries(req.headers)) args.push('-H', `${k}: ${v}`);
  return args;
}

function routeConfigOf(dump: ConfigDump, name: string): RouteConfig | undefined {
  const entry = dump.entries('routeConfig').find((e) => e.name === name);
  return entry ? dump.routeConfigAt(entry) : undefined;
}

/** The sampled virtual hosts of a route configuration: the first ones and then evenly spread. */
function sample<T>(xs: readonly T[], n: number): { x: T; i: number }[] {
  const all = xs.map((x, i) => ({ x, i }));
  if (all.length <= n) return all;
  const step = all.length / n;
  return Array.from({ length: n }, (_, k) => all[Math.floor(k * step)]!);
}

function vhostCases(
  id: string,
  base: string[],
  rc: RouteConfig,
  limits: DeriveLimits,
  at: string,
): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const allDomains = new Set(rc.virtualHosts.flatMap((v) => v.domains.map((d) => d.toLowerCase())));
  for (const { x: vh, i } of sample(rc.virtualHosts, limits.vhostsPerRouteConfig)) {
    const domain = vh.domains.find((d) => !d.includes('*') && !ip4(d.replace(/:\d+$/, ''))) ?? vh.domains[0];
    if (domain === undefined) continue;
    const host = hostFor(domain);
    const vhStep: ExpectStep = { stage: 'virtualHost', result: 'matched', name: vh.name };
    // the virtual host through its first route a request can aim at
    const routes = routesOf(vh);
    const first = routes.find((r) => r.req);
    cases.push({
      id: `${id}/${at}/vh/${vh.name}/hit`,
      args: httpArgs(base, host, first?.req ?? { path: '/', headers: {} }),
      aim: `virtual host ${vh.name} (#${i}) of route configuration ${rc.name} takes Host ${host}`,
      expect: { steps: [vhStep] },
    });
    // a near miss only of an exact domain: a name one character off a wildcard's is still under it
    const miss = nearMiss(host);
    if (!domain.includes('*') && !allDomains.has(miss.toLowerCase()))
      cases.push({
        id: `${id}/${at}/vh/${vh.name}/miss`,
        args: httpArgs(base, miss, first?.req ?? { path: '/', headers: {} }),
        aim: `Host ${miss} is not a domain of virtual host ${vh.name} (one character added)`,
        expect: { steps: [{ ...vhStep, absent: true }] },
      });
    for (const r of routes.slice(0, limits.routesPerVhost)) {
      if (!r.req) continue;
      const label = routeLabel(r.route, r.index);
      const shadowed = vh.routes.slice(0, r.index).some((earlier) => mayMatch(earlier, r.req!));
      if (shadowed) continue;
      const rStep: ExpectStep = { stage: 'route', result: 'matched', index: r.index };
      cases.push({
        id: `${id}/${at}/vh/${vh.name}/route/${r.index}/hit`,
        args: httpArgs(base, host, r.req),
        aim: `route ${label} (#${r.index}) of ${vh.name} matches ${r.req.path}`,
        expect: { steps: [vhStep, rStep] },
      });
      const missPath = nearMissPath(r.route, r.req.path);
      if (missPath)
        cases.push({
          id: `${id}/${at}/vh/${vh.name}/route/${r.index}/miss`,
          args: httpArgs(base, host, { path: missPath, headers: {} }),
          aim: `route ${label} (#${r.index}) of ${vh.name} just misses ${missPath} (one character off)`,
          expect: { steps: [vhStep, { ...rStep, absent: true }] },
        });
    }
  }
  return cases;
}

function routesOf(vh: VirtualHost): { route: Route; index: number; req: Req | undefined }[] {
  return vh.routes.map((route, index) => ({ route, index, req: requestFor(route) }));
}

const isHttp = (c: FilterChain) => c.filters.some((f) => f.kind === 'http_connection_manager');

interface ChainAim {
  /** The destination address the chain's prefix ranges need, when they name one. */
  readonly dest?: string;
  readonly traffic: string[];
  /**
   * The chain terminates TLS and the traffic is plaintext: Envoy still picks the chain (a FilterChainMatch
   * without transport_protocol accepts any transport, listener_components.proto FilterChainMatch), then its
   * DownstreamTlsContext fails the handshake and resets the connection, so the chain's step is `failed`.
   */
  readonly refused: boolean;
}

/**
 * Traffic a chain's match accepts, or undefined when the chain needs what a replayed client cannot choose
 * (ALPN, a source address or port) or the pod's own address (traffic to itself takes another capture path).
 */
function chainAim(c: FilterChain, selfIp: string): ChainAim | undefined {
  const m = c.match;
  if (m.applicationProtocols.length || m.sourcePrefixRanges.length || m.directSourcePrefixRanges.length)
    return undefined;
  if (m.sourceType !== 'ANY' || m.sourcePorts.length) return undefined;
  let dest: string | undefined;
  if (m.prefixRanges.length) {
    const r = m.prefixRanges.find((x) => ip4(x.address));
    if (!r) return undefined;
    dest = r.prefixLen === 0 ? undefined : r.prefixLen === 32 ? r.address : nextIp(r.address);
    if (dest === selfIp) return undefined;
  }
  const traffic = m.serverNames.length
    ? ['--protocol', 'tls', '--sni', hostFor(m.serverNames[0]!)]
    : m.transportProtocol === 'tls'
      ? ['--protocol', 'tls']
      : isHttp(c)
        ? ['--protocol', 'http']
        : ['--protocol', 'tcp'];
  // a replayed client presents no client certificate, so plaintext is the traffic it can aim at such a chain
  const refused = c.transportSocket?.kind === 'tls' && traffic[1] !== 'tls';
  return dest ? { dest, traffic, refused } : { traffic, refused };
}

/** The chain step a request aimed at chain `c` must show: taken, or taken and refused in the handshake. */
const chainStep = (c: FilterChain, aim: ChainAim): ExpectStep => ({
  stage: 'filterChain',
  result: aim.refused ? 'failed' : 'matched',
  index: c.index,
});

const chainWords = (c: FilterChain, aim: ChainAim) =>
  `${c.name ? ` (${c.name})` : ''}${aim.refused ? ' (it terminates TLS: plaintext is refused in the handshake)' : ''}`;

const SKIP_PORTS = new Set([15000, 15001, 15006, 15020, 15021, 15090]);

/**
 * Cases for one real dump. Which listeners a connection can reach follows Istio's capture: outbound through
 * the 15001 listener's hand-off (use_original_dst), inbound through 15006's own chains where that listener
 * exists without hand-off (Istio >= 1.3), else through the hand-off to `<pod IP>_<port>` (Istio < 1.3);
 * a gateway's bound listeners directly. 15020/15021/15090 are excluded from capture by istio-iptables.
 */
export function deriveCases(
  id: string,
  dump: ConfigDump,
  limits: DeriveLimits = DEFAULT_LIMITS,
): CorpusCase[] {
  const who = dump.identity();
  if (!who.pod || !who.namespace || !who.ip) return [];
  const selfIp = who.ip;
  const proxy = `${who.pod}.${who.namespace}`;
  const gateway = who.type === 'router';
  const listeners = dump.listeners().filter((l) => l.state === 'active' || l.state === 'static');
  const at = (port: number) =>
    listeners.find((l) => l.address.kind === 'socket' && l.address.port === port && l.bindToPort);
  const outboundCapture = at(15001);
  const inboundCapture = at(15006);
  const handsOffOutbound = Boolean(outboundCapture?.useOriginalDst);
  const handsOffInbound = inboundCapture ? inboundCapture.useOriginalDst : handsOffOutbound;
  const claimed = new Set(
    listeners.flatMap((l) => (l.address.kind === 'socket' ? [`${l.address.ip}:${l.address.port}`] : [])),
  );
  const claims = (ip: string, port: number) => claimed.has(`${ip}:${port}`) || claimed.has(`0.0.0.0:${port}`);
  const cases: CorpusCase[] = [];
  const seenRds = new Set<string>();
  const sockets = (l: Listener) => (l.address.kind === 'socket' && ip4(l.address.ip) ? l.address : undefined);

  // the receiving side through 15006's own chains (Istio >= 1.3)
  if (!gateway && inboundCapture && !inboundCapture.useOriginalDst)
    for (const c of inboundCapture.filterChains) {
      const port = c.match.destinationPort;
      const aim = chainAim(c, '');
      if (port === undefined || SKIP_PORTS.has(port) || !aim || (aim.dest && aim.dest !== selfIp)) continue;
      cases.push({
        id: `${id}/inbound/${inboundCapture.name}/chain/${c.index}/hit`,
        args: ['inbound', proxy, '--port', String(port), ...aim.traffic],
        aim: `inbound chain #${c.index}${chainWords(c, aim)} of ${inboundCapture.name} takes port ${port}`,
        expect: { steps: [chainStep(c, aim)] },
      });
    }

  for (const l of listeners) {
    const a = sockets(l);
    if (!a || l.usesFilterChainMatcher || SKIP_PORTS.has(a.port) || l.useOriginalDst) continue;
    const { ip, port } = a;
    const inbound = !gateway && (ip === selfIp || l.trafficDirection === 'INBOUND');
    if (gateway ? !l.bindToPort : inbound ? !handsOffInbound : !handsOffOutbound) continue;
    const dest = ip === '0.0.0.0' ? '192.0.2.10' : ip;
    const base = (p: number, d = dest): string[] =>
      gateway
        ? ['gateway', proxy, '--port', String(p)]
        : inbound
          ? ['inbound', proxy, '--port', String(p)]
          : ['pod-to-pod', proxy, d, '--port', String(p)];
    const lStep: ExpectStep = { stage: inbound ? 'inbound' : 'listener', result: 'matched', name: l.name };
    const chains = l.filterChains;
    // the listener through a chain that takes traffic to any address (else through the first it can aim at)
    const aims = chains.map((c) => ({ c, aim: chainAim(c, selfIp) }));
    const open = aims.find((x) => x.aim && !x.aim.dest) ?? aims.find((x) => x.aim);
    if (!open?.aim) continue;
    const lDest = inbound || gateway ? dest : (open.aim.dest ?? dest);
    cases.push({
      id: `${id}/listener/${l.name}/hit`,
      args: [...base(port, lDest), ...open.aim.traffic],
      aim: `listener ${l.name} takes ${gateway || inbound ? '' : `${lDest}:`}${port}`,
      expect: { steps: [lStep] },
    });
    // just miss: the next port no listener claims (on this address or 0.0.0.0)
    let p = port + 1;
    while (p < 65535 && (claims(lDest, p) || claims(selfIp, p) || SKIP_PORTS.has(p))) p++;
    if (!gateway && !inbound)
      cases.push({
        id: `${id}/listener/${l.name}/miss-port`,
        args: [...base(p, lDest), ...open.aim.traffic],
        aim: `port ${p} (the next one no listener claims) misses listener ${l.name}`,
        expect: { steps: [{ ...lStep, absent: true }] },
      });
    if (
      !gateway &&
      !inbound &&
      ip !== '0.0.0.0' &&
      !claimed.has(`${nextIp(ip)}:${port}`) &&
      nextIp(ip) !== selfIp
    )
      cases.push({
        id: `${id}/listener/${l.name}/miss-ip`,
        args: [...base(port, nextIp(ip)), ...open.aim.traffic],
        aim: `${nextIp(ip)}:${port} (the next address) misses listener ${l.name}`,
        expect: { steps: [{ ...lStep, absent: true }] },
      });
    if (chains.length > 1)
      for (const { c, aim } of aims) {
        if (!aim) continue;
        const cStep = chainStep(c, aim);
        const d = aim.dest ?? dest;
        cases.push({
          id: `${id}/listener/${l.name}/chain/${c.index}/hit`,
          args: [...base(port, d), ...aim.traffic],
          aim: `filter chain #${c.index}${chainWords(c, aim)} of ${l.name} takes ${aim.dest ? `${aim.dest} ` : ''}${aim.traffic.slice(1).join(' ')}`,
          expect: { steps: [lStep, cStep] },
        });
        const sni = c.match.serverNames[0];
        if (sni && !sni.startsWith('*'))
          cases.push({
            id: `${id}/listener/${l.name}/chain/${c.index}/miss`,
            args: [...base(port, d), '--protocol', 'tls', '--sni', nearMiss(sni)],
            aim: `server name ${nearMiss(sni)} just misses chain #${c.index} (${sni})`,
            expect: { steps: [lStep, { ...cStep, absent: true }] },
          });
      }
    // the routes behind this listener's HTTP connection manager (each RDS once per dump)
    if (inbound) continue;
    for (const { c, aim } of aims)
      for (const f of c.filters) {
        if (f.kind !== 'http_connection_manager' || !aim || aim.traffic[1] !== 'http') continue;
        const rc = f.rds ? routeConfigOf(dump, f.rds) : f.routeConfig;
        if (!rc || (f.rds && seenRds.has(f.rds))) continue;
        if (f.rds) seenRds.add(f.rds);
        cases.push(...vhostCases(id, base(port, aim.dest ?? dest), rc, limits, `listener/${l.name}`));
      }
  }
  return cases;
}
