// A big cluster through the live path: `meshctl snapshot` of PODS pods (dumps of 0.2–5 MB, served by each
// pod's fake Envoy admin behind the local Kubernetes API server's port-forward) with --concurrency 8, next to
// a baseline measured in the same run on the same files: node reading and JSON.parse-ing every dump once.
// Usage: npm run build && node bench/snapshot-bench.mjs [PODS=200] [CONCURRENCY=8]
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureAsync } from './measure.mjs';
import { fakePod, startKubeApiServer } from '../dist/test/helpers/kube-api-server.js';

const PODS = Number(process.argv[2] ?? 200);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const out = join('bench', 'out');
mkdirSync(out, { recursive: true });

// five dump sizes from ~0.2 MB to ~5 MB (the generator writes ~2.2 MB per 1,000 services), pods cycle them
const SERVICES = [90, 450, 900, 1500, 2300];
const files = SERVICES.map((n) => {
  const file = join(out, `sidecar-${n}.json`);
  if (!existsSync(file)) {
    const g = spawnSync(process.execPath, ['bench/gen-dump.mjs', String(n), file], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`generating ${file} failed`);
  }
  return file;
});

const pods = Array.from({ length: PODS }, (_, i) =>
  fakePod({
    namespace: `ns-${i % 10}`,
    name: `app-${i}`,
    ip: `10.1.${i >> 8}.${i & 255}`,
    dump: files[i % files.length],
  }),
);
const totalMb = pods.reduce((s, p) => s + statSync(p.dump).size, 0) / 1024 / 1024;
const api = await startKubeApiServer({ pods });
try {
  const allFiles = JSON.stringify(pods.map((p) => p.dump));
  const baseline = await measureAsync([
    process.execPath,
    '-e',
    `for (const f of ${allFiles}) JSON.parse(require('fs').readFileSync(f, 'utf8'))`,
  ]);
  const snapDir = join(mkdtempSync(join(tmpdir(), 'meshctl-bench-')), 'snap');
  const snap = await measureAsync([
    process.execPath,
    'bin/meshctl.js',
    'snapshot',
    '--all-namespaces',
    '--concurrency',
    String(CONCURRENCY),
    '--out',
    snapDir,
    '--kubeconfig',
    api.kubeconfig(),
  ]);
  if (snap.status !== 0) throw new Error(`snapshot failed: ${snap.err.slice(-600)}`);
  const written = readdirSync(join(snapDir, 'dumps'), { recursive: true }).filter((f) =>
    String(f).endsWith('.json'),
  ).length;
  console.log(
    `snapshot bench: ${PODS} pods, dumps 0.2–5 MB (${totalMb.toFixed(0)} MB in all), --concurrency ${CONCURRENCY}`,
  );
  console.log(
    `  baseline: node reads + JSON.parse every dump   ${baseline.wall.toFixed(2)} s   peak RSS ${baseline.rssMb.toFixed(0)} MB`,
  );
  console.log(
    `  meshctl snapshot                               ${snap.wall.toFixed(2)} s   peak RSS ${snap.rssMb.toFixed(0)} MB   (${written} dumps written)`,
  );
  console.log(
    `  ratio: time ${(snap.wall / baseline.wall).toFixed(2)}x, memory ${(snap.rssMb / baseline.rssMb).toFixed(2)}x the baseline`,
  );
  if (written !== PODS) {
    console.error(`FAIL: ${written} dumps written for ${PODS} pods`);
    process.exitCode = 1;
  }
  if (snap.rssMb > 300) {
    console.error(`FAIL: peak RSS ${snap.rssMb.toFixed(0)} MB is over the 300 MB bound`);
    process.exitCode = 1;
  }
} finally {
  await api.close();
}
