#!/usr/bin/env node
// npm run conformance (issue 13): replays the corpus through real Envoy and prints `N passed, N failed,
// N skipped` alone on the last line; writes conformance-out/conformance-report.{md,json}.
//   node scripts/conformance.mjs [--predict-only] [--filter TEXT]... [--out DIR] [--envoy PATH] [--list]
//                                [--replay-module FILE]
// --predict-only runs meshctl's prediction and the aim checks without Envoy (no root needed).
// Exit: 0 all replayed cases agree and at most 10% are skipped; 1 a case failed or too many skipped;
// 2 the run could not start (not built, replay unavailable).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist/src');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const values = (name) =>
  argv.flatMap((a, i) => (a === name && argv[i + 1] !== undefined ? [argv[i + 1]] : []));
const predictOnly = flag('--predict-only');
const filters = values('--filter');
const outDir = resolve(values('--out')[0] ?? join(ROOT, 'conformance-out'));
const envoy = values('--envoy')[0];
const say = (s) => process.stderr.write(s + '\n');

if (!existsSync(join(DIST, 'core/replay/corpus/index.js'))) {
  say('conformance: dist/ is not built; run `npm run build` first (npm run conformance does).');
  process.exit(2);
}
const C = await import(pathToFileURL(join(DIST, 'core/replay/corpus/index.js')).href);
const { run } = await import(pathToFileURL(join(DIST, 'cli/main.js')).href);
const { loadDumps } = await import(pathToFileURL(join(DIST, 'sources/dump/read-dump.js')).href);
const { readSnapshot } = await import(pathToFileURL(join(DIST, 'sources/snapshot/read-snapshot.js')).href);

// ------------------------------------------------------------------------------------------ the corpus
const excluded = [];

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

async function storyWorlds() {
  const worlds = [];
  const snapRoot = join(ROOT, 'fixtures/snapshots');
  for (const story of readdirSync(snapRoot).sort()) {
    const dir = join(snapRoot, story);
    if (!existsSync(join(dir, 'meshctl-snapshot.json'))) continue;
    const cases = [];
    const goldenDir = join(ROOT, 'fixtures/golden', story);
    if (existsSync(goldenDir))
      for (const f of readdirSync(goldenDir).sort()) {
        if (!f.endsWith('.json')) continue;
        const doc = JSON.parse(readFileSync(join(goldenDir, f), 'utf8'));
        const e =
          doc.kind === 'Explanation' ? doc : doc.kind === 'LogExplanation' ? doc.explanation : undefined;
        if (e) cases.push(C.goldenCase(`stories/${story}`, f.replace(/\.json$/, ''), e));
      }
    const snap = await readSnapshot(dir);
    const proxies = snap.dumps.map((d) => {
      const id = d.identity();
      return { label: `${id.pod}.${id.namespace}`, ip: id.ip, type: id.type };
    });
    cases.push(...C.pairCases(`stories/${story}`, proxies, snap.inventory));
    worlds.push({
      id: `stories/${story}`,
      family: 'stories',
      description: `story snapshot ${story}: its goldens and its pod matrix`,
      inputs: { snapshot: relative(ROOT, dir) },
      inRepo: true,
      cases,
    });
  }
  return worlds;
}

async function realWorlds() {
  const worlds = [];
  const seen = new Map();
  // v3 captures first: where the same config was captured as v2alpha too, the v3 one is replayed (the
  // v2alpha form goes through the same v3 normal form and would only repeat the same requests)
  const paths = walk(join(ROOT, 'fixtures/real'))
    .filter((p) => /\.(json|ya?ml)$/.test(p))
    .sort((a, b) => Number(/v2alpha/.test(a)) - Number(/v2alpha/.test(b)) || a.localeCompare(b));
  for (const path of paths) {
    const rel = relative(ROOT, path);
    const text = readFileSync(path, 'utf8');
    if (!/config_dump|ConfigDump|"configs"|^configs:/m.test(text) || /expectations|sarif|golden/i.test(rel))
      continue;
    let dump;
    try {
      [dump] = await loadDumps([path]);
    } catch (e) {
      excluded.push({ input: rel, reason: `not a config dump meshctl reads: ${e.message}` });
      continue;
    }
    const who = dump.identity();
    if (!who.pod || !who.ip) {
      excluded.push({ input: rel, reason: 'no bootstrap node id, so no pod and pod IP to replay it as' });
      continue;
    }
    if (!dump.listeners().length) {
      excluded.push({ input: rel, reason: 'no listeners in the dump' });
      continue;
    }
    const id = `real/${rel.replace(/^fixtures\/real\//, '').replace(/\.(json|ya?ml)$/, '')}`;
    const cases = C.deriveCases(id, dump);
    if (!cases.length) {
      excluded.push({
        input: rel,
        reason:
          'no listener that a captured or gateway connection reaches (no 15001/15006 capture, no bound listener)',
      });
      continue;
    }
    const key = JSON.stringify(cases.map((c) => c.args));
    if (seen.has(key)) {
      excluded.push({ input: rel, reason: `derives exactly the cases of ${seen.get(key)} (the same dump)` });
      continue;
    }
    seen.set(key, rel);
    worlds.push({
      id,
      family: 'real',
      description: `real dump ${rel}`,
      inputs: { dumps: [rel] },
      inRepo: true,
      cases,
    });
  }
  return worlds;
}

