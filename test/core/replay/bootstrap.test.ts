// The dump → bootstrap conversion on small dumps, without Envoy: what is inlined, made static, removed,
// emulated and converted, and that every change is listed as an adaptation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessLogFormat,
  bootstrapFor,
  callRecords,
  connectionRecords,
  upstreamLocalAddress,
  expectedPeerSans,
  parseReplayLog,
  trustDomainOf,
  workloadIdentity,
  type ReplayBootstrap,
} from '../../../src/core/replay/bootstrap.js';
import { addObject, emptyInventory } from '../../../src/core/model/k8s.js';
import type { JsonObject } from '../../../src/core/model/normalize.js';
import { parseDump } from '../../../src/sources/dump/read-dump.js';

const V3 = 'type.googleapis.com/envoy.admin.v3.';
const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const UP_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const CERTS = { rootCert: 'ROOT PEM', certChain: 'CHAIN PEM', privateKey: 'KEY PEM' };

interface Parts {
  node?: JsonObject;
  listeners?: Array<{ l: JsonObject; state?: 'active_state' | 'warming_state' | 'draining_state' }>;
  routes?: JsonObject[];
  clusters?: JsonObject[];
  warmingClusters?: JsonObject[];
  endpoints?: JsonObject[];
}

function dumpOf(p: Parts, api: 'v3' | 'v2alpha' = 'v3'): ReturnType<typeof parseDump> {
  const t = api === 'v3' ? V3 : 'type.googleapis.com/envoy.admin.v2alpha.';
  const configs: JsonObject[] = [
    {
      '@type': `${t}BootstrapConfigDump`,
      bootstrap: { node: p.node ?? { id: 'sidecar~10.0.0.1~a-1.ns~ns.svc.cluster.local' } },
    },
    {
      '@type': `${t}ListenersConfigDump`,
      ...(api === 'v3'
        ? {
            dynamic_listeners: (p.listeners ?? []).map((x) => ({
              name: x.l.name ?? '',
              [x.state ?? 'active_state']: { listener: x.l },
            })),
          }
        : { dynamic_active_listeners: (p.listeners ?? []).map((x) => ({ listener: x.l })) }),
    },
    {
      '@type': `${t}ClustersConfigDump`,
      dynamic_active_clusters: (p.clusters ?? []).map((cluster) => ({ cluster })),
      dynamic_warming_clusters: (p.warmingClusters ?? []).map((cluster) => ({ cluster })),
    },
    {
      '@type': `${t}RoutesConfigDump`,
      dynamic_route_configs: (p.routes ?? []).map((route_config) => ({ route_config })),
    },
  ];
  if (p.endpoints)
    configs.push({
      '@type': `${t}EndpointsConfigDump`,
      dynamic_endpoint_configs: p.endpoints.map((endpoint_config) => ({ endpoint_config })),
    });
  return parseDump('test.json', Buffer.from(JSON.stringify({ configs })));
}

function convert(
  p: Parts,
  more: Partial<Parameters<typeof bootstrapFor>[1]> = {},
  api: 'v3' | 'v2alpha' = 'v3',
): ReplayBootstrap {
  return bootstrapFor(dumpOf(p, api), { certificates: CERTS, accessLogPath: '/run/p/access.log', ...more });
}

function listeners(r: ReplayBootstrap): JsonObject[] {
  return (r.bootstrap.static_resources as JsonObject).listeners as JsonObject[];
}
function clusters(r: ReplayBootstrap): JsonObject[] {
  return (r.bootstrap.static_resources as JsonObject).clusters as JsonObject[];
}
function secrets(r: ReplayBootstrap): JsonObject[] {
  return (r.bootstrap.static_resources as JsonObject).secrets as JsonObject[];
}
/** The typed_config of the n-th filter of the c-th chain of listener l. */
function filterConfig(r: ReplayBootstrap, l: number, c = 0, f = 0): JsonObject {
  const chain = (listeners(r)[l]!.filter_chains as JsonObject[])[c]!;
  return (chain.filters as JsonObject[])[f]!.typed_config as JsonObject;
}
function adapted(r: ReplayBootstrap, what: RegExp): boolean {
  return r.adaptations.some((a) => what.test(a.what));
}

