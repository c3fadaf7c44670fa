import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployment, lintWith, service } from '../../helpers/lint.js';

describe('MESH0004 target-port-conflict', () => {
  const svc = (n: string, port: number) =>
    service(n, `  - name: http\n    port: ${port}\n    targetPort: 8080\n`).replace(`app: ${n}`, 'app: x');
  it('valid: the same service port for a targetPort', () =>
    assert.deepEqual(
      lintWith('MESH0004', [deployment('d', 'x'), svc('a', 80), svc('b', 80)].join('---\n')),
      [],
    ));
  it('invalid: two service ports to one targetPort', () => {
    const [f] = lintWith('MESH0004', [deployment('d', 'x'), svc('a', 80), svc('b', 9090)].join('---\n'));
    assert.equal(f?.resource, 'Deployment ns/d');
    assert.match(f!.message, /different ports to targetPort 8080: a:80\/HTTP, b:9090\/HTTP/);
  });
});
