// The comparison of an Explanation with what Envoy did: agreement, a difference on each field, and
// `unobserved` where Envoy said nothing (never counted as agreement).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainName, compare, deciding, predictedProxies } from '../../../src/core/replay/compare.js';
import type { Explanation, Step } from '../../../src/core/engine/types.js';
import type { Observed, ObservedProxy } from '../../../src/core/replay/schema.js';

const step = (
  stage: Step['stage'],
  proxy: string,
  label: string,
  result: Step['result'] = 'matched',
): Step => {
  // `#3` is an unnamed object at position 3, `name #3` a named one there (the text renderer's spelling)
  const m = /^(.*?)\s*#(\d+)$/.exec(label);
  return { stage, proxy, result, name: m ? m[1] || null : label, index: m ? Number(m[2]) : null, detail: '' };
};

const at = (s: Step, address: string): Step => ({ ...s, address });

function explanation(over: Partial<Explanation['outcome']> = {}, steps?: Step[]): Explanation {
  return {
    apiVersion: 'meshctl/v1',
    kind: 'Explanation',
    source: { proxy: 'a.default', type: 'sidecar', ip: '10.0.0.1', istioVersion: '1.20.0' },
    call: {
      mode: 'outbound',
      address: '10.0.0.2',
      port: 9080,
      protocol: 'http',
      host: 'b:9080',
      path: '/',
      method: 'GET',
      headers: {},
      sni: null,
    },
    outcome: {
      result: 'delivered',
      via: 'cluster',
      responseFlag: null,
      httpStatus: null,
      cluster: 'outbound|9080||b.default.svc.cluster.local',
      endpoint: '10.0.0.2:9080',
      failedStage: null,
      summary: '',
      ...over,
    },
    steps: steps ?? [
      step('capture', 'a.default', 'iptables ISTIO_OUTPUT -> 15001'),
      step('listener', 'a.default', '0.0.0.0_9080'),
      step('filterChain', 'a.default', '#0'),
      step('route', 'a.default', 'default'),
      step('cluster', 'a.default', 'outbound|9080||b.default.svc.cluster.local'),
      // as the engine writes them: endpoints named by their load assignment's cluster, addresses in
      // `address` (the endpoint picked, where the receiving sidecar connects), sockets unnamed
      at(step('endpoints', 'a.default', 'outbound|9080||b.default.svc.cluster.local'), '10.0.0.2:9080'),
      step('inbound', 'b.default', 'virtualInbound'),
      step('filterChain', 'b.default', '0.0.0.0_9080 #3'),
      step('networkFilter', 'b.default', 'envoy.filters.network.http_connection_manager #1'),
      step('routeConfig', 'b.default', 'inbound|9080||'),
      step('virtualHost', 'b.default', 'inbound|http|9080 #0'),
      step('route', 'b.default', 'default #0'),
      step('cluster', 'b.default', 'inbound|9080||'),
      at(step('endpoints', 'b.default', 'inbound|9080||'), '10.0.0.2:9080'),
      { ...step('application', 'b.default', ''), name: null },
    ],
    hints: [],
    missing: [],
  };
}

const proxy = (p: Partial<ObservedProxy> & { proxy: string }): ObservedProxy => ({
  role: 'source',
  listener: null,
  filterChain: null,
  route: null,
  cluster: null,
  upstreamHost: null,
  responseFlag: null,
  responseCode: null,
  responseCodeDetails: null,
  accessLog: ['{}'],
  stats: {},
  ...p,
});

