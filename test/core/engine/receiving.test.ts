// The receiving sidecar, stage by stage, as the conformance replay saw real Envoy 1.40 do it (issue 13 classes
// B, C, G, K): its inbound HCM routes like any HCM, its inbound cluster is a cluster step, the address that
// cluster connects to is its endpoints step (Envoy's %UPSTREAM_HOST%), and a listener without a matching chain
// is NR filter_chain_not_found.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain, trafficOf, type Traffic, type World } from '../../../src/core/engine/explain.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import type { ConfigDump } from '../../../src/core/model/config-dump.js';
import type { ListeningSocket } from '../../../src/core/model/sockets.js';
import type { Explanation } from '../../../src/core/engine/types.js';
import { predictedProxies } from '../../../src/core/replay/compare.js';
import { cluster, dump, hcm, inboundListener, mtlsServer, tcp } from '../../helpers/mini-mesh.js';

const DST_IP = '10.0.0.2';
const http: Traffic = trafficOf({ protocol: 'http', host: 'svc:8080' });
const rawTcp: Traffic = trafficOf({ protocol: 'tcp' });

/** Istio's inbound HCM: inline route configuration inbound|8080||, catch-all vhost, route `default`. */
const inboundRoutes = (cluster: string, prefix = '/') => ({
  name: 'inbound|8080||',
  virtual_hosts: [
    {
      name: 'inbound|http|8080',
      domains: ['*'],
      routes: [{ name: 'default', match: { prefix }, route: { cluster } }],
    },
  ],
  validate_clusters: false,
});

const staticLocal = (name: string, port: number) =>
  cluster(name, 'STATIC', {
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } },
          ],
        },
      ],
    },
  });

function destination(chains: Record<string, unknown>[], clusters: Record<string, unknown>[]): ConfigDump {
  return dump({ pod: 'dst', ip: DST_IP, listeners: [inboundListener(chains)], clusters });
}

function inbound(d: ConfigDump, port: number, traffic: Traffic, sockets: ListeningSocket[]): Explanation {
  const world: World = {
    dumps: [d],
    inventory: emptyInventory(),
    sockets: [{ pod: DST_IP, sockets, source: 'test' }],
  };
  return explain(world, { mode: 'inbound', destination: d, port, fromIp: '10.0.0.1', traffic });
}

const steps = (e: Explanation) => e.steps.map((s) => [s.stage, s.name, s.result, s.address ?? null]);
const any8080: ListeningSocket[] = [{ ip: '0.0.0.0', port: 8080, family: 4 }];

