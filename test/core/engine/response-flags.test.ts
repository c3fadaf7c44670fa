// Every response flag of envoy-semantics.md section 8 that configuration predicts, produced from config, with
// the stage that fails. (UO, UT, UR, LR and DC depend on load and timing, not on config: not predicted.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain, trafficOf, type Traffic, type World } from '../../../src/core/engine/explain.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import { parseVersion } from '../../../src/core/engine/era.js';
import type { ConfigDump } from '../../../src/core/model/config-dump.js';
import type { ListeningSocket } from '../../../src/core/model/sockets.js';
import {
  captureListener,
  cluster,
  dump,
  hcm,
  inboundListener,
  listener,
  mtlsClient,
  mtlsServer,
  routeConfig,
  tcp,
} from '../../helpers/mini-mesh.js';

const SRC_IP = '10.0.0.1';
const DST_IP = '10.0.0.2';
const VIP = '10.96.0.10';

const http: Traffic = trafficOf({ protocol: 'http', host: 'svc:8000' });
const rawTcp: Traffic = trafficOf({ protocol: 'tcp' });

function httpSource(
  opts: {
    routes?: Record<string, unknown>[];
    clusters?: Record<string, unknown>[];
    eds?: Array<{ cluster: string; endpoints: Array<[string, number, string?, number?]> }>;
    envoy?: string;
    chains?: Record<string, unknown>[];
  } = {},
): ConfigDump {
  return dump({
    pod: 'src',
    ip: SRC_IP,
    envoy: opts.envoy ?? '1.20.1',
    listeners: [
      captureListener(),
      listener('0.0.0.0_8000', '0.0.0.0', 8000, opts.chains ?? [{ filters: [hcm({ rds: '8000' })] }], {
        bind_to_port: false,
      }),
    ],
    routes: opts.routes ?? [
      routeConfig('8000', [
        {
          name: 'svc:8000',
          domains: ['svc', 'svc:8000'],
          routes: [
            { match: { prefix: '/' }, route: { cluster: 'outbound|8000||svc.default.svc.cluster.local' } },
          ],
        },
      ]),
    ],
    clusters: opts.clusters ?? [cluster('outbound|8000||svc.default.svc.cluster.local', 'EDS')],
    eds: opts.eds ?? [
      { cluster: 'outbound|8000||svc.default.svc.cluster.local', endpoints: [[DST_IP, 8000]] },
    ],
  });
}

function destination(
  chains: Record<string, unknown>[],
  inboundCluster: Record<string, unknown> = cluster('inbound|8000||', 'ORIGINAL_DST'),
): ConfigDump {
  return dump({ pod: 'dst', ip: DST_IP, listeners: [inboundListener(chains)], clusters: [inboundCluster] });
}

const plaintextChain = { filter_chain_match: { destination_port: 8000 }, filters: [tcp('inbound|8000||')] };
const listening: ListeningSocket[] = [{ ip: '0.0.0.0', port: 8000, family: 4 }];

function run(dumps: ConfigDump[], traffic: Traffic, sockets: ListeningSocket[] = listening, ip = VIP) {
  const world: World = {
    dumps,
    inventory: emptyInventory(),
    sockets: [{ pod: DST_IP, sockets, source: 'test' }],
  };
  return explain(world, { mode: 'outbound', source: dumps[0]!, ip, port: 8000, traffic }).outcome;
}

