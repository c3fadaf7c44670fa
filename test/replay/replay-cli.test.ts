// meshctl replay end to end (issue 13 "Done when"): the README's first example replayed by real Envoy agrees,
// story 4 on Istio 1.10 too, a deliberately wrong prediction is caught (exit 1 with the difference), bad input
// is one line and exit 2 with nothing left behind, and SIGINT mid-replay tears the world down.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshctlAsync } from '../helpers/cli.js';
import { BIN, REPO_ROOT } from '../helpers/paths.js';
import { replaySkip } from '../helpers/replay.js';
import { openReplayWorld } from '../../src/replay/index.js';
import { printReplay } from '../../src/cli/replay.js';
import { assertContract } from '../helpers/contract.js';

const SNAP9 = 'fixtures/snapshots/story4-zookeeper-istio-1.9';
const SNAP10 = 'fixtures/snapshots/story4-zookeeper-istio-1.10';
const CALL = ['pod-to-pod', 'my-release-zookeeper-1', 'my-release-zookeeper-0', '--port', '3888'];

const skip = replaySkip;

/** What a run with this pid left: namespaces named after it and its temp directory. */
function leftovers(pid: number | undefined): string[] {
  if (pid === undefined) return [];
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(`mc-${pid}-`));
  const files = readdirSync(tmpdir()).filter((f) => f.startsWith(`meshctl-replay-${pid}-`));
  const procs = spawnSync('pgrep', ['-f', `meshctl-replay-${pid}-`], { encoding: 'utf8' }).stdout.trim();
  return [...ns, ...files, ...(procs ? [`processes ${procs}`] : [])];
}

