// The whole conformance corpus through meshctl's prediction alone (no Envoy): every case must do what its
// generator aimed at, so a generator that misses its target, or an engine change that moves a decision,
// fails here before Envoy is asked. The replayed run is `npm run conformance`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

// A stand-in for src/replay's openReplayWorld: Envoy "disagrees" on port 3888, cannot replay gateways, and
// agrees elsewhere; each world it opens must be closed.
const STUB = `
import { appendFileSync } from 'node:fs';
const log = process.env.STUB_LOG;
export async function openReplayWorld(inputs) {
  appendFileSync(log, 'open\\n');
  return {
    envoyVersion: '0.0.0-stub',
    async replay(args) {
      if (args[0] === 'gateway') return { kind: 'Replay', skipped: { reason: 'stub: gateways are not replayed' }, differences: [] };
      const differences = args.includes('3888') ? [{ field: 'cluster', proxy: 'src', meshctl: 'outbound|3888||a', envoy: 'outbound|3888||b' }] : [];
      return { kind: 'Replay', skipped: null, envoy: { version: '0.0.0-stub' }, differences };
    },
    async close() { appendFileSync(log, 'close\\n'); },
  };
}
`;

describe('conformance corpus (prediction only)', () => {
  it('has at least 300 cases, each doing what it aims at, and writes both reports', () => {
    const out = mkdtempSync(join(tmpdir(), 'meshctl-corpus-'));
    try {
      const r = spawnSync(process.execPath, ['scripts/conformance.mjs', '--predict-only', '--out', out], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(last);
      assert.ok(m, `closing line: ${last}\n${r.stderr}`);
      assert.equal(
        m[2],
        '0',
        r.stderr
          .split('\n')
          .filter((l) => l.startsWith('FAILED'))
          .join('\n'),
      );
      assert.ok(Number(m[1]) >= 300, `${m[1]} cases`);
      assert.equal(r.status, 0);
      const report = JSON.parse(readFileSync(join(out, 'conformance-report.json'), 'utf8')) as {
        results: { family: string }[];
      };
      const families = new Set(report.results.map((x) => x.family));
      for (const f of ['stories', 'real', 'routes', 'domains', 'chains', 'capture', 'bind', 'mtls'])
        assert.ok(families.has(f), f);
      assert.match(readFileSync(join(out, 'conformance-report.md'), 'utf8'), /^# meshctl conformance report/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('counts what replay reports: a difference fails the case (exit 1), a skip keeps its reason, every world is closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshctl-corpus-stub-'));
    try {
      writeFileSync(join(dir, 'stub.mjs'), STUB);
      const log = join(dir, 'log');
      writeFileSync(log, '');
      const r = spawnSync(
        process.execPath,
        [
          'scripts/conformance.mjs',
          '--replay-module',
          join(dir, 'stub.mjs'),
          '--out',
          dir,
          '--filter',
          'stories/story4',
          '--filter',
          'stories/story3',
        ],
        { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, STUB_LOG: log } },
      );
      assert.equal(r.status, 1, r.stderr);
      const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(r.stdout.trim().split('\n').pop() ?? '');
      assert.ok(m, r.stdout);
      assert.ok(Number(m[2]) > 0 && Number(m[3]) > 0 && Number(m[1]) > 0, m[0]);
      const md = readFileSync(join(dir, 'conformance-report.md'), 'utf8');
      assert.match(md, /\| cluster \| src \| outbound\\\|3888\\\|\\\|a \| outbound\\\|3888\\\|\\\|b \|/);
      assert.match(md, /\*\*stub: gateways are not replayed\*\* \(\d+\)/);
      assert.match(md, /Envoy 0\.0\.0-stub/);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      assert.equal(lines.filter((l) => l === 'open').length, lines.filter((l) => l === 'close').length);
      assert.ok(lines.length >= 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
