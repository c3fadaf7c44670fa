import type { CorpusCase, CorpusWorld } from '../types.js';
import * as D from '../istio-dump.js';
import {
  rng,
  shuffle,
  CLIENT,
  SERVER,
  WEB_VIP,
  WEB_PORT,
  out,
  src,
  serverPod,
  webObjects,
  httpClient,
} from './common.js';

// ------------------------------------------------------------------------------------------------ domains
// Virtual host selection: exact domain, then the longest suffix wildcard, then the longest prefix
// wildcard, then `*`; domains are matched case-insensitively and a domain with a port only matches a
// Host with that port unless ignore_port_in_host_matching (route_components.proto, VirtualHost.domains;
// route_config.proto, ignore_port_in_host_matching).
export function domainsWorld(seed: number, istio: string, star: boolean): CorpusWorld {
  const r = rng(seed);
  const e = D.era(istio);
  const hosts = [
    { name: 'exact', domains: ['shop.example.com'] },
    { name: 'suffix', domains: ['*.example.com'] },
    { name: 'suffix-long', domains: ['*.api.example.com'] },
    { name: 'prefix', domains: ['api.*'] },
    { name: 'ported', domains: ['pinned.example.org:8080'] },
    ...(star ? [{ name: 'star', domains: ['*'] }] : []),
  ];
  const ordered = shuffle(r, hosts);
  const cluster = (vh: string) => out(WEB_PORT, vh, 'web');
  const client = httpClient(
    e,
    ordered.map((h) => ({
      name: h.name,
      domains: h.domains,
      routes: [
        { name: 'default', match: { prefix: '/' }, route: { cluster: cluster(h.name), timeout: '0s' } },
      ],
    })),
    hosts.map((h) => cluster(h.name)),
  );
  const id = `domains-${istio}-${seed}${star ? '-star' : ''}`;
  const fallback = star ? 'star' : null;
  const probes: { host: string; want: string | null; why: string }[] = [
    { host: 'shop.example.com', want: 'exact', why: 'exact domain (wins over *.example.com)' },
    { host: 'SHOP.Example.com', want: 'exact', why: 'domains match case-insensitively' },
    { host: 'a.example.com', want: 'suffix', why: 'suffix wildcard' },
    { host: 'v1.api.example.com', want: 'suffix-long', why: 'the longest suffix wildcard wins' },
    { host: 'api.example.com', want: 'suffix', why: 'a suffix wildcard wins over a prefix wildcard' },
    {
      host: 'example.com',
      want: fallback,
      why: '*.example.com needs at least one character before .example.com',
    },
    { host: 'api.internal', want: 'prefix', why: 'prefix wildcard' },
    { host: 'apix.internal', want: fallback, why: 'api.* needs the dot after api' },
    // with ignore_port_in_host_matching Envoy strips the port of the Host only, never of the domains, so a
    // domain with a port matches nothing (envoy source/common/router/config_impl.cc, findVirtualHost)
    {
      host: 'pinned.example.org:8080',
      want: e.portsInDomains ? 'ported' : fallback,
      why: e.portsInDomains ? 'exact domain with its port' : 'the Host loses its port, the domain keeps it',
    },
    { host: 'pinned.example.org', want: fallback, why: 'a domain with a port needs that port in Host' },
    { host: 'pinned.example.org:9090', want: fallback, why: 'another port' },
    { host: 'nothing.test', want: fallback, why: 'no domain lists it' },
  ];
  const cases: CorpusCase[] = probes.map((p) => ({
    id: `${id}/${p.host.replace(/:/g, '_')}`,
    args: [
      'pod-to-pod',
      src(CLIENT),
      WEB_VIP,
      '--port',
      String(WEB_PORT),
      '--protocol',
      'http',
      '--host',
      p.host,
    ],
    aim: `Host ${p.host} → ${p.want ?? 'no virtual host (404 NR)'}: ${p.why}`,
    expect: p.want
      ? {
          result: 'delivered',
          cluster: cluster(p.want),
          steps: [{ stage: 'virtualHost', result: 'matched', name: p.want }],
        }
      : { result: 'failed', responseFlag: 'NR', steps: [{ stage: 'virtualHost', result: 'no-match' }] },
  }));
  return {
    id,
    family: 'domains',
    description: `virtual hosts with exact, suffix, prefix${star ? ', *' : ''} and ported domains (seed ${seed}) on Istio ${istio}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [client, serverPod(e, SERVER, [{ port: WEB_PORT, http: true }])],
      webObjects(),
    ),
    cases,
  };
}
