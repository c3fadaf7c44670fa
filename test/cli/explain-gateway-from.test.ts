// explain gateway --from: a gateway's filter chains may match on the client's address, which is the client's
// and never the gateway's own (FilterChainMatch source_prefix_ranges, source_type and
// direct_source_prefix_ranges read "the source IP address of the downstream connection",
// envoy/config/listener/v3/listener_components.proto). Replay found meshctl using the gateway pod's IP
// there: chains-1.16.0/plain-local said plain-local where Envoy 1.40, with its client at 198.18.0.1, took
// plain-any. Without --from that choice is unknown (exit 2, naming what to give); with it, decided.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation } from '../../src/core/engine/types.js';
import { generatedWorlds } from '../../src/core/replay/corpus/index.js';
import { inputArgs, materialise } from '../../src/replay/corpus-worlds.js';
import { meshctl } from '../helpers/cli.js';

let dir = '';
let inputs: string[] = [];
const call = ['explain', 'gateway', 'gateway-0.corpus', '--port', '8443', '--protocol', 'tcp'];

function explainJson(extra: string[]): { code: number; e: Explanation } {
  const r = meshctl([...call, ...extra, ...inputs, '-o', 'json']);
  assert.ok(r.stdout.startsWith('{'), r.stderr);
  return { code: r.code, e: JSON.parse(r.stdout) as Explanation };
}
const chain = (e: Explanation) => e.steps.find((s) => s.stage === 'filterChain');

describe('explain gateway --from (the client address a gateway chain matches on)', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshctl-gwfrom-'));
    const world = generatedWorlds().find((w) => w.id === 'chains-1.16.0');
    assert.ok(world, 'the chains family has its 1.16.0 world');
    inputs = inputArgs(materialise(world, process.cwd(), dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without --from the source-prefix choice is unknown and says what to give', () => {
    const { code, e } = explainJson([]);
    assert.equal(code, 2);
    assert.equal(e.outcome.result, 'unknown');
    assert.equal(chain(e)?.result, 'unknown');
    assert.match(chain(e)!.detail, /source IP/);
    assert.ok(
      e.missing.some((m) => m.includes('--from')),
      e.missing.join('; '),
    );
  });

  it('a client inside the prefix takes the source-prefix chain, one outside the chain without one', () => {
    const inside = explainJson(['--from', '10.200.0.10']);
    assert.equal(inside.code, 0);
    assert.equal(chain(inside.e)?.name, 'plain-local');
    assert.equal(inside.e.outcome.cluster, 'outbound|9000||up-d.corpus.svc.cluster.local');
    const outside = explainJson(['--from', '198.18.0.1']);
    assert.equal(outside.code, 0);
    assert.equal(chain(outside.e)?.name, 'plain-any');
    assert.equal(outside.e.outcome.cluster, 'outbound|9000||up-e.corpus.svc.cluster.local');
  });

  it('a chain chosen before the source levels needs no --from (SNI)', () => {
    const { code, e } = explainJson(['--protocol', 'tls', '--sni', 'a.example.com']);
    assert.equal(code, 0);
    assert.equal(chain(e)?.name, 'sni-exact');
  });

  it('--from that is no IP address is bad input: one sentence, exit 2, nothing on stdout', () => {
    const r = meshctl([...call, '--from', 'gateway-0', ...inputs]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /--from gateway-0 is not an IP address/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});
