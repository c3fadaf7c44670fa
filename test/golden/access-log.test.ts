// `meshctl explain log` on the stories' snapshots: access-log lines as the sidecars would write them, placed
// in the config of the proxy that wrote them, golden text and JSON plus the facts each must state.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogExplanation } from '../../src/core/engine/access-log.js';
import { meshctl } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

interface Case {
  readonly story: string;
  readonly name: string;
  readonly line: string;
  readonly pod?: string;
  readonly exit: 0 | 1 | 2;
  readonly expect: {
    readonly proxy: string;
    readonly direction: 'outbound' | 'inbound';
    readonly agrees: boolean | null;
    readonly predicted: string;
    /** what, name, found: in order */
    readonly placement: Array<[string, string, boolean | null]>;
  };
}

const G = 'ispn-perf-test-558666c5c6-g9jb5';
const ZK_UF =
  '[2026-11-21T02:14:07.118Z] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "127.0.0.1:3888" inbound|3888|| - 10.96.8.10:3888 10.96.7.7:50012 outbound_.3888_._.my-release-zookeeper-headless.default.svc.cluster.local -';

const CASES: Case[] = [
  {
    story: 'story1-jgroups-http-ports-istio-1.0',
    name: 'log-404-NR-route-not-found',
    line: '[2026-11-21T03:02:11.402Z] "GET / HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "curl/7.58.0" "0f3c2d1e-7b6a-4c59-8e21-5d4b3a291f07" "10.44.4.64:7800" "-" - - 10.44.4.64:7800 10.44.4.63:40012 - -',
    pod: G,
    exit: 1,
    expect: {
      proxy: `${G}.my-istio-namespace`,
      direction: 'outbound',
      agrees: true,
      predicted: '404 NR',
      placement: [['listener', '0.0.0.0_7800', true]],
    },
  },
  {
    story: 'story2-bookinfo-vs-without-dr',
    name: 'log-503-NC-cluster-not-found',
    line: '[2026-11-21T02:14:07.118Z] "GET /reviews/0 HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "python-requests/2.28.1" "6c1d4f0e-8a43-9d1b-b0a4-1f6e2b7f5d2a" "reviews:9080" "-" outbound|9080|v1|reviews.default.svc.cluster.local - 172.21.152.34:9080 172.30.135.40:51234 - -',
    exit: 1,
    expect: {
      proxy: 'productpage-v1-76474f6fb7-pmglr.default',
      direction: 'outbound',
      agrees: true,
      predicted: '503 NC',
      placement: [
        ['listener', '0.0.0.0_9080', true],
        ['cluster', 'outbound|9080|v1|reviews.default.svc.cluster.local', false],
      ],
    },
  },
  {
    story: 'story4-zookeeper-istio-1.9',
    name: 'log-UF-inbound-3888',
    line: ZK_UF,
    exit: 1,
    expect: {
      proxy: 'my-release-zookeeper-0.default',
      direction: 'inbound',
      agrees: true,
      predicted: 'UF,URX',
      placement: [
        ['listener', 'virtualInbound', true],
        ['cluster', 'inbound|3888||', true],
        ['endpoint', '127.0.0.1:3888', true],
      ],
    },
  },
  {
    // the same line against 1.10's config: the config delivers, so the line is not what this config does
    story: 'story4-zookeeper-istio-1.10',
    name: 'log-UF-inbound-3888',
    line: ZK_UF,
    exit: 0,
    expect: {
      proxy: 'my-release-zookeeper-0.default',
      direction: 'inbound',
      agrees: false,
      predicted: 'delivered',
      placement: [
        ['listener', 'virtualInbound', true],
        ['cluster', 'inbound|3888||', true],
        ['endpoint', '127.0.0.1:3888', false],
      ],
    },
  },
];

describe('access-log lines explained on the stories', () => {
  for (const c of CASES) {
    it(`${c.story}: ${c.name}`, () => {
      const args = [
        'explain',
        'log',
        c.line,
        '--snapshot',
        `fixtures/snapshots/${c.story}`,
        ...(c.pod ? ['--pod', c.pod] : []),
      ];
      const json = meshctl([...args, '-o', 'json']);
      assert.equal(json.code, c.exit, json.stderr);
      const e = JSON.parse(json.stdout) as LogExplanation;
      assert.equal(e.kind, 'LogExplanation');
      assert.equal(e.proxy, c.expect.proxy);
      assert.equal(e.direction, c.expect.direction);
      assert.equal(e.verdict.agrees, c.expect.agrees, e.verdict.summary);
      assert.equal(e.verdict.predicted, c.expect.predicted);
      assert.deepEqual(
        e.placement.map((p) => [p.what, p.name, p.found]),
        c.expect.placement,
      );
      golden(`fixtures/golden/${c.story}/${c.name}.json`, json.stdout);
      const text = meshctl(args);
      assert.equal(text.code, c.exit);
      golden(`fixtures/golden/${c.story}/${c.name}.txt`, text.stdout);
    });
  }

  it('asks which proxy wrote a line when two of the proxies given could have', () => {
    const r = meshctl([
      'explain',
      'log',
      CASES[0]!.line,
      '--snapshot',
      `fixtures/snapshots/${CASES[0]!.story}`,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: which proxy wrote this line\? .*\nhint: name it with --pod/);
  });

  it('reads the line from stdin with -', () => {
    const r = meshctl(
      ['explain', 'log', '-', '--snapshot', `fixtures/snapshots/${CASES[1]!.story}`, '-o', 'json'],
      `earlier line\n${CASES[1]!.line}\n`,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.equal((JSON.parse(r.stdout) as LogExplanation).verdict.agrees, true);
  });

  it('a line that is no access-log line is bad input before any cluster is contacted', async () => {
    // no --snapshot, no --dump: the live path would connect; the line is refused first
    const r = meshctl([
      'explain',
      'log',
      'hello world',
      '--pod',
      'p',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: this is not an access-log line/);
  });

  it('a line that is no access-log line is bad input (exit 2), with what was expected', () => {
    const r = meshctl([
      'explain',
      'log',
      'hello world',
      '--snapshot',
      `fixtures/snapshots/${CASES[1]!.story}`,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: this is not an access-log line: expected an Envoy access-log line/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });
});