const worlds = [...(await storyWorlds()), ...(await realWorlds()), ...C.generatedWorlds()];
const selected = worlds
  .map((w) => ({
    ...w,
    cases: w.cases.filter((c) => !filters.length || filters.some((f) => c.id.includes(f))),
  }))
  .filter((w) => w.cases.length);
const allCases = selected.flatMap((w) => w.cases);
const dups = C.duplicateIds(allCases);
if (dups.length) {
  say(`conformance: duplicate case ids (a generator bug): ${dups.slice(0, 5).join(', ')}`);
  process.exit(2);
}
if (flag('--list')) {
  for (const c of allCases) process.stdout.write(`${c.id}\t${c.args.join(' ')}\n`);
  process.exit(0);
}

// ------------------------------------------------------------------------------------------ running
const scratch = mkdtempSync(join(tmpdir(), 'meshctl-conformance-'));
let cleaned = false;
const cleanup = () => {
  if (!cleaned) rmSync(scratch, { recursive: true, force: true });
  cleaned = true;
};
process.on('exit', cleanup);

/** Writes a generated world's files; returns its inputs as absolute paths (ReplayInputs). */
function materialise(w) {
  const base = w.inRepo ? ROOT : join(scratch, w.id.replace(/[^\w.-]+/g, '_'));
  if (!w.inRepo)
    for (const [rel, text] of Object.entries(w.files ?? {})) {
      mkdirSync(dirname(join(base, rel)), { recursive: true });
      writeFileSync(join(base, rel), text);
    }
  const abs = (p) => resolve(base, p);
  const i = w.inputs;
  return {
    ...(i.snapshot !== undefined ? { snapshot: abs(i.snapshot) } : {}),
    ...(i.dumps ? { dumps: i.dumps.map(abs) } : {}),
    ...(i.manifests ? { manifests: i.manifests.map(abs) } : {}),
    ...(i.sockets ? { sockets: i.sockets.map((s) => s.replace(/=(.*)$/, (_, f) => `=${abs(f)}`)) } : {}),
    ...(envoy ? { envoy } : {}),
  };
}

function inputArgs(inputs) {
  return [
    ...(inputs.snapshot ? ['--snapshot', inputs.snapshot] : []),
    ...(inputs.dumps ?? []).flatMap((d) => ['--dump', d]),
    ...(inputs.manifests ?? []).flatMap((m) => ['-f', m]),
    ...(inputs.sockets ?? []).flatMap((s) => ['--sockets', s]),
  ];
}

/** meshctl's prediction, in-process (the CLI's own code path, without a process per case). */
async function predict(args, inputs) {
  let out = '';
  let err = '';
  const io = {
    stdout: { write: (s) => ((out += s), true) },
    stderr: { write: (s) => ((err += s), true) },
    stdin: async () => Buffer.alloc(0),
    env: { NO_COLOR: '1' },
    now: () => new Date(),
  };
  const code = await run(['explain', ...args, ...inputArgs(inputs), '-o', 'json'], io);
  if (!out.trim()) return { error: err.trim().split('\n').pop() || `exit ${code} and no output` };
  return { explanation: JSON.parse(out), code };
}

const short = (e) => ({
  result: e.outcome.result,
  via: e.outcome.via,
  responseFlag: e.outcome.responseFlag,
  httpStatus: e.outcome.httpStatus,
  cluster: e.outcome.cluster,
  failedStage: e.outcome.failedStage,
});

let replayApi = null;
if (!predictOnly) {
  // --replay-module: another implementation of openReplayWorld (the tests use a stub to check this runner)
  const p = resolve(values('--replay-module')[0] ?? join(DIST, 'replay/index.js'));
  if (!existsSync(p)) {
    say(
      'conformance: this build has no replay (dist/src/replay/index.js); run with --predict-only to check the corpus alone.',
    );
    process.exit(2);
  }
  replayApi = await import(pathToFileURL(p).href);
}

const started = Date.now();
const results = [];
const worldSeconds = [];
let envoyVersion = null;
let interrupted = false;
let current = null;
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, async () => {
    interrupted = true;
    say(`conformance: ${sig}, closing the open world`);
    try {
      await current?.close();
    } finally {
      cleanup();
      process.exit(130);
    }
  });

