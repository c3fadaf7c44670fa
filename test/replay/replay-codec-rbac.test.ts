// Classes D and I of the conformance triage (issue 13) replayed through real Envoy: TCP bytes into Istio
// 1.0's http-* port (story 1) and the 2020 ratings sidecar's AuthorizationPolicy. The first is also the test
// that replay's prediction speaks of the Envoy it runs: `explain` says what the dump's Envoy 1.8 logged (no
// flag), replay's Explanation the DPE that Envoy 1.40 logs (DPE exists from Envoy 1.12), and they agree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Explanation } from '../../src/core/engine/types.js';
import { openReplayWorld, type ReplayWorld } from '../../src/replay/index.js';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';
import { replaySkip } from '../helpers/replay.js';

const STORY1 = 'fixtures/snapshots/story1-jgroups-http-ports-istio-1.0';
const TCP_INTO_HTTP = [
  'pod-to-pod',
  'ispn-perf-test-558666c5c6-g9jb5.my-istio-namespace',
  '10.44.4.64',
  '--port',
  '7800',
  '--protocol',
  'tcp',
];
const RATINGS = real(
  'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/ratings-v1-f745cf57b-vfwcv.json',
);

const skip = replaySkip;

describe('replay: the HTTP codec and RBAC agree with real Envoy', { skip }, () => {
  let story1: ReplayWorld;
  let ratings: ReplayWorld;
  before(async () => {
    story1 = await openReplayWorld({ snapshot: STORY1 });
    ratings = await openReplayWorld({ dumps: [RATINGS] });
  });
  after(async () => {
    await story1?.close();
    await ratings?.close();
  });

  it("TCP into an http-* port: Envoy 1.40 logs DPE 400 http1.codec_error, replay's prediction says DPE, explain says the dump's Envoy 1.8 had no flag", async () => {
    const r = await story1.replay(TCP_INTO_HTTP);
    assert.deepEqual(r.differences, [], JSON.stringify(r.differences));
    assert.equal(r.meshctl.outcome.responseFlag, 'DPE');
    const line = r.envoy?.proxies.flatMap((p) => p.accessLog).find((l) => l.includes('codec_error'));
    assert.ok(line, 'Envoy logged the codec error');
    assert.match(line, /"response_code":400/);
    const e = JSON.parse(
      meshctl(['explain', ...TCP_INTO_HTTP, '--snapshot', STORY1, '-o', 'json']).stdout,
    ) as Explanation;
    assert.equal(e.outcome.responseFlag, null);
  });

  it('ratings: plaintext from outside is refused by the ALLOW policy, 403 with no flag, as meshctl says', async () => {
    const r = await ratings.replay([
      'inbound',
      'ratings-v1-f745cf57b-vfwcv.bookinfo',
      '--port',
      '9080',
      '--protocol',
      'http',
    ]);
    assert.deepEqual(r.differences, [], JSON.stringify(r.differences));
    assert.deepEqual([r.meshctl.outcome.httpStatus, r.envoy?.httpStatus], [403, 403]);
    assert.ok(
      r.envoy?.proxies.some((p) => p.responseCodeDetails === 'rbac_access_denied_matched_policy[none]'),
    );
  });
});
