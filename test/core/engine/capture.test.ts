import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { captureInbound, captureOutbound, type CaptureSettings } from '../../../src/core/engine/capture.js';

const pod = (annotations: Record<string, string>, declaredPorts?: number[]): CaptureSettings => ({
  annotations,
  source: 'pod x',
  podIp: '10.0.0.1',
  declaredPorts,
});
const defaults: CaptureSettings = {
  annotations: {},
  source: undefined,
  podIp: '10.0.0.1',
  declaredPorts: undefined,
};

describe('outbound capture (istio-iptables ISTIO_OUTPUT)', () => {
  const cases: Array<[string, CaptureSettings, string, number, boolean, boolean]> = [
    ['default: every IP is redirected', defaults, '10.0.0.9', 80, false, true],
    ['localhost is never redirected', defaults, '127.0.0.1', 80, false, false],
    ['the pod calling its own IP bypasses the sidecar', defaults, '10.0.0.1', 80, false, false],
    ['UDP is not redirected', defaults, '10.0.0.9', 53, true, false],
    [
      'excludeOutboundPorts',
      pod({ 'traffic.sidecar.istio.io/excludeOutboundPorts': '7800, 7900' }),
      '10.0.0.9',
      7900,
      false,
      false,
    ],
    [
      'excludeOutboundIPRanges',
      pod({ 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.0.0.0/24' }),
      '10.0.0.9',
      80,
      false,
      false,
    ],
    [
      'includeOutboundIPRanges outside the range',
      pod({ 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12' }),
      '10.0.0.9',
      80,
      false,
      false,
    ],
    [
      'includeOutboundIPRanges inside the range',
      pod({ 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.96.0.0/12' }),
      '10.96.1.1',
      80,
      false,
      true,
    ],
    [
      'includeOutboundPorts catches a port outside the ranges',
      pod({
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
        'traffic.sidecar.istio.io/includeOutboundPorts': '3306',
      }),
      '10.0.0.9',
      3306,
      false,
      true,
    ],
  ];
  for (const [name, s, ip, port, udp, want] of cases)
    it(name, () => assert.equal(captureOutbound(s, ip, port, udp).captured, want));

  it('says when it assumed the defaults', () => {
    assert.match(
      captureOutbound(defaults, '10.0.0.9', 80, false).assumption ?? '',
      /default capture rules are assumed/,
    );
    assert.equal(captureOutbound(pod({}), '10.0.0.9', 80, false).assumption, undefined);
  });
});

describe('inbound capture (ISTIO_INBOUND)', () => {
  const cases: Array<[string, CaptureSettings, number, boolean, boolean]> = [
    ['>= 1.3 captures every port', defaults, 8080, true, true],
    ['sidecar ports are never captured', defaults, 15090, true, false],
    [
      'excludeInboundPorts',
      pod({ 'traffic.sidecar.istio.io/excludeInboundPorts': '2888,3888' }),
      3888,
      true,
      false,
    ],
    [
      'includeInboundPorts list',
      pod({ 'traffic.sidecar.istio.io/includeInboundPorts': '9080' }),
      8080,
      true,
      false,
    ],
    ['<= 1.2 captures declared container ports', pod({}, [7800]), 7800, false, true],
    ['<= 1.2 does not capture undeclared ports', pod({}, [7800]), 8888, false, false],
  ];
  for (const [name, s, port, modern, want] of cases)
    it(name, () => assert.equal(captureInbound(s, port, modern).captured, want));
});

describe('capture rules from an injected pod', async () => {
  const { addObject, emptyInventory } = await import('../../../src/core/model/k8s.js');
  it("reads istio-init's arguments; annotations win over them", () => {
    const inv = emptyInventory();
    addObject(
      inv,
      {
        kind: 'Pod',
        metadata: {
          name: 'p',
          namespace: 'n',
          annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '5432' },
        },
        spec: {
          initContainers: [
            {
              name: 'istio-init',
              args: [
                '-p',
                '15001',
                '-u',
                '1337',
                '-m',
                'REDIRECT',
                '-i',
                '10.96.0.0/12',
                '-x',
                '',
                '-b',
                '9080',
                '-d',
                '15090,15021',
                '-o',
                '3306',
              ],
            },
          ],
          containers: [{ name: 'app' }, { name: 'istio-proxy' }],
        },
        status: { podIP: '10.0.0.1' },
      },
      undefined,
    );
    const a = inv.pods[0]!.annotations;
    assert.equal(a['traffic.sidecar.istio.io/includeOutboundIPRanges'], '10.96.0.0/12');
    assert.equal(a['traffic.sidecar.istio.io/includeInboundPorts'], '9080');
    assert.equal(a['traffic.sidecar.istio.io/excludeOutboundPorts'], '5432', 'the annotation wins');
    const s = { annotations: a, source: 'pod n/p', podIp: '10.0.0.1', declaredPorts: undefined };
    assert.equal(captureOutbound(s, '10.0.0.9', 80, false).captured, false, 'outside -i ranges');
    assert.equal(captureOutbound(s, '10.96.0.10', 80, false).captured, true);
    assert.equal(captureInbound(s, 8080, true).captured, false, 'not in -b');
  });
});
