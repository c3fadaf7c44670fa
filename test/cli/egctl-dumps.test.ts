// Envoy Gateway dumps (`egctl config envoy-proxy <type> -o json|yaml`: namespace → pod name → dump) read like
// istioctl's forms, each proxy named by its pod. The single-proxy files are egctl's own test outputs
// (fixtures/real/other-dumps/envoyproxy-gateway, see NOTICE.md); the several-proxy file is built here in the
// same documented shape from them, since egctl's testdata holds one proxy only.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Explanation } from '../../src/core/engine/types.js';
import { parseDumps, readDumpFiles } from '../../src/sources/dump/read-dump.js';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';

const OUT = 'other-dumps/envoyproxy-gateway/internal/cmd/egctl/testdata/config/out';
const ALL = real(`${OUT}/out.all.json`);
const section = (type: string) => real(`${OUT}/out.${type}.json`);
const CLUSTERS = ['default-backend-rule-0-match-0-www.example.com', 'xds_cluster'];

const dir = mkdtempSync(join(tmpdir(), 'meshctl-egctl-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Three proxies in two namespaces; the third has one cluster renamed so the pods can be told apart. */
const eg = (JSON.parse(readFileSync(ALL, 'utf8')) as { default: { eg: unknown } }).default.eg;
const renamed = JSON.parse(JSON.stringify(eg).replaceAll('xds_cluster', 'xds_cluster_b')) as unknown;
const several = { default: { eg, 'eg-2': eg }, 'gateway-system': { 'envoy-gw-7d9f': renamed } };
const SEVERAL = join(dir, 'several.json');
writeFileSync(SEVERAL, JSON.stringify(several, null, 2));
const SEVERAL_YAML = join(dir, 'several.yaml');
writeFileSync(SEVERAL_YAML, stringify(several));

function names(args: string[]): string[] {
  const r = meshctl(['get', 'clusters', ...args, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Array<{ name: string }>).map((c) => c.name).sort();
}

describe('Envoy Gateway (egctl) dumps', () => {
  it('egctl config envoy-proxy all: every resource type, the pod named by the wrapper', () => {
    assert.deepEqual(names(['--dump', ALL]), CLUSTERS);
    for (const pod of ['eg', 'eg.default', 'default/eg'])
      assert.deepEqual(names(['--dump', ALL, pod]), CLUSTERS);
    const listeners = meshctl(['get', 'listeners', '--dump', ALL, 'eg', '-o', 'wide']);
    assert.match(listeners.stdout, /default-eg-http\s+0\.0\.0\.0\s+10080/);
    const routes = meshctl(['get', 'routes', '--dump', ALL, 'eg']);
    assert.match(routes.stdout, /default-eg-http\s+default-eg-http\s+www\.example\.com/);
    const endpoints = meshctl(['get', 'endpoints', '--dump', ALL, 'eg']);
    assert.match(endpoints.stdout, /10\.106\.37\.54:18000\s+HEALTHY/);
    const boot = meshctl(['get', 'bootstrap', '--dump', ALL, 'eg']);
    assert.match(boot.stdout, /^Proxy:\s+eg\.default$/m);
  });

  it('egctl config envoy-proxy cluster|listener|route|endpoints|bootstrap: one section per pod', () => {
    assert.deepEqual(names(['--dump', section('cluster'), 'eg']), CLUSTERS);
    for (const [type, file, expect] of [
      ['listeners', 'listener', /0\.0\.0\.0\s+10080/],
      ['routes', 'route', /default-eg-http/],
      ['endpoints', 'endpoints', /10\.106\.37\.54:18000/],
      ['bootstrap', 'bootstrap', /^Proxy:\s+eg\.default$/m],
    ] as const) {
      const r = meshctl(['get', type, '--dump', section(file), 'default/eg']);
      assert.equal(r.code, 0, `${type}: ${r.stderr}`);
      assert.match(r.stdout, expect);
    }
  });

  it('explain gateway follows a request through the Envoy Gateway proxy', () => {
    const r = meshctl([
      'explain',
      'gateway',
      'eg',
      '--port',
      '10080',
      '--protocol',
      'http',
      '--host',
      'www.example.com',
      '--dump',
      ALL,
      '-o',
      'json',
    ]);
    const e = JSON.parse(r.stdout) as Explanation;
    assert.equal(e.source.proxy, 'eg.default');
    assert.equal(e.outcome.cluster, CLUSTERS[0]);
    assert.equal(e.outcome.endpoint, '10.96.159.190:3000');
  });

  for (const [form, file] of [
    ['JSON', SEVERAL],
    ['YAML', SEVERAL_YAML],
  ] as const) {
    it(`several proxies in one file (${form}): each is a dump of its own, by pod name`, () => {
      assert.deepEqual(names(['--dump', file, 'eg-2']), CLUSTERS);
      assert.deepEqual(names(['--dump', file, 'gateway-system/envoy-gw-7d9f']), [
        CLUSTERS[0]!,
        'xds_cluster_b',
      ]);
      assert.deepEqual(names(['--dump', file, 'envoy-gw-7d9f.gateway-system']), [
        CLUSTERS[0]!,
        'xds_cluster_b',
      ]);
      const which = meshctl(['get', 'clusters', '--dump', file]);
      assert.equal(which.code, 2);
      assert.match(
        which.stderr,
        /3 dumps were given, so name the pod to read: eg\.default \(.*\[default\/eg\]\), eg-2\.default/,
      );
      const none = meshctl(['get', 'clusters', '--dump', file, 'nope']);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /no dump belongs to pod nope/);
    });
  }

  it('streamed (big-file path) and whole reads index the same resources', async () => {
    for (const file of [ALL, SEVERAL, section('cluster')]) {
      const whole = parseDumps(file, readFileSync(file));
      const streamed = await readDumpFiles(file, 0);
      assert.deepEqual(
        streamed.map((d) => [d.source, d.identity().pod, d.index.entries.map((x) => `${x.kind}:${x.name}`)]),
        whole.map((d) => [d.source, d.identity().pod, d.index.entries.map((x) => `${x.kind}:${x.name}`)]),
      );
      assert.ok(streamed.every((d) => d.clusters().length === 2));
    }
  });

  it('a wrapper whose pods hold something else is refused in one sentence', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ default: { eg: { hello: 'world' } } }));
    const r = meshctl(['get', 'clusters', '--dump', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*bad\.json: \$: this JSON object has no "configs" array/);
  });
});
