// Every config dump in fixtures/real/ and fixtures/snapshots/*/ made into a replay bootstrap and judged by real
// Envoy: `--mode validate` on each, then (as root, in a network namespace this test makes) Envoy started on
// each as uid 1337 until admin /ready says LIVE, because validate mode does not build every extension (a
// filter named without a typed_config passes validate and fails at start). Skipped, saying why, only where no
// Envoy binary is found; .ci/run installs one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ConfigDump } from '../../src/core/model/config-dump.js';
import type { TestCertificates } from '../../src/core/replay/bootstrap.js';
import { issueWorkloadCert, makeTestCa } from '../../src/replay/certs.js';
import { findEnvoy, startEnvoy, validatedBootstrap, type EnvoyBinary } from '../../src/replay/envoy.js';
import { parseDump } from '../../src/sources/dump/read-dump.js';
import { sweepStaleNamespaces } from '../../src/replay/sweep.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { canNamespace } from '../helpers/replay.js';

/** Dumps upstream Envoy rejects as they are, and why: a config real Envoy rejects is a finding in itself. */
const REJECTED: Record<string, RegExp> = {
  // istioctl's hand-written test data: an HCM without config after a terminal tcp_proxy in 0.0.0.0_8081
  'real/istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json':
    /terminal filter named envoy\.tcp_proxy .* must be the last filter/,
  'real/istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/listenerdump.json':
    /terminal filter named envoy\.tcp_proxy .* must be the last filter/,
};

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/** Every file meshctl reads as a config dump (or a resource list) holding listeners or clusters. */
function replayableDumps(): Array<{ name: string; dump: ConfigDump }> {
  const fixtures = join(REPO_ROOT, 'fixtures');
  const files = [
    ...walk(join(fixtures, 'real')),
    ...walk(join(fixtures, 'snapshots')).filter((f) => f.includes('/dumps/')),
  ];
  const out: Array<{ name: string; dump: ConfigDump }> = [];
  for (const f of files) {
    if (!/\.(json|ya?ml)$/.test(f)) continue;
    let dump: ConfigDump;
    try {
      dump = parseDump(f, readFileSync(f));
    } catch {
      continue; // not JSON or YAML meshctl reads as a dump (manifests, goldens, schemas)
    }
    if (dump.index.shape !== 'config_dump' && dump.index.shape !== 'resource_list') continue;
    if (dump.index.issues.some((i) => i.severity === 'error')) continue;
    if (!dump.has('listener') && !dump.has('cluster')) continue;
    out.push({ name: relative(fixtures, f), dump });
  }
  return out;
}

describe('replay bootstraps through real Envoy', async () => {
  let bin: EnvoyBinary | undefined;
  let whyNot = '';
  try {
    bin = await findEnvoy();
  } catch (e) {
    whyNot = `no Envoy binary (${(e as Error).message}); .ci/run installs one`;
  }
  const dumps = replayableDumps();
  let work = '';
  let certs: TestCertificates;
  const validated = new Map<string, object>();
  const ns = `mc-${process.pid}-bootstrap`;
  let validOk = 0;
  let rejectedAsExpected = 0;
  let started = 0;
  let startTotal = 0;

  before(async () => {
    if (!bin) return;
    work = mkdtempSync(join(tmpdir(), 'mc-bootstrap-'));
    execFileSync('chmod', ['711', work]); // Envoy, as uid 1337, enters it
    const ca = await makeTestCa(join(work, 'ca'));
    certs = await issueWorkloadCert(ca, 'spiffe://cluster.local/ns/default/sa/default');
    await sweepStaleNamespaces(); // left by a run killed before its teardown
    if (canNamespace) {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  });
  after(() => {
    if (canNamespace && bin) spawnSync('ip', ['netns', 'del', ns]);
    if (work) rmSync(work, { recursive: true, force: true });
    if (bin) {
      console.log(
        `bootstrap validate: ${validOk}/${dumps.length} (and ${rejectedAsExpected} rejected by Envoy, as expected)`,
      );
      if (canNamespace) console.log(`bootstrap start: ${started}/${startTotal}`);
    }
  });

  it('finds the dumps', () => {
    // 58 dumps at the time of writing: a shrinking count means the walk above missed some
    assert.ok(dumps.length >= 58, `${dumps.length} dumps`);
  });

  for (const [i, { name, dump }] of dumps.entries()) {
    it(`validates ${name}`, { skip: bin ? false : whyNot }, async () => {
      mkdirSync(join(work, `d${i}`), { recursive: true }); // validate mode opens the access log too
      const r = await validatedBootstrap(
        bin!,
        dump,
        { certificates: certs, accessLogPath: join(work, `d${i}`, 'access.log') },
        { dir: join(work, 'validate'), name: `d${i}` },
      );
      assert.equal(r.skipped, undefined, `skipped: ${r.skipped}`);
      const rejected = REJECTED[name];
      if (rejected) {
        assert.equal(r.validation.ok, false, 'Envoy used to reject this dump; it accepts it now');
        if (!r.validation.ok) assert.match(r.validation.message, rejected);
        rejectedAsExpected++;
        return;
      }
      assert.ok(r.validation.ok, r.validation.ok ? '' : r.validation.message);
      validOk++;
      validated.set(name, r.bootstrap);
    });
  }

  // Starting takes ~0.8 s of CPU each: the stories' dumps (what replay runs) and the first dump of each
  // directory of real ones by default, all of them with MESHCTL_TEST_START_ALL=1.
  const firstOfDir = new Set<string>();
  const toStart = dumps.filter(({ name, dump }) => {
    if (REJECTED[name] || !dump.has('listener')) return false;
    if (process.env.MESHCTL_TEST_START_ALL === '1' || name.startsWith('snapshots/')) return true;
    const dir = name.split('/').slice(0, 4).join('/');
    if (firstOfDir.has(dir)) return false;
    firstOfDir.add(dir);
    return true;
  });
  for (const { name } of toStart) {
    const i = dumps.findIndex((d) => d.name === name);
    it(
      `starts Envoy on ${name}`,
      { skip: !bin ? whyNot : canNamespace ? false : 'needs root and ip netns (a namespace per Envoy)' },
      async () => {
        startTotal++;
        const bootstrap = validated.get(name);
        assert.ok(bootstrap, 'did not validate');
        const dir = join(work, `d${i}`);
        const envoy = await startEnvoy(bin!, { bootstrap: bootstrap as never, dir, netns: ns, uid: 1337 });
        try {
          const stats = await envoy.stats();
          assert.ok((stats['listener_manager.total_listeners_active'] ?? 0) >= 1, 'no active listener');
          started++;
        } finally {
          await envoy.stop();
        }
        assert.ok(envoy.hasExited);
      },
    );
  }
});
