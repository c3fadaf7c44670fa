import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

describe('MESH0001 port-name-protocol', () => {
  const valid: Array<[string, string]> = [
    ['named after its protocol', '  - name: http-web\n    port: 80\n'],
    ['protocol alone', '  - name: grpc\n    port: 50051\n'],
    ['appProtocol instead of a name', '  - port: 8080\n    appProtocol: http\n'],
    ['well-known port (MySQL)', '  - name: db\n    port: 3306\n'],
    ['UDP', '  - name: dns\n    port: 53\n    protocol: UDP\n'],
  ];
  for (const [name, ports] of valid)
    it(`valid: ${name}`, () => assert.deepEqual(lintWith('MESH0001', service('s', ports)), []));

  it('invalid: an unnamed port, at the port; a name Istio does not know, at the name', () => {
    const f = lintWith('MESH0001', service('s', '  - port: 8080\n  - name: web\n    port: 8081\n'));
    assert.deepEqual(
      f.map((x) => [x.severity, x.field, x.line, x.column]),
      [
        ['warning', 'spec.ports[0]', 10, 5],
        ['warning', 'spec.ports[1].name', 11, 11],
      ],
    );
    assert.match(f[0]!.message, /^port 8080 \(unnamed\) names no protocol Istio knows/);
    assert.match(f[0]!.fix, /^Name the port <protocol>-8080/);
  });

  it('invalid: a server-first protocol on an unclassified port is an error', () => {
    const [f] = lintWith('MESH0001', service('s', '  - name: client\n    port: 4222\n'));
    assert.equal(f?.severity, 'error');
    assert.match(f!.message, /NATS, a protocol where the server speaks first/);
  });

  it('skips the Istio control plane and Kubernetes system namespaces', () => {
    assert.deepEqual(
      lintWith(
        'MESH0001',
        service('s', '  - port: 8080\n').replace(
          '  namespace: ns',
          '  namespace: ns\n  labels:\n    istio: ingressgateway',
        ),
      ),
      [],
    );
    assert.deepEqual(
      lintWith(
        'MESH0001',
        service('s', '  - port: 8080\n').replace('namespace: ns', 'namespace: kube-system'),
      ),
      [],
    );
  });

  it('honours meshctl.io/ignore and galley.istio.io/analyze-suppress', () => {
    for (const ann of [
      'meshctl.io/ignore: MESH0001',
      'meshctl.io/ignore: "*"',
      'galley.istio.io/analyze-suppress: IST0118',
    ])
      assert.deepEqual(
        lintWith(
          'MESH0001',
          service('s', '  - port: 8080\n').replace(
            '  namespace: ns',
            `  namespace: ns\n  annotations:\n    ${ann}`,
          ),
        ),
        [],
        ann,
      );
  });
});
