import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

describe('MESH0009 udp-port', () => {
  it('valid: TCP', () =>
    assert.deepEqual(lintWith('MESH0009', service('s', '  - name: tcp\n    port: 53\n')), []));
  it('invalid: UDP is info', () => {
    const [f] = lintWith('MESH0009', service('s', '  - name: dns\n    port: 53\n    protocol: UDP\n'));
    assert.deepEqual([f?.severity, f?.field], ['info', 'spec.ports[0].protocol']);
  });
});
