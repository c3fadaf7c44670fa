import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintWith, service } from '../../helpers/lint.js';

const pod =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: zk-0\n  namespace: ns\n  labels:\n    app: zk\nspec:\n  containers:\n  - name: zk\n    image: zk\nstatus:\n  podIP: 10.0.0.5\n';
const yaml = [
  service('zk', '  - name: tcp-election\n    port: 3888\n', '  clusterIP: None\n').replace(
    'app: zk',
    'app: zk',
  ),
  pod,
].join('---\n');
const evidence = (version: string, ip: string) => ({
  istioVersions: new Map([['zk-0.ns', version]]),
  sockets: new Map([['zk-0.ns', [{ ip, port: 3888 }]]]),
});

describe('MESH0010 stateful-peer-bind-address', () => {
  it('needs evidence: without a snapshot it says nothing', () =>
    assert.deepEqual(lintWith('MESH0010', yaml), []));
  it('invalid: pod IP bind on Istio < 1.10', () => {
    const [f] = lintWith('MESH0010', yaml, evidence('1.9.5', '10.0.0.5'));
    assert.match(
      f!.message,
      /On Istio 1\.9, pod zk-0's sidecar connects to 127\.0\.0\.1:3888, but the app listens only on 10\.0\.0\.5:3888/,
    );
  });
  it('valid: pod IP bind on Istio 1.10', () =>
    assert.deepEqual(lintWith('MESH0010', yaml, evidence('1.10.0', '10.0.0.5')), []));
  it('invalid: localhost bind on Istio >= 1.10', () =>
    assert.equal(lintWith('MESH0010', yaml, evidence('1.12.1', '127.0.0.1')).length, 1));
  it('valid: 0.0.0.0 on any version', () =>
    assert.deepEqual(lintWith('MESH0010', yaml, evidence('1.9.5', '0.0.0.0')), []));
});