const httpListener = (httpFilters: JsonObject[] = [{ name: 'envoy.filters.http.router' }]): JsonObject => ({
  name: '0.0.0.0_9080',
  address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
  bind_to_port: false,
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: 'outbound_0.0.0.0_9080',
            rds: { route_config_name: '9080', config_source: { ads: {} } },
            http_filters: httpFilters,
          },
        },
      ],
    },
  ],
});

const routes9080: JsonObject = {
  name: '9080',
  virtual_hosts: [
    {
      name: 'reviews.default.svc.cluster.local:9080',
      domains: ['reviews'],
      routes: [
        { match: { prefix: '/' }, route: { cluster: 'outbound|9080||reviews.default.svc.cluster.local' } },
      ],
    },
  ],
  validate_clusters: false,
};

const edsCluster = (name: string, tls = true): JsonObject => ({
  name,
  type: 'EDS',
  eds_cluster_config: { service_name: name, eds_config: { ads: {} } },
  connect_timeout: '10s',
  ...(tls
    ? {
        transport_socket_matches: [
          {
            name: 'tlsMode-istio',
            match: { tlsMode: 'istio' },
            transport_socket: {
              name: 'envoy.transport_sockets.tls',
              typed_config: {
                '@type': UP_TLS,
                common_tls_context: {
                  alpn_protocols: ['istio-peer-exchange', 'istio'],
                  tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }],
                  combined_validation_context: {
                    default_validation_context: {
                      match_subject_alt_names: [
                        { exact: 'spiffe://example.org/ns/default/sa/bookinfo-reviews' },
                      ],
                    },
                    validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: { ads: {} } },
                  },
                },
                sni: `outbound_.9080_._.reviews.default.svc.cluster.local`,
              },
            },
          },
          {
            name: 'tlsMode-disabled',
            match: {},
            transport_socket: { name: 'envoy.transport_sockets.raw_buffer' },
          },
        ],
      }
    : {}),
});

