// explain on real Istio captures (bookinfo, Istio 1.1-1.5): each stage resolves exactly what the dump says.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain, type Traffic, type World } from '../../../src/core/engine/explain.js';
import { resolveHost } from '../../../src/core/engine/resolve.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import type { ConfigDump } from '../../../src/core/model/config-dump.js';
import { realDump } from '../../helpers/dumps.js';

const http = (host: string): Traffic => ({
  protocol: 'http',
  host,
  path: '/',
  method: 'GET',
  headers: {},
  sni: undefined,
});
const tcp: Traffic = {
  protocol: 'tcp',
  host: undefined,
  path: '/',
  method: 'GET',
  headers: {},
  sni: undefined,
};

function world(...dumps: ConfigDump[]): World {
  return { dumps, inventory: emptyInventory(), sockets: [] };
}

function stepNames(e: ReturnType<typeof explain>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of e.steps) out[s.stage] ??= s.name;
  return out;
}

const H = 'istio/historical/v3-2020-05/istioctl';

describe('explain request productpage -> reviews:9080 on real bookinfo captures', () => {
  const cases = [
    {
      file: `${H}/cmd/testdata/authz/productpage_config_dump.json`,
      era: '1.1.1',
      vip: '10.0.9.20',
      steps: {
        listener: '0.0.0.0_9080',
        networkFilter: 'http_connection_manager',
        routeConfig: '9080',
        virtualHost: 'reviews.default.svc.cluster.local:9080',
        cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      },
    },
    {
      file: `${H}/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json`,
      era: '1.3.0-rc.2',
      vip: '172.21.95.172',
      // protocol sniffing (1.3): a listener on the VIP with an ALPN-matched HTTP chain
      steps: {
        listener: '172.21.95.172_9080',
        filterChain: '#1',
        routeConfig: 'reviews.default.svc.cluster.local:9080',
        virtualHost: 'reviews.default.svc.cluster.local:9080',
        cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      },
    },
    {
      file: `${H}/cmd/testdata/describe/productpage-v1-c7765c886-v99jb.json`,
      era: '1.4-alpha',
      vip: '172.21.208.0',
      steps: {
        listener: '0.0.0.0_9080',
        filterChain: '#1',
        routeConfig: '9080',
        virtualHost: 'reviews.default.svc.cluster.local:9080',
        cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      },
    },
  ];
  for (const c of cases) {
    it(`Istio ${c.era}`, () => {
      const src = realDump(c.file);
      const r = resolveHost(src, emptyInventory(), 'reviews', 9080);
      assert.equal(r?.ip, c.vip, 'the ClusterIP comes from the virtual host domains');
      const e = explain(world(src), {
        mode: 'outbound',
        source: src,
        ip: r!.ip,
        port: 9080,
        traffic: http('reviews:9080'),
      });
      const names = stepNames(e);
      for (const [stage, name] of Object.entries(c.steps)) assert.equal(names[stage], name, stage);
      assert.equal(e.outcome.cluster, 'outbound|9080||reviews.default.svc.cluster.local');
      // the dumps were saved without ?include_eds: endpoints are unknown, and said so
      assert.equal(e.outcome.result, 'unknown');
      assert.match(e.missing.join('\n'), /include_eds/);
    });
  }

  it('names the DestinationRule behind the cluster (filter_metadata.istio.config)', () => {
    const src = realDump(`${H}/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json`);
    const e = explain(world(src), {
      mode: 'outbound',
      source: src,
      ip: '172.21.95.172',
      port: 9080,
      traffic: http('reviews:9080'),
    });
    assert.equal(e.steps.find((s) => s.stage === 'cluster')?.origin, 'DestinationRule default/reviews');
  });
});

const FULL = [
  `${H}/cmd/testdata/authz/productpage_config_dump.json`,
  `${H}/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json`,
  `${H}/cmd/testdata/describe/productpage-v1-c7765c886-v99jb.json`,
  `${H}/cmd/testdata/describe/ratings-v1-f745cf57b-vfwcv.json`,
  `${H}/pkg/util/configdump/testdata/configdump.json`,
  `${H}/pkg/writer/compare/testdata/envoyconfigdump.json`,
  `${H}/pkg/writer/envoy/configdump/testdata/configdump.json`,
  'istio/historical/v3-2020-09/pkg/test/framework/components/echo/common/testdata/config_dump.json',
  'istio/historical/v2alpha-2019-12/istioctl/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json',
];

describe('every full sidecar dump explains each of its own outbound service ports', () => {
  for (const file of FULL) {
    it(file, () => {
      const src = realDump(file);
      let count = 0;
      for (const c of src.clusters()) {
        if (c.istio?.direction !== 'outbound' || c.istio.port === undefined || c.istio.subset) continue;
        const port = c.istio.port;
        const [name, ns] = c.istio.fqdn.split('.');
        const host = `${name}.${ns}`;
        const ip = resolveHost(src, emptyInventory(), host, port)?.ip ?? '240.0.0.1';
        const httpPort = src
          .listeners()
          .some(
            (l) =>
              l.address.kind === 'socket' &&
              l.address.port === port &&
              l.filterChains.some((ch) => ch.filters.some((f) => f.kind === 'http_connection_manager')),
          );
        const e = explain(world(src), {
          mode: 'outbound',
          source: src,
          ip,
          port,
          traffic: httpPort ? http(`${host}:${port}`) : tcp,
        });
        assert.ok(e.steps.length >= 1, `${c.name}: a trace`);
        assert.ok(['delivered', 'failed', 'unknown'].includes(e.outcome.result));
        // an unknown answer always says what evidence would settle it
        if (e.outcome.result === 'unknown')
          assert.ok(e.missing.length > 0, `${c.name}: says what is missing`);
        assert.ok(e.outcome.summary.length > 0);
        count++;
      }
      assert.ok(count > 0, 'the dump has outbound service clusters');
    });
  }
});
