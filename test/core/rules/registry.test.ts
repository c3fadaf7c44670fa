// Registry invariants: codes unique and ordered and never reused, ids unique, every rule documented and tested.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETIRED_CODES, RULES } from '../../../src/core/rules/index.js';
import { REPO_ROOT } from '../../helpers/paths.js';

describe('rule registry', () => {
  it('codes are unique, sorted, and never reuse a retired code', () => {
    const codes = RULES.map((r) => r.code);
    assert.deepEqual(codes, [...new Set(codes)].sort());
    for (const c of codes) assert.ok(!RETIRED_CODES.includes(c), c);
  });
  it('ids are unique kebab-case', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z]+(-[a-z0-9]+)*$/);
  });
  for (const r of RULES) {
    it(`${r.code} ${r.id}: docs page, test file, description and fix`, () => {
      assert.ok(existsSync(join(REPO_ROOT, r.docs)), `${r.docs} exists`);
      const page = readFileSync(join(REPO_ROOT, r.docs), 'utf8');
      assert.match(page, new RegExp(`^# ${r.code} ${r.id}`), 'the page is titled with code and id');
      assert.ok(existsSync(join(REPO_ROOT, 'test/core/rules', `${r.id}.test.ts`)), 'a test file');
      assert.match(r.description, /^[A-Z].*\.$/);
      assert.match(r.fix, /^[A-Z].*\.$/);
      assert.ok(r.inputs.length > 0);
    });
  }
});
