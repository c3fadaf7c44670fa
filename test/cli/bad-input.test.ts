// Bad input gets one clear sentence naming the file, where, and what was expected; exit 2; no stack trace.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';

const DETAILS = 'istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json';
let dir = '';
const at = (name: string) => join(dir, name);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-bad-'));
  const good = readFileSync(real(DETAILS), 'utf8');
  writeFileSync(at('empty.json'), '');
  writeFileSync(at('truncated.json'), good.slice(0, 3000));
  writeFileSync(at('pod.json'), '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}}\n');
  writeFileSync(at('tab.yaml'), 'configs:\n\t- "@type": x\n');
  writeFileSync(at('garbage.bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xff]));
  const withUnknown = JSON.parse(good) as { configs: unknown[] };
  withUnknown.configs.push({ '@type': 'type.googleapis.com/envoy.admin.v3.FancyNewConfigDump', things: [] });
  writeFileSync(at('unknown-type.json'), JSON.stringify(withUnknown, null, 1));
  // a syntax error deep inside one listener, far from the start of the file
  writeFileSync(at('broken-listener.json'), good.replace('"portValue": 8080', '"portValue": 8080 8081'));
});

function assertClean(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
}

describe('bad input', () => {
  const cases: Array<{ name: string; args: () => string[]; stderr: RegExp }> = [
    {
      name: 'empty file',
      args: () => ['get', 'clusters', '--dump', at('empty.json')],
      stderr:
        /^error: .*empty\.json is empty: expected an Envoy \/config_dump or istioctl proxy-config output \(JSON or YAML\)\n$/,
    },
    {
      name: 'truncated JSON',
      args: () => ['get', 'clusters', '--dump', at('truncated.json')],
      stderr:
        /^error: .*truncated\.json: line 108, column 15: the input ends inside a string \(truncated JSON\?\)\nhint: save one with: kubectl exec/,
    },
    {
      name: 'a JSON file that is not a dump',
      args: () => ['get', 'listeners', '--dump', at('pod.json')],
      stderr:
        /^error: .*pod\.json: \$: this JSON object has no "configs" array, so it is not an Envoy \/config_dump/,
    },
    {
      name: 'YAML with a tab',
      args: () => ['get', 'listeners', '--dump', at('tab.yaml')],
      stderr:
        /^error: .*tab\.yaml: line 2, column 1: invalid YAML: Tabs are not allowed as indentation\nhint: YAML indents with spaces, never tabs\n$/,
    },
    {
      name: 'binary garbage',
      args: () => ['get', 'listeners', '--dump', at('garbage.bin')],
      stderr: /^error: .*garbage\.bin is not text \(binary data at byte 7\): expected an Envoy \/config_dump/,
    },
    {
      name: 'a syntax error inside one resource',
      args: () => ['get', 'listeners', '--dump', at('broken-listener.json')],
      stderr:
        /^error: .*broken-listener\.json: line 282, configs\[2\]\.dynamicListeners\[1\]\.active_state\.listener: invalid JSON: Expected ',' or '}' after property value\n$/,
    },
    {
      name: 'a file that does not exist',
      args: () => ['get', 'listeners', '--dump', at('nope.json')],
      stderr: /^error: .*nope\.json: no such file\nhint: check the path given to --dump\n$/,
    },
    {
      name: 'a pod name that matches no dump lists the pods it knows',
      args: () => ['get', 'clusters', 'reviews-v1', '--dump', real(DETAILS)],
      stderr:
        /^error: no dump belongs to pod reviews-v1; the dumps given are for: details-v1-9cb87c69-t2fdz\.default \(.*configdump\.json\)\nhint: name a pod by name, pod\.namespace, namespace\/pod or IP/,
    },
    {
      name: 'no input: the live path needs a pod name',
      args: () => ['get', 'clusters'],
      stderr:
        /^error: name the pod to read from the cluster\nhint: meshctl get clusters POD \(or give --dump FILE\)\n$/,
    },
    {
      name: 'an unknown resource type',
      args: () => ['get', 'pods', '--dump', real(DETAILS)],
      stderr:
        /^error: unknown resource type "pods"\nhint: one of: listeners, routes, clusters, endpoints, secrets, bootstrap\n$/,
    },
    {
      name: 'a filter that does not apply',
      args: () => ['get', 'routes', '--fqdn', 'x', '--dump', real(DETAILS)],
      stderr: /^error: --fqdn does not apply to routes\nhint: --fqdn filters clusters\n$/,
    },
    {
      name: 'a port that is not a number',
      args: () => ['get', 'clusters', '--port', 'http', '--dump', real(DETAILS)],
      stderr: /^error: --port http is not a port number \(0-65535\)\n$/,
    },
    {
      name: 'an unknown output format',
      args: () => ['get', 'clusters', '-o', 'xml', '--dump', real(DETAILS)],
      stderr: /argument 'xml' is invalid\. Allowed choices are table, wide, json, yaml/,
    },
    {
      name: 'an unknown flag',
      args: () => ['get', 'clusters', '--bogus'],
      stderr: /^error: unknown option '--bogus'/,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: exit 2, one clear message, nothing on stdout`, () => {
      const r = meshctl(c.args());
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, c.stderr);
      assertClean(r.stderr);
    });
  }

  it('an unknown config @type is a warning and the output continues (exit 0)', () => {
    const r = meshctl(['get', 'clusters', '--dump', at('unknown-type.json')]);
    assert.equal(r.code, 0);
    assert.match(
      r.stderr,
      /^warning: .*unknown-type\.json: configs\[4\]\(type\.googleapis\.com\/envoy\.admin\.v3\.FancyNewConfigDump\): unknown config dump type, skipped; the rest of the dump is read\n$/,
    );
    assert.match(r.stdout, /istio-policy\.istio-system\.svc\.cluster\.local\s+15004\s+-\s+outbound\s+EDS/);
  });

  it('--debug adds the stack trace', () => {
    const r = meshctl(['get', 'clusters', '--debug', '--dump', at('empty.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /InputError: .*is empty/);
    assert.match(r.stderr, /\n\s+at /);
  });
});