describe('the receiving sidecar', () => {
  // B: Envoy logged %ROUTE_NAME% `default` on the destination (story 2, replayed on Envoy 1.40): the inbound HCM
  // runs the same router as any HCM (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_routing),
  // so its route configuration, virtual host and route are steps on the destination proxy.
  it('routes HTTP through its inbound HCM: route config, virtual host, route `default`, inbound cluster', () => {
    const d = destination(
      [
        {
          filter_chain_match: { destination_port: 8080 },
          filters: [hcm({ inline: inboundRoutes('inbound|8080||') })],
        },
      ],
      [cluster('inbound|8080||', 'ORIGINAL_DST')],
    );
    const e = inbound(d, 8080, http, any8080);
    assert.equal(e.outcome.result, 'delivered');
    assert.deepEqual(steps(e).slice(3), [
      ['networkFilter', 'envoy.filters.network.http_connection_manager', 'matched', null],
      ['routeConfig', 'inbound|8080||', 'matched', null],
      ['virtualHost', 'inbound|http|8080', 'matched', null],
      ['route', 'default', 'matched', null],
      ['cluster', 'inbound|8080||', 'matched', null],
      ['endpoints', 'inbound|8080||', 'matched', `${DST_IP}:8080`],
      ['application', null, 'matched', null],
    ]);
    const [p] = predictedProxies(e);
    assert.equal(p?.cluster, 'inbound|8080||');
    assert.equal(p?.route, 'default');
  });

  it('answers 404 NR when no inbound route matches, with the route stage deciding on that proxy', () => {
    const d = destination(
      [
        {
          filter_chain_match: { destination_port: 8080 },
          filters: [hcm({ inline: inboundRoutes('inbound|8080||', '/api') })],
        },
      ],
      [cluster('inbound|8080||', 'ORIGINAL_DST')],
    );
    const o = inbound(d, 8080, http, any8080).outcome;
    assert.deepEqual(
      [o.result, o.responseFlag, o.httpStatus, o.failedStage, o.via],
      ['failed', 'NR', 404, 'route', 'none'],
    );
  });

  // C: Envoy's %UPSTREAM_HOST% on the destination is where its inbound cluster connected (127.0.0.1:7002 for
  // Istio 1.9's STATIC cluster, 10.200.0.20:7002 for 1.16's ORIGINAL_DST), not the app's bind 0.0.0.0:7002
  // (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/service_discovery#original-destination).
  it('names the address its inbound cluster connects to as the endpoints step: STATIC 127.0.0.1, ORIGINAL_DST the pod IP', () => {
    const chain = [{ filter_chain_match: { destination_port: 8080 }, filters: [tcp('inbound|8080||')] }];
    const old = inbound(destination(chain, [staticLocal('inbound|8080||', 8080)]), 8080, rawTcp, any8080);
    const now = inbound(
      destination(chain, [cluster('inbound|8080||', 'ORIGINAL_DST')]),
      8080,
      rawTcp,
      any8080,
    );
    assert.equal(predictedProxies(old)[0]?.upstreamHost, '127.0.0.1:8080');
    assert.equal(predictedProxies(now)[0]?.upstreamHost, `${DST_IP}:8080`);
    // the application step still says which socket took it
    assert.match(old.steps.at(-1)?.detail ?? '', /listens on 0\.0\.0\.0:8080/);
    // and a socket bound to the pod IP alone refuses the STATIC cluster's 127.0.0.1 (the pre-1.10 story)
    const podOnly = inbound(destination(chain, [staticLocal('inbound|8080||', 8080)]), 8080, rawTcp, [
      { ip: DST_IP, port: 8080, family: 4 },
    ]);
    assert.deepEqual([podOnly.outcome.responseFlag, podOnly.outcome.failedStage], ['UF,URX', 'application']);
  });

  // G: replayed inbound-1.9.5/strict-plain and mtls-1.20.0/disable-mtls: Envoy logs NR with
  // response_code_details filter_chain_not_found when no chain matches and there is no default chain (envoy
  // source/common/listener_manager/active_stream_listener_base.cc, ActiveStreamListenerBase::newConnection).
  it('is NR filter_chain_not_found when no inbound chain matches, decided by its filterChain step', () => {
    const strict = [
      {
        filter_chain_match: { destination_port: 8080, transport_protocol: 'tls' },
        filters: [tcp('inbound|8080||')],
        transport_socket: mtlsServer,
      },
    ];
    const e = inbound(
      destination(strict, [cluster('inbound|8080||', 'ORIGINAL_DST')]),
      8080,
      rawTcp,
      any8080,
    );
    assert.deepEqual(
      [e.outcome.result, e.outcome.responseFlag, e.outcome.httpStatus, e.outcome.failedStage],
      ['failed', 'NR', null, 'filterChain'],
    );
    assert.equal(e.steps.at(-1)?.proxy, 'dst.default');
    // a client calling the pod directly gets no HTTP answer: the connection is closed
    assert.equal(inbound(destination(strict, []), 8080, http, any8080).outcome.httpStatus, null);
  });

  // K: an undeclared port falls to the passthrough chain, whose tcp_proxy names InboundPassthroughClusterIpv4
  // (ORIGINAL_DST): Envoy logs that cluster and the pod IP (inbound-1.16.0/undeclared).
  it('passes an undeclared port through InboundPassthroughClusterIpv4 to the pod IP', () => {
    const chains = [
      { filter_chain_match: { destination_port: 8080 }, filters: [tcp('inbound|8080||')] },
      {
        name: 'virtualInbound',
        filter_chain_match: { prefix_ranges: [{ address_prefix: '0.0.0.0', prefix_len: 0 }] },
        filters: [tcp('InboundPassthroughClusterIpv4')],
      },
    ];
    const e = inbound(
      destination(chains, [
        cluster('inbound|8080||', 'ORIGINAL_DST'),
        cluster('InboundPassthroughClusterIpv4', 'ORIGINAL_DST'),
      ]),
      7500,
      rawTcp,
      [{ ip: '0.0.0.0', port: 7500, family: 4 }],
    );
    const [p] = predictedProxies(e);
    assert.deepEqual(
      [e.outcome.result, p?.cluster, p?.upstreamHost],
      ['delivered', 'InboundPassthroughClusterIpv4', `${DST_IP}:7500`],
    );
  });
});

describe("explain inbound without --from: a chain picked by the client's address is unknown, not guessed", () => {
  // FilterChainMatch.source_prefix_ranges reads the downstream connection's source address
  // (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto);
  // explain inbound used to assume the client was 10.0.0.1, which picked `from-ten` here silently.
  const chains = [
    {
      name: 'from-ten',
      filter_chain_match: {
        destination_port: 8080,
        source_prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }],
      },
      filters: [tcp('inbound|8080||')],
    },
    {
      name: 'from-elsewhere',
      filter_chain_match: { destination_port: 8080 },
      filters: [tcp('inbound|8080||')],
    },
  ];
  const d = destination(chains, [staticLocal('inbound|8080||', 8080)]);
  const world: World = {
    dumps: [d],
    inventory: emptyInventory(),
    sockets: [{ pod: DST_IP, sockets: any8080, source: 'test' }],
  };
  const ask = (fromIp: string | undefined) =>
    explain(world, {
      mode: 'inbound',
      destination: d,
      port: 8080,
      traffic: rawTcp,
      fromIp,
    });

  it('unknown at the filterChain step, naming --from in missing', () => {
    const e = ask(undefined);
    assert.equal(e.outcome.result, 'unknown');
    assert.deepEqual(
      e.steps.filter((s) => s.stage === 'filterChain').map((s) => [s.name, s.result]),
      [['virtualInbound', 'unknown']],
    );
    assert.ok(
      e.missing.some((m) => m.includes('explain inbound --from IP')),
      JSON.stringify(e.missing),
    );
  });
  it('decided by the address once it is given', () => {
    const chain = (ip: string) => ask(ip).steps.find((s) => s.stage === 'filterChain')?.name;
    assert.equal(chain('10.1.2.3'), 'from-ten');
    assert.equal(chain('192.168.0.9'), 'from-elsewhere');
  });
});
