// The receiving sidecar's RBAC filters end to end through explain: ALLOW/DENY/LOG, no policies, no rules,
// shadow rules, the v2 and v3 shapes, the network filter closing a TCP connection, and "cannot tell" when a
// principal needs the peer's certificate identity. Envoy's semantics: rbac.proto RBAC.Action and Policy
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto); the 403 "RBAC: access
// denied" with details rbac_access_denied_matched_policy[...] and no flag is what Envoy 1.40 logged replaying
// the 2020 ratings and echo dumps (conformance report).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain, trafficOf, type Traffic, type World } from '../../../src/core/engine/explain.js';
import { policyOrigin } from '../../../src/core/engine/rbac.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import { cluster, dump, hcm, inboundListener, mtlsServer, tcp } from '../../helpers/mini-mesh.js';

type J = Record<string, unknown>;
const T = 'type.googleapis.com/';
const DST_IP = '10.0.0.2';

const rbac = (layer: 'http' | 'network', rules: J | undefined, extra: J = {}, v2 = false): J =>
  v2
    ? { name: `envoy.filters.${layer}.rbac`, config: { ...(rules ? { rules } : {}), ...extra } }
    : {
        name: `envoy.filters.${layer}.rbac`,
        typed_config: {
          '@type': `${T}envoy.extensions.filters.${layer}.rbac.v3.RBAC`,
          ...(rules ? { rules } : {}),
          ...extra,
        },
      };

const get = { header: { name: ':method', exact_match: 'GET' } };
const anyone = [{ any: true }];

/** An HCM whose http_filters are these (router last), routing everything to inbound|8000||. */
function httpChain(filters: J[], tls = false): J {
  const base = hcm({
    inline: {
      name: 'inbound|8000||',
      virtual_hosts: [
        {
          name: 'inbound|http|8000',
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'inbound|8000||' } }],
        },
      ],
    },
  });
  const cfg = base.typed_config as J;
  cfg.http_filters = [...filters, { name: 'envoy.filters.http.router' }];
  return {
    filter_chain_match: { destination_port: 8000, ...(tls ? { transport_protocol: 'tls' } : {}) },
    filters: [base],
    ...(tls ? { transport_socket: mtlsServer } : {}),
  };
}

function run(chain: J, traffic: Traffic = trafficOf({ protocol: 'http', host: 'svc:8000' })) {
  const d = dump({
    pod: 'dst',
    ip: DST_IP,
    listeners: [inboundListener([chain])],
    clusters: [cluster('inbound|8000||', 'ORIGINAL_DST')],
  });
  const world: World = {
    dumps: [d],
    inventory: emptyInventory(),
    sockets: [{ pod: DST_IP, sockets: [{ ip: '0.0.0.0', port: 8000, family: 4 }], source: 'test' }],
  };
  return explain(world, { mode: 'inbound', destination: d, port: 8000, fromIp: '10.0.0.1', traffic });
}

const rbacStep = (e: ReturnType<typeof run>) => e.steps.find((s) => s.name?.endsWith('.rbac'));

