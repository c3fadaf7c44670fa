#!/usr/bin/env node
// npm run conformance (issue 13): replays the corpus through real Envoy and prints `N passed, N failed,
// N skipped` alone on the last line; writes conformance-out/conformance-report.{md,json}.
//   node scripts/conformance.mjs [--predict-only] [--filter TEXT]... [--out DIR] [--envoy PATH] [--list]
//                                [--replay-module FILE] [--per-real-world N | --all]
// Replay mode leaves out the calls meshctl cannot decide (listed in the report) and replays at most N
// (default 25) evenly spread cases per real dump; --all replays every case.
// --predict-only runs meshctl's prediction and the aim checks without Envoy (no root needed).
// Exit: 0 all replayed cases agree and at most 10% are skipped; 1 a case failed or too many skipped;
// 2 the run could not start (not built, replay unavailable).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

// ------------------------------------------------------------------------------------------ the corpus
const {
  corpusWorlds,
  materialise: materialiseIn,
  inputArgs,
} = await import(pathToFileURL(join(DIST, 'replay/corpus-worlds.js')).href);
const { worlds, excluded } = await corpusWorlds(ROOT);
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
const materialise = (w) => ({ ...materialiseIn(w, ROOT, scratch), ...(envoy ? { envoy } : {}) });

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

const undecidable = [];
const sampledOut = [];
const perRealWorld = flag('--all') ? Infinity : Number(values('--per-real-world')[0] ?? 25);

/** Evenly spaced picks, so a capped world still covers its listeners, chains, hosts and routes. */
function spread(xs, n) {
  if (xs.length <= n) return xs;
  const step = xs.length / n;
  return Array.from({ length: n }, (_, k) => xs[Math.floor(k * step)]);
}

for (const w of selected) {
  if (interrupted) break;
  const t0 = Date.now();
  const inputs = materialise(w);
  // meshctl's prediction of every case first: a call meshctl cannot decide (evidence missing, result
  // unknown) has nothing for Envoy to confirm, so it is listed apart and not replayed
  const predictions = new Map();
  for (const c of w.cases)
    predictions.set(c, await predict(c.args, inputs).catch((e) => ({ error: e.message })));
  let cases = w.cases;
  if (replayApi) {
    cases = cases.filter((c) => {
      const p = predictions.get(c);
      if (
        p.error ||
        p.explanation.outcome.result !== 'unknown' ||
        C.checkExpect(p.explanation, c.expect).length
      )
        return true;
      undecidable.push({ id: c.id, reason: p.explanation.missing[0] ?? p.explanation.outcome.summary });
      return false;
    });
    if (w.family === 'real' && cases.length > perRealWorld) {
      const kept = new Set(spread(cases, perRealWorld));
      for (const c of cases) if (!kept.has(c)) sampledOut.push(c.id);
      cases = cases.filter((c) => kept.has(c));
    }
  }
  let world = null;
  let openError = null;
  if (replayApi && cases.length) {
    try {
      world = await replayApi.openReplayWorld(inputs, { timeoutMs: 20000 });
      current = world;
      envoyVersion ??= world.envoyVersion;
    } catch (e) {
      openError = e;
    }
  }
  for (const c of cases) {
    const c0 = Date.now();
    const base = { id: c.id, world: w.id, family: w.family, args: c.args, aim: c.aim };
    const p = predictions.get(c);
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
      // how many fields Envoy's own records confirmed (the rest it did not say; never counted as agreement)
      agreed: (r.comparison ?? []).filter((x) => x.verdict === 'agree').map((x) => x.field),
      adaptations: (r.adaptations ?? []).length,
      ms: Date.now() - c0,
    });
  }
  if (world) {
    current = null;
    await world.close().catch((e) => say(`conformance: closing ${w.id}: ${e.message}`));
  }
  const seconds = (Date.now() - t0) / 1000;
  worldSeconds.push({ world: w.id, cases: cases.length, seconds });
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
  corpusCases: allCases.length,
  undecidable,
  sampledOut: sampledOut.length,
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
