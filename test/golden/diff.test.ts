// `meshctl diff`: istioctl's own compare test dumps (the changes its expected diffs show), the same workload in
// two Istio eras (reviewed for noise), the stories' before/after snapshots and replicas.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigDiff } from '../../src/core/diff/config-diff.js';
import { meshctl } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const COMPARE = 'istio/historical/v3-2020-05/istioctl/pkg/writer/compare/testdata';
const DESCRIBE = 'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe';
/** Relative to the repository (the CLI runs there), so goldens do not depend on where it is checked out. */
const real = (p: string) => `fixtures/real/${p}`;
const PP_13 = real(`${DESCRIBE}/productpage-v1-7bbd79f8fd-k6j79.json`);
const PP_14 = real(`${DESCRIBE}/productpage-v1-c7765c886-v99jb.json`);

function diff(args: string[]): { code: number; json: ConfigDiff & { items?: ConfigDiff[] }; text: string } {
  const j = meshctl(['diff', ...args, '-o', 'json']);
  const t = meshctl(['diff', ...args]);
  assert.equal(t.code, j.code, t.stderr);
  return { code: j.code, json: JSON.parse(j.stdout) as ConfigDiff, text: t.stdout };
}

const changes = (d: ConfigDiff) =>
  d.groups.flatMap((g) => g.changes.map((c) => [g.group, c.kind, c.resource, c.name]));

