// npm run fuzz: the property tests of test/fuzz with many more inputs (MESHCTL_FUZZ=1, each property run
// MESHCTL_FUZZ_FACTOR times its usual count; seed MESHCTL_FUZZ_SEED), then the count of inputs per property.
// A crash fails the run and fast-check prints the seed and path that reproduce it: add the input to
// fixtures/fuzz/<parser>.json, fix the parser, and the corpus keeps it fixed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const dir = 'dist/test/fuzz';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.property.test.js'))
  .map((f) => join(dir, f));
const tmp = mkdtempSync(join(tmpdir(), 'meshctl-fuzz-'));
const log = join(tmp, 'runs.tsv');
const started = Date.now();
const r = spawnSync(process.execPath, ['--test', ...files], {
  stdio: 'inherit',
  env: {
    ...process.env,
    MESHCTL_FUZZ: '1',
    MESHCTL_FUZZ_FACTOR: process.env.MESHCTL_FUZZ_FACTOR ?? '20',
    MESHCTL_FUZZ_LOG: log,
  },
});
let total = 0;
const rows = [];
try {
  for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
    const [name, n] = line.split('\t');
    rows.push(`${String(n).padStart(8)}  ${name}`);
    total += Number(n);
  }
} catch {
  // no property finished
}
rmSync(tmp, { recursive: true, force: true });
console.log(
  `\nfuzz: ${rows.length} properties, ${total} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s\n${rows.join('\n')}`,
);
if (r.status !== 0) process.exit(r.status ?? 1);
if (total < 100000) {
  console.error(`fuzz: only ${total} inputs (the campaign is at least 100,000): raise MESHCTL_FUZZ_FACTOR`);
  process.exit(1);
}
