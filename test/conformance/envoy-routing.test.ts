// Real Envoy judges meshctl's route selection: every HTTP case of the conformance corpus that reaches a
// route configuration (story goldens and matrices, requests derived from the real dumps, the route-table
// and domain families) is sent to an Envoy on loopback serving that proxy's route configurations, and the
// virtual host and route Envoy chose must be the ones meshctl's trace names. Skipped, saying so, where no
// Envoy binary is found (scripts/install-envoy.sh installs the pinned one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/main.js';
import type { Explanation } from '../../src/core/engine/types.js';
import type { ConfigDump } from '../../src/core/model/config-dump.js';
import { routingProbe, type RoutingProbe } from '../../src/core/replay/routing-check.js';
import { corpusWorlds, inputArgs, materialise } from '../../src/replay/corpus-worlds.js';
import { findEnvoy } from '../../src/replay/envoy.js';
import { checkRouting } from '../../src/replay/routing-check.js';
import { loadDumps } from '../../src/sources/dump/read-dump.js';
import { readSnapshot } from '../../src/sources/snapshot/read-snapshot.js';
import { REPO_ROOT } from '../helpers/paths.js';

async function predict(args: readonly string[], inputs: string[]): Promise<Explanation | undefined> {
  let out = '';
  const io = {
    stdout: { write: (s: string) => ((out += s), true) },
    stderr: { write: () => true },
    stdin: async () => Buffer.alloc(0),
    env: { NO_COLOR: '1' },
    now: () => new Date(),
  };
  await run(['explain', ...args, ...inputs, '-o', 'json'], io);
  return out.trim() ? (JSON.parse(out) as Explanation) : undefined;
}

const envoy = await findEnvoy({ root: REPO_ROOT }).catch((e: Error) => e);

describe('route selection against real Envoy (loopback)', () => {
  it(
    'every HTTP case of the corpus: Envoy picks the virtual host and route meshctl names',
    { skip: envoy instanceof Error ? `no Envoy binary: ${envoy.message}` : false, timeout: 300_000 },
    async (t) => {
      const bin = envoy as Exclude<typeof envoy, Error>;
      const scratch = mkdtempSync(join(tmpdir(), 'meshctl-routing-'));
      try {
        const { worlds } = await corpusWorlds(REPO_ROOT);
        const differences: string[] = [];
        let probed = 0;
        let routed = 0;
        for (const w of worlds) {
          const inputs = materialise(w, REPO_ROOT, scratch);
          const dumps: ConfigDump[] = inputs.snapshot
            ? (await readSnapshot(inputs.snapshot)).dumps
            : await loadDumps(inputs.dumps ?? []);
          const byProxy = new Map<ConfigDump, RoutingProbe[]>();
          for (const c of w.cases) {
            const e = await predict(c.args, inputArgs(inputs));
            if (!e) continue;
            const proxy = e.steps.find((s) => s.stage === 'routeConfig')?.proxy;
            const dump = dumps.find((d) => `${d.identity().pod}.${d.identity().namespace}` === proxy);
            const probe = dump && routingProbe(c.id, e, dump);
            if (dump && probe) byProxy.set(dump, [...(byProxy.get(dump) ?? []), probe]);
          }
          for (const [dump, probes] of byProxy) {
            const results = await checkRouting(bin, dump, probes, { dir: join(scratch, 'envoy') });
            for (const r of results) {
              probed++;
              if (r.envoy !== null) routed++;
              if (r.error || r.envoy !== r.probe.meshctl)
                differences.push(
                  `${r.probe.id}: meshctl ${r.probe.meshctl ?? 'no route'}, Envoy ${r.envoy ?? 'no route'} (HTTP ${r.status ?? r.error}) for Host ${r.probe.request.headers.host} ${r.probe.request.path}`,
                );
            }
          }
        }
        t.diagnostic(
          `${probed} HTTP cases, ${routed} routed by Envoy ${bin.version}, ${differences.length} differences`,
        );
        assert.deepEqual(differences, []);
        assert.ok(probed >= 400, `${probed} HTTP cases probed`);
        assert.ok(routed >= 300, `${routed} routed by Envoy (the rest: no route, as meshctl says)`);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );

  it(
    'a prediction naming another route is caught (the check can fail)',
    { skip: envoy instanceof Error ? `no Envoy binary: ${envoy.message}` : false, timeout: 60_000 },
    async () => {
      const bin = envoy as Exclude<typeof envoy, Error>;
      const scratch = mkdtempSync(join(tmpdir(), 'meshctl-routing-'));
      try {
        const snap = 'fixtures/snapshots/story2-bookinfo-before';
        const e = await predict(
          ['request', 'productpage-v1-76474f6fb7-pmglr', 'http://reviews:9080/'],
          ['--snapshot', join(REPO_ROOT, snap)],
        );
        const dump = (await readSnapshot(join(REPO_ROOT, snap))).dumps.find(
          (d) => d.identity().pod === 'productpage-v1-76474f6fb7-pmglr',
        )!;
        const right = routingProbe('right', e!, dump)!;
        const wrong: RoutingProbe = { ...right, id: 'wrong', meshctl: '0/7' };
        const [a, b] = await checkRouting(bin, dump, [right, wrong], { dir: join(scratch, 'envoy') });
        assert.equal(a!.envoy, right.meshctl);
        assert.notEqual(right.meshctl, null);
        assert.notEqual(b!.envoy, wrong.meshctl);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
});
