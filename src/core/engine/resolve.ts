// Naming the destination the way a client does: a pod (name, pod.namespace, IP) or a host name that DNS
// would resolve. Names resolve through the Services given (-f, snapshot), else through what the source
// proxy itself knows: a virtual host listing the name with a ClusterIP domain, or a TCP listener for the
// name's cluster. Each answer says where it came from.
import type { ConfigDump } from '../model/config-dump.js';
import type { MeshInventory } from '../model/k8s.js';
import { proxyNames } from '../model/select-proxy.js';
import { ipBytes } from './match/cidr.js';

export interface Resolved {
  readonly ip: string;
  readonly how: string;
  /** The FQDN when the name is a Kubernetes service. */
  readonly fqdn?: string;
}

export function isIp(s: string): boolean {
  return ipBytes(s) !== undefined;
}

export function resolvePod(
  dumps: readonly ConfigDump[],
  inv: MeshInventory,
  name: string,
): Resolved | undefined {
  if (isIp(name)) return { ip: name, how: 'an IP address' };
  const d = dumps.find((x) => proxyNames(x).includes(name));
  const ip = d?.identity().ip;
  if (d && ip) return { ip, how: `pod IP from ${d.source}'s bootstrap` };
  const p = inv.pods.find(
    (x) =>
      x.ip && (x.name === name || `${x.name}.${x.namespace}` === name || `${x.namespace}/${x.name}` === name),
  );
  if (p?.ip)
    return {
      ip: p.ip,
      how: `pod IP from ${p.location ? `${p.location.file}:${p.location.line}` : 'the manifests'}`,
    };
  return undefined;
}

/** Service name forms a client in namespace `ns` can use for `fqdn` (Istio's generateVirtualHostDomains). */
function nameForms(name: string, namespace: string): string[] {
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
}

export function resolveHost(
  src: ConfigDump | undefined,
  inv: MeshInventory,
  host: string,
  port: number,
): Resolved | undefined {
  if (isIp(host)) return { ip: host, how: 'an IP address' };
  const ns = src?.identity().namespace ?? 'default';
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const s of inv.services) {
    if (!nameForms(s.name, s.namespace).includes(h) && !(s.namespace === ns && h === s.name)) continue;
    const fqdn = `${s.name}.${s.namespace}.svc.cluster.local`;
    if (s.clusterIP)
      return {
        ip: s.clusterIP,
        how: `ClusterIP of Service ${s.namespace}/${s.name}${s.location ? ` (${s.location.file}:${s.location.line})` : ''}`,
        fqdn,
      };
  }
  // StatefulSet pod DNS: <pod>.<headless service>.<ns>...
  const [first, svcName, podNs] = h.split('.');
  if (first && svcName) {
    const svc = inv.services.find((s) => s.name === svcName && s.headless && s.namespace === (podNs ?? ns));
    const pod = svc && inv.pods.find((p) => p.name === first && p.namespace === svc.namespace && p.ip);
    if (pod?.ip)
      return { ip: pod.ip, how: `pod ${pod.namespace}/${pod.name} behind headless Service ${svc!.name}` };
  }
  if (!src) return undefined;
  // What the source proxy knows: a virtual host with this name and a ClusterIP among its domains.
  // Istio's RDS for a port is named after it (`9080`, or `<host>:<port>` for sniffed services): look there
  // first, so a big dump decodes one route configuration, not all of them
  const rds = src.entries('routeConfig');
  const likely = rds.filter((e) => e.name === String(port) || e.name.endsWith(`:${port}`));
  const ordered = [...likely, ...rds.filter((e) => !likely.includes(e))];
  for (const entry of ordered) {
    const rc = src.routeConfigAt(entry); // one at a time: the first that knows the host ends the search
    for (const vh of rc.hosts) {
      if (vh.mayHaveDomain && !vh.mayHaveDomain(h) && !vh.mayHaveDomain(`${h}:${port}`)) continue;
      const names = vh.domains.map((d) => d.toLowerCase());
      if (!names.includes(h) && !names.includes(`${h}:${port}`)) continue;
      const ipDomain = vh.domains.map((d) => d.replace(/:\d+$/, '')).find((d) => isIp(d));
      if (ipDomain)
        return {
          ip: ipDomain,
          how: `ClusterIP ${ipDomain} listed with ${host} in virtual host ${vh.name} of route configuration ${rc.name}`,
          fqdn: vh.name.replace(/:\d+$/, ''),
        };
    }
  }
  // A TCP listener `<VIP>_<port>` whose tcp_proxy goes to this name's outbound cluster.
  for (const c of src.clusters()) {
    if (c.istio?.direction !== 'outbound' || c.istio.port !== port) continue;
    const [svc, svcNs] = c.istio.fqdn.split('.');
    if (!svc || (!nameForms(svc, svcNs ?? ns).includes(h) && !(h === svc && svcNs === ns))) continue;
    for (const l of src.listeners()) {
      if (l.address.kind !== 'socket' || l.address.port !== port || l.address.ip === '0.0.0.0') continue;
      if (l.filterChains.some((ch) => ch.filters.some((f) => f.kind === 'tcp_proxy' && f.cluster === c.name)))
        return {
          ip: l.address.ip,
          how: `listener ${l.name} (the ClusterIP) forwards to ${c.name}`,
          fqdn: c.istio.fqdn,
        };
    }
  }
  return undefined;
}
