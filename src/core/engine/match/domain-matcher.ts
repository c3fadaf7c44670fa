// Virtual-host selection (route config_impl.cc RouteMatcher::findVirtualHost; envoy-semantics.md section 3):
// exact domain, then suffix wildcards `*.foo.com` longest first, then prefix wildcards `foo.*` longest first,
// then the single `*`. The host is lower-cased; with ignore_port_in_host_matching its `:port` is dropped.
import type { VirtualHost } from '../../model/route.js';

export type DomainMatchKind = 'exact' | 'suffix' | 'prefix' | 'any';

export interface VirtualHostChoice {
  readonly vhost: VirtualHost;
  readonly domain: string;
  readonly kind: DomainMatchKind;
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
  vhosts: readonly VirtualHost[],
  rawHost: string,
  ignorePort: boolean,
): VirtualHostChoice | undefined {
  let host = rawHost.toLowerCase();
  if (ignorePort) host = stripPort(host);
  let best: VirtualHostChoice | undefined;
  const rank = { exact: 3, suffix: 2, prefix: 1, any: 0 };
  for (const vhost of vhosts) {
    for (const raw of vhost.domains) {
      const domain = raw.toLowerCase();
      const kind: DomainMatchKind | undefined = domain === host ? 'exact' : wildcardMatches(domain, host);
      if (!kind) continue;
      if (
        !best ||
        rank[kind] > rank[best.kind] ||
        (rank[kind] === rank[best.kind] && kind !== 'exact' && domain.length > best.domain.length)
      )
        best = { vhost, domain: raw, kind };
    }
  }
  return best;
}

export function describeDomainMatch(c: VirtualHostChoice, host: string): string {
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