for (const w of selected) {
  if (interrupted) break;
  const t0 = Date.now();
  const inputs = materialise(w);
  let world = null;
  let openError = null;
  if (replayApi) {
    try {
      world = await replayApi.openReplayWorld(inputs, { timeoutMs: 20000 });
      current = world;
      envoyVersion ??= world.envoyVersion;
    } catch (e) {
      openError = e;
    }
  }
  for (const c of w.cases) {
    const c0 = Date.now();
    const base = { id: c.id, world: w.id, family: w.family, args: c.args, aim: c.aim };
    const p = await predict(c.args, inputs).catch((e) => ({ error: e.message }));
    if (p.error) {
      results.push({
        ...base,
        verdict: 'failed',
        reason: `meshctl explain could not explain it: ${p.error}`,
        aimProblems: [],
        differences: [],
        ms: Date.now() - c0,
      });
      continue;
    }
    const aimProblems = C.checkExpect(p.explanation, c.expect);
    const meshctl = short(p.explanation);
    if (!replayApi) {
      results.push({
        ...base,
        verdict: aimProblems.length ? 'failed' : 'passed',
        ...(aimProblems.length ? { reason: 'meshctl does not do what the case aimed at' } : {}),
        meshctl,
        aimProblems,
        differences: [],
        ms: Date.now() - c0,
      });
      continue;
    }
    if (openError) {
      const limitation =
        openError.name === 'ReplayUnavailableError' ||
        /cannot replay|not replayable|unsupported/i.test(openError.message);
      results.push({
        ...base,
        verdict: limitation ? 'skipped' : 'failed',
        reason: `the world could not be opened: ${openError.message}`,
        meshctl,
        aimProblems,
        differences: [],
        ms: Date.now() - c0,
      });
      continue;
    }
    let r;
    try {
      r = await world.replay([...c.args]);
    } catch (e) {
      results.push({
        ...base,
        verdict: 'failed',
        reason: `replay threw: ${e.message}`,
        meshctl,
        aimProblems,
        differences: [],
        ms: Date.now() - c0,
      });
      continue;
    }
    const skipped = r.skipped
      ? typeof r.skipped === 'string'
        ? r.skipped
        : (r.skipped.reason ?? JSON.stringify(r.skipped))
      : null;
    const differences = (r.differences ?? []).map((d) => ({
      field: d.field ?? d.path ?? '?',
      meshctl: d.meshctl ?? d.expected ?? null,
      envoy: d.envoy ?? d.observed ?? null,
      ...(d.proxy ? { proxy: d.proxy } : {}),
    }));
    const verdict = skipped ? 'skipped' : differences.length || aimProblems.length ? 'failed' : 'passed';
    results.push({
      ...base,
      verdict,
      ...(skipped
        ? { reason: skipped }
        : differences.length
          ? { reason: 'Envoy did not do what meshctl said' }
          : aimProblems.length
            ? { reason: 'meshctl does not do what the case aimed at' }
            : {}),
      meshctl,
      aimProblems,
      differences,
      envoy: r.envoy ?? null,
      ms: Date.now() - c0,
    });
  }
  if (world) {
    current = null;
    await world.close().catch((e) => say(`conformance: closing ${w.id}: ${e.message}`));
  }
  const seconds = (Date.now() - t0) / 1000;
  worldSeconds.push({ world: w.id, cases: w.cases.length, seconds });
  const wt = C.tally(results.filter((r) => r.world === w.id));
  say(`${w.id}: ${C.closingLine(wt)} (${seconds.toFixed(1)} s)`);
}
cleanup();

const info = {
  envoyVersion,
  seed: C.CORPUS_SEED,
  startedAt: new Date(started).toISOString(),
  seconds: (Date.now() - started) / 1000,
  worlds: selected.length,
  mode: predictOnly ? 'predict-only' : 'replay',
  excluded,
  worldSeconds,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'conformance-report.json'),
  JSON.stringify(C.reportJson(info, results), null, 2) + '\n',
);
writeFileSync(join(outDir, 'conformance-report.md'), C.reportMarkdown(info, results));
const t = C.tally(results);
for (const r of results.filter((x) => x.verdict === 'failed'))
  say(`FAILED ${r.id}: ${r.reason}${r.aimProblems.length ? ` (${r.aimProblems.join('; ')})` : ''}`);
const skipReasons = new Map();
for (const r of results.filter((x) => x.verdict === 'skipped'))
  skipReasons.set(r.reason, (skipReasons.get(r.reason) ?? 0) + 1);
for (const [reason, n] of skipReasons) say(`skipped ${n}: ${reason}`);
say(
  `report: ${relative(process.cwd(), join(outDir, 'conformance-report.md'))} (${info.seconds.toFixed(1)} s, Envoy ${envoyVersion ?? 'not run'})`,
);
process.stdout.write(C.closingLine(t) + '\n');
const tooManySkipped = t.skipped > 0.1 * results.length;
if (tooManySkipped) say(`conformance: ${t.skipped} of ${results.length} cases skipped, more than 10%`);
process.exit(t.failed || tooManySkipped ? 1 : 0);
