import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

describe('MESH0007 http-port-on-headless', () => {
  const headless = (ports: string) => service('h', ports, '  clusterIP: None\n');
  it('valid: tcp ports on a headless Service', () =>
    assert.deepEqual(lintWith('MESH0007', headless('  - name: tcp-peer\n    port: 7800\n')), []));
  it('valid: http ports on a ClusterIP Service', () =>
    assert.deepEqual(lintWith('MESH0007', service('s', '  - name: http\n    port: 80\n')), []));
  it('invalid: http- and grpc- ports on a headless Service', () => {
    const f = lintWith(
      'MESH0007',
      headless('  - name: http-one\n    port: 7800\n  - name: grpc\n    port: 7900\n'),
    );
    assert.deepEqual(
      f.map((x) => x.field),
      ['spec.ports[0].name', 'spec.ports[1].name'],
    );
    assert.match(
      f[0]!.message,
      /port 7800 \(http-one\) of headless Service h is HTTP; peers that dial pod IPs get no virtual host/,
    );
  });
});