function observed(sourceOver: Partial<ObservedProxy> = {}, over: Partial<Observed> = {}): Observed {
  return {
    version: '1.40.0',
    result: 'delivered',
    responseFlag: null,
    httpStatus: 200,
    proxies: [
      proxy({
        proxy: 'a.default',
        listener: '0.0.0.0_9080',
        filterChain: 'filter_chains[0]',
        route: 'default',
        cluster: 'outbound|9080||b.default.svc.cluster.local',
        upstreamHost: '10.0.0.2:9080',
        responseCode: 200,
        ...sourceOver,
      }),
      proxy({
        proxy: 'b.default',
        role: 'destination',
        listener: 'virtualInbound',
        filterChain: '0.0.0.0_9080',
        route: 'default',
        cluster: 'inbound|9080||',
        upstreamHost: '10.0.0.2:9080',
      }),
    ],
    client: { connected: true, timedOut: false, status: 200, bytesBack: 10 },
    app: [{ host: '10.0.0.2', listen: '0.0.0.0:9080', remote: '127.0.0.6:5000', bytes: 70 }],
    ...over,
  };
}

test("an explanation Envoy confirms: every field agrees (the unnamed chain #0 is the bootstrap's filter_chains[0])", () => {
  const c = compare(explanation(), observed());
  assert.deepEqual(c.differences, []);
  assert.ok(c.comparison.length >= 10);
  assert.ok(
    c.comparison.every((x) => x.verdict === 'agree'),
    JSON.stringify(c.comparison),
  );
  assert.ok(c.comparison.some((x) => x.field === 'appAccepted' && x.envoy === true));
});

test('a deliberately wrong prediction (another route and cluster than Envoy used) is a difference with both sides', () => {
  const e = explanation({ cluster: 'outbound|9080|v2|b.default.svc.cluster.local' }, [
    step('listener', 'a.default', '0.0.0.0_9080'),
    step('filterChain', 'a.default', '#0'),
    step('route', 'a.default', 'to-v2'),
    step('cluster', 'a.default', 'outbound|9080|v2|b.default.svc.cluster.local'),
  ]);
  const c = compare(e, observed());
  assert.deepEqual(
    c.differences.map((d) => [d.field, d.proxy, d.meshctl, d.envoy]),
    [
      ['route', 'a.default', 'to-v2', 'default'],
      [
        'cluster',
        'a.default',
        'outbound|9080|v2|b.default.svc.cluster.local',
        'outbound|9080||b.default.svc.cluster.local',
      ],
      // the wrong prediction stops before the endpoints: Envoy's host is a difference too
      ['upstreamHost', 'a.default', null, '10.0.0.2:9080'],
      // the explanation says nothing about b, where Envoy did log: each field it logged differs
      ['listener', 'b.default', null, 'virtualInbound'],
      ['filterChain', 'b.default', null, '0.0.0.0_9080'],
      ['route', 'b.default', null, 'default'],
      ['cluster', 'b.default', null, 'inbound|9080||'],
      ['upstreamHost', 'b.default', null, '10.0.0.2:9080'],
    ],
  );
});

test('outcome fields: result, flags (order-free), status', () => {
  const e = explanation({ result: 'failed', responseFlag: 'URX,UF', httpStatus: 503 });
  const o = observed({}, { result: 'failed', responseFlag: 'UF,URX', httpStatus: 503, app: [] });
  const c = compare(e, o);
  assert.equal(c.comparison.find((x) => x.field === 'responseFlag')?.verdict, 'agree');
  assert.equal(c.comparison.find((x) => x.field === 'result')?.verdict, 'agree');
  const d = compare(explanation({ responseFlag: 'NR', result: 'failed', httpStatus: 404 }), observed());
  assert.deepEqual(
    d.differences.filter((x) => !x.proxy).map((x) => x.field),
    ['result', 'responseFlag', 'httpStatus'],
  );
});

test('what Envoy did not log is unobserved, not agreement', () => {
  const c = compare(explanation(), observed({ route: null, filterChain: null }));
  const route = c.comparison.find((x) => x.field === 'route');
  assert.equal(route?.verdict, 'unobserved');
  assert.equal(route?.meshctl, 'default');
  assert.equal(
    c.comparison.find((x) => x.field === 'filterChain' && x.proxy === 'a.default')?.verdict,
    'unobserved',
  );
  assert.deepEqual(c.differences, []);
});