describe('RBAC on the receiving sidecar', () => {
  it('ALLOW with no policies denies every request: 403, no flag, details matched_policy[none]', () => {
    const e = run(httpChain([rbac('http', { policies: {} })]));
    assert.deepEqual(
      [e.outcome.result, e.outcome.httpStatus, e.outcome.responseFlag, e.outcome.failedStage],
      ['failed', 403, null, 'networkFilter'],
    );
    assert.equal(rbacStep(e)?.index, 0);
    assert.match(rbacStep(e)!.detail, /rbac_access_denied_matched_policy\[none\]/);
    // Envoy resolved the route first: the inbound cluster is named before the refusal
    assert.ok(e.steps.some((s) => s.stage === 'cluster' && s.name === 'inbound|8000||'));
    // but never connected upstream: no endpoints step on the destination, as Envoy logs no upstream host
    assert.ok(!e.steps.some((s) => s.stage === 'endpoints'));
    assert.ok(!e.steps.some((s) => s.stage === 'application'));
  });

  it('ALLOW with a matching policy lets the request on to the app', () => {
    const e = run(
      httpChain([
        rbac('http', { action: 'ALLOW', policies: { readers: { permissions: [get], principals: anyone } } }),
      ]),
    );
    assert.equal(e.outcome.result, 'delivered');
    assert.equal(rbacStep(e)?.result, 'matched');
    assert.match(rbacStep(e)!.detail, /policy readers matches/);
  });

  it('DENY refuses what its policy matches and names the policy', () => {
    const e = run(
      httpChain([
        rbac('http', {
          action: 'DENY',
          policies: { 'ns[default]-policy[deny-get]-rule[0]': { permissions: [get], principals: anyone } },
        }),
      ]),
    );
    assert.deepEqual([e.outcome.result, e.outcome.httpStatus], ['failed', 403]);
    assert.match(rbacStep(e)!.detail, /matched_policy\[ns\[default\]-policy\[deny-get\]-rule\[0\]\]/);
    assert.equal(rbacStep(e)?.origin, 'AuthorizationPolicy default/deny-get');
    const post = run(
      httpChain([
        rbac('http', { action: 'DENY', policies: { p: { permissions: [get], principals: anyone } } }),
      ]),
      trafficOf({ protocol: 'http', host: 'svc:8000', method: 'POST' }),
    );
    assert.equal(post.outcome.result, 'delivered');
  });

  it('DENY filters run before ALLOW ones in http_filters order; the first refusal ends the walk', () => {
    const e = run(
      httpChain([
        rbac('http', { action: 'DENY', policies: { p: { permissions: [get], principals: anyone } } }),
        rbac('http', { policies: {} }),
      ]),
    );
    assert.equal(e.steps.filter((s) => s.name?.endsWith('.rbac')).length, 1);
  });

  it('LOG never refuses; no rules enforces nothing; shadow_rules never change the verdict', () => {
    assert.equal(run(httpChain([rbac('http', { action: 'LOG', policies: {} })])).outcome.result, 'delivered');
    assert.equal(run(httpChain([rbac('http', undefined)])).outcome.result, 'delivered');
    const shadow = rbac('http', undefined, { shadow_rules: { policies: {} } });
    assert.equal(run(httpChain([shadow])).outcome.result, 'delivered');
  });

  it('the v2 shape (untyped config, Istio <= 1.2) is read like v3; action by number too', () => {
    assert.equal(run(httpChain([rbac('http', { policies: {} }, {}, true)])).outcome.httpStatus, 403);
    assert.equal(
      run(httpChain([rbac('http', { action: 1, policies: {} }, {}, true)])).outcome.result,
      'delivered',
    );
  });

  it('the network filter closes a TCP connection (no status, no flag) after tcp_proxy named its cluster', () => {
    const chain = {
      filter_chain_match: { destination_port: 8000 },
      filters: [rbac('network', { policies: {} }, { stat_prefix: 'tcp.' }), tcp('inbound|8000||')],
    };
    const e = run(chain, trafficOf({ protocol: 'tcp' }));
    assert.deepEqual(
      [e.outcome.result, e.outcome.httpStatus, e.outcome.responseFlag],
      ['failed', null, null],
    );
    assert.equal(rbacStep(e)?.name, 'envoy.filters.network.rbac');
    assert.equal(rbacStep(e)?.index, 0);
    assert.match(e.outcome.summary, /closes the connection/);
    // the HTTP filter does not see a TCP connection's bytes
    const http = run(httpChain([rbac('http', { policies: {} })]), trafficOf({ protocol: 'tcp' }));
    assert.equal(http.outcome.responseFlag, 'DPE');
  });

  it("a principal that needs the peer's certificate identity is unknown, with what to fetch", () => {
    const principal = { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/a/sa/b' } } };
    // Istio mTLS terminated by the chain: who the peer is lives in its certificate, not in the dumps
    const net = {
      filter_chain_match: { destination_port: 8000, transport_protocol: 'tls' },
      transport_socket: mtlsServer,
      filters: [
        rbac('network', { policies: { p: { permissions: [{ any: true }], principals: [principal] } } }),
        tcp('inbound|8000||'),
      ],
    };
    const u = run(net, trafficOf({ protocol: 'tls', sni: 'outbound_.8000_._.svc' }));
    assert.equal(u.outcome.result, 'unknown');
    assert.equal(rbacStep(u)?.result, 'unknown');
    assert.ok(
      u.missing.some((m) => /SPIFFE ID/.test(m)),
      u.missing.join('\n'),
    );
    // over plaintext the same principal can never match: decided, not unknown
    const plain = { ...net, filter_chain_match: { destination_port: 8000 }, transport_socket: undefined };
    assert.equal(run(plain, trafficOf({ protocol: 'tcp' })).outcome.result, 'failed');
  });

  it('policyOrigin reads Istio >= 1.6 policy names, and nothing else', () => {
    assert.equal(policyOrigin('ns[foo]-policy[bar]-rule[2]'), 'AuthorizationPolicy foo/bar');
    assert.equal(policyOrigin('ratings-reader'), undefined);
    assert.equal(policyOrigin(undefined), undefined);
  });
});

describe("RBAC on a gateway's own HCM", () => {
  const GW_IP = '10.0.0.9';
  function gateway(filters: J[], traffic: Traffic = trafficOf({ protocol: 'http', host: 'shop.example' })) {
    const base = hcm({
      inline: {
        name: 'http.8080',
        virtual_hosts: [
          {
            name: 'shop',
            domains: ['*'],
            routes: [{ match: { prefix: '/' }, route: { cluster: 'outbound|80||shop' } }],
          },
        ],
      },
    });
    (base.typed_config as J).http_filters = [...filters, { name: 'envoy.filters.http.router' }];
    const d = dump({
      pod: 'gw',
      ip: GW_IP,
      listeners: [
        {
          name: '0.0.0.0_8080',
          address: { socket_address: { address: '0.0.0.0', port_value: 8080 } },
          filter_chains: [{ filters: [base] }],
        },
      ],
      clusters: [cluster('outbound|80||shop', 'EDS')],
      eds: [{ cluster: 'outbound|80||shop', endpoints: [['10.0.0.5', 80]] }],
    });
    const world: World = { dumps: [d], inventory: emptyInventory(), sockets: [] };
    return explain(world, { mode: 'gateway', gateway: d, port: 8080, traffic });
  }

  it('a DENY on the path answers 403 before the router picks an endpoint', () => {
    const e = gateway(
      [
        rbac('http', {
          action: 'DENY',
          policies: {
            admin: { permissions: [{ url_path: { path: { prefix: '/admin' } } }], principals: anyone },
          },
        }),
      ],
      trafficOf({ protocol: 'http', host: 'shop.example', path: '/admin/users' }),
    );
    assert.deepEqual(
      [e.outcome.result, e.outcome.httpStatus, e.outcome.cluster],
      ['failed', 403, 'outbound|80||shop'],
    );
    assert.ok(!e.steps.some((s) => s.stage === 'endpoints'));
    // without the filter the router goes on to the endpoints
    assert.ok(gateway([]).steps.some((s) => s.stage === 'endpoints'));
  });

  it("a principal on the client's address is unknown: a gateway's client is outside the inputs", () => {
    const e = gateway([
      rbac('http', {
        policies: {
          office: {
            permissions: [{ any: true }],
            principals: [{ remote_ip: { address_prefix: '192.0.2.0', prefix_len: 24 } }],
          },
        },
      }),
    ]);
    assert.equal(e.outcome.result, 'unknown');
    assert.ok(
      e.missing.some((m) => /remote_ip 192\.0\.2\.0\/24/.test(m)),
      e.missing.join('\n'),
    );
  });
});

describe('ext_authz (Istio CUSTOM): gated by the shadow policy an RBAC filter matched', () => {
  // Istio's CUSTOM action: an RBAC filter with only shadow_rules (stat prefix istio_ext_authz_), then ext_authz
  // enabled by that filter's istio_ext_authz_shadow_effective_policy_id metadata (as in istioctl's authz
  // testdata dump of 2023)
  const shadow = rbac('http', undefined, {
    shadow_rules: {
      policies: {
        'istio-ext-authz-ns[default]-policy[ext]-rule[0]': {
          permissions: [{ url_path: { path: { prefix: '/admin' } } }],
          principals: anyone,
        },
      },
    },
    shadow_rules_stat_prefix: 'istio_ext_authz_',
  });
  const ext = (gated: boolean): J => ({
    name: 'envoy.filters.http.ext_authz',
    typed_config: {
      '@type': `${T}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
      ...(gated
        ? {
            filter_enabled_metadata: {
              filter: 'envoy.filters.http.rbac',
              path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }],
              value: { string_match: { prefix: 'istio-ext-authz' } },
            },
          }
        : {}),
    },
  });
  const call = (path: string) => trafficOf({ protocol: 'http', host: 'svc:8000', path });

  it('a request the shadow policy matches goes to the external authorizer: unknown, and missing says so', () => {
    const e = run(httpChain([shadow, ext(true)]), call('/admin/x'));
    assert.equal(e.outcome.result, 'unknown');
    assert.ok(e.missing.some((m) => /external authorizer/.test(m)));
    assert.match(
      e.steps.find((s) => s.name === 'envoy.filters.http.ext_authz')!.detail,
      /shadow policy istio-ext-authz/,
    );
  });

  it('a request it does not match skips ext_authz and goes on', () => {
    const e = run(httpChain([shadow, ext(true)]), call('/public'));
    assert.equal(e.outcome.result, 'delivered');
    assert.equal(e.steps.find((s) => s.name === 'envoy.filters.http.ext_authz')?.result, 'skipped');
  });

  it('ext_authz without a gate asks the service on every request', () => {
    assert.equal(run(httpChain([ext(false)]), call('/public')).outcome.result, 'unknown');
  });
});