describe('response flags predicted from config', () => {
  it('delivered: the baseline every failure below departs from', () => {
    const o = run([httpSource(), destination([plaintextChain])], http);
    assert.equal(o.result, 'delivered');
    assert.equal(o.endpoint, `${DST_IP}:8000`);
  });

  it('NR: a handed-off connection matches no filter chain and there is no default chain', () => {
    const src = httpSource({
      chains: [
        {
          filter_chain_match: { prefix_ranges: [{ address_prefix: '10.9.9.9', prefix_len: 32 }] },
          filters: [hcm({ rds: '8000' })],
        },
      ],
    });
    const o = run([src], http);
    assert.deepEqual([o.result, o.responseFlag, o.failedStage], ['failed', 'NR', 'filterChain']);
  });

  it('NR 404: the RDS route configuration is missing', () => {
    const o = run([httpSource({ routes: [] })], http);
    assert.deepEqual([o.responseFlag, o.httpStatus, o.failedStage], ['NR', 404, 'routeConfig']);
  });

  it('NR 404: no virtual host for the Host', () => {
    const o = run([httpSource()], { ...http, host: 'other:8000' });
    assert.deepEqual([o.responseFlag, o.httpStatus, o.failedStage], ['NR', 404, 'virtualHost']);
  });

  it('NR 404: no route in the virtual host matches the path', () => {
    const routes = [
      routeConfig('8000', [
        {
          name: 'svc:8000',
          domains: ['svc:8000'],
          routes: [{ match: { prefix: '/api' }, route: { cluster: 'x' } }],
        },
      ]),
    ];
    const o = run([httpSource({ routes })], http);
    assert.deepEqual([o.responseFlag, o.httpStatus, o.failedStage], ['NR', 404, 'route']);
  });

  it('NC 503 on Envoy >= 1.18, NR on older Envoys: the route names a cluster CDS does not have', () => {
    const routes = [
      routeConfig('8000', [
        {
          name: 'svc:8000',
          domains: ['svc:8000'],
          routes: [
            { match: { prefix: '/' }, route: { cluster: 'outbound|8000|v2|svc.default.svc.cluster.local' } },
          ],
        },
      ]),
    ];
    const modern = run([httpSource({ routes })], http);
    assert.deepEqual([modern.responseFlag, modern.httpStatus, modern.failedStage], ['NC', 503, 'cluster']);
    const old = run([httpSource({ routes, envoy: '1.12.0' })], http);
    assert.equal(old.responseFlag, 'NR');
  });

  it('UH 503: the EDS cluster has no endpoints, or none healthy', () => {
    const empty = run(
      [httpSource({ eds: [{ cluster: 'outbound|8000||svc.default.svc.cluster.local', endpoints: [] }] })],
      http,
    );
    assert.deepEqual([empty.responseFlag, empty.httpStatus, empty.failedStage], ['UH', 503, 'endpoints']);
    const sick = run(
      [
        httpSource({
          eds: [
            {
              cluster: 'outbound|8000||svc.default.svc.cluster.local',
              endpoints: [[DST_IP, 8000, 'UNHEALTHY']],
            },
          ],
        }),
      ],
      http,
    );
    assert.equal(sick.responseFlag, 'UH');
  });

  it("several healthy endpoints: the step names the set Envoy's balancer picks among (the healthy hosts of priority 0, the next level too when 0 is too unhealthy to take all traffic)", () => {
    const C = 'outbound|8000||svc.default.svc.cluster.local';
    const over = (endpoints: Array<[string, number, string?, number?]>) => {
      const src = httpSource({ eds: [{ cluster: C, endpoints }] });
      const world: World = { dumps: [src], inventory: emptyInventory(), sockets: [] };
      const e = explain(world, { mode: 'outbound', source: src, ip: VIP, port: 8000, traffic: http });
      const step = e.steps.find((s) => s.stage === 'endpoints')!;
      return [step.address, step.balancedOver];
    };
    // Envoy's priority levels: level 0 takes all traffic while healthy share x 1.4 (overprovisioning) >= 1
    // (https://www.envoyproxy.io/docs/envoy/v1.40.0/intro/arch_overview/upstream/load_balancing/priority)
    assert.deepEqual(
      over([
        ['10.0.0.5', 8000],
        ['10.0.0.6', 8000],
        ['10.0.0.7', 8000],
        ['10.0.0.9', 8000, 'UNHEALTHY'],
        ['10.0.0.8', 8000, 'HEALTHY', 1],
      ]),
      // 3 of 4 healthy: 0.75 x 1.4 >= 1, level 1 gets nothing
      ['10.0.0.5:8000', ['10.0.0.5:8000', '10.0.0.6:8000', '10.0.0.7:8000']],
    );
    // 2 of 3 healthy at level 0 (0.67 x 1.4 < 1): part of the load spills to level 1
    assert.deepEqual(
      over([
        ['10.0.0.5', 8000],
        ['10.0.0.6', 8000],
        ['10.0.0.7', 8000, 'UNHEALTHY'],
        ['10.0.0.8', 8000, 'HEALTHY', 1],
      ]),
      ['10.0.0.5:8000', ['10.0.0.5:8000', '10.0.0.6:8000', '10.0.0.8:8000']],
    );
    // 1 of 3 healthy at level 0: the load spills to level 1
    assert.deepEqual(
      over([
        ['10.0.0.5', 8000],
        ['10.0.0.6', 8000, 'UNHEALTHY'],
        ['10.0.0.7', 8000, 'UNHEALTHY'],
        ['10.0.0.8', 8000, 'HEALTHY', 1],
      ]),
      ['10.0.0.5:8000', ['10.0.0.5:8000', '10.0.0.8:8000']],
    );
    // no healthy host at level 0: only level 1 is picked from, and the walk follows one of it
    assert.deepEqual(
      over([
        ['10.0.0.5', 8000, 'UNHEALTHY'],
        ['10.0.0.8', 8000, 'HEALTHY', 1],
        ['10.0.0.9', 8000, 'HEALTHY', 1],
      ]),
      ['10.0.0.8:8000', ['10.0.0.8:8000', '10.0.0.9:8000']],
    );
    // one endpoint: no set, just the address
    assert.deepEqual(over([['10.0.0.5', 8000]]), ['10.0.0.5:8000', undefined]);
  });

  it('UH: TCP sent to the BlackHoleCluster', () => {
    const src = dump({
      pod: 'src',
      ip: SRC_IP,
      listeners: [captureListener([{ filters: [tcp('BlackHoleCluster')] }])],
      clusters: [cluster('BlackHoleCluster', 'STATIC')],
    });
    const o = run([src], rawTcp);
    assert.deepEqual(
      [o.result, o.via, o.responseFlag, o.failedStage],
      ['failed', 'blackhole', 'UH', 'cluster'],
    );
  });

  // Found by replaying story 4 (Istio 1.9) on Envoy 1.40, which logged UF,URX where meshctl said UF: tcp_proxy
  // tries again after a failed connect and sets URX once connect_attempts_ reaches max_connect_attempts
  // (default 1), so a tcp_proxy never logs UF alone (envoy source/common/tcp_proxy/tcp_proxy.cc,
  // Filter::onUpstreamEvent and initializeUpstreamConnection).
  it('UF,URX: nothing listens where the destination sidecar tcp_proxy connects; UF,URX behind a route that retries connect failures', () => {
    const o = run([httpSource(), destination([plaintextChain])], http, [
      { ip: '127.0.0.1', port: 8000, family: 4 },
    ]);
    assert.deepEqual([o.responseFlag, o.failedStage], ['UF,URX', 'application']);
    const routes = [
      routeConfig('8000', [
        {
          name: 'svc:8000',
          domains: ['svc:8000'],
          routes: [
            {
              match: { prefix: '/' },
              route: {
                cluster: 'outbound|8000||svc.default.svc.cluster.local',
                retry_policy: { retry_on: 'connect-failure,refused-stream,unavailable', num_retries: 2 },
              },
            },
          ],
        },
      ]),
    ];
    const retried = run([httpSource({ routes }), destination([plaintextChain])], http, [
      { ip: '127.0.0.1', port: 8000, family: 4 },
    ]);
    assert.equal(retried.responseFlag, 'UF,URX');
  });

  it('UF: the source sends Istio mTLS to a chain that serves plaintext', () => {
    const src = httpSource({
      clusters: [
        cluster('outbound|8000||svc.default.svc.cluster.local', 'EDS', { transport_socket: mtlsClient }),
      ],
    });
    const o = run([src, destination([plaintextChain])], http);
    // the destination's chain decides (its transport socket does not fit), so the stage is the chain's
    assert.deepEqual([o.responseFlag, o.failedStage], ['UF', 'filterChain']);
  });

  // Replayed on Envoy 1.40 (mtls-1.10.0/strict-plain): the destination logs NR filter_chain_not_found, which
  // decides; the source's router answers the client 503 (envoy
  // source/common/listener_manager/active_stream_listener_base.cc, ActiveStreamListenerBase::newConnection).
  it('NR: plaintext into a destination that accepts only mTLS (STRICT): no inbound chain matches', () => {
    const strict = {
      filter_chain_match: { destination_port: 8000, transport_protocol: 'tls' },
      filters: [tcp('inbound|8000||')],
      transport_socket: mtlsServer,
    };
    const o = run([httpSource(), destination([strict])], http);
    assert.deepEqual([o.responseFlag, o.httpStatus, o.failedStage], ['NR', 503, 'filterChain']);
  });

  // Envoy 1.12.0 release notes: "access log: added a new flag for downstream protocol error"; the codec
  // error path is source/common/http/conn_manager_impl.cc handleCodecError (DPE, close; HTTP/1 answered 400)
  it('DPE: non-HTTP bytes into an HTTP connection manager (no flag on Envoys before 1.12)', () => {
    const o = run([httpSource()], rawTcp);
    assert.deepEqual([o.result, o.responseFlag, o.failedStage], ['failed', 'DPE', 'networkFilter']);
    assert.equal(run([httpSource({ envoy: '1.8.0' })], rawTcp).responseFlag, null);
    assert.equal(run([httpSource({ envoy: '1.11.0' })], rawTcp).responseFlag, null);
    assert.equal(run([httpSource({ envoy: '1.12.0' })], rawTcp).responseFlag, 'DPE');
  });

  it("DPE: the flag is the modelled Envoy's: a world that names one (replay) overrides the dump's own", () => {
    const src = httpSource({ envoy: '1.8.0' });
    const world = (v: string): World => ({
      dumps: [src],
      inventory: emptyInventory(),
      sockets: [],
      envoyVersion: parseVersion(v),
    });
    const q = { mode: 'outbound' as const, source: src, ip: VIP, port: 8000, traffic: rawTcp };
    assert.equal(explain(world('1.40.0'), q).outcome.responseFlag, 'DPE');
    assert.equal(explain(world('1.10.0'), q).outcome.responseFlag, null);
  });

  it('DPE: an HTTP/1.1 request into an HCM whose codec_type is HTTP2 fails the preface, with no 400', () => {
    const h2only = hcm({ rds: '8000' });
    (h2only.typed_config as Record<string, unknown>).codec_type = 'HTTP2';
    const src = httpSource({ chains: [{ filters: [h2only] }] });
    const o = run([src], http);
    assert.deepEqual([o.result, o.responseFlag, o.httpStatus], ['failed', 'DPE', null]);
    // the same HCM reads prior-knowledge HTTP/2 (and AUTO reads HTTP/1.1: the baseline case above)
    assert.equal(
      run([src, destination([plaintextChain])], { ...http, protocol: 'http2' }).result,
      'delivered',
    );
  });

  it('502 without a flag: direct_response of the block_all virtual host (REGISTRY_ONLY)', () => {
    const routes = [
      routeConfig('8000', [
        {
          name: 'block_all',
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, direct_response: { status: 502 } }],
        },
      ]),
    ];
    const o = run([httpSource({ routes })], { ...http, host: 'example.com' });
    assert.deepEqual(
      [o.result, o.via, o.httpStatus, o.responseFlag, o.failedStage],
      ['failed', 'direct-response', 502, null, 'route'],
    );
  });

  it('redirect: the route answers 301', () => {
    const routes = [
      routeConfig('8000', [
        {
          name: 'svc:8000',
          domains: ['svc:8000'],
          routes: [{ match: { prefix: '/' }, redirect: { https_redirect: true } }],
        },
      ]),
    ];
    const o = run([httpSource({ routes })], http);
    assert.deepEqual([o.result, o.via, o.httpStatus], ['failed', 'redirect', 301]);
  });

  it('passthrough: an unknown destination leaves through PassthroughCluster (ALLOW_ANY)', () => {
    const src = dump({
      pod: 'src',
      ip: SRC_IP,
      listeners: [captureListener()],
      clusters: [cluster('PassthroughCluster', 'ORIGINAL_DST')],
    });
    const o = run([src], rawTcp, listening, '93.184.216.34');
    assert.deepEqual([o.result, o.via, o.endpoint], ['delivered', 'passthrough', '93.184.216.34:8000']);
  });

  it('a DNS cluster sends to a host name Envoy resolves: outside what the inputs show', () => {
    const dns = cluster('outbound|443||api.example.com', 'STRICT_DNS', {
      load_assignment: {
        cluster_name: 'outbound|443||api.example.com',
        endpoints: [
          {
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: 'api.example.com', port_value: 443 } } } },
            ],
          },
        ],
      },
    });
    const src = dump({
      pod: 'src',
      ip: SRC_IP,
      listeners: [
        captureListener(),
        listener('10.96.5.5_8000', '10.96.5.5', 8000, [{ filters: [tcp('outbound|443||api.example.com')] }], {
          bind_to_port: false,
        }),
      ],
      clusters: [dns],
    });
    const o = run([src], rawTcp, listening, '10.96.5.5');
    assert.deepEqual([o.result, o.endpoint], ['delivered', 'api.example.com:443']);
  });

  it('unknown: a destination pod whose dump is missing is named in missing', () => {
    const world: World = { dumps: [httpSource()], inventory: emptyInventory(), sockets: [] };
    const e = explain(world, {
      mode: 'outbound',
      source: world.dumps[0]!,
      ip: VIP,
      port: 8000,
      traffic: http,
    });
    assert.equal(e.outcome.result, 'unknown');
    assert.match(e.missing.join('\n'), /config dump of the destination 10\.0\.0\.2/);
  });
});