describe('bootstrapFor', () => {
  it('inlines each RDS table as route_config, without validating clusters, as RDS did', () => {
    const r = convert({ listeners: [{ l: httpListener() }], routes: [routes9080] });
    const hcm = filterConfig(r, 0);
    assert.equal(hcm.rds, undefined);
    const rc = hcm.route_config as JsonObject;
    assert.equal(rc.name, '9080');
    assert.equal(rc.validate_clusters, false);
    assert.deepEqual((rc.virtual_hosts as JsonObject[])[0]!.domains, ['reviews']);
    assert.ok(adapted(r, /inlined RDS/));
    assert.equal(r.skipped, undefined);
  });

  it('inlines an empty table for an RDS name the dump does not hold, and says so', () => {
    const r = convert({ listeners: [{ l: httpListener() }] });
    assert.deepEqual(filterConfig(r, 0).route_config, {
      name: '9080',
      virtual_hosts: [],
      validate_clusters: false,
    });
    assert.ok(adapted(r, /empty route table for RDS "9080"/));
  });

  it('keeps active listeners, leaves warming and draining ones out, and reports what binds', () => {
    const warming = { ...httpListener(), name: '0.0.0.0_8080' };
    const r = convert({
      listeners: [
        { l: httpListener() },
        { l: warming, state: 'warming_state' },
        {
          l: {
            name: 'virtualOutbound',
            address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
            use_original_dst: true,
            filter_chains: [
              {
                filters: [
                  {
                    name: 'envoy.filters.network.tcp_proxy',
                    typed_config: {
                      '@type': TCP,
                      stat_prefix: 'PassthroughCluster',
                      cluster: 'PassthroughCluster',
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
      routes: [routes9080],
    });
    assert.deepEqual(
      listeners(r).map((l) => l.name),
      ['0.0.0.0_9080', 'virtualOutbound'],
    );
    assert.deepEqual(r.listeners, [
      { name: '0.0.0.0_9080', address: '0.0.0.0', port: 9080, bound: false },
      { name: 'virtualOutbound', address: '0.0.0.0', port: 15001, bound: true },
    ]);
  });

  it("removes istio-proxy's own filters, lists each, and keeps the router last", () => {
    const r = convert({
      listeners: [
        {
          l: httpListener([
            {
              name: 'istio.metadata_exchange',
              typed_config: {
                '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
                type_url: 'type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm',
              },
            },
            { name: 'mixer', config: { default_destination_service: 'x' } },
            {
              name: 'envoy.filters.http.cors',
              typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' },
            },
            { name: 'istio.stats', typed_config: { '@type': 'type.googleapis.com/stats.PluginConfig' } },
            { name: 'envoy.filters.http.router' },
          ]),
        },
      ],
      routes: [routes9080],
    });
    const names = (filterConfig(r, 0).http_filters as JsonObject[]).map((f) => f.name);
    assert.deepEqual(names, ['envoy.filters.http.cors', 'envoy.filters.http.router']);
    const router = (filterConfig(r, 0).http_filters as JsonObject[])[1]!;
    assert.equal(
      (router.typed_config as JsonObject)['@type'],
      'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
    );
    for (const n of ['istio.metadata_exchange', 'mixer', 'istio.stats'])
      assert.ok(adapted(r, new RegExp(`^removed HTTP filter ${n.replace('.', '\\.')}$`)), n);
  });

  it('with unsupported names, removes what a validate run rejected', () => {
    const r = convert(
      {
        listeners: [
          { l: httpListener([{ name: 'envoy.filters.http.cors' }, { name: 'envoy.filters.http.router' }]) },
        ],
        routes: [routes9080],
      },
      { unsupported: ['envoy.extensions.filters.http.cors.v3.Cors'] },
    );
    assert.deepEqual(
      (filterConfig(r, 0).http_filters as JsonObject[]).map((f) => f.name),
      ['envoy.filters.http.router'],
    );
    assert.ok(r.adaptations.some((a) => /validate rejected it/.test(a.why)));
  });

  it('emulates istio.alpn as the upstream TLS ALPN of the clusters its routes lead to', () => {
    const name = 'outbound|9080||reviews.default.svc.cluster.local';
    const r = convert({
      listeners: [{ l: httpListener([{ name: 'istio.alpn' }, { name: 'envoy.filters.http.router' }]) }],
      routes: [routes9080],
      clusters: [
        edsCluster(name),
        { ...edsCluster('outbound|9080||other.default.svc.cluster.local'), http2_protocol_options: {} },
      ],
    });
    const [reviews, other] = clusters(r);
    const alpnOf = (c: JsonObject) =>
      (
        (
          ((c.transport_socket_matches as JsonObject[])[0]!.transport_socket as JsonObject)
            .typed_config as JsonObject
        ).common_tls_context as JsonObject
      ).alpn_protocols;
    assert.deepEqual(alpnOf(reviews!), ['istio-http/1.1', 'istio', 'http/1.1']);
    // no route leads to the other cluster: its ALPN stays as istiod wrote it
    assert.deepEqual(alpnOf(other!), ['istio-peer-exchange', 'istio']);
    assert.ok(adapted(r, /emulated istio\.alpn/));
  });

  it("makes EDS clusters STATIC with the dumped endpoints, else the manifests', else none", () => {
    const withEds = 'outbound|9080||reviews.default.svc.cluster.local';
    const fromK8s = 'outbound|9080||ratings.default.svc.cluster.local';
    const none = 'outbound|9080||details.default.svc.cluster.local';
    const inv = emptyInventory();
    addObject(
      inv,
      {
        kind: 'Service',
        metadata: { name: 'ratings', namespace: 'default' },
        spec: { clusterIP: '10.96.0.9', ports: [{ name: 'http', port: 9080, targetPort: 9080 }] },
      },
      undefined,
    );
    addObject(
      inv,
      {
        kind: 'Endpoints',
        metadata: { name: 'ratings', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '10.1.0.7' }], ports: [{ name: 'http', port: 9080 }] }],
      },
      undefined,
    );
    const r = convert(
      {
        clusters: [edsCluster(withEds, false), edsCluster(fromK8s, false), edsCluster(none, false)],
        endpoints: [
          {
            cluster_name: withEds,
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: { address: { socket_address: { address: '10.1.0.5', port_value: 9080 } } },
                    health_status: 'HEALTHY',
                  },
                ],
              },
            ],
          },
        ],
      },
      { inventory: inv },
    );
    const [a, b, c] = clusters(r);
    for (const x of [a, b, c]) {
      assert.equal(x!.type, 'STATIC');
      assert.equal(x!.eds_cluster_config, undefined);
    }
    const addr = (x: JsonObject | undefined) =>
      JSON.stringify(x?.load_assignment).match(/"address":"([\d.]+)"/)?.[1];
    assert.equal(addr(a), '10.1.0.5');
    assert.equal(addr(b), '10.1.0.7');
    assert.deepEqual((c!.load_assignment as JsonObject).endpoints, []);
    assert.ok(adapted(r, /STATIC with the dumped endpoints/));
    assert.ok(adapted(r, /STATIC with endpoints from the manifests/));
    assert.ok(adapted(r, /STATIC with no endpoints/));
  });

  it("does not wait for DNS clusters, and resolves them nowhere but the pod's loopback", () => {
    const dns: JsonObject = {
      name: 'zipkin',
      type: 'STRICT_DNS',
      connect_timeout: '1s',
      load_assignment: {
        cluster_name: 'zipkin',
        endpoints: [
          {
            lb_endpoints: [
              {
                endpoint: {
                  address: { socket_address: { address: 'zipkin.istio-system', port_value: 9411 } },
                },
              },
            ],
          },
        ],
      },
    };
    const r = convert({
      clusters: [dns, { ...dns, name: 'by-ip', load_assignment: { cluster_name: 'by-ip', endpoints: [] } }],
    });
    assert.deepEqual(r.dnsClusters, ['zipkin']);
    assert.equal(clusters(r)[0]!.wait_for_warm_on_init, false);
    assert.equal(clusters(r)[1]!.wait_for_warm_on_init, undefined);
    assert.match(
      JSON.stringify(r.bootstrap.typed_dns_resolver_config),
      /"address":"127\.0\.0\.1","port_value":53/,
    );
    assert.equal(
      convert({ clusters: [edsCluster('a', false)] }).bootstrap.typed_dns_resolver_config,
      undefined,
    );
  });

  it('leaves warming clusters out (not serving: a route to them finds no cluster)', () => {
    const r = convert({ clusters: [edsCluster('a', false)], warmingClusters: [edsCluster('b', false)] });
    assert.deepEqual(
      clusters(r).map((c) => c.name),
      ['a'],
    );
  });

  it("turns SDS references into static secrets of the run's certificates", () => {
    const r = convert({ clusters: [edsCluster('outbound|9080||reviews.default.svc.cluster.local')] });
    assert.deepEqual(secrets(r), [
      {
        name: 'default',
        tls_certificate: {
          certificate_chain: { inline_string: 'CHAIN PEM' },
          private_key: { inline_string: 'KEY PEM' },
        },
      },
      { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: 'ROOT PEM' } } },
    ]);
    assert.ok(!JSON.stringify(r.bootstrap).includes('sds_config'));
    assert.ok(!JSON.stringify(r.bootstrap).includes('"ads"'));
  });

  it('reads the trust domain and identity the way the certificates must carry them', () => {
    const dump = dumpOf({
      node: {
        id: 'sidecar~10.0.0.1~reviews-1.default~default.svc.cluster.local',
        metadata: { NAMESPACE: 'default', SERVICE_ACCOUNT: 'bookinfo-reviews' },
      },
      clusters: [edsCluster('outbound|9080||reviews.default.svc.cluster.local')],
    });
    assert.equal(trustDomainOf(dump), 'example.org');
    assert.equal(workloadIdentity(dump).spiffe, 'spiffe://example.org/ns/default/sa/bookinfo-reviews');
    assert.equal(
      workloadIdentity(dump, 'cluster.local').spiffe,
      'spiffe://cluster.local/ns/default/sa/bookinfo-reviews',
    );
    assert.deepEqual(expectedPeerSans(dump, 'outbound|9080||reviews.default.svc.cluster.local'), [
      'spiffe://example.org/ns/default/sa/bookinfo-reviews',
    ]);
    assert.deepEqual(expectedPeerSans(dump, 'no such cluster'), []);
  });

  it("puts the replay access log on every listener, HCM and tcp_proxy, replacing Istio's", () => {
    const tcp: JsonObject = {
      name: '0.0.0.0_3306',
      address: { socket_address: { address: '0.0.0.0', port_value: 3306 } },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.tcp_proxy',
              typed_config: {
                '@type': TCP,
                stat_prefix: 'x',
                cluster: 'c',
                access_log: [{ name: 'envoy.access_loggers.file', typed_config: { path: '/dev/stdout' } }],
              },
            },
          ],
        },
      ],
    };
    const r = convert({ listeners: [{ l: httpListener() }, { l: tcp }], routes: [routes9080] });
    const logKind = (al: unknown) =>
      (
        (((al as JsonObject[])[0]!.typed_config as JsonObject).log_format as JsonObject)
          .json_format as JsonObject
      ).log;
    assert.equal(logKind(listeners(r)[0]!.access_log), 'listener');
    assert.equal(logKind(filterConfig(r, 0).access_log), 'http');
    assert.equal(logKind(filterConfig(r, 1).access_log), 'tcp');
    assert.equal((filterConfig(r, 1).access_log as JsonObject[]).length, 1);
    assert.ok(!JSON.stringify(r.bootstrap).includes('/dev/stdout'));
    assert.ok(adapted(r, /replaced the dump's access logs/));
    // unnamed chains are named by their place: %FILTER_CHAIN_NAME% then says which one took the connection
    assert.equal((listeners(r)[1]!.filter_chains as JsonObject[])[0]!.name, 'filter_chains[0]');
  });

  it('admin on 127.0.0.1:15000 by default, or where asked', () => {
    assert.deepEqual(convert({}).bootstrap.admin, {
      address: { socket_address: { address: '127.0.0.1', port_value: 15000 } },
    });
    assert.deepEqual(convert({}, { admin: { pipe: '/run/p/admin.sock' } }).bootstrap.admin, {
      address: { pipe: { path: '/run/p/admin.sock' } },
    });
  });

  it('skips, saying why, what it cannot convert (scoped RDS)', () => {
    const l = httpListener();
    const hcm = ((l.filter_chains as JsonObject[])[0]!.filters as JsonObject[])[0]!
      .typed_config as JsonObject;
    delete hcm.rds;
    hcm.scoped_routes = { name: 'scoped' };
    const r = convert({ listeners: [{ l }] });
    assert.match(r.skipped ?? '', /scoped RDS/);
  });
});

