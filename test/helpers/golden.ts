// Golden files: compared byte for byte, rewritten only with UPDATE_GOLDEN=1 (then reviewed in the diff).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './paths.js';

const update = process.env.UPDATE_GOLDEN === '1';

export function golden(path: string, actual: string): void {
  const file = join(REPO_ROOT, path);
  if (update || !existsSync(file)) {
    assert.ok(update, `${path} is missing: run UPDATE_GOLDEN=1 npm test and review it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.equal(
    actual,
    readFileSync(file, 'utf8'),
    `${path} differs (UPDATE_GOLDEN=1 rewrites it after review)`,
  );
}
