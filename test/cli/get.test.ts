// meshctl get, end to end through the real binary.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';

const RATINGS = real(
  'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/ratings-v1-f745cf57b-vfwcv.json',
);
const PRODUCTPAGE = real(
  'istio/historical/v2alpha-2019-12/istioctl/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json',
);
const DETAILS = real(
  'istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json',
);
const EDS = real('istio/current/istioctl/pkg/writer/envoy/configdump/testdata/endpoint/configdump.json');
const AUTHZ_YAML = real('istio/current/istioctl/pkg/authz/testdata/configdump.yaml');

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-get-'));
});

describe('meshctl get', () => {
  it('lists clusters with direction, subset and the DestinationRule behind them', () => {
    const r = meshctl(['get', 'clusters', '--dump', RATINGS, '--fqdn', 'ratings']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'SERVICE FQDN                         PORT   SUBSET   DIRECTION   TYPE     DESTINATION RULE',
        'ratings.bookinfo.svc.cluster.local   9080   http     inbound     STATIC   ratings.bookinfo',
        'ratings.bookinfo.svc.cluster.local   9080   v1       outbound    EDS      ratings.bookinfo',
        'ratings.bookinfo.svc.cluster.local   9080   -        outbound    EDS      ratings.bookinfo',
        '',
      ].join('\n'),
    );
  });

  it('filters clusters by direction and subset', () => {
    const r = meshctl([
      'get',
      'clusters',
      '--dump',
      RATINGS,
      '--direction',
      'outbound',
      '--subset',
      'v1',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const clusters = JSON.parse(r.stdout) as Array<{ name: string }>;
    assert.ok(clusters.length > 0);
    for (const c of clusters) assert.match(c.name, /^outbound\|\d+\|v1\|/);
  });

  it('prints -o json as v3 snake_case Envoy resources, whatever the input dialect', () => {
    // the v2alpha productpage capture is camelCase with untyped filter configs
    const r = meshctl([
      'get',
      'listeners',
      '--dump',
      PRODUCTPAGE,
      '--port',
      '9080',
      '--address',
      '0.0.0.0',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [l] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(l!['@type'], 'type.googleapis.com/envoy.config.listener.v3.Listener');
    assert.equal(l!.name, '0.0.0.0_9080');
    const text = JSON.stringify(l);
    assert.doesNotMatch(text, /"filterChains"|"socketAddress"|"portValue"/);
    assert.match(text, /"filter_chains"/);
    assert.match(
      text,
      /envoy\.extensions\.filters\.network\.http_connection_manager\.v3\.HttpConnectionManager/,
    );
  });

  it('prints -o yaml', () => {
    const r = meshctl(['get', 'routes', '--dump', DETAILS, '--name', '15004', '-o', 'yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^- "@type": type\.googleapis\.com\/envoy\.config\.route\.v3\.RouteConfiguration\n {2}name: "15004"\n/,
    );
  });

  it('shows each filter chain with -o wide', () => {
    const r = meshctl(['get', 'listeners', '--dump', RATINGS, '--port', '9080', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /172\.30\.144\.156_9080 +172\.30\.144\.156 +9080 +inbound +ALL +Cluster: inbound\|9080\|http\|ratings\.bookinfo\.svc\.cluster\.local/,
    );
    assert.match(r.stdout, /0\.0\.0\.0_9080 +0\.0\.0\.0 +9080 +outbound +ALL +Route: 9080/);
  });

  it('reads istioctl YAML output', () => {
    const r = meshctl(['get', 'listeners', '--dump', AUTHZ_YAML, '--port', '15006', '-o', 'wide']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /virtualInbound +0\.0\.0\.0 +15006 +inbound/);
  });

  it('reads a dump from stdin with --dump -', () => {
    const r = meshctl(['get', 'bootstrap', '--dump', '-'], readFileSync(RATINGS));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Proxy: +ratings-v1-f745cf57b-vfwcv\.bookinfo\n/);
    assert.match(r.stdout, /Istio Version: +release-1\.2-20190709-09-16\n/);
  });

  it('names the pod by name, pod.namespace, namespace/pod or IP among several dumps', () => {
    for (const pod of [
      'ratings-v1-f745cf57b-vfwcv',
      'ratings-v1-f745cf57b-vfwcv.bookinfo',
      'bookinfo/ratings-v1-f745cf57b-vfwcv',
      '172.30.144.156',
    ]) {
      const r = meshctl(['get', 'bootstrap', pod, '--dump', PRODUCTPAGE, '--dump', RATINGS]);
      assert.equal(r.code, 0, `${pod}: ${r.stderr}`);
      assert.match(r.stdout, /Node ID: +sidecar~172\.30\.144\.156~ratings-v1-f745cf57b-vfwcv\.bookinfo~/);
    }
    const r = meshctl(['get', 'bootstrap', '--dump', PRODUCTPAGE, '--dump', RATINGS]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^error: 2 dumps were given, so name the pod to read: productpage-v1-7bbd79f8fd-k6j79\.default \(.*\), ratings-v1-f745cf57b-vfwcv\.bookinfo \(.*\)\n/,
    );
  });

  it('lists EDS endpoints with health and filters them by port and status', () => {
    const r = meshctl(['get', 'endpoints', '--dump', EDS, '--port', '9080']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^ENDPOINT +STATUS +LOCALITY +CLUSTER$/);
    assert.equal(lines.length, 1 + 6);
    assert.ok(lines.slice(1).every((l) => /:9080 +HEALTHY +outbound\|9080\|\|/.test(l)));
    const none = meshctl(['get', 'endpoints', '--dump', EDS, '--status', 'unhealthy']);
    assert.equal(none.stdout.trim().split('\n').length, 1);
  });

  it('says when a dump has no EDS endpoints, and shows those written in cluster configs', () => {
    const r = meshctl(['get', 'endpoints', '--dump', RATINGS, '-o', 'wide']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^note: .* has no EDS endpoints \(it was saved without \?include_eds\)/);
    assert.match(
      r.stdout,
      /127\.0\.0\.1:9080 +UNKNOWN +inbound\|9080\|http\|ratings\.bookinfo\.svc\.cluster\.local +cluster config/,
    );
  });

  it('never prints private keys or tokens', () => {
    const dump = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
          dynamic_active_secrets: [
            {
              name: 'default',
              secret: {
                '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
                name: 'default',
                tls_certificate: {
                  certificate_chain: { inline_bytes: 'Y2VydA==' },
                  private_key: { inline_bytes: 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t' },
                },
              },
            },
          ],
        },
      ],
    };
    const file = join(dir, 'secret.json');
    writeFileSync(file, JSON.stringify(dump));
    for (const o of ['json', 'yaml', 'table']) {
      const r = meshctl(['get', 'secrets', '--dump', file, '-o', o]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t/);
    }
    assert.match(
      meshctl(['get', 'secrets', '--dump', file, '-o', 'json']).stdout,
      /"private_key": "\[redacted\]"/,
    );
  });

  it('prints help and exits 0', () => {
    const r = meshctl(['get', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: meshctl get \[options\] <type> \[pod\]/);
  });
});
