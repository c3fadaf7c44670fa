// Issue 14 items 2, 3 and 4 end to end through the binary: step names are Envoy's own (a script finds them
// with `meshctl get`), positions are in `index`; `via` and `failedStage` say what the steps say; a receiving
// default filter chain that ends in a cluster with no hosts is the blackhole, not unknown.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation, Step } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { real, ZK_ELECTION_PORT } from '../helpers/paths.js';

const PP = 'productpage-v1-76474f6fb7-pmglr';
const REVIEWS_POD = 'reviews-v1-5b487cc689-njx5t';
const snap = (story: string) => ['--snapshot', `fixtures/snapshots/${story}`];

function explainJson(args: string[]): { code: number; e: Explanation } {
  const r = meshctl([...args, '-o', 'json']);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  return { code: r.code, e: JSON.parse(r.stdout) as Explanation };
}

const step = (e: Explanation, stage: Step['stage'], proxy?: string) =>
  e.steps.find((s) => s.stage === stage && (proxy === undefined || s.proxy.startsWith(proxy)));

describe("step names are the dump's own; positions are in index (issue 14 item 2)", () => {
  it('an unnamed chain and route are null with their index; the filter is named as in the dump', () => {
    const { e } = explainJson([
      'explain',
      'request',
      PP,
      'http://reviews:9080/',
      ...snap('story2-bookinfo-vs-without-dr'),
    ]);
    assert.deepEqual([step(e, 'filterChain')?.name, step(e, 'filterChain')?.index], [null, 0]);
    assert.deepEqual([step(e, 'route')?.name, step(e, 'route')?.index], [null, 0]);
    assert.deepEqual(
      [step(e, 'networkFilter')?.name, step(e, 'networkFilter')?.index],
      ['envoy.filters.network.http_connection_manager', 0],
    );
    assert.equal(step(e, 'virtualHost')?.name, 'reviews.default.svc.cluster.local:9080');
    assert.equal(typeof step(e, 'virtualHost')?.index, 'number');
    for (const s of e.steps) assert.doesNotMatch(s.name ?? '', /#\d|\(unnamed\)/, `${s.stage} ${s.name}`);
  });

  it('the default filter chain is named by its own name, not default_filter_chain', () => {
    const { e } = explainJson([
      'explain',
      'pod-to-pod',
      PP,
      REVIEWS_POD,
      '--port',
      '9080',
      '--protocol',
      'tcp',
      ...snap('story2-bookinfo-before'),
    ]);
    const chain = step(e, 'filterChain', PP)!;
    assert.deepEqual([chain.name, chain.index], ['PassthroughFilterChain', null]);
  });

  it('a script finds each named object with meshctl get', () => {
    const { e } = explainJson([
      'explain',
      'request',
      PP,
      'http://reviews:9080/',
      ...snap('story2-bookinfo-with-dr'),
    ]);
    const get = (what: string) => {
      const dump = `fixtures/snapshots/story2-bookinfo-with-dr/dumps/default/${PP}.json`;
      const r = meshctl(['get', what, PP, '--dump', dump, '-o', 'json']);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as Array<{ name: string }>).map((x) => x.name);
    };
    assert.ok(get('listeners').includes(step(e, 'listener', PP)!.name!));
    assert.ok(get('routes').includes(step(e, 'routeConfig', PP)!.name!));
    assert.ok(get('clusters').includes(step(e, 'cluster', PP)!.name!));
  });

  it("the receiving sidecar's virtual host and route are steps of their own, as the source's are", () => {
    // Envoy logs the inbound route it took (%ROUTE_NAME% "default" on reviews' sidecar, as replay shows)
    const { e } = explainJson([
      'explain',
      'request',
      PP,
      'http://reviews:9080/',
      ...snap('story2-bookinfo-before'),
    ]);
    const onReviews = e.steps.filter((s) => s.proxy.startsWith(REVIEWS_POD));
    assert.deepEqual(
      onReviews
        .filter((s) => s.stage === 'virtualHost' || s.stage === 'route')
        .map((s) => [s.stage, s.name, s.index]),
      [
        ['virtualHost', 'inbound|http|9080', 0],
        ['route', 'default', 0],
      ],
    );
    // in path order: after the receiving chain's connection manager, before its inbound cluster
    const stages = onReviews.map((s) => s.stage);
    assert.ok(stages.indexOf('networkFilter') < stages.indexOf('route'));
    assert.ok(stages.indexOf('route') < stages.lastIndexOf('cluster'));
  });

  it('the text output shows the position beside the name', () => {
    const r = meshctl([
      'explain',
      'request',
      PP,
      'http://reviews:9080/',
      ...snap('story2-bookinfo-vs-without-dr'),
    ]);
    assert.match(r.stdout, /route\s+\(unnamed\) #0/);
  });

  it("the objects that lost are named the same way: Envoy's string or null, the position in index", () => {
    const story = snap('story4-zookeeper-istio-1.9');
    const { e } = explainJson([...ZK_ELECTION_PORT, ...story]);
    const chain = step(e, 'filterChain', 'my-release-zookeeper-0')!;
    const alts = chain.alternatives ?? [];
    assert.ok(alts.length > 1);
    for (const a of alts) {
      assert.doesNotMatch(a.name ?? '', /#\d|\(unnamed\)/, JSON.stringify(a));
      assert.equal(typeof a.index, 'number', JSON.stringify(a));
    }
    assert.deepEqual(alts[0], {
      name: 'virtualInbound-blackhole',
      index: 0,
      reason: 'needs destination port 15006, the connection has 3888',
    });
    // the listener hand-off lists listeners, which are no list members: index null
    const listener = step(e, 'listener', 'my-release-zookeeper-1')!;
    assert.ok(listener.alternatives?.every((a) => a.index === null && a.name && !a.name.includes('#')));
    // a socket is not a config object: no name, its address instead (story 4's ZooKeeper binds the pod IP only)
    const { e: app } = explainJson([
      'explain',
      'inbound',
      'my-release-zookeeper-0',
      '--port',
      '3888',
      ...story,
    ]);
    const sock = step(app, 'application')!.alternatives![0]!;
    assert.deepEqual([sock.name, sock.index, sock.address], [null, null, '10.96.8.10:3888']);
    // the text still shows a person the position beside the name
    assert.match(meshctl([...ZK_ELECTION_PORT, ...story]).stdout, /not virtualInbound-blackhole #0: needs/);
  });
});

describe('via and failedStage follow the steps (issue 14 item 3)', () => {
  it('a chosen cluster that does not exist is via cluster', () => {
    const { code, e } = explainJson([
      'explain',
      'request',
      PP,
      'http://reviews:9080/',
      ...snap('story2-bookinfo-vs-without-dr'),
    ]);
    assert.equal(code, 1);
    assert.deepEqual(
      [e.outcome.result, e.outcome.via, e.outcome.failedStage, e.outcome.cluster],
      ['failed', 'cluster', 'cluster', 'outbound|9080|v1|reviews.default.svc.cluster.local'],
    );
  });

  it('a chosen cluster whose endpoints are unknown is via cluster', () => {
    const dump = real('istio/historical/v3-2020-05/istioctl/cmd/testdata/authz/productpage_config_dump.json');
    const { code, e } = explainJson([
      'explain',
      'request',
      'productpage-v1-5cb458d74f-56sx7',
      'http://reviews:9080/',
      '--dump',
      dump,
    ]);
    assert.equal(code, 2);
    assert.deepEqual(
      [e.outcome.result, e.outcome.via, e.outcome.cluster],
      ['unknown', 'cluster', 'outbound|9080||reviews.default.svc.cluster.local'],
    );
  });

  it('a destination filter chain that refuses plaintext is filterChain, on the destination proxy', () => {
    const { code, e } = explainJson([
      'explain',
      'inbound',
      'my-release-zookeeper-0',
      '--port',
      '3888',
      ...snap('story4-zookeeper-istio-1.10-strict'),
    ]);
    assert.equal(code, 1);
    assert.equal(e.outcome.failedStage, 'filterChain');
    const failing = e.steps.find((s) => s.result === 'failed' || s.result === 'no-match')!;
    assert.deepEqual([failing.stage, failing.proxy], ['filterChain', 'my-release-zookeeper-0.default']);
    // no sender in the inputs: the flag is the one the receiving Envoy logs (NR, filter_chain_not_found),
    // as Envoy 1.40 did on the corpus's inbound-1.16.0/strict-plain; UC would be a source sidecar's
    assert.deepEqual([e.outcome.responseFlag, e.outcome.httpStatus], ['NR', null]);
  });

  it('plaintext into a TLS chain without a sender in the inputs: failed on that chain, no flag, no status', () => {
    // Istio 1.4 STRICT: the chain has a DownstreamTlsContext and no transport_protocol, so Envoy takes the
    // connection on it and fails the handshake. Only a source sidecar would log UC (and answer 503); Envoy
    // 1.40 replaying this dump logged filter_chain_name filter_chains[2] and response_flags "-", and the
    // client saw ECONNRESET (envoy-semantics.md section 5 knew only the NR form of plaintext into STRICT).
    const pod = 'productpage-v1-c7765c886-v99jb';
    const args = ['explain', 'inbound', pod, '--port', '9080', '--protocol', 'http'];
    const dump = real(`istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/${pod}.json`);
    const { code, e } = explainJson([...args, '--dump', dump]);
    assert.equal(code, 1);
    assert.deepEqual(
      [e.outcome.result, e.outcome.via, e.outcome.responseFlag, e.outcome.httpStatus, e.outcome.failedStage],
      ['failed', 'none', null, null, 'filterChain'],
    );
    const chain = step(e, 'filterChain')!;
    assert.deepEqual(
      [chain.result, chain.name, chain.index, chain.proxy],
      ['failed', null, 2, `${pod}.default`],
    );
    assert.match(e.outcome.summary, /handshake fails .*\(a source sidecar would log UC\)/);
  });
});

describe('a receiving default filter chain into a cluster with no hosts is the blackhole (issue 14 item 4)', () => {
  let dir = '';
  const variants: Record<string, string> = {};
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshctl-blackhole-'));
    const src = 'fixtures/snapshots/story4-zookeeper-istio-1.10/dumps/default/my-release-zookeeper-0.json';
    for (const [variant, cluster] of [
      ['blackhole', 'BlackHoleCluster'],
      ['static', 'inbound-nowhere'],
    ] as const) {
      const d = JSON.parse(readFileSync(src, 'utf8')) as { configs: Array<Record<string, unknown>> };
      for (const c of d.configs) {
        for (const l of (c.dynamic_listeners ?? []) as Array<{
          active_state?: { listener: Record<string, unknown> };
        }>) {
          const listener = l.active_state?.listener;
          if (listener?.name !== 'virtualInbound') continue;
          // no chain for other ports: they fall to the default chain, which forwards to `cluster`
          listener.filter_chains = (listener.filter_chains as Array<{ name?: string }>).filter(
            (fc) => fc.name !== 'virtualInbound',
          );
          listener.default_filter_chain = {
            name: 'virtualInbound-default',
            filters: [
              {
                name: 'envoy.filters.network.tcp_proxy',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                  stat_prefix: cluster,
                  cluster,
                },
              },
            ],
          };
        }
        if (variant === 'static' && Array.isArray(c.static_clusters))
          c.static_clusters.push({
            cluster: {
              name: 'inbound-nowhere',
              type: 'STATIC',
              connect_timeout: '1s',
              load_assignment: { cluster_name: 'inbound-nowhere' },
            },
          });
      }
      variants[variant] = join(dir, `${variant}.json`);
      writeFileSync(variants[variant]!, JSON.stringify(d));
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [variant, cluster] of [
    ['blackhole', 'BlackHoleCluster'],
    ['static', 'inbound-nowhere'],
  ] as const)
    it(`${cluster}: failed UH, the chain named by its own name`, () => {
      const { code, e } = explainJson([
        'explain',
        'inbound',
        'my-release-zookeeper-0',
        '--port',
        '7777',
        '--dump',
        variants[variant]!,
      ]);
      assert.equal(code, 1, JSON.stringify(e.outcome));
      assert.deepEqual(
        [e.outcome.result, e.outcome.via, e.outcome.responseFlag],
        ['failed', 'blackhole', 'UH'],
      );
      const chain = step(e, 'filterChain')!;
      assert.deepEqual([chain.result, chain.name, chain.index], ['matched', 'virtualInbound-default', null]);
      const last = e.steps[e.steps.length - 1]!;
      assert.deepEqual([last.result, last.name], ['failed', cluster]);
      assert.equal(e.outcome.failedStage, last.stage);
    });
});
