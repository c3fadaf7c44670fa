// The run's test CA: workload certificates verify against the root and carry the SPIFFE (and DNS) SANs asked.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueWorkloadCert, makeTestCa } from '../../src/replay/certs.js';

describe('the replay test CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-certs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('issues certificates for SPIFFE identities that verify against its root', async () => {
    const ca = await makeTestCa(join(dir, 'ca'));
    const [a, b] = await Promise.all([
      issueWorkloadCert(ca, 'spiffe://cluster.local/ns/default/sa/reviews'),
      issueWorkloadCert(
        ca,
        ['spiffe://cluster.local/ns/a/sa/x', 'spiffe://cluster.local/ns/b/sa/y'],
        ['bookinfo.example.com'],
      ),
    ]);
    for (const [i, c] of [a!, b!].entries()) {
      assert.equal(c.rootCert, ca.rootCert);
      assert.match(c.privateKey, /BEGIN (EC )?PRIVATE KEY/);
      const leaf = join(dir, `leaf${i}.pem`);
      writeFileSync(leaf, c.certChain.slice(0, c.certChain.indexOf(ca.rootCert)));
      assert.match(
        execFileSync('openssl', ['verify', '-CAfile', ca.certPath, leaf], { encoding: 'utf8' }),
        /OK/,
      );
    }
    const sans = (c: { certChain: string }) => {
      const leaf = join(dir, 'leaf.pem');
      writeFileSync(leaf, c.certChain);
      return execFileSync('openssl', ['x509', '-in', leaf, '-noout', '-ext', 'subjectAltName'], {
        encoding: 'utf8',
      });
    };
    assert.match(sans(a!), /URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/reviews/);
    const bs = sans(b!);
    for (const s of [
      'URI:spiffe://cluster.local/ns/a/sa/x',
      'URI:spiffe://cluster.local/ns/b/sa/y',
      'DNS:bookinfo.example.com',
    ])
      assert.ok(bs.includes(s), s);
  });
});
