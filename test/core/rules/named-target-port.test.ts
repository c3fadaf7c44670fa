import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, lintWith, service } from '../../helpers/lint.js';

describe('MESH0005 named-target-port', () => {
  const ports = '        ports:\n        - name: web\n          containerPort: 8080\n';
  it('valid: the container declares the name', () =>
    assert.deepEqual(
      lintWith(
        'MESH0005',
        [
          deployment('d', 's', ports),
          service('s', '  - name: http\n    port: 80\n    targetPort: web\n'),
        ].join('---\n'),
      ),
      [],
    ));
  it('valid: the selected pods are not among the inputs', () =>
    assert.deepEqual(
      lintWith('MESH0005', service('s', '  - name: http\n    port: 80\n    targetPort: nope\n')),
      [],
    ));
  it('invalid: no container declares the name', () => {
    const [f] = lintWith(
      'MESH0005',
      [
        deployment('d', 's', ports),
        service('s', '  - name: http\n    port: 80\n    targetPort: http-web\n'),
      ].join('---\n'),
    );
    assert.equal(f?.field, 'spec.ports[0].targetPort');
    assert.match(f!.message, /named port "http-web", which no container of Deployment d declares/);
  });
});
