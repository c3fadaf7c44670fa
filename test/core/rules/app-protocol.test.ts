import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

describe('MESH0002 app-protocol', () => {
  it('valid: known appProtocol agreeing with the name, or standard Kubernetes values', () => {
    assert.deepEqual(
      lintWith(
        'MESH0002',
        service(
          's',
          '  - name: http-web\n    port: 80\n    appProtocol: http\n  - name: h2\n    port: 81\n    appProtocol: kubernetes.io/h2c\n',
        ),
      ),
      [],
    );
  });
  it('invalid: an appProtocol Istio does not know', () => {
    const [f] = lintWith('MESH0002', service('s', '  - name: web\n    port: 80\n    appProtocol: quic\n'));
    assert.equal(f?.field, 'spec.ports[0].appProtocol');
    assert.match(f!.message, /appProtocol "quic", which Istio does not recognise/);
  });
  it('invalid: appProtocol contradicting the name says which one Istio uses', () => {
    const [f] = lintWith(
      'MESH0002',
      service('s', '  - name: http-web\n    port: 80\n    appProtocol: tcp\n'),
    );
    assert.match(f!.message, /the name says HTTP but appProtocol "tcp" says TCP; Istio uses TCP/);
  });
  for (const [managed, silent] of [
    ['istio.io-mesh-controller', true],
    ['istio.io-gateway-controller', true],
    ['istio.io-eastwest-controller', true],
    ['istio.io-agentgateway-waypoint-controller', true],
    ['someone-else', false],
  ] as const)
    it(`${silent ? 'skips' : 'still checks'} a Service labelled gateway.istio.io/managed: ${managed}`, () => {
      const yaml = service('waypoint', '  - name: mesh\n    port: 15008\n    appProtocol: hbone\n').replace(
        '  namespace: ns',
        `  namespace: ns\n  labels:\n    gateway.istio.io/managed: ${managed}`,
      );
      assert.equal(lintWith('MESH0002', yaml).length === 0, silent);
    });
});
