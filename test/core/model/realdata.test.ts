// Every dump in fixtures/real parses with zero errors, streamed from disk or read whole, and the v2alpha/v3 captures of the same proxies
// produce the same model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConfigDump } from '../../../src/core/model/config-dump.js';
import { realDump } from '../../helpers/dumps.js';
import { REAL, real } from '../../helpers/paths.js';
import { readDumpFile } from '../../../src/sources/dump/read-dump.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Dump-shaped inputs: config dumps and istioctl's resource outputs, not goldens of other commands. */
const DUMPS = walk(REAL)
  .map((p) => relative(REAL, p))
  .filter((p) =>
    /(config_?dump[^/]*|productpage[^/]*|ratings[^/]*|ingressgateway[^/]*|in\.all|clusters|http_config|tls_config)\.(json|yaml)$/.test(
      p,
    ),
  )
  .filter(
    (p) =>
      !p.includes('/ecds/output') &&
      !p.includes('expectations') &&
      !p.startsWith('k8s/') &&
      !p.includes('/analyzer/'),
  );

describe('real dumps parse', () => {
  it('finds the dumps of realdata (NOTES.md lists 46 dump-shaped files)', () => {
    assert.ok(DUMPS.length >= 40, `found ${DUMPS.length}`);
  });
  for (const path of DUMPS) {
    it(path, () => {
      const dump = realDump(path);
      const errors = dump.validate().filter((i) => i.severity === 'error');
      assert.deepEqual(errors, []);
    });
  }

  it('reads the Envoy Gateway dump, whose EDS section is camelCase inside a snake_case dump', () => {
    const dump = realDump('other-dumps/envoyproxy-gateway/internal/cmd/egctl/testdata/config/in/in.all.json');
    assert.equal(dump.index.adminApi, 'v3');
    const eds = dump.loadAssignments();
    assert.equal(eds.length, 1);
    assert.ok(eds[0]!.endpoints.length > 0);
    assert.deepEqual(
      dump.listeners().map((l) => l.name),
      ['default-eg-http'],
    );
  });

  it('streamed from disk, every dump gives the model it gives when read whole', async () => {
    for (const path of DUMPS) {
      const streamed = await readDumpFile(real(path), 0);
      assert.deepEqual(model(streamed), model(realDump(path)), path);
      assert.deepEqual(streamed.index.issues, realDump(path).index.issues, path);
    }
  });

  it('reads istioctl YAML output with its listeners', () => {
    const dump = realDump('istio/current/istioctl/pkg/authz/testdata/configdump.yaml');
    assert.equal(dump.listeners().length, 29);
    assert.ok(dump.listeners().some((l) => l.name === 'virtualInbound'));
  });
});

/**
 * A comparable form of everything meshctl reads from a dump. The upstream v2alpha -> v3 conversion also
 * inserted `@type` annotations inside v1-era structs (tcp_proxy deprecated_v1), so type annotations are
 * left out of the comparison: everything else must be equal, typed fields and kept JSON alike.
 */
function withoutTypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTypes);
  if (v instanceof Date || v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v)
      // functions are the model's lazy readers (a route configuration's virtual hosts), not its data
      .filter(([k, x]) => k !== '@type' && k !== 'typeUrl' && typeof x !== 'function')
      .map(([k, x]) => [k, withoutTypes(x)]),
  );
}

function model(dump: ConfigDump): unknown {
  return withoutTypes({
    identity: dump.identity(),
    listeners: dump.listeners(),
    clusters: dump.clusters(),
    routes: dump.routeConfigs(),
    endpoints: dump.loadAssignments(),
    secrets: dump.secrets(),
  });
}

const PAIRS = [
  'istioctl/cmd/testdata/authz/productpage_config_dump.json',
  'istioctl/cmd/testdata/describe/istio-ingressgateway-5bf6c9887-vvvmj.json',
  'istioctl/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json',
  'istioctl/cmd/testdata/describe/productpage-v1-c7765c886-v99jb.json',
  'istioctl/cmd/testdata/describe/ratings-v1-f745cf57b-vfwcv.json',
  'istioctl/pkg/util/configdump/testdata/configdump.json',
  'istioctl/pkg/writer/compare/sds/testdata/envoyconfigdumpsds.json',
  'istioctl/pkg/writer/compare/testdata/diffenvoyconfigdump.json',
  'istioctl/pkg/writer/compare/testdata/envoyconfigdump.json',
  'istioctl/pkg/writer/compare/testdata/pilotconfigdump.json',
  'istioctl/pkg/writer/envoy/configdump/testdata/bootstrapdump.json',
];

describe('v2alpha and v3 captures of the same proxies give the same model', () => {
  for (const path of PAIRS) {
    it(path, () => {
      const v2 = realDump(`istio/historical/v2alpha-2019-12/${path}`);
      const v3 = realDump(`istio/historical/v3-2020-05/${path}`);
      assert.deepEqual(model(v3), model(v2));
    });
  }

  it('configdump.json: the v3 copy gained two listeners upstream, and only that differs', () => {
    const path = 'istioctl/pkg/writer/envoy/configdump/testdata/configdump.json';
    const v2 = realDump(`istio/historical/v2alpha-2019-12/${path}`);
    const v3 = realDump(`istio/historical/v3-2020-05/${path}`);
    const extra = v3.listeners().filter((l) => !v2.listeners().some((x) => x.name === l.name));
    assert.deepEqual(
      extra.map((l) => l.name),
      ['0.0.0.0_8081', '0.0.0.0_8082'],
    );
    const v3Model = model(v3) as { listeners: unknown[] };
    v3Model.listeners = withoutTypes(v3.listeners().filter((l) => !extra.includes(l))) as unknown[];
    assert.deepEqual(v3Model, model(v2));
  });
});
