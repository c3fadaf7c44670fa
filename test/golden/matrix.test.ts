// `meshctl matrix` on story 4: exactly the failing ZooKeeper peer pairs on Istio 1.9, none on 1.10; the JSON
// form; and the HTML page, clicked in headless Chromium.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Matrix } from '../../src/core/engine/matrix.js';
import { meshctl } from '../helpers/cli.js';
import { findChromium, withPage } from '../helpers/chromium.js';
import { golden } from '../helpers/golden.js';

const ZK0 = 'my-release-zookeeper-0.default';
const ZK1 = 'my-release-zookeeper-1.default';

function matrix(story: string, extra: string[] = []): { code: number; m: Matrix; text: string } {
  const args = ['matrix', '--snapshot', `fixtures/snapshots/${story}`, ...extra];
  const j = meshctl([...args, '-o', 'json']);
  const t = meshctl(args);
  assert.equal(t.code, j.code, t.stderr);
  return { code: j.code, m: JSON.parse(j.stdout) as Matrix, text: t.stdout };
}

/** `from → pod:port` of the failing cells between the two pods whose proxies the snapshot holds. */
const failingPeers = (m: Matrix) =>
  m.cells
    .flat()
    .filter((c) => c.result === 'failed' && c.to.startsWith('pod/'))
    .map((c) => `${c.from} → ${c.to.slice(4)} ${c.flag}`)
    .sort();

