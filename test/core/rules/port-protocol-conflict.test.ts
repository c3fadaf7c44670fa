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
});
