// meshctl explain through the real binary: exit codes, the JSON contract, inputs and their errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { real, ZK_ELECTION_PORT } from '../helpers/paths.js';

const ZK9 = 'fixtures/snapshots/story4-zookeeper-istio-1.9';
const ZK9_DUMPS = [
  '--dump',
  `${ZK9}/dumps/default/my-release-zookeeper-1.json`,
  '--dump',
  `${ZK9}/dumps/default/my-release-zookeeper-0.json`,
];
const PRODUCTPAGE = real(
  'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json',
);

describe('meshctl explain', () => {
  // Found by the conformance corpus: --path had a default of "/", so the URL's own path never reached the
  // request and every route was matched against "/" (cli-contract.md: "the URL's path and query are the
  // request's (--path overrides them only when given)").
  it('explain request sends the path and query of the URL, and --path only when given', () => {
    const story2 = ['--snapshot', 'fixtures/snapshots/story2-bookinfo-before', '-o', 'json'];
    const url = [
      'explain',
      'request',
      'productpage-v1-76474f6fb7-pmglr',
      'http://reviews:9080/reviews/0?u=1',
    ];
    const fromUrl = JSON.parse(meshctl([...url, ...story2]).stdout) as Explanation;
    assert.equal(fromUrl.call.path, '/reviews/0?u=1');
    const overridden = JSON.parse(meshctl([...url, '--path', '/other', ...story2]).stdout) as Explanation;
    assert.equal(overridden.call.path, '/other');
  });

  it('prints the Explanation JSON of the contract (meshctl/v1)', () => {
    const r = meshctl([...ZK_ELECTION_PORT, '--snapshot', ZK9, '-o', 'json']);
    assert.equal(r.code, 1);
    const e = JSON.parse(r.stdout) as Explanation;
    assert.equal(e.apiVersion, 'meshctl/v1');
    assert.equal(e.kind, 'Explanation');
    assert.deepEqual(Object.keys(e), [
      'apiVersion',
      'kind',
      'source',
      'call',
      'outcome',
      'steps',
      'hints',
      'missing',
    ]);
    assert.deepEqual(e.source, {
      proxy: 'my-release-zookeeper-1.default',
      type: 'sidecar',
      ip: '10.96.7.7',
      istioVersion: '1.9.5',
    });
    assert.deepEqual(Object.keys(e.call), [
      'mode',
      'address',
      'port',
      'protocol',
      'host',
      'path',
      'method',
      'headers',
      'sni',
    ]);
    assert.deepEqual(Object.keys(e.outcome), [
      'result',
      'via',
      'responseFlag',
      'httpStatus',
      'cluster',
      'endpoint',
      'failedStage',
      'summary',
    ]);
    assert.equal(e.call.mode, 'outbound');
    assert.equal(e.call.path, null, 'no path for TCP');
    for (const s of e.steps) {
      assert.ok(
        [
          'capture',
          'listener',
          'filterChain',
          'networkFilter',
          'routeConfig',
          'virtualHost',
          'route',
          'cluster',
          'endpoints',
          'inbound',
          'application',
        ].includes(s.stage),
      );
      assert.ok(['matched', 'no-match', 'failed', 'skipped', 'unknown'].includes(s.result));
      assert.ok(s.proxy && s.detail);
      // Envoy's own name or null, never an empty or decorated string; a position only in `index`
      assert.ok(s.name === null || (s.name !== '' && !/ #\d+$| \(#\d+\)$|^#\d+$/.test(s.name)), s.name ?? '');
      assert.ok(s.index === null || Number.isInteger(s.index));
    }
    for (const h of e.hints) assert.match(h.id, /^[a-z0-9]+(-[a-z0-9.]+)*$/);
  });

  it('takes dumps, manifests and sockets as separate inputs and gives the same answer as the snapshot', () => {
    const fromSnapshot = JSON.parse(
      meshctl([...ZK_ELECTION_PORT, '--snapshot', ZK9, '-o', 'json']).stdout,
    ) as Explanation;
    const r = meshctl([
      ...ZK_ELECTION_PORT,
      ...ZK9_DUMPS,
      '-f',
      `${ZK9}/k8s`,
      '--sockets',
      `my-release-zookeeper-0=${ZK9}/sockets/default/my-release-zookeeper-0.txt`,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const e = JSON.parse(r.stdout) as Explanation;
    assert.deepEqual(e.outcome, fromSnapshot.outcome);
    assert.deepEqual(
      e.steps.map((s) => [s.stage, s.result, s.name]),
      fromSnapshot.steps.map((s) => [s.stage, s.result, s.name]),
    );
  });

  it('without socket evidence the app step is unknown and the evidence to fetch is named', () => {
    const r = meshctl([
      'explain',
      'pod-to-pod',
      'my-release-zookeeper-1',
      '10.96.8.10',
      '--port',
      '3888',
      ...ZK9_DUMPS,
      '-o',
      'json',
    ]);
    const e = JSON.parse(r.stdout) as Explanation;
    assert.equal(e.steps.at(-1)?.stage, 'application');
    assert.equal(e.steps.at(-1)?.result, 'unknown');
    assert.match(
      e.missing.join('\n'),
      /kubectl exec my-release-zookeeper-0 -c istio-proxy -- cat \/proc\/net\/tcp/,
    );
    // without the pods' manifests, capture says it assumed Istio's defaults
    assert.match(e.steps[0]!.detail, /default capture rules are assumed/);
  });

  it('exit 2 and the full explanation when the answer is unknown', () => {
    const r = meshctl([
      'explain',
      'request',
      'productpage-v1-7bbd79f8fd-k6j79',
      'http://reviews:9080/',
      '--dump',
      PRODUCTPAGE,
    ]);
    assert.equal(r.code, 2);
    assert.match(
      r.stdout,
      /^UNKNOWN: the endpoints of outbound\|9080\|\|reviews\.default\.svc\.cluster\.local are not known/m,
    );
    assert.match(
      r.stdout,
      /missing evidence:\n {2}- endpoints of outbound\|9080\|\|reviews.default.svc.cluster.local: save the dump with \/config_dump\?include_eds/,
    );
    assert.equal(r.stderr, '');
  });

  it('an explicit --host sets the Host even for an IP destination', () => {
    const r = meshctl([
      'explain',
      'request',
      'productpage-v1-7bbd79f8fd-k6j79',
      'http://172.21.95.172:9080/',
      '--host',
      'reviews:9080',
      '--dump',
      PRODUCTPAGE,
      '-o',
      'json',
    ]);
    const e = JSON.parse(r.stdout) as Explanation;
    assert.equal(e.call.host, 'reviews:9080');
    assert.equal(
      e.steps.find((s) => s.stage === 'virtualHost')?.name,
      'reviews.default.svc.cluster.local:9080',
    );
  });

  it('plain text without colour when not on a terminal; colour codes only on a TTY', async () => {
    const gateway31400 = [
      'explain',
      'gateway',
      'istio-ingressgateway-5d9c6b8f7c-x2k4q',
      '--port',
      '31400',
      '--snapshot',
      'fixtures/snapshots/story3-tcp-echo-gateway',
    ];
    const r = meshctl(gateway31400);
    assert.ok(!r.stdout.includes('\u001b['), 'no escape codes');
    const { renderExplanation } = await import('../../src/render/explanation.js');
    const e = JSON.parse(meshctl([...gateway31400, '-o', 'json']).stdout) as Explanation;
    assert.ok(renderExplanation(e, { color: true }).includes('\u001b[32m✓'), 'green ticks on a TTY');
    assert.equal(renderExplanation(e, { color: false }), r.stdout);
  });

  const dir = mkdtempSync(join(tmpdir(), 'meshctl-explain-'));
  writeFileSync(join(dir, 'bad-sockets.txt'), 'hello world\n');
  const errors: Array<[string, string[], RegExp]> = [
    [
      'pod-to-pod without --port',
      ['explain', 'pod-to-pod', 'my-release-zookeeper-1', 'my-release-zookeeper-0', '--snapshot', ZK9],
      /^error: explain pod-to-pod needs --port\nhint: for example --port 9080\n$/,
    ],
    [
      'a destination nobody knows',
      ['explain', 'pod-to-pod', 'my-release-zookeeper-1', 'zk-9', '--port', '3888', '--snapshot', ZK9],
      /^error: destination zk-9 is neither an IP nor a pod whose dump or manifest was given\n/,
    ],
    [
      'a source with no dump',
      ['explain', 'pod-to-pod', 'nobody', '10.0.0.1', '--port', '1', '--snapshot', ZK9],
      /^error: no dump belongs to pod nobody; the dumps given are for: my-release-zookeeper-1\.default/,
    ],
    [
      'a URL that is not one',
      ['explain', 'request', 'my-release-zookeeper-1', 'reviews:9080', '--snapshot', ZK9],
      /^error: reviews:9080 is not a URL like http:\/\/reviews:9080\/path or tcp:\/\/10\.0\.0\.5:3306\n$/,
    ],
    [
      'a host that resolves to nothing',
      ['explain', 'request', 'my-release-zookeeper-1', 'http://nowhere:80/', '--snapshot', ZK9],
      /^error: cannot tell which IP nowhere resolves to/,
    ],
    [
      'a sockets file in no known format',
      [
        'explain',
        'inbound',
        'my-release-zookeeper-0',
        '--port',
        '3888',
        ...ZK9_DUMPS,
        '--sockets',
        `my-release-zookeeper-0=${join(dir, 'bad-sockets.txt')}`,
      ],
      /bad-sockets\.txt: line 1: not a \/proc\/net\/tcp, ss or netstat line: "hello world"\nhint: give \/proc\/net\/tcp/,
    ],
    [
      '--sockets without =',
      ['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', ...ZK9_DUMPS, '--sockets', 'zk-0'],
      /^error: --sockets zk-0 is not POD=FILE/,
    ],
    [
      'a snapshot that does not exist',
      ['explain', 'inbound', 'x', '--port', '1', '--snapshot', join(dir, 'nope')],
      /^error: .*nope: no such snapshot\n/,
    ],
    [
      'a directory that is not a snapshot',
      ['explain', 'inbound', 'x', '--port', '1', '--snapshot', dir],
      /meshctl-snapshot\.json is missing or not JSON/,
    ],
    [
      'both --snapshot and --dump',
      ['explain', 'inbound', 'x', '--port', '1', '--snapshot', ZK9, '--dump', PRODUCTPAGE],
      /^error: give either --snapshot or --dump, not both\n$/,
    ],
    [
      'an unknown protocol',
      [
        'explain',
        'inbound',
        'my-release-zookeeper-0',
        '--port',
        '3888',
        '--protocol',
        'quic',
        '--snapshot',
        ZK9,
      ],
      /^error: --protocol quic is not one of tcp, http, http2, grpc, tls\n$/,
    ],
  ];
  for (const [name, args, stderr] of errors) {
    it(`${name}: exit 2, a clear message, nothing on stdout`, () => {
      const r = meshctl(args);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  it('reads a snapshot archived with tar czf as it reads the directory', () => {
    const file = join(dir, 'zk.tar.gz');
    execFileSync('tar', ['czf', file, '-C', join(ZK9, '..'), 'story4-zookeeper-istio-1.9']);
    const args = [...ZK_ELECTION_PORT, '-o', 'json'];
    const a = JSON.parse(meshctl([...args, '--snapshot', file]).stdout) as Explanation;
    const b = JSON.parse(meshctl([...args, '--snapshot', ZK9]).stdout) as Explanation;
    assert.deepEqual(a.outcome, b.outcome);
    assert.deepEqual(
      a.steps.map((s) => s.name),
      b.steps.map((s) => s.name),
    );
    const bad = join(dir, 'bad.tar.gz');
    writeFileSync(bad, 'not gzip');
    assert.match(meshctl([...args, '--snapshot', bad]).stderr, /^error: .*bad\.tar\.gz is not a gzip file/);
  });
});
