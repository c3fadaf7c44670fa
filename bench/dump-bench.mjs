// Big dumps by service count: meshctl's on-call lookups against baselines measured in the same run on the
// same file: node reading the whole file and JSON.parse-ing it, and jq answering the same question (when jq is
// installed). Prints the median wall time and peak RSS of each, the ratios, and how they grow with size.
// Usage: npm run build && node bench/dump-bench.mjs [SERVICES=1000,10000,40000,70000] [RUNS=3]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchInterleaved } from './measure.mjs';

const SIZES = (process.argv[2] ?? '1000,10000,40000,70000').split(',').map(Number);
const RUNS = Number(process.argv[3] ?? 3);
const out = join('bench', 'out');
mkdirSync(out, { recursive: true });
const hasJq = spawnSync('jq', ['--version']).status === 0;

// the generator gives service i the name svc-i in namespace ns-(i % 100) on port 80/8080/9080/5000 by i % 4;
// svc-6 is on 9080 in every size
const FQDN = 'svc-6.ns-6.svc.cluster.local';
// explain exits 2 with a complete Explanation when evidence is missing (here: no destination dump), so a
// command succeeded when it exited 0 or printed its JSON answer
const ok = (b) => b && (b.status === 0 || b.stdout.startsWith('{') || b.stdout.startsWith('['));
const rows = [];
for (const n of SIZES) {
  const file = join(out, `sidecar-${n}.json`);
  if (!existsSync(file)) {
    const g = spawnSync(process.execPath, ['bench/gen-dump.mjs', String(n), file], { stdio: 'inherit' });
    if (g.status !== 0) throw new Error(`generating ${file} failed`);
  }
  const sizeMb = statSync(file).size / 1024 / 1024;
  // measured in turns, one run of each per round: the machine's speed drifts, and a ratio should not
  const commands = [
    {
      name: 'baseline: node reads + JSON.parse',
      cmd: process.execPath,
      args: ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)},'utf8'))`],
    },
    {
      name: 'meshctl get clusters --fqdn -o json',
      cmd: process.execPath,
      args: ['bin/meshctl.js', 'get', 'clusters', '--dump', file, '--fqdn', 'svc-6.ns-6', '-o', 'json'],
    },
    {
      name: 'meshctl explain request -o json',
      cmd: process.execPath,
      args: [
        'bin/meshctl.js',
        'explain',
        'request',
        'client-0',
        'http://svc-6.ns-6:9080/',
        '--dump',
        file,
        '-o',
        'json',
      ],
    },
  ];
  // jq answering `get clusters --fqdn`: the clusters whose name carries the FQDN
  if (hasJq)
    commands.push({
      name: 'baseline: jq cluster lookup',
      cmd: 'jq',
      args: [
        '-c',
        `.configs[] | select(."@type" | endswith("ClustersConfigDump")) | .dynamic_active_clusters[] | select(.cluster.name | contains("${FQDN}")) | .cluster.name`,
        file,
      ],
    });
  const [parse, get, explain, jq] = benchInterleaved(commands, RUNS);
  for (const b of [get, explain])
    if (!ok(b)) throw new Error(`${b.name} on ${file} printed no JSON (exit ${b.status})`);
  rows.push({ n, sizeMb, parse, jq, get, explain });
}

// a baseline that fails (JSON.parse cannot hold a dump over V8's 512 MiB string limit) is shown as failed,
// not as a time to compare against
const f = (b) =>
  !b ? 'n/a' : `${b.wall.toFixed(2)} s ${b.rssMb.toFixed(0)} MB${ok(b) ? '' : ` FAILED (exit ${b.status})`}`;
const ratio = (b, base) =>
  ok(base)
    ? `${(b.wall / base.wall).toFixed(2)}x time, ${(b.rssMb / base.rssMb).toFixed(2)}x mem`
    : 'the baseline failed';
console.log(
  `dump bench: median of ${RUNS} runs measured in turns, peak RSS the largest of them${hasJq ? '' : ' (jq not installed)'}`,
);
for (const r of rows) {
  console.log(`\n${r.n} services, ${r.sizeMb.toFixed(1)} MB`);
  for (const b of [r.parse, r.jq, r.get, r.explain].filter(Boolean))
    console.log(
      `  ${b.name.padEnd(38)} ${f(b).padEnd(24)} runs: ${b.walls.map((w) => w.toFixed(2)).join(' ')}`,
    );
  for (const b of [r.get, r.explain]) {
    console.log(
      `  ${b.name} / JSON.parse: ${ratio(b, r.parse)}; RSS ${(b.rssMb / r.sizeMb).toFixed(2)}x the file`,
    );
    if (r.jq) console.log(`  ${b.name} / jq: ${ratio(b, r.jq)}`);
  }
}
// growth: each figure per MB of dump, so linear growth shows as a flat column
console.log('\ngrowth (seconds per 100 MB of dump; flat = linear)');
console.log(
  `  ${'services'.padEnd(10)}${'MB'.padEnd(8)}${'JSON.parse'.padEnd(12)}${'jq'.padEnd(12)}${'get'.padEnd(12)}explain`,
);
for (const r of rows) {
  const per = (b) => (ok(b) ? ((b.wall / r.sizeMb) * 100).toFixed(2) : 'n/a').padEnd(12);
  console.log(
    `  ${String(r.n).padEnd(10)}${r.sizeMb.toFixed(0).padEnd(8)}${per(r.parse)}${per(r.jq)}${per(r.get)}${per(r.explain)}`,
  );
}
