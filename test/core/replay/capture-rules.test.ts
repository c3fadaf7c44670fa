// The nat rules of a replayed pod, from its capture settings (istio-iptables REDIRECT mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureRules } from '../../../src/core/replay/capture-rules.js';
import type { CaptureSettings } from '../../../src/core/engine/capture.js';

const settings = (annotations: Record<string, string>, declaredPorts?: number[]): CaptureSettings => ({
  annotations,
  source: 'test',
  podIp: '10.0.0.1',
  declaredPorts,
});
const lines = (r: string[][]) => r.map((a) => a.join(' '));

test("Istio's defaults: every inbound port but the sidecar's to 15006, everything outbound to 15001, uid/gid 1337 and 127.0.0.6 exempt", () => {
  const r = lines(captureRules(settings({}), { inboundPort: 15006 }));
  assert.ok(r.includes('-t nat -A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006'));
  assert.ok(r.includes('-t nat -A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001'));
  for (const p of ['15090', '15021', '15020'])
    assert.ok(r.includes(`-t nat -A ISTIO_INBOUND -p tcp --dport ${p} -j RETURN`), p);
  assert.ok(r.includes('-t nat -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN'));
  // the app calling its own pod IP over lo is not captured; the catch-all redirect comes last
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN'));
  assert.equal(r.at(-1), '-t nat -A ISTIO_OUTPUT -j ISTIO_REDIRECT');
  assert.ok(r.indexOf('-t nat -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN') < r.length - 1);
});

test('annotations: excluded inbound and outbound ports return, outbound IP ranges are included or excluded, included ports redirect', () => {
  const r = lines(
    captureRules(
      settings({
        'traffic.sidecar.istio.io/excludeInboundPorts': '3888, 2888',
        'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12,fd00::/8',
        'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.1/32',
        'traffic.sidecar.istio.io/includeOutboundPorts': '9000',
      }),
      { inboundPort: 15006 },
    ),
  );
  assert.ok(r.includes('-t nat -A ISTIO_INBOUND -p tcp --dport 3888 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_INBOUND -p tcp --dport 2888 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -p tcp --dport 5432 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -d 10.96.0.1/32 -j RETURN'));
  assert.ok(r.includes('-t nat -A ISTIO_OUTPUT -p tcp --dport 9000 -j ISTIO_REDIRECT'));
  assert.equal(r.at(-1), '-t nat -A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT');
  assert.ok(!r.some((l) => l.includes('fd00::')), 'IPv6 ranges belong to ip6tables');
  assert.ok(!r.includes('-t nat -A ISTIO_OUTPUT -j ISTIO_REDIRECT'));
  // excluded ranges are checked before any redirect
  assert.ok(
    r.indexOf('-t nat -A ISTIO_OUTPUT -d 10.96.0.1/32 -j RETURN') <
      r.indexOf('-t nat -A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT'),
  );
});

test('an inbound port list redirects only those ports; Istio <= 1.2 redirects the declared ports to 15001', () => {
  const listed = lines(
    captureRules(settings({ 'traffic.sidecar.istio.io/includeInboundPorts': '8080,15020' }), {
      inboundPort: 15006,
    }),
  );
  assert.ok(listed.includes('-t nat -A ISTIO_INBOUND -p tcp --dport 8080 -j ISTIO_IN_REDIRECT'));
  assert.ok(!listed.some((l) => l.includes('--dport 15020 -j ISTIO_IN_REDIRECT')));
  assert.ok(!listed.includes('-t nat -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT'));
  const old = lines(captureRules(settings({}, [9080]), { inboundPort: 15001 }));
  assert.ok(old.includes('-t nat -A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15001'));
  assert.ok(old.includes('-t nat -A ISTIO_INBOUND -p tcp --dport 9080 -j ISTIO_IN_REDIRECT'));
  const none = lines(
    captureRules(settings({ 'traffic.sidecar.istio.io/includeInboundPorts': '' }), { inboundPort: 15006 }),
  );
  assert.ok(!none.some((l) => l.includes('PREROUTING')), 'an empty list captures nothing inbound');
});