test('chain names, per-proxy predictions and the deciding flag', () => {
  assert.equal(chainName({ name: null, index: 4 }), 'filter_chains[4]');
  assert.equal(chainName({ name: '0.0.0.0_3888', index: 6 }), '0.0.0.0_3888');
  assert.equal(chainName({ name: 'PassthroughFilterChain', index: null }), 'PassthroughFilterChain');
  const p = predictedProxies(explanation());
  assert.deepEqual(
    p.map((x) => [x.proxy, x.listener, x.cluster, x.upstreamHost]),
    [
      ['a.default', '0.0.0.0_9080', 'outbound|9080||b.default.svc.cluster.local', '10.0.0.2:9080'],
      ['b.default', 'virtualInbound', 'inbound|9080||', '10.0.0.2:9080'],
    ],
  );
  assert.equal(
    deciding([proxy({ proxy: 'a', responseFlag: 'UR' }), proxy({ proxy: 'b', responseFlag: 'UF,URX' })]),
    'UF,URX',
  );
  assert.equal(deciding([proxy({ proxy: 'a', responseFlag: '-' })]), null);
});

test("several healthy endpoints: Envoy's pick agrees when it is one meshctl says the balancer picks among, and differs outside that set", () => {
  const steps = explanation().steps.map((s) =>
    s.stage === 'endpoints' ? { ...s, balancedOver: ['10.0.0.2:9080', '10.0.0.3:9080'] } : s,
  );
  const e = explanation({}, steps);
  const host = (c: ReturnType<typeof compare>) =>
    c.comparison.find((x) => x.field === 'upstreamHost' && x.proxy === 'a.default');
  // Envoy picked the other member of the set: agreement, with the set shown
  const other = host(compare(e, observed({ upstreamHost: '10.0.0.3:9080' })));
  assert.deepEqual(other, {
    field: 'upstreamHost',
    proxy: 'a.default',
    meshctl: '10.0.0.2:9080',
    envoy: '10.0.0.3:9080',
    acceptable: ['10.0.0.2:9080', '10.0.0.3:9080'],
    verdict: 'agree',
  });
  // a host outside the set is still a difference, and says which set it was compared with
  const outside = compare(e, observed({ upstreamHost: '10.0.0.9:9080' }));
  assert.deepEqual(
    outside.differences.map((d) => [d.field, d.proxy, d.meshctl, d.envoy, d.acceptable]),
    [['upstreamHost', 'a.default', '10.0.0.2:9080', '10.0.0.9:9080', ['10.0.0.2:9080', '10.0.0.3:9080']]],
  );
  // without a set (one endpoint), only that endpoint agrees
  const one = compare(explanation(), observed({ upstreamHost: '10.0.0.3:9080' }));
  assert.deepEqual(
    one.differences.map((d) => [d.field, d.proxy, d.envoy]),
    [['upstreamHost', 'a.default', '10.0.0.3:9080']],
  );
});

test("the receiving sidecar's upstream host is its endpoints step, never the app's socket", () => {
  // Envoy's %UPSTREAM_HOST% on the destination is the address its inbound cluster connected to (10.0.0.2:9080
  // for ORIGINAL_DST), while the app accepted on its bind 0.0.0.0:9080: without an endpoints step there is no
  // prediction to agree with, so the socket must not stand in for it
  const steps = explanation()
    .steps.filter((s) => !(s.stage === 'endpoints' && s.proxy === 'b.default'))
    .map((s) =>
      s.proxy === 'b.default' && (s.stage === 'application' || s.stage === 'inbound')
        ? at(s, '0.0.0.0:9080')
        : s,
    );
  const c = compare(explanation({}, steps), observed());
  assert.deepEqual(
    c.differences.map((d) => [d.field, d.proxy, d.meshctl, d.envoy]),
    [['upstreamHost', 'b.default', null, '10.0.0.2:9080']],
  );
});
