// explain on real Istio captures (bookinfo, Istio 1.1-1.5): each stage resolves exactly what the dump says.
import { describe, it } from 'node:test';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import assert from 'node:assert/strict';
import { explain, trafficOf, type Traffic, type World } from '../../../src/core/engine/explain.js';
import { resolveHost } from '../../../src/core/engine/resolve.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import type { ConfigDump } from '../../../src/core/model/config-dump.js';
import { realDump } from '../../helpers/dumps.js';
import { REAL } from '../../helpers/paths.js';

const http = (host: string): Traffic => trafficOf({ protocol: 'http', host });
const tcp: Traffic = trafficOf({ protocol: 'tcp' });

function world(...dumps: ConfigDump[]): World {
  return { dumps, inventory: emptyInventory(), sockets: [] };
}

function stepNames(e: ReturnType<typeof explain>): Record<string, string> {
  const out: Record<string, string> = {};
  // the first step of each stage: its verbatim name, and #index when it is a list member
  for (const s of e.steps) out[s.stage] ??= `${s.name ?? ''}${s.index !== null ? `#${s.index}` : ''}`;
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
        networkFilter: 'envoy.http_connection_manager#0',
        routeConfig: '9080',
        virtualHost: 'reviews.default.svc.cluster.local:9080#3',
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
        virtualHost: 'reviews.default.svc.cluster.local:9080#0',
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
        virtualHost: 'reviews.default.svc.cluster.local:9080#2',
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

/** Every dump in fixtures/real with a bootstrap, listeners and clusters (NOTES.md calls them full). */
function fullDumps(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.json$/.test(n)) out.push(relative(REAL, p));
    }
  };
  walk(join(REAL, 'istio'));
  walk(join(REAL, 'other-dumps'));
  return out.filter((f) => {
    try {
      const d = realDump(f);
      return d.has('bootstrap') && d.has('listener') && d.has('cluster');
    } catch {
      return false; // goldens and other non-dump JSON
    }
  });
}

function checkExplanation(e: ReturnType<typeof explain>, what: string): void {
  assert.ok(e.steps.length >= 1, `${what}: a trace`);
  assert.ok(['delivered', 'failed', 'unknown'].includes(e.outcome.result));
  assert.ok(e.outcome.summary.length > 0);
  // an unknown answer always says what evidence would settle it
  if (e.outcome.result === 'unknown') assert.ok(e.missing.length > 0, `${what}: says what is missing`);
}

describe('every full dump in realdata explains each of its own ports', () => {
  const files = fullDumps();
  it('finds the full dumps (NOTES.md: 30 of 46, some without all three sections)', () =>
    assert.ok(files.length >= 20, String(files.length)));
  for (const file of files) {
    it(file, () => {
      const src = realDump(file);
      let count = 0;
      const bound = src.listeners().filter((l) => l.bindToPort && l.address.kind === 'socket');
      if (src.identity().type === 'sidecar' || bound.length === 0) {
        // each outbound service port, by the name a client would use
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
          checkExplanation(
            explain(world(src), {
              mode: 'outbound',
              source: src,
              ip,
              port,
              traffic: httpPort ? http(`${host}:${port}`) : tcp,
            }),
            c.name,
          );
          count++;
        }
      } else {
        // gateways and other proxies: traffic arriving on each bound listener
        for (const l of bound) {
          if (l.address.kind !== 'socket') continue;
          const httpPort = l.filterChains.some((ch) =>
            ch.filters.some((f) => f.kind === 'http_connection_manager'),
          );
          checkExplanation(
            explain(world(src), {
              mode: 'gateway',
              gateway: src,
              port: l.address.port,
              fromIp: undefined,
              traffic: httpPort ? http('example.com') : tcp,
            }),
            l.name,
          );
          count++;
        }
      }
      assert.ok(
        count > 0 || src.clusters().every((c) => c.istio?.direction !== 'outbound'),
        'explained at least one port',
      );
    });
  }
});
