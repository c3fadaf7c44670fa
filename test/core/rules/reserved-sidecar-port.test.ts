import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, lintWith, service } from '../../helpers/lint.js';

describe('MESH0008 reserved-sidecar-port', () => {
  it('valid: ordinary ports', () =>
    assert.deepEqual(lintWith('MESH0008', service('s', '  - name: http\n    port: 8080\n')), []));
  it('invalid: a Service port and a container port on sidecar ports', () => {
    const yaml = [
      service('s', '  - name: http\n    port: 80\n    targetPort: 15006\n'),
      deployment('d', 'x', '        ports:\n        - containerPort: 15000\n'),
    ].join('---\n');
    const f = lintWith('MESH0008', yaml);
    assert.deepEqual(
      f.map((x) => [x.severity, x.field]),
      [
        ['error', 'spec.ports[0].targetPort'],
        ['error', 'spec.template.spec.containers[0].ports[0].containerPort'],
      ],
    );
    assert.match(f[0]!.message, /the sidecar's inbound capture port/);
  });
  it("skips the gateways' own Services (Istio control plane labels)", () =>
    assert.deepEqual(
      lintWith(
        'MESH0008',
        service('s', '  - name: status-port\n    port: 15021\n').replace(
          '  namespace: ns',
          '  namespace: ns\n  labels:\n    istio: ingressgateway',
        ),
      ),
      [],
    ));
  for (const [managed, silent] of [
    ['istio.io-mesh-controller', true],
    ['istio.io-gateway-controller', true],
    ['istio.io-eastwest-controller', true],
    ['istio.io-agentgateway-waypoint-controller', true],
    ['someone-else', false],
  ] as const)
    it(`${silent ? 'skips' : 'still checks'} a Service labelled gateway.istio.io/managed: ${managed}`, () => {
      const yaml = service(
        'waypoint',
        '  - name: status-port\n    port: 15021\n  - name: mesh\n    port: 15008\n    appProtocol: hbone\n',
      ).replace('  namespace: ns', `  namespace: ns\n  labels:\n    gateway.istio.io/managed: ${managed}`);
      assert.equal(lintWith('MESH0008', yaml).length === 0, silent);
    });
});
