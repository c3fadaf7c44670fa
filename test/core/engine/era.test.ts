import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { eraOf } from '../../../src/core/engine/era.js';
import { parseDump } from '../../../src/sources/dump/read-dump.js';
import { realDump } from '../../helpers/dumps.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { join } from 'node:path';

const snap = (p: string) => parseDump(p, readFileSync(join(REPO_ROOT, 'fixtures/snapshots', p)));

describe('Istio era recognition', () => {
  it('Istio 1.0 from ISTIO_PROXY_VERSION: inbound on 15001, loopback forwarding, NR for missing clusters', () => {
    const e = eraOf(
      snap('story1-jgroups-istio-1.0/dumps/my-istio-namespace/ispn-perf-test-558666c5c6-g9jb5.json'),
    );
    assert.deepEqual(
      [e.label, e.inboundCapturePort, e.inboundTarget, e.clusterNotFoundFlag, e.sniffsUnknownPorts],
      ['Istio 1.0', 15001, 'loopback', 'NR', false],
    );
    assert.match(e.evidence, /ISTIO_PROXY_VERSION 1\.0\.2/);
  });

  it('Istio 1.1.1 real capture: 15001 for inbound, Envoy 1.10 says NR', () => {
    const e = eraOf(
      realDump('istio/historical/v3-2020-05/istioctl/cmd/testdata/authz/productpage_config_dump.json'),
    );
    assert.deepEqual([e.label, e.inboundCapturePort, e.clusterNotFoundFlag], ['Istio 1.1', 15001, 'NR']);
  });

  it('Istio 1.9 vs 1.10: inbound forwarding read from the inbound cluster type', () => {
    assert.equal(
      eraOf(snap('story4-zookeeper-istio-1.9/dumps/default/my-release-zookeeper-0.json')).inboundTarget,
      'loopback',
    );
    const e = eraOf(snap('story4-zookeeper-istio-1.10/dumps/default/my-release-zookeeper-0.json'));
    assert.deepEqual([e.inboundTarget, e.inboundCapturePort, e.clusterNotFoundFlag], ['pod-ip', 15006, 'NC']);
  });

  it("the real '1.0-dev' capture of 2020 has the 1.0-1.2 shape (a `virtual` listener), so its version stands", () => {
    const e = eraOf(
      realDump(
        'istio/historical/v3-2020-09/pkg/test/framework/components/echo/common/testdata/config_dump.json',
      ),
    );
    assert.equal(e.label, 'Istio 1.0');
    assert.equal(e.inboundCapturePort, 15001);
  });

  it("a version that contradicts the config's shape loses to the shape", () => {
    const path = 'story4-zookeeper-istio-1.10/dumps/default/my-release-zookeeper-0.json';
    const text = readFileSync(join(REPO_ROOT, 'fixtures/snapshots', path), 'utf8').replace(
      '"ISTIO_VERSION": "1.10.0"',
      '"ISTIO_VERSION": "1.0-dev"',
    );
    const e = eraOf(parseDump(path, Buffer.from(text)));
    assert.equal(e.istio, undefined);
    assert.equal(e.label, 'Istio 1.3+');
    assert.match(e.evidence, /the bootstrap says 1\.0-dev, which does not fit/);
    assert.equal(e.inboundCapturePort, 15006);
  });
});
