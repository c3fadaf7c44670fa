import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, lintWith, service } from '../../helpers/lint.js';

describe('MESH0003 port-protocol-conflict', () => {
  const two = (a: string, b: string) =>
    [
      deployment('d', 'x'),
      service('a', `  - name: ${a}\n    port: 9080\n`).replace('app: a', 'app: x'),
      service('b', `  - name: ${b}\n    port: 9080\n`).replace('app: b', 'app: x'),
    ].join('---\n');
  it('valid: the same protocol in both Services', () =>
    assert.deepEqual(lintWith('MESH0003', two('http', 'http-api')), []));
  it('invalid: one port, two protocols, reported on the workload', () => {
    const [f] = lintWith('MESH0003', two('tcp', 'http'));
    assert.equal(f?.resource, 'Deployment ns/d');
    assert.equal(f?.field, 'metadata.name');
    assert.match(f!.message, /port 9080 different protocols: TCP \(a\) vs HTTP \(b\)/);
  });
  it('valid: pods that opt out of the mesh', () =>
    assert.deepEqual(
      lintWith(
        'MESH0003',
        two('tcp', 'http').replace(
          '    metadata:\n',
          '    metadata:\n      annotations:\n        sidecar.istio.io/inject: "false"\n',
        ),
      ),
      [],
    ));

  // without a workload in the files: the Services' selectors alone say they share pods
  const svc = (name: string, selector: string, port: string) =>
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ns\nspec:\n  selector: {${selector}}\n  ports:\n${port}`;
  const pair = (a: string, b: string, selectorB = 'app: x, version: v1') =>
    [svc('a', 'app: x', a), svc('b', selectorB, b)].join('---\n');
  it('invalid: no workload, one selector within the other, one target port with two protocols', () => {
    const found = lintWith(
      'MESH0003',
      pair(
        '  - name: http\n    port: 80\n    targetPort: 8080\n',
        '  - name: tcp\n    port: 9000\n    targetPort: 8080\n',
      ),
    );
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.equal(found[0]!.resource, 'Service ns/b', 'reported on the Service whose pods both select');
    assert.equal(found[0]!.field, 'spec.selector');
    assert.match(
      found[0]!.message,
      /every pod with app=x,version=v1\) give target port 8080 different protocols: HTTP \(a\) vs TCP \(b\)/,
    );
  });
  it('invalid: the same selector twice is one finding', () => {
    const found = lintWith(
      'MESH0003',
      pair(
        '  - name: http\n    port: 80\n    targetPort: 8080\n',
        '  - name: tcp\n    port: 80\n    targetPort: 8080\n',
        'app: x',
      ),
    );
    assert.equal(found.length, 1);
    assert.equal(found[0]!.resource, 'Service ns/a');
  });
  it('valid: selectors that need not share pods (neither within the other)', () =>
    assert.deepEqual(
      lintWith(
        'MESH0003',
        pair(
          '  - name: http\n    port: 80\n    targetPort: 8080\n',
          '  - name: tcp\n    port: 80\n    targetPort: 8080\n',
          'app: y',
        ),
      ),
      [],
    ));
  it('valid: different target ports, or the same protocol', () => {
    assert.deepEqual(
      lintWith(
        'MESH0003',
        pair(
          '  - name: http\n    port: 80\n    targetPort: 8080\n',
          '  - name: tcp\n    port: 80\n    targetPort: 8081\n',
        ),
      ),
      [],
    );
    assert.deepEqual(
      lintWith(
        'MESH0003',
        pair(
          '  - name: http\n    port: 80\n    targetPort: 8080\n',
          '  - name: http-b\n    port: 81\n    targetPort: 8080\n',
        ),
      ),
      [],
    );
  });
  it('the workload in the files speaks for its pods: no second finding from the selectors', () => {
    const yaml = [
      deployment('d', 'x').replace('        app: x\n', '        app: x\n        version: v1\n'),
      pair('  - name: http\n    port: 9080\n', '  - name: tcp\n    port: 9080\n'),
    ].join('---\n');
    const found = lintWith('MESH0003', yaml);
    assert.deepEqual(
      found.map((f) => f.resource),
      ['Deployment ns/d'],
    );
  });
  it('valid: a waypoint Deployment Istio made (gateway.istio.io/managed)', () =>
    assert.deepEqual(
      lintWith(
        'MESH0003',
        two('tcp', 'http').replace(
          '  name: d\n',
          '  name: d\n  labels:\n    gateway.istio.io/managed: istio.io-mesh-controller\n',
        ),
      ),
      [],
    ));
});
