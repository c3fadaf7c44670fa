// Structured inputs go through zod schemas (core/schema): a wrong field is refused with the file, the path
// inside it and what was expected, exit 2, one sentence, no stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshctl } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const STORY4 = join(REPO_ROOT, 'fixtures', 'snapshots', 'story4-zookeeper-istio-1.9');
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-structured-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of story 4's snapshot whose index is changed by `edit`. */
function snapshotWith(name: string, edit: (index: { pods: Array<Record<string, unknown>> }) => void): string {
  const out = join(dir, name);
  cpSync(STORY4, out, { recursive: true });
  const file = join(out, 'meshctl-snapshot.json');
  const index = JSON.parse(readFileSync(file, 'utf8')) as { pods: Array<Record<string, unknown>> };
  edit(index);
  writeFileSync(file, JSON.stringify(index, null, 2));
  return out;
}

function assertOneSentence(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

describe('the snapshot index is read through its schema', () => {
  it('names the field of a pod that has the wrong type', () => {
    const snap = snapshotWith('dump-number', (i) => (i.pods[1]!.dump = 7));
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*dump-number\/meshctl-snapshot\.json: pods\[1\]\.dump: expected string, received number\nhint: the index is not as meshctl snapshot writes it/,
    );
  });
  it('refuses a path that leaves the snapshot directory', () => {
    const snap = snapshotWith('escape', (i) => (i.pods[0]!.sockets = '../../etc/passwd'));
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*escape\/meshctl-snapshot\.json: pods\[0\]\.sockets: a relative path inside the snapshot \(no leading \/ and no \.\.\)\n/,
    );
  });
  it('names a missing field', () => {
    const snap = snapshotWith('no-name', (i) => delete i.pods[0]!.name);
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*no-name\/meshctl-snapshot\.json: pods\[0\]\.name: expected string, received undefined\n/,
    );
  });
});
