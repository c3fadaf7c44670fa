// The whole conformance corpus through meshctl's prediction alone (no Envoy): every case must do what its
// generator aimed at, so a generator that misses its target, or an engine change that moves a decision,
// fails here before Envoy is asked. The replayed run is `npm run conformance`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

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
});
