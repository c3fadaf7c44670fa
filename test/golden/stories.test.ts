// The four stories of scenarios.md, explained from their snapshots: golden text and JSON for each command,
// plus the facts each story must state. Goldens are rewritten only with UPDATE_GOLDEN=1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import { ZK_ELECTION_PORT } from '../helpers/paths.js';

interface Case {
  readonly story: string;
  readonly name: string;
  readonly args: string[];
  readonly exit: 0 | 1 | 2;
  readonly expect: {
    readonly result: Explanation['outcome']['result'];
    readonly flag?: string | null;
    readonly status?: number | null;
    readonly failedStage?: string | null;
    readonly cluster?: string | null;
    readonly endpoint?: string | null;
    readonly hints?: string[];
    // stage, result, name (verbatim from the dump, or null), and index when given (in order, a subsequence of the trace)
    readonly steps?: Array<[string, string, string | null, (number | null)?]>;
  };
}

const G = 'ispn-perf-test-558666c5c6-g9jb5';
const L = 'ispn-perf-test-558666c5c6-lbvqf';
const PP = 'productpage-v1-76474f6fb7-pmglr';
const GW = 'istio-ingressgateway-5d9c6b8f7c-x2k4q';
const REVIEWS = 'outbound|9080||reviews.default.svc.cluster.local';
const REVIEWS_V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';

const CASES: Case[] = [
  {
    story: 'story1-jgroups-istio-1.0',
    name: 'pod-to-pod-7800',
    args: ['explain', 'pod-to-pod', G, L, '--port', '7800'],
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'UH',
      failedStage: 'cluster',
      cluster: 'BlackHoleCluster',
      hints: ['istio-1.0-no-listener-for-pod-ip'],
      steps: [
        ['listener', 'matched', 'virtual'],
        ['networkFilter', 'matched', 'envoy.tcp_proxy', 0],
        ['cluster', 'failed', 'BlackHoleCluster'],
      ],
    },
  },
  {
    story: 'story1-jgroups-istio-1.0',
    name: 'inbound-7800',
    args: ['explain', 'inbound', L, '--port', '7800', '--from', '10.44.4.63'],
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'UF,URX',
      failedStage: 'application',
      hints: ['app-binds-pod-ip'],
      steps: [
        ['inbound', 'matched', '10.44.4.64_7800'],
        ['cluster', 'matched', 'inbound|7800||ispn-perf-test-service.my-istio-namespace.svc.cluster.local'],
        ['endpoints', 'matched', 'inbound|7800||ispn-perf-test-service.my-istio-namespace.svc.cluster.local'],
        ['application', 'failed', null],
      ],
    },
  },
  {
    story: 'story1-jgroups-istio-1.0',
    name: 'request-service-7800',
    args: ['explain', 'request', G, 'tcp://ispn-perf-test-service:7800'],
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'UF,URX',
      failedStage: 'application',
      cluster: 'outbound|7800||ispn-perf-test-service.my-istio-namespace.svc.cluster.local',
      endpoint: '10.44.4.64:7800',
      steps: [
        ['listener', 'matched', '10.41.13.74_7800'],
        [
          'endpoints',
          'matched',
          'outbound|7800||ispn-perf-test-service.my-istio-namespace.svc.cluster.local',
        ],
        ['application', 'failed', null],
      ],
    },
  },
  {
    story: 'story1-jgroups-http-ports-istio-1.0',
    name: 'pod-to-pod-7800-tcp',
    args: ['explain', 'pod-to-pod', G, L, '--port', '7800'],
    exit: 1,
    expect: {
      result: 'failed',
      failedStage: 'networkFilter',
      hints: ['non-http-into-http-port'],
      steps: [
        ['listener', 'matched', '0.0.0.0_7800'],
        ['networkFilter', 'failed', 'envoy.http_connection_manager', 0],
      ],
    },
  },
  {
    story: 'story1-jgroups-http-ports-istio-1.0',
    name: 'pod-to-pod-7800-http',
    args: ['explain', 'pod-to-pod', G, L, '--port', '7800', '--protocol', 'http'],
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'NR',
      status: 404,
      failedStage: 'virtualHost',
      hints: ['pod-ip-is-no-domain'],
      steps: [
        ['routeConfig', 'matched', '7800'],
        ['virtualHost', 'no-match', '7800'],
      ],
    },
  },
  {
    story: 'story2-bookinfo-before',
    name: 'request-reviews',
    args: ['explain', 'request', PP, 'http://reviews:9080/'],
    exit: 0,
    expect: {
      result: 'delivered',
      cluster: REVIEWS,
      endpoint: '172.30.104.38:9080',
      steps: [
        ['listener', 'matched', '0.0.0.0_9080'],
        ['routeConfig', 'matched', '9080'],
        ['virtualHost', 'matched', 'reviews.default.svc.cluster.local:9080'],
        ['cluster', 'matched', REVIEWS],
        ['endpoints', 'matched', REVIEWS],
        ['filterChain', 'matched', '0.0.0.0_9080', 1],
        ['application', 'matched', null],
      ],
    },
  },
  {
    story: 'story2-bookinfo-before',
    name: 'dns-kube-dns-53',
    args: ['explain', 'pod-to-pod', PP, '10.254.0.2', '--port', '53'],
    exit: 0,
    expect: {
      result: 'delivered',
      cluster: 'outbound|53||kube-dns.kube-system.svc.cluster.local',
      endpoint: '172.30.0.5:53',
      steps: [['listener', 'matched', '10.254.0.2_53']],
    },
  },
  {
    story: 'story2-bookinfo-vs-without-dr',
    name: 'request-reviews',
    args: ['explain', 'request', PP, 'http://reviews:9080/'],
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'NC',
      status: 503,
      failedStage: 'cluster',
      cluster: REVIEWS_V1,
      hints: ['subset-without-destination-rule'],
      steps: [
        ['route', 'matched', null, 0],
        ['cluster', 'failed', REVIEWS_V1],
      ],
    },
  },
  {
    story: 'story2-bookinfo-with-dr',
    name: 'request-reviews',
    args: ['explain', 'request', PP, 'http://reviews:9080/'],
    exit: 0,
    expect: {
      result: 'delivered',
      cluster: REVIEWS_V1,
      endpoint: '172.30.104.38:9080',
      steps: [['cluster', 'matched', REVIEWS_V1]],
    },
  },
  {
    story: 'story3-tcp-echo-gateway',
    name: 'gateway-31400',
    args: ['explain', 'gateway', GW, '--port', '31400'],
    exit: 0,
    expect: {
      result: 'delivered',
      cluster: 'outbound|3333|v1|tcp-echo.default.svc.cluster.local',
      endpoint: '172.16.2.90:3333',
      steps: [
        ['listener', 'matched', '0.0.0.0_31400'],
        ['networkFilter', 'matched', 'envoy.filters.network.tcp_proxy', 0],
      ],
    },
  },
  {
    story: 'story3-tcp-echo-gateway',
    name: 'gateway-31401',
    args: ['explain', 'gateway', GW, '--port', '31401'],
    exit: 0,
    expect: {
      result: 'delivered',
      cluster: 'outbound|3333|v2|tcp-echo.default.svc.cluster.local',
      endpoint: '172.16.1.95:3333',
    },
  },
  {
    story: 'story3-tcp-echo-gateway',
    name: 'gateway-31402',
    args: ['explain', 'gateway', GW, '--port', '31402'],
    exit: 1,
    expect: {
      result: 'failed',
      failedStage: 'listener',
      flag: null,
      hints: ['gateway-port-without-route'],
      steps: [['listener', 'no-match', null]],
    },
  },
  {
    story: 'story4-zookeeper-istio-1.9',
    name: 'pod-to-pod-3888',
    args: ZK_ELECTION_PORT,
    exit: 1,
    expect: {
      result: 'failed',
      flag: 'UF,URX',
      failedStage: 'application',
      hints: ['app-binds-pod-ip'],
      steps: [
        ['listener', 'matched', '10.96.8.10_3888'],
        ['cluster', 'matched', 'inbound|3888||'],
        ['endpoints', 'matched', 'inbound|3888||'],
        ['application', 'failed', null],
      ],
    },
  },
  {
    story: 'story4-zookeeper-istio-1.10',
    name: 'pod-to-pod-3888',
    args: ZK_ELECTION_PORT,
    exit: 0,
    expect: { result: 'delivered', steps: [['application', 'matched', null]] },
  },
  {
    story: 'story4-zookeeper-istio-1.10-strict',
    name: 'pod-to-pod-3888',
    args: ZK_ELECTION_PORT,
    exit: 0,
    expect: {
      result: 'delivered',
      steps: [
        ['filterChain', 'matched', '0.0.0.0_3888', 3],
        ['application', 'matched', null],
      ],
    },
  },
];