describe('meshctl matrix', () => {
  it('Istio 1.9: exactly the peer pairs whose election and quorum ports the sidecar cannot reach', () => {
    const { code, m, text } = matrix('story4-zookeeper-istio-1.9');
    assert.equal(code, 1);
    assert.deepEqual(m.rows, [ZK0, ZK1]);
    assert.deepEqual(failingPeers(m), [
      `${ZK0} → ${ZK1}:3888 UF,URX`,
      `${ZK1} → ${ZK0}:2888 UF,URX`,
      `${ZK1} → ${ZK0}:3888 UF,URX`,
    ]);
    // zookeeper-1 is a follower: nothing listens on its quorum port 2888, mesh or not
    const closed = m.cells.flat().filter((c) => c.result === 'closed');
    assert.deepEqual(
      closed.map((c) => `${c.from} → ${c.to}`),
      [`${ZK0} → pod/${ZK1}:2888`],
    );
    golden('fixtures/golden/story4-zookeeper-istio-1.9/matrix.txt', text);
  });

  it('Istio 1.10: no failing pair', () => {
    const { m, text } = matrix('story4-zookeeper-istio-1.10');
    assert.deepEqual(failingPeers(m), []);
    assert.equal(m.cells.flat().filter((c) => c.result === 'failed').length, 0);
    golden('fixtures/golden/story4-zookeeper-istio-1.10/matrix.txt', text);
  });

  it('bookinfo with the VirtualService before its DestinationRule: HTTP columns, 503 NC to reviews', () => {
    const { code, m, text } = matrix('story2-bookinfo-vs-without-dr');
    assert.equal(code, 1);
    const col = (id: string) => m.columns.findIndex((c) => c.id === id);
    const reviews = col('svc/reviews.default:9080');
    assert.equal(m.columns[reviews]!.protocol, 'http');
    // the pod port takes its protocol from the Service port that targets it (named http)
    assert.equal(m.columns[col('pod/reviews-v1-5b487cc689-njx5t.default:9080')]!.protocol, 'http');
    for (const row of m.cells) assert.equal(`${row[reviews]!.status} ${row[reviews]!.flag}`, '503 NC');
    assert.equal(new Set(m.columns.map((c) => c.id)).size, m.columns.length, 'one column per service port');
    golden('fixtures/golden/story2-bookinfo-vs-without-dr/matrix.txt', text);
  });

  it('--dump files with -f manifests and --sockets give the cells of the snapshot', () => {
    const snap = 'fixtures/snapshots/story4-zookeeper-istio-1.9';
    const pods = ['my-release-zookeeper-0', 'my-release-zookeeper-1'];
    const args = [
      'matrix',
      ...pods.flatMap((p) => ['--dump', `${snap}/dumps/default/${p}.json`]),
      ...pods.flatMap((p) => ['--sockets', `${p}=${snap}/sockets/default/${p}.txt`]),
      '-f',
      `${snap}/k8s`,
      '-o',
      'json',
    ];
    const r = meshctl(args);
    assert.equal(r.code, 1, r.stderr);
    const cells = (m: Matrix) => m.cells.flat().map((c) => `${c.from} → ${c.to}: ${c.result} ${c.flag}`);
    assert.deepEqual(cells(JSON.parse(r.stdout) as Matrix), cells(matrix('story4-zookeeper-istio-1.9').m));
  });

  it('--port narrows the columns; each cell carries the explanation of its call', () => {
    const { m } = matrix('story4-zookeeper-istio-1.9', ['--port', '3888']);
    assert.ok(m.columns.every((c) => c.port === 3888));
    const cell = m.cells[1]!.find((c) => c.to === `pod/${ZK0}:3888`)!;
    assert.equal(cell.explanation?.outcome.responseFlag, 'UF,URX');
    assert.ok(cell.explanation?.hints.some((h) => h.id === 'app-binds-pod-ip'));
  });

  it('a large matrix says how many calls it simulates, and how to narrow it, before it starts', async () => {
    const { readSnapshot } = await import('../../src/sources/snapshot/read-snapshot.js');
    const { runMatrix } = await import('../../src/cli/matrix.js');
    const snap = await readSnapshot('fixtures/snapshots/story4-zookeeper-istio-1.9');
    let err = '';
    const io = {
      stdout: { write: () => true },
      stderr: { write: (s: string) => (err += s) },
      stdin: () => Promise.resolve(Buffer.alloc(0)),
      env: {},
      now: () => new Date(),
    };
    const world = { dumps: snap.dumps, inventory: snap.inventory, sockets: snap.sockets };
    runMatrix(world, { output: 'json' }, io, 10);
    assert.match(
      err,
      /^note: simulating 24 calls \(2 proxies x 12 targets\); -n NAMESPACE and --port PORT narrow it\n$/,
    );
    err = '';
    runMatrix(world, { output: 'json' }, io);
    assert.equal(err, '');
  });

  it('a --port that is no port number is bad input (exit 2)', () => {
    const r = meshctl([
      'matrix',
      '--port',
      '99999',
      '--snapshot',
      'fixtures/snapshots/story4-zookeeper-istio-1.9',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port 99999 is not a port number/);
  });

  const chromium = findChromium();
  it(
    '-o html: one self-contained page; clicking a cell in Chromium shows its explanation',
    { skip: chromium ? false : 'Chromium is not installed (apt-get install chromium); .ci/run installs it' },
    async () => {
      const r = meshctl([
        'matrix',
        '--snapshot',
        'fixtures/snapshots/story4-zookeeper-istio-1.9',
        '-o',
        'html',
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stdout, /(src|href)=["']?(https?:)?\/\//, 'no external resources');
      const file = join(mkdtempSync(join(tmpdir(), 'meshctl-matrix-')), 'matrix.html');
      writeFileSync(file, r.stdout);
      await withPage(chromium!, pathToFileURL(file).href, async (evaluate) => {
        assert.equal(await evaluate('document.querySelectorAll("#matrix button[data-cell]").length'), 2 * 12);
        assert.equal(await evaluate('document.getElementById("detail").textContent'), 'Click a cell.');
        const failing = (await evaluate(
          `(() => { const b = [...document.querySelectorAll('button.failed')].find((x) => x.title === '${ZK1} → pod/${ZK0}:3888'); b.click(); return b.id; })()`,
        )) as string;
        const detail = (await evaluate('document.getElementById("detail").textContent')) as string;
        assert.match(detail, /^Explaining my-release-zookeeper-1\.default → 10\.96\.8\.10:3888/);
        assert.match(detail, /the app listens only on 10\.96\.8\.10:3888/);
        assert.match(detail, /hint \[app-binds-pod-ip\]/);
        assert.equal(await evaluate('location.hash'), `#${failing}`);
        assert.equal(await evaluate('document.querySelectorAll("button.selected").length'), 1);
      });
    },
  );
});
