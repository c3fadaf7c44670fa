// Golden files: compared byte for byte, rewritten only with UPDATE_GOLDEN=1 (then reviewed in the diff).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertContract } from './contract.js';
import { REPO_ROOT } from './paths.js';

const update = process.env.UPDATE_GOLDEN === '1';

export function golden(path: string, actual: string): void {
  const file = join(REPO_ROOT, path);
  // a JSON golden that is a meshctl/v1 document must keep its contract, whatever the comparison says
  if (path.endsWith('.json') && /^\{\s*"apiVersion": "meshctl\/v1"/.test(actual))
    assertContract(JSON.parse(actual), path);
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