describe('bootstrapFor on v2-era dumps (Istio <= 1.5)', () => {
  it('types untyped configs, moves v2 fields, and converts v2 regexes', () => {
    const l: JsonObject = {
      name: '0.0.0.0_9080',
      address: { socket_address: { address: '0.0.0.0', port_value: 9080 } },
      deprecated_v1: { bind_to_port: false },
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.http_connection_manager',
              config: {
                stat_prefix: '0.0.0.0_9080',
                rds: { route_config_name: '9080', config_source: { ads: {} } },
                idle_timeout: '5s',
                tracing: { operation_name: 'EGRESS' },
                http_filters: [
                  { name: 'mixer', config: {} },
                  { name: 'envoy.cors' },
                  { name: 'envoy.router' },
                ],
              },
            },
          ],
        },
      ],
    };
    const rc: JsonObject = {
      name: '9080',
      virtual_hosts: [
        {
          name: 'r',
          domains: ['*'],
          per_filter_config: { mixer: {} },
          routes: [
            {
              match: { regex: '/api/.*', headers: [{ name: 'x', regex_match: 'a.*' }] },
              route: { cluster: 'c', use_websocket: false, host_rewrite: 'h' },
            },
          ],
        },
      ],
    };
    const r = convert({ listeners: [{ l }], routes: [rc] }, {}, 'v2alpha');
    assert.equal(r.skipped, undefined);
    const out = listeners(r)[0]!;
    assert.equal(out.bind_to_port, false);
    assert.equal(out.deprecated_v1, undefined);
    const hcm = filterConfig(r, 0);
    assert.equal(hcm['@type'], HCM);
    assert.equal(hcm.idle_timeout, undefined);
    assert.deepEqual(hcm.common_http_protocol_options, { idle_timeout: '5s' });
    assert.equal(hcm.tracing, undefined);
    assert.deepEqual(
      (hcm.http_filters as JsonObject[]).map((f) => (f.typed_config as JsonObject)['@type']),
      [
        'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors',
        'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
      ],
    );
    const vh = ((hcm.route_config as JsonObject).virtual_hosts as JsonObject[])[0]!;
    assert.equal(vh.per_filter_config, undefined);
    const route = (vh.routes as JsonObject[])[0]!;
    assert.deepEqual(route.match, {
      safe_regex: { regex: '/api/.*' },
      headers: [{ name: 'x', safe_regex_match: { regex: 'a.*' } }],
    });
    assert.deepEqual(route.route, { cluster: 'c', host_rewrite_literal: 'h' });
  });

  it("splits Envoy v1's tcp_proxy route table into a chain per route", () => {
    const l: JsonObject = {
      name: '0.0.0.0_443',
      address: { socket_address: { address: '0.0.0.0', port_value: 443 } },
      filter_chains: [
        {
          filters: [
            { name: 'mixer', config: {} },
            {
              name: 'envoy.tcp_proxy',
              config: {
                deprecated_v1: true,
                value: {
                  stat_prefix: 'outbound|tcp|443',
                  route_config: {
                    routes: [
                      { cluster: 'outbound|443||a', destination_ip_list: ['10.0.0.1/32'] },
                      { cluster: 'outbound|443||b', destination_ip_list: ['10.0.0.2/32', '10.0.1.0/24'] },
                    ],
                  },
                },
              },
            },
          ],
        },
      ],
    };
    const r = convert({ listeners: [{ l }] }, {}, 'v2alpha');
    assert.equal(r.skipped, undefined);
    const chains = listeners(r)[0]!.filter_chains as JsonObject[];
    assert.equal(chains.length, 2);
    assert.deepEqual(
      chains.map((c) => c.filter_chain_match),
      [
        { prefix_ranges: [{ address_prefix: '10.0.0.1', prefix_len: 32 }] },
        {
          prefix_ranges: [
            { address_prefix: '10.0.0.2', prefix_len: 32 },
            { address_prefix: '10.0.1.0', prefix_len: 24 },
          ],
        },
      ],
    );
    assert.deepEqual(
      chains.map((c) => ((c.filters as JsonObject[])[0]!.typed_config as JsonObject).cluster),
      ['outbound|443||a', 'outbound|443||b'],
    );
    assert.equal(
      ((chains[0]!.filters as JsonObject[])[0]!.typed_config as JsonObject).deprecated_v1,
      undefined,
    );
    assert.deepEqual(
      chains.map((c) => c.name),
      ['filter_chains[0] route0', 'filter_chains[0] route1'],
    );
    assert.ok(adapted(r, /split v1 tcp_proxy route tables/));
  });

  it('adds the tls_inspector Envoy <= 1.16 added by itself when chains match on TLS', () => {
    const l: JsonObject = {
      name: '10.0.0.1_9080',
      address: { socket_address: { address: '10.0.0.1', port_value: 9080 } },
      filter_chains: [
        {
          filter_chain_match: { transport_protocol: 'tls' },
          filters: [{ name: 'envoy.tcp_proxy', config: { stat_prefix: 'x', cluster: 'c' } }],
        },
        { filters: [{ name: 'envoy.tcp_proxy', config: { stat_prefix: 'x', cluster: 'c' } }] },
      ],
    };
    const old = convert(
      {
        node: { id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local', metadata: { ISTIO_VERSION: '1.4.3' } },
        listeners: [{ l }],
      },
      {},
      'v2alpha',
    );
    assert.equal(
      (listeners(old)[0]!.listener_filters as JsonObject[])[0]!.name,
      'envoy.filters.listener.tls_inspector',
    );
    assert.ok(adapted(old, /added the tls_inspector/));
    const modern = convert({
      node: { id: 'sidecar~10.0.0.1~a.ns~ns.svc.cluster.local', metadata: { ISTIO_VERSION: '1.20.0' } },
      listeners: [{ l }],
    });
    assert.equal(listeners(modern)[0]!.listener_filters, undefined);
  });
});