describe('meshctl replay', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'mc-replay-test-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("the README's first example (story 4, Istio 1.9) replays and agrees, naming Envoy's version", async () => {
    const r = await meshctlAsync(['replay', ...CALL, '--snapshot', SNAP9]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /with real Envoy 1\.\d+\.\d+/);
    assert.match(r.stdout, /✓ result\s+failed\s+failed/);
    assert.match(
      r.stdout,
      /✓ upstreamHost @ my-release-zookeeper-0\.default\s+127\.0\.0\.1:3888\s+127\.0\.0\.1:3888/,
    );
    assert.match(r.stdout, /✓ appAccepted\s+false\s+false/);
    assert.match(r.stdout, /^AGREE/m);
    assert.deepEqual(leftovers(r.pid), []);
  });

  it('story 4 on Istio 1.10 (the pod IP from 127.0.0.6) replays and agrees; -o json is a valid Replay with the raw log lines', async () => {
    const r = await meshctlAsync(['replay', ...CALL, '--snapshot', SNAP10, '-o', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const doc = JSON.parse(r.stdout) as {
      envoy: { result: string; proxies: Array<{ accessLog: string[] }>; app: unknown[] };
      differences: unknown[];
      adaptations: unknown[];
    };
    assertContract(doc);
    assert.equal(doc.envoy.result, 'delivered');
    assert.ok(doc.envoy.app.length > 0, 'the app accepted the connection');
    assert.ok(doc.envoy.proxies.every((p) => p.accessLog.length > 0));
    assert.deepEqual(doc.differences, []);
  });

  it('a deliberately wrong prediction (another cluster and host than Envoy used) exits 1 with the difference shown', async () => {
    const w = await openReplayWorld({ snapshot: SNAP10 });
    try {
      const honest = await w.replay(CALL);
      assert.deepEqual(honest.differences, []);
      const wrong = structuredClone(honest.meshctl);
      const cluster = wrong.steps.find((s) => s.stage === 'cluster')!;
      Object.assign(cluster, { name: 'outbound|3888|v2|elsewhere.default.svc.cluster.local' });
      const r = await w.replay(CALL, { explanation: wrong });
      assert.deepEqual(
        r.differences.map((d) => [d.field, d.proxy, d.meshctl, d.envoy]),
        [
          [
            'cluster',
            'my-release-zookeeper-1.default',
            'outbound|3888|v2|elsewhere.default.svc.cluster.local',
            'outbound|3888||my-release-zookeeper-headless.default.svc.cluster.local',
          ],
        ],
      );
      let out = '';
      const io = {
        stdout: { write: (s: string) => (out += s) },
        stderr: { write: () => true },
        stdin: async () => Buffer.alloc(0),
        env: {},
        now: () => new Date(),
      };
      assert.equal(printReplay(r, 'text', io), 1);
      assert.match(out, /✗ cluster @ my-release-zookeeper-1\.default\s+outbound\|3888\|v2\|elsewhere/);
      assert.match(out, /^DIFFER: 1 field/m);
    } finally {
      await w.close();
    }
  });

  it("an HTTP call through a world gets the app's answer: story 2's request to reviews (with its DestinationRule) agrees on httpStatus 200, and a second call on the same world is judged by its own records", async () => {
    const w = await openReplayWorld({ snapshot: 'fixtures/snapshots/story2-bookinfo-with-dr' });
    const call = [
      'pod-to-pod',
      'productpage-v1-76474f6fb7-pmglr.default',
      '172.21.152.34',
      '--port',
      '9080',
      '--protocol',
      'http',
      '--host',
      'reviews:9080',
    ];
    try {
      const outcome = (r: typeof one) =>
        r.comparison
          .filter((c) => ['result', 'responseFlag', 'httpStatus', 'appAccepted'].includes(c.field))
          .map((c) => [c.field, c.meshctl, c.envoy, c.verdict]);
      const agreed = [
        ['result', 'delivered', 'delivered', 'agree'],
        ['responseFlag', null, null, 'agree'],
        ['httpStatus', 200, 200, 'agree'],
        ['appAccepted', true, true, 'agree'],
      ];
      const one = await w.replay(call);
      assert.deepEqual(outcome(one), agreed);
      assert.equal(one.envoy?.client.status, 200);
      assert.match(one.envoy?.client.reply ?? '', /^meshctl-replay-app /);
      assert.ok(
        one.envoy?.app.some((a) => a.requestLine === 'GET / HTTP/1.1' && a.httpHost === 'reviews:9080'),
        JSON.stringify(one.envoy?.app),
      );
      // the source sidecar may send the second request on the upstream connection the first one opened:
      // the app still counts it, and each proxy's lines are those of this call's connection and request
      const two = await w.replay(call);
      assert.deepEqual(outcome(two), agreed);
      const local = (r: typeof one) => r.envoy?.client.local;
      assert.ok(local(one) && local(two) && local(one) !== local(two));
      const ids = (r: typeof one) =>
        r.envoy!.proxies.flatMap((p) =>
          p.accessLog.map((l) => (JSON.parse(l) as { request_id: unknown }).request_id),
        );
      const first = new Set(ids(one).filter(Boolean));
      assert.ok(first.size === 1, `one request id per call: ${[...first].join(', ')}`);
      assert.ok(
        !ids(two).some((id) => first.has(id)),
        "the second call shows none of the first call's lines",
      );
      assert.ok(two.envoy!.app.length > 0, 'the app saw the second request');
    } finally {
      await w.close();
    }
  });

  it("a balanced pick: story 1's Service has three endpoints; Envoy's pick agrees within the set, and the call is made again until Envoy picks the host meshctl's walk follows, whose failure (UF,URX at 127.0.0.1) then agrees too", async () => {
    const w = await openReplayWorld({ snapshot: 'fixtures/snapshots/story1-jgroups-istio-1.0' });
    try {
      const r = await w.replay([
        'pod-to-pod',
        'ispn-perf-test-558666c5c6-g9jb5.my-istio-namespace',
        '10.41.13.74',
        '--port',
        '7800',
        '--protocol',
        'tcp',
      ]);
      assert.deepEqual(r.differences, [], JSON.stringify(r.differences));
      const host = r.comparison.find((c) => c.field === 'upstreamHost' && c.acceptable);
      assert.ok(host, 'the source names the set it balances over');
      assert.equal(host.acceptable!.length, 3);
      assert.equal(
        host.envoy,
        host.meshctl,
        "the compared call is the one where Envoy picked the walk's host",
      );
      assert.ok((r.envoy?.attempts ?? 1) <= 6);
      assert.equal(r.envoy?.responseFlag, 'UF,URX');
    } finally {
      await w.close();
    }
  });

  it('bad input is one line and exit 2, leaving no namespace, process or file: no Envoy, no namespaces, a pod without a dump, a dump Envoy rejects', async () => {
    // a dump meshctl reads but Envoy rejects: a second tcp_proxy after the terminal one
    const src = JSON.parse(
      readFileSync(join(REPO_ROOT, SNAP9, 'dumps/default/my-release-zookeeper-1.json'), 'utf8'),
    ) as unknown;
    let broken = false;
    const breakIt = (v: unknown): void => {
      if (broken || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) return v.forEach(breakIt);
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.filters) && o.filters.some((f) => JSON.stringify(f).includes('tcp_proxy'))) {
        o.filters = [...(o.filters as unknown[]), ...(o.filters as unknown[])];
        broken = true;
        return;
      }
      Object.values(o).forEach(breakIt);
    };
    breakIt(src);
    assert.ok(broken);
    const bad = join(work, 'rejected.json');
    writeFileSync(bad, JSON.stringify(src));
    const dst = join(REPO_ROOT, SNAP9, 'dumps/default/my-release-zookeeper-0.json');
    const cases: Array<{ args: string[]; env?: Record<string, string>; says: RegExp }> = [
      {
        args: [...CALL, '--snapshot', SNAP9, '--envoy', '/nonexistent/envoy'],
        says: /--envoy \/nonexistent\/envoy: no such executable/,
      },
      {
        args: [...CALL, '--snapshot', SNAP9],
        env: { MESHCTL_REPLAY_NO_NETNS: '1' },
        says: /needs network namespaces/,
      },
      {
        args: ['pod-to-pod', 'no-such-pod', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', SNAP9],
        says: /no-such-pod/,
      },
      {
        args: [
          'pod-to-pod',
          'my-release-zookeeper-1',
          'my-release-zookeeper-0',
          '--port',
          '3888',
          '--dump',
          bad,
          '--dump',
          dst,
        ],
        says: /rejected\.json: Envoy 1\.\d+\.\d+\S* rejects the replay bootstrap/,
      },
    ];
    for (const c of cases) {
      const r = await meshctlAsync(['replay', ...c.args], c.env);
      assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '', c.args.join(' '));
      const first = r.stderr.split('\n')[0]!;
      assert.match(first, c.says);
      assert.match(first, /^error: /);
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
      assert.deepEqual(leftovers(r.pid), [], c.args.join(' '));
    }
  });

  it('SIGINT mid-replay tears the world down (namespaces, Envoys, files)', async () => {
    const child = spawn(process.execPath, [BIN, 'replay', ...CALL, '--snapshot', SNAP9], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // wait until its world exists, then interrupt
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !leftovers(child.pid).some((n) => n.startsWith('mc-')))
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(leftovers(child.pid).length > 0, 'the world was being built');
    child.kill('SIGINT');
    const code = await closed;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /SIGINT, tearing the replay world down/);
    assert.deepEqual(leftovers(child.pid), []);
  });
});
