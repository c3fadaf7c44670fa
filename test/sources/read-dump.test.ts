import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/core/diagnostics/errors.js';
import { parseDump, readDumpFile } from '../../src/sources/dump/read-dump.js';
import { real } from '../helpers/paths.js';

const DUMP = 'istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json';
let dir = '';

/** The message of the InputError `read` throws (or rejects with). */
async function messageOf(read: () => unknown): Promise<string> {
  try {
    await read();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.message;
  }
  assert.fail('expected an InputError');
}

describe('reading dump files', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshctl-read-'));
  });

  it('a truncated dump streamed from disk fails with the line and column it fails with when read whole', async () => {
    const path = join(dir, 'truncated.json');
    const text = readFileSync(real(DUMP), 'utf8');
    for (const cut of [3000, 20_000, text.length - 3]) {
      writeFileSync(path, text.slice(0, cut));
      const whole = await messageOf(() => parseDump(path, readFileSync(path)));
      assert.match(whole, /line \d+, column \d+: the input ends/);
      assert.equal(await messageOf(() => readDumpFile(path, 0)), whole);
    }
  });

  it('streams a file with data after the dump, or a file that is no dump, into the same errors', async () => {
    const path = join(dir, 'odd.json');
    for (const text of [
      '{"configs": []} {"x": 1}',
      '{"apiVersion": "v1", "kind": "Pod"}',
      '{"configs": "no"}',
    ]) {
      writeFileSync(path, text);
      assert.equal(
        await messageOf(() => readDumpFile(path, 0)),
        await messageOf(() => parseDump(path, readFileSync(path))),
      );
    }
  });

  it('reads a pipe (a process substitution) to its end', async () => {
    const fifo = join(dir, 'dump.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `cat "${real(DUMP)}" > "${fifo}"`]);
    const dump = await readDumpFile(fifo, 0);
    await new Promise((resolve) => writer.once('exit', resolve));
    assert.equal(dump.listeners().length, parseDump('x', readFileSync(real(DUMP))).listeners().length);
  });

  it('says a file that shrinks while it is streamed changed, rather than index what is left', async () => {
    const path = join(dir, 'shrinking.json');
    const cluster = (i: number) =>
      `{"cluster": {"name": "outbound|80||svc-${i}.ns.svc.cluster.local", "type": "EDS"}}`;
    const entries = Array.from({ length: 120_000 }, (_, i) => cluster(i)).join(',');
    writeFileSync(
      path,
      `{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [${entries}]}]}`,
    );
    assert.ok(readFileSync(path).length > 8 * 1024 * 1024, 'more chunks than are read ahead');
    const reading = messageOf(() => readDumpFile(path, 0));
    // the first chunks are asked for before readDumpFile returns; the later ones after this
    truncateSync(path, 1024 * 1024);
    assert.match(await reading, /shrinking\.json changed while it was read \(it is shorter now\)/);
  });

  it('names a missing file and a directory', async () => {
    assert.match(await messageOf(() => readDumpFile(join(dir, 'nope.json'))), /nope\.json: no such file/);
    assert.match(await messageOf(() => readDumpFile(dir)), /is a directory, not a config dump file/);
  });
});