describe('story explanations', () => {
  for (const c of CASES) {
    it(`${c.story}: ${c.name}`, () => {
      const snapshot = ['--snapshot', `fixtures/snapshots/${c.story}`];
      const json = meshctl([...c.args, ...snapshot, '-o', 'json']);
      assert.equal(json.code, c.exit, json.stderr);
      const e = JSON.parse(json.stdout) as Explanation;
      const x = c.expect;
      assert.equal(e.outcome.result, x.result);
      if (x.flag !== undefined) assert.equal(e.outcome.responseFlag, x.flag);
      if (x.status !== undefined) assert.equal(e.outcome.httpStatus, x.status);
      if (x.failedStage !== undefined) assert.equal(e.outcome.failedStage, x.failedStage);
      if (x.cluster !== undefined) assert.equal(e.outcome.cluster, x.cluster);
      if (x.endpoint !== undefined) assert.equal(e.outcome.endpoint, x.endpoint);
      for (const h of x.hints ?? [])
        assert.ok(
          e.hints.some((y) => y.id === h),
          `hint ${h}`,
        );
      let at = 0;
      for (const [stage, result, name, index] of x.steps ?? []) {
        const found = e.steps.findIndex(
          (s, i) =>
            i >= at &&
            s.stage === stage &&
            s.result === result &&
            s.name === name &&
            (index === undefined || s.index === index),
        );
        assert.ok(found >= 0, `step ${stage} ${result} ${name} #${index} (after step ${at})`);
        at = found + 1;
      }
      golden(`fixtures/golden/${c.story}/${c.name}.json`, json.stdout);
      const text = meshctl([...c.args, ...snapshot]);
      assert.equal(text.code, c.exit);
      golden(`fixtures/golden/${c.story}/${c.name}.txt`, text.stdout);
    });
  }
});
