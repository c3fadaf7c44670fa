// Virtual-host selection (route config_impl.cc RouteMatcher::findVirtualHost; envoy-semantics.md section 3):
// exact domain, then suffix wildcards `*.foo.com` longest first, then prefix wildcards `foo.*` longest first,
// then the single `*`. The host is lower-cased; with ignore_port_in_host_matching its `:port` is dropped.
import type { VirtualHost, VirtualHostHeader } from '../../model/route.js';

export type DomainMatchKind = 'exact' | 'suffix' | 'prefix' | 'any';

/** The domain match that wins, and the index in `vhosts` of the virtual host that has it. */
export interface DomainChoice {
  readonly index: number;
  readonly domain: string;
  readonly kind: DomainMatchKind;
}

/** The chosen virtual host, decoded. */
export interface VirtualHostChoice extends DomainChoice {
  readonly vhost: VirtualHost;
}

/** Where the port starts in a Host value: the last `:` not inside `[...]` (header_utility.cc getPortStart). */
export function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return host;
  const bracket = host.lastIndexOf(']');
  if (bracket > colon) return host;
  if (host.startsWith('[') && bracket < 0) return host;
  if (!host.startsWith('[') && host.indexOf(':') !== colon) return host; // bare IPv6 without brackets
  return host.slice(0, colon);
}

function wildcardMatches(domain: string, host: string): DomainMatchKind | undefined {
  if (domain === '*') return 'any';
  if (domain.startsWith('*')) {
    const suffix = domain.slice(1);
    return host.length > suffix.length && host.endsWith(suffix) ? 'suffix' : undefined;
  }
  if (domain.endsWith('*')) {
    const prefix = domain.slice(0, -1);
    return host.length > prefix.length && host.startsWith(prefix) ? 'prefix' : undefined;
  }
  return undefined;
}

export function selectVirtualHost(
  vhosts: readonly VirtualHostHeader[],
  rawHost: string,
  ignorePort: boolean,
): DomainChoice | undefined {
  let host = rawHost.toLowerCase();
  if (ignorePort) host = stripPort(host);
  // An exact domain wins wherever it is: look for it first, reading only the domains of the hosts that may
  // have it (a sidecar's table for a port can hold a host per service in the mesh)
  for (let index = 0; index < vhosts.length; index++) {
    const vh = vhosts[index]!;
    if (vh.mayHaveDomain && !vh.mayHaveDomain(host)) continue;
    const domain = vh.domains.find((d) => d.toLowerCase() === host);
    if (domain !== undefined) return { index, domain, kind: 'exact' };
  }
  // no exact domain: the longest suffix wildcard, else the longest prefix wildcard, else `*`
  let best: DomainChoice | undefined;
  const rank = { exact: 3, suffix: 2, prefix: 1, any: 0 };
  for (let index = 0; index < vhosts.length; index++) {
    for (const raw of vhosts[index]!.domains) {
      const kind = wildcardMatches(raw.toLowerCase(), host);
      if (!kind) continue;
      if (
        !best ||
        rank[kind] > rank[best.kind] ||
        (rank[kind] === rank[best.kind] && raw.length > best.domain.length)
      )
        best = { index, domain: raw, kind };
    }
  }
  return best;
}

export function describeDomainMatch(c: DomainChoice, host: string): string {
  switch (c.kind) {
    case 'exact':
      return `host ${JSON.stringify(host)} is the domain ${JSON.stringify(c.domain)}`;
    case 'suffix':
      return `host ${JSON.stringify(host)} matches the suffix wildcard ${JSON.stringify(c.domain)} (no exact domain)`;
    case 'prefix':
      return `host ${JSON.stringify(host)} matches the prefix wildcard ${JSON.stringify(c.domain)} (no exact or suffix domain)`;
    case 'any':
      return `host ${JSON.stringify(host)} is no domain of any other virtual host, so the catch-all "*" takes it`;
  }
}