describe('meshctl diff', () => {
  it("finds in istioctl's compare test dumps exactly the three differences its expected diffs show", () => {
    const r = diff([real(`${COMPARE}/envoyconfigdump.json`), real(`${COMPARE}/diffenvoyconfigdump.json`)]);
    assert.equal(r.code, 1);
    assert.deepEqual(changes(r.json), [
      [
        'istio-policy.istio-system.svc.cluster.local:15004',
        'changed',
        'cluster',
        'outbound|15004||istio-policy.istio-system.svc.cluster.local',
      ],
      [
        'istio-policy.istio-system.svc.cluster.local:15004',
        'changed',
        'route',
        '15004/istio-policy.istio-system.svc.cluster.local:15004',
      ],
      ['listeners :8080', 'changed', 'listener', '0.0.0.0_8080'],
    ]);
    const details = r.json.groups.flatMap((g) =>
      g.changes.flatMap((c) => c.details.map((d) => [d.path, d.a, d.b])),
    );
    // clusterdiff.txt: maxRequests 10000 gone; routediff.txt: two domains gone; listenerdiff.txt: envoy.router gone
    assert.deepEqual(details, [
      ['circuit_breakers.thresholds[0].max_requests', 10000, undefined],
      ['domains', 'istio-policy.istio-system.svc', undefined],
      ['domains', 'istio-policy.istio-system.svc:15004', undefined],
      [
        'filter_chains[any].filters[envoy.http_connection_manager].typed_config.http_filters[envoy.router]',
        { name: 'envoy.router' },
        undefined,
      ],
    ]);
    golden('fixtures/golden/diff/istioctl-compare.txt', r.text);
  });

  it('the same dump against itself: no differences, exit 0', () => {
    const r = diff([PP_13, PP_13]);
    assert.equal(r.code, 0);
    assert.equal(r.json.identical, true);
    assert.match(r.text, /no differences in listeners, routes, clusters or endpoints/);
  });

  it('productpage on Istio 1.3 against 1.4: what changed, without noise', () => {
    const r = diff([PP_13, PP_14]);
    assert.equal(r.code, 1);
    const body = r.text.split('\n').slice(2, -2).join('\n'); // without the header and the "not compared" line
    // nothing that only says "these are two different pods" or "two dumps taken at different times"
    for (const noise of [
      '172.30.150.216',
      '172.30.144.174',
      'k6j79',
      'v99jb',
      'fe80::',
      'version_info',
      'last_updated',
      '@type',
    ])
      assert.ok(!body.includes(noise), `${noise} in the diff body`);
    // the era's real changes, in words
    assert.match(
      r.text,
      /cluster outbound\|9080\|v1\|details\.default\.svc\.cluster\.local changed: TLS: Istio mutual TLS → by endpoint label/,
    );
    assert.match(
      r.text,
      /routing for details\.default\.svc\.cluster\.local:9080 .* domains -"172\.21\.65\.38"/,
    );
    golden('fixtures/golden/diff/productpage-1.3-vs-1.4.txt', r.text);
    golden('fixtures/golden/diff/productpage-1.3-vs-1.4.json', JSON.stringify(r.json, null, 2) + '\n');
  });

  it('before and after a VirtualService (two snapshots): the route that now sends to subset v1', () => {
    const r = diff([
      'fixtures/snapshots/story2-bookinfo-before',
      'fixtures/snapshots/story2-bookinfo-vs-without-dr',
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.json.items?.length, 2);
    for (const d of r.json.items ?? [])
      assert.deepEqual(
        d.groups.flatMap((g) => g.changes.map((c) => c.summary)),
        [
          'routing for reviews.default.svc.cluster.local:9080 (virtual host of route configuration 9080) changed: route #0 now sends all to outbound|9080|v1|reviews.default.svc.cluster.local (was all to outbound|9080||reviews.default.svc.cluster.local)',
        ],
      );
    golden('fixtures/golden/story2-bookinfo-vs-without-dr/diff-before.txt', r.text);
  });

  it('ZooKeeper on 1.9 against 1.10: the inbound clusters that went from STATIC 127.0.0.1 to ORIGINAL_DST', () => {
    const r = diff([
      'fixtures/snapshots/story4-zookeeper-istio-1.9',
      'fixtures/snapshots/story4-zookeeper-istio-1.10',
    ]);
    for (const d of r.json.items ?? []) {
      const inbound = d.groups.filter((g) => g.group.startsWith('inbound')).flatMap((g) => g.changes);
      assert.deepEqual(
        inbound.map((c) => c.name),
        ['inbound|2181||', 'inbound|2888||', 'inbound|3888||'],
      );
      for (const c of inbound) assert.match(c.summary, /type "STATIC" → "ORIGINAL_DST"/);
    }
    golden('fixtures/golden/story4-zookeeper-istio-1.10/diff-1.9.txt', r.text);
  });

  it('replica against replica: two ZooKeeper peers differ only in who they are', () => {
    const r = diff([
      'my-release-zookeeper-0',
      'my-release-zookeeper-1',
      '--snapshot',
      'fixtures/snapshots/story4-zookeeper-istio-1.9',
    ]);
    assert.equal(r.code, 0, r.text);
    assert.equal(r.json.identical, true);
    assert.match(r.json.ignored.join('\n'), /own addresses and name/);
  });

  it('two snapshots without a pod in common: the pods of each side listed, nothing paired', () => {
    const r = diff([
      'fixtures/snapshots/story4-zookeeper-istio-1.9',
      'fixtures/snapshots/story2-bookinfo-before',
    ]);
    assert.equal(r.code, 1);
    const list = r.json as unknown as { items: unknown[]; onlyInA: string[]; onlyInB: string[] };
    assert.deepEqual(list.items, []);
    assert.deepEqual(list.onlyInA, ['default/my-release-zookeeper-1', 'default/my-release-zookeeper-0']);
    assert.deepEqual(list.onlyInB, [
      'default/productpage-v1-76474f6fb7-pmglr',
      'default/reviews-v1-5b487cc689-njx5t',
    ]);
    assert.match(
      r.text,
      /only in the first: default\/my-release-zookeeper-1, default\/my-release-zookeeper-0/,
    );
  });

  it('a snapshot compares only with a snapshot; a missing file is named (exit 2)', () => {
    const mixed = meshctl(['diff', 'fixtures/snapshots/story4-zookeeper-istio-1.9', PP_13]);
    assert.equal(mixed.code, 2);
    assert.match(
      mixed.stderr,
      /^error: .*story4-zookeeper-istio-1\.9 is a snapshot: compare it with another snapshot/,
    );
    const missing = meshctl(['diff', 'nope/a.json', PP_13]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: nope\/a\.json: no such file or snapshot directory/);
  });
});
