// The contract as code: docs/schema is what the zod schemas convert to (a stale file fails here), every kind
// the CLI prints has a schema, and `meshctl schema` prints the same JSON Schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSchemaOf, KIND_NAMES, KINDS } from '../../../src/core/schema/index.js';
import { issuePath } from '../../../src/core/schema/zod-issue.js';
import { meshctl } from '../../helpers/cli.js';
import { assertContract } from '../../helpers/contract.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const DIR = join(REPO_ROOT, 'docs', 'schema');

test('docs/schema holds exactly the JSON Schema of every kind, as zod converts it (npm run schemas rewrites it)', () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.deepEqual(files, KIND_NAMES.map((k) => `${k}.json`).sort(), 'one file per kind');
  for (const kind of KIND_NAMES)
    assert.equal(
      readFileSync(join(DIR, `${kind}.json`), 'utf8'),
      JSON.stringify(jsonSchemaOf(kind), null, 2) + '\n',
      `docs/schema/${kind}.json is stale: run npm run build && npm run schemas`,
    );
});

test('meshctl schema lists the kinds and prints each one as docs/schema has it', () => {
  const list = meshctl(['schema']);
  assert.equal(list.code, 0);
  for (const kind of KIND_NAMES) assert.match(list.stdout, new RegExp(`^${kind}\\s`, 'm'));
  const one = meshctl(['schema', 'Explanation']);
  assert.equal(one.code, 0);
  assert.equal(one.stdout, readFileSync(join(DIR, 'Explanation.json'), 'utf8'));
  assert.equal(meshctl(['schema', 'lintreport']).stdout, readFileSync(join(DIR, 'LintReport.json'), 'utf8'));
  const bad = meshctl(['schema', 'Explanations']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^error: unknown kind "Explanations"\nhint: one of: Diff, /);
});

test('the schemas are strict: a field the contract does not have, or a wrong enum value, is refused', () => {
  const step = {
    stage: 'listener',
    proxy: 'a.default',
    result: 'matched',
    name: 'l',
    index: null,
    detail: 'd',
  };
  const e = {
    apiVersion: 'meshctl/v1',
    kind: 'Explanation',
    source: { proxy: 'a.default', type: 'sidecar', ip: '10.0.0.1', istioVersion: null },
    call: {
      mode: 'outbound',
      address: '10.0.0.2',
      port: 80,
      protocol: 'tcp',
      host: null,
      path: null,
      method: null,
      headers: {},
      sni: null,
    },
    outcome: {
      result: 'delivered',
      via: 'cluster',
      responseFlag: null,
      httpStatus: null,
      cluster: 'c',
      endpoint: null,
      failedStage: null,
      summary: 's',
    },
    steps: [step],
    hints: [],
    missing: [],
  };
  assert.equal(assertContract(e), 'Explanation');
  assert.equal(KINDS.Explanation.safeParse({ ...e, extra: 1 }).success, false);
  assert.equal(KINDS.Explanation.safeParse({ ...e, steps: [{ ...step, stage: 'vhost' }] }).success, false);
  assert.equal(KINDS.Explanation.safeParse({ ...e, steps: [{ ...step, index: 2 }] }).success, true);
  assert.equal(KINDS.Explanation.safeParse({ ...e, steps: [{ ...step, index: -1 }] }).success, false);
  assert.throws(() => assertContract({ ...e, kind: 'Nope' }), /kind Nope has no schema/);
});

test('a zod issue path is said with names and indices, as meshctl says paths elsewhere', () => {
  assert.equal(issuePath(['pods', 2, 'dump']), 'pods[2].dump');
  assert.equal(
    issuePath(['metadata', 'annotations', 'sidecar.istio.io/inject']),
    'metadata.annotations["sidecar.istio.io/inject"]',
  );
  assert.equal(issuePath([]), '(top level)');
});
