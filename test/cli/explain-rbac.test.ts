// Istio's authorization filters and the HTTP codec through the binary, on real dumps: the 2020 ratings
// sidecar (an ALLOW policy whose principals are istio_authn source.principal), the 2020 echo sidecar (empty
// ALLOW policies on its HTTP and TCP ports) and story 1 (TCP bytes into Istio 1.0's http-* ports). What Envoy
// 1.40 logged for each replaying these dumps: 403 with rbac_access_denied_matched_policy[none] and no flag;
// a TCP connection closed with that termination detail; 400 DPE http1.codec_error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';

const RATINGS = real(
  'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/ratings-v1-f745cf57b-vfwcv.json',
);
const ECHO = real(
  'istio/historical/v3-2020-09/pkg/test/framework/components/echo/common/testdata/config_dump.json',
);
const ECHO_POD = 'a-6bb6dbdcc5-z58cx.apps-1-99281';

function explainJson(args: string[]): { code: number; e: Explanation } {
  const r = meshctl(['explain', ...args, '-o', 'json']);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  return { code: r.code, e: JSON.parse(r.stdout) as Explanation };
}

const rbacStep = (e: Explanation) => e.steps.find((s) => s.name?.endsWith('.rbac'));

describe('explain: RBAC on real dumps', () => {
  it('ratings: plaintext from outside proves no istio_authn principal, so the ALLOW policy refuses: 403, exit 1', () => {
    const { code, e } = explainJson([
      'inbound',
      'ratings-v1-f745cf57b-vfwcv.bookinfo',
      '--port',
      '9080',
      '--protocol',
      'http',
      '--dump',
      RATINGS,
    ]);
    assert.equal(code, 1);
    assert.deepEqual(
      [e.outcome.result, e.outcome.httpStatus, e.outcome.responseFlag, e.outcome.failedStage],
      ['failed', 403, null, 'networkFilter'],
    );
    const s = rbacStep(e)!;
    assert.deepEqual([s.name, s.index, s.result], ['envoy.filters.http.rbac', 1, 'failed']);
    assert.match(s.detail, /policy ratings-reader: no match/);
    assert.match(s.detail, /istio_authn source\.principal is unset: the connection is plaintext/);
    assert.ok(e.hints.some((h) => h.id === 'rbac-denied'));
  });

  it('the text output names the filter and the policy', () => {
    const r = meshctl([
      'explain',
      'inbound',
      'ratings-v1-f745cf57b-vfwcv.bookinfo',
      '--port',
      '9080',
      '--protocol',
      'http',
      '--dump',
      RATINGS,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /envoy\.filters\.http\.rbac/);
    assert.match(r.stdout, /403/);
    assert.match(r.stdout, /ratings-reader/);
  });

  it('echo: an ALLOW filter with no policies denies HTTP (403) and the network filter closes TCP', () => {
    const http = explainJson(['inbound', ECHO_POD, '--port', '8080', '--protocol', 'http', '--dump', ECHO]).e;
    assert.deepEqual([http.outcome.result, http.outcome.httpStatus], ['failed', 403]);
    assert.match(rbacStep(http)!.detail, /no policies denies every request/);
    const tcp = explainJson(['inbound', ECHO_POD, '--port', '9090', '--protocol', 'tcp', '--dump', ECHO]);
    assert.equal(tcp.code, 1);
    assert.deepEqual(
      [tcp.e.outcome.result, tcp.e.outcome.httpStatus, tcp.e.outcome.responseFlag],
      ['failed', null, null],
    );
    assert.equal(rbacStep(tcp.e)?.name, 'envoy.filters.network.rbac');
    // tcp_proxy had connected upstream: the endpoints step has the inbound cluster's address, as Envoy logs it
    assert.ok(tcp.e.steps.some((s) => s.stage === 'endpoints' && s.address === '127.0.0.1:9090'));
  });
});

describe('explain: the HTTP codec on a real dump', () => {
  it("story 1 (Istio 1.0, Envoy 1.8): TCP into an http-* port fails in the codec, with Envoy 1.8's (absent) flag", () => {
    const { code, e } = explainJson([
      'pod-to-pod',
      'ispn-perf-test-558666c5c6-g9jb5.my-istio-namespace',
      '10.44.4.64',
      '--port',
      '7800',
      '--protocol',
      'tcp',
      '--snapshot',
      'fixtures/snapshots/story1-jgroups-http-ports-istio-1.0',
    ]);
    assert.equal(code, 1);
    assert.deepEqual(
      [e.outcome.result, e.outcome.responseFlag, e.outcome.failedStage],
      ['failed', null, 'networkFilter'],
    );
    assert.match(e.outcome.summary, /HTTP\/1.*no HTTP\/1 request line/);
  });
});