describe('the replay access log', () => {
  it('carries the fields replay compares', () => {
    const f = accessLogFormat('http');
    for (const op of [
      '%FILTER_CHAIN_NAME%',
      '%ROUTE_NAME%',
      '%UPSTREAM_CLUSTER%',
      '%UPSTREAM_HOST%',
      '%RESPONSE_FLAGS%',
      '%RESPONSE_CODE%',
      '%RESPONSE_CODE_DETAILS%',
      '%DOWNSTREAM_LOCAL_ADDRESS%',
      '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
    ])
      assert.ok(Object.values(f).includes(op), op);
  });

  it('is read back, absent values left out, other lines skipped', () => {
    const text = [
      JSON.stringify({
        log: 'http',
        route_name: 'default',
        upstream_cluster: 'outbound|9080||reviews',
        response_code: 200,
        response_flags: '-',
        upstream_transport_failure_reason: null,
      }),
      '[2026-12-07 05:00:00.000][1][info] not a record',
      JSON.stringify({ log: 'listener', response_flags: 'NR', filter_chain_name: '-' }),
      '',
    ].join('\n');
    assert.deepEqual(parseReplayLog(text), [
      {
        log: 'http',
        fields: { route_name: 'default', upstream_cluster: 'outbound|9080||reviews', response_code: 200 },
      },
      { log: 'listener', fields: { response_flags: 'NR' } },
    ]);
  });

  it('keeps a late record of an earlier connection out of a call, and follows the call to the next proxy', () => {
    const src = parseReplayLog(
      [
        JSON.stringify({
          log: 'tcp',
          downstream_remote_address: '10.0.0.1:40000',
          upstream_cluster: 'earlier',
        }),
        JSON.stringify({
          log: 'tcp',
          downstream_remote_address: '10.0.0.1:40002',
          upstream_local_address: '10.0.0.1:50000',
          upstream_cluster: 'this',
        }),
      ].join('\n'),
    );
    const mine = connectionRecords(src, '10.0.0.1:40002');
    assert.deepEqual(
      mine.map((r) => r.fields.upstream_cluster),
      ['this'],
    );
    assert.equal(upstreamLocalAddress(mine), '10.0.0.1:50000');
    assert.equal(upstreamLocalAddress(connectionRecords(src, '10.0.0.1:40000')), undefined);
  });
  it("follows one call from the client's address through every proxy, leaving out another call's late lines and another request on a pooled connection", () => {
    const log = (...o: object[]) => parseReplayLog(o.map((x) => JSON.stringify(x)).join('\n'));
    // the source sidecar: this call (client 10.0.0.1:40002), and an earlier call's connection closing late
    const src = log(
      { log: 'listener', downstream_remote_address: '10.0.0.1:40000', upstream_cluster: 'earlier' },
      {
        log: 'http',
        downstream_remote_address: '10.0.0.1:40002',
        upstream_local_address: '10.0.0.1:50000',
        request_id: 'r-2',
        route_name: 'this',
      },
    );
    // the destination: the pooled upstream connection 10.0.0.1:50000 carried the earlier call's request too,
    // and its HCM trusted x-forwarded-for (the direct address is the connection's peer)
    const dst = log(
      {
        log: 'http',
        downstream_remote_address: '198.18.0.1:0',
        downstream_direct_remote_address: '10.0.0.1:50000',
        request_id: 'r-1',
        route_name: 'earlier',
      },
      {
        log: 'http',
        downstream_remote_address: '198.18.0.1:0',
        downstream_direct_remote_address: '10.0.0.1:50000',
        upstream_local_address: '127.0.0.6:41000',
        request_id: 'r-2',
        route_name: 'this',
      },
    );
    const unrelated = log({ log: 'tcp', downstream_remote_address: '10.0.0.7:1234' });
    const mine = callRecords([src, dst, unrelated], 0, '10.0.0.1:40002');
    assert.deepEqual(
      mine.map((rs) => rs.map((r) => r.fields.route_name ?? r.fields.upstream_cluster ?? r.log)),
      [['this'], ['this'], []],
    );
    // a client the logs never saw leads nowhere
    assert.deepEqual(callRecords([src, dst], 0, '10.0.0.1:1'), [[], []]);
    // a hop whose HTTP lines carry no request id this call has (an id made anew) keeps the connection's lines
    const regenerated = log({
      log: 'http',
      downstream_direct_remote_address: '10.0.0.1:50000',
      request_id: 'other',
      route_name: 'this',
    });
    assert.equal(callRecords([src, regenerated], 0, '10.0.0.1:40002')[1]!.length, 1);
  });
  it('follows a failed upstream attempt that logged no upstream_local_address to the record the next proxy wrote', () => {
    const log = (...o: object[]) => parseReplayLog(o.map((x) => JSON.stringify(x)).join('\n'));
    // Envoy 1.40 on mtls-1.10.0/disable-mtls: the source's mTLS handshake is reset (UF,URX, no local address),
    // the destination closed the connection with NR filter_chain_not_found
    const src = log({
      log: 'tcp',
      downstream_remote_address: '10.0.0.1:40002',
      upstream_host: '10.0.0.2:7000',
      upstream_local_address: null,
      response_flags: 'UF,URX',
    });
    const dst = log(
      {
        log: 'listener',
        downstream_remote_address: '10.0.0.1:51000',
        downstream_local_address: '10.0.0.2:7000',
        response_flags: 'NR',
      },
      { log: 'listener', downstream_remote_address: '10.0.0.9:1', downstream_local_address: '10.0.0.2:8000' },
    );
    const mine = callRecords([src, dst], 0, '10.0.0.1:40002');
    assert.deepEqual(
      mine.map((rs) => rs.map((r) => r.fields.response_flags ?? null)),
      [['UF,URX'], ['NR']],
    );
    // a call that did connect is followed by its address only
    const connected = log({
      log: 'tcp',
      downstream_remote_address: '10.0.0.1:40002',
      upstream_host: '10.0.0.2:7000',
      upstream_local_address: '10.0.0.1:52000',
    });
    assert.deepEqual(callRecords([connected, dst], 0, '10.0.0.1:40002')[1], []);
  });
});
