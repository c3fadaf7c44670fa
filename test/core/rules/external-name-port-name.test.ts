import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

describe('MESH0006 external-name-port-name', () => {
  const ext = (ports: string) =>
    service('e', ports, '  type: ExternalName\n  externalName: api.example.com\n');
  it('valid: https- and http- names', () =>
    assert.deepEqual(
      lintWith('MESH0006', ext('  - name: https-api\n    port: 443\n  - name: http\n    port: 80\n')),
      [],
    ));
  for (const [name, ports] of <Array<[string, string]>>[
    ['unnamed', '  - port: 443\n'],
    ['unknown name', '  - name: api\n    port: 443\n'],
    ['plain tcp', '  - name: tcp\n    port: 443\n'],
  ])
    it(`invalid: ${name}`, () => assert.equal(lintWith('MESH0006', ext(ports)).length, 1));
  it('does not apply to ClusterIP Services', () =>
    assert.deepEqual(lintWith('MESH0006', service('s', '  - name: tcp\n    port: 443\n')), []));
});
