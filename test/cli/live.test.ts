// The live path end to end: the real binary against the local Kubernetes API server (HTTPS, bearer token,
// WebSocket port-forward to a fake Envoy admin). Live answers must equal the offline ones on the same fixture.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { meshctlAsync } from '../helpers/cli.js';
import { fakePod, startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server.js';
import { REPO_ROOT, ZK_ELECTION_PORT } from '../helpers/paths.js';

const SNAP = join(REPO_ROOT, 'fixtures/snapshots/story4-zookeeper-istio-1.9');
let api: KubeApiServer;

before(async () => {
  const objects = parseAllDocuments(readFileSync(join(SNAP, 'k8s/objects.yaml'), 'utf8')).map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  const pods = objects
    .filter((o) => o.kind === 'Pod')
    .map((raw) => {
      const meta = raw.metadata as { name: string; namespace: string };
      const ready: Record<string, unknown> = {
        ...(raw.status as object),
        containerStatuses: [
          { name: 'zookeeper', ready: true },
          { name: 'istio-proxy', ready: true },
        ],
      };
      const dump = join(SNAP, 'dumps', meta.namespace, `${meta.name}.json`);
      const hasDump = meta.name !== 'my-release-zookeeper-2';
      const sockets = join(SNAP, 'sockets', meta.namespace, `${meta.name}.txt`);
      return {
        namespace: meta.namespace,
        name: meta.name,
        raw: { ...raw, status: ready } as Record<string, unknown>,
        ...(hasDump ? { dump, sockets } : {}),
      };
    });
  pods.push(fakePod({ namespace: 'default', name: 'not-ready', ip: '10.96.1.2', ready: false }));
  pods.push(fakePod({ namespace: 'default', name: 'no-sidecar', ip: '10.96.1.1', sidecar: false }));
  const legacy = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'legacy', namespace: 'default' },
    spec: { selector: { app: 'legacy' }, ports: [{ port: 8080 }] },
  };
  api = await startKubeApiServer({
    pods,
    services: [...objects.filter((o) => o.kind === 'Service'), legacy],
  });
});
after(() => api.close());

const live = (args: string[], kubeconfig = api.kubeconfig()) =>
  meshctlAsync([...args, '--kubeconfig', kubeconfig]);

describe('live cluster', () => {
  it('get clusters: the same JSON as the offline run on the same dump', async () => {
    const r = await live(['get', 'clusters', 'my-release-zookeeper-0', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const offline = await meshctlAsync([
      'get',
      'clusters',
      '--dump',
      join(SNAP, 'dumps/default/my-release-zookeeper-0.json'),
      '-o',
      'json',
    ]);
    assert.equal(r.stdout, offline.stdout);
  });

  it('names pods as pod.namespace, namespace/pod or IP, like the offline path', async () => {
    for (const pod of ['my-release-zookeeper-0.default', 'default/my-release-zookeeper-0', '10.96.8.10']) {
      const r = await live(['get', 'bootstrap', pod]);
      assert.equal(r.code, 0, `${pod}: ${r.stderr}`);
      assert.match(r.stdout, /Node ID: +sidecar~10\.96\.8\.10~my-release-zookeeper-0\.default~/);
    }
  });

  it('explain pod-to-pod: the same outcome and steps as the snapshot (sockets given as evidence)', async () => {
    const sockets = [
      '--sockets',
      `my-release-zookeeper-0=${join(SNAP, 'sockets/default/my-release-zookeeper-0.txt')}`,
    ];
    const r = await live([...ZK_ELECTION_PORT, '-o', 'json', ...sockets]);
    assert.equal(r.code, 1, r.stderr);
    const offline = await meshctlAsync([...ZK_ELECTION_PORT, '--snapshot', SNAP, '-o', 'json']);
    const a = JSON.parse(r.stdout) as {
      outcome: unknown;
      steps: Array<{ stage: string; result: string; name: string }>;
    };
    const b = JSON.parse(offline.stdout) as typeof a;
    assert.deepEqual(a.outcome, b.outcome);
    assert.deepEqual(
      a.steps.map((s) => [s.stage, s.result, s.name]),
      b.steps.map((s) => [s.stage, s.result, s.name]),
    );
  });

  it('matrix: every meshed pod of the namespace read live; the same cells as the snapshot', async () => {
    const sockets = ['my-release-zookeeper-0', 'my-release-zookeeper-1'].flatMap((p) => [
      '--sockets',
      `${p}=${join(SNAP, `sockets/default/${p}.txt`)}`,
    ]);
    const r = await live(['matrix', '-n', 'default', '--port', '3888', '-o', 'json', ...sockets]);
    // the not-ready sidecar cannot be read: said on stderr, its row left out
    assert.match(r.stderr, /note: could not read the proxy of default\/not-ready: /);
    const offline = await meshctlAsync(['matrix', '--snapshot', SNAP, '--port', '3888', '-o', 'json']);
    type M = { rows: string[]; cells: Array<Array<{ to: string; result: string; flag: string | null }>> };
    const [a, b] = [JSON.parse(r.stdout) as M, JSON.parse(offline.stdout) as M];
    const cells = (m: M) =>
      m.rows.flatMap((row, i) => m.cells[i]!.map((c) => `${row} → ${c.to}: ${c.result} ${c.flag}`));
    assert.deepEqual(a.rows, b.rows);
    assert.deepEqual(cells(a), cells(b));
    assert.ok(cells(a).some((c) => c.endsWith('failed UF,URX')));
  });

  it('diff of two pods read live: the same comparison as in the snapshot', async () => {
    const pods = ['my-release-zookeeper-0', 'my-release-zookeeper-1'];
    const r = await live(['diff', ...pods, '-o', 'json']);
    const offline = await meshctlAsync(['diff', ...pods, '--snapshot', SNAP, '-o', 'json']);
    assert.equal(r.code, offline.code, r.stderr);
    type D = { identical: boolean; groups: unknown[] };
    const [a, b] = [JSON.parse(r.stdout) as D, JSON.parse(offline.stdout) as D];
    assert.deepEqual([a.identical, a.groups], [b.identical, b.groups]);
  });

  it('explain log --pod reads that pod live and places the line as offline', async () => {
    const line =
      '[2026-11-21T02:14:07.118Z] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "127.0.0.1:3888" inbound|3888|| - 10.96.8.10:3888 10.96.7.7:50012 - -';
    const sockets = [
      '--sockets',
      `my-release-zookeeper-0=${join(SNAP, 'sockets/default/my-release-zookeeper-0.txt')}`,
    ];
    const r = await live([
      'explain',
      'log',
      line,
      '--pod',
      'my-release-zookeeper-0',
      '-o',
      'json',
      ...sockets,
    ]);
    const offline = await meshctlAsync(['explain', 'log', line, '--snapshot', SNAP, '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    type L = { proxy: string; placement: unknown; verdict: unknown };
    const [a, b] = [JSON.parse(r.stdout) as L, JSON.parse(offline.stdout) as L];
    assert.deepEqual([a.proxy, a.placement, a.verdict], [b.proxy, b.placement, b.verdict]);
  });

  const errors: Array<[string, () => Promise<{ code: number; stdout: string; stderr: string }>, RegExp]> = [
    [
      '401: a token the server rejects',
      () => live(['get', 'clusters', 'my-release-zookeeper-0'], api.kubeconfig({ token: 'wrong' })),
      /^error: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials of context test \(401 Unauthorized\)\nhint: log in again/,
    ],
    [
      'an unknown --context lists the known ones',
      () => meshctlAsync(['get', 'clusters', 'x', '--kubeconfig', api.kubeconfig(), '--context', 'prod']),
      /^error: --context prod is not in the kubeconfig\nhint: known contexts: test, other\n$/,
    ],
    [
      'no kubeconfig at all',
      () =>
        meshctlAsync(['get', 'clusters', 'x'], {
          KUBECONFIG: join(REPO_ROOT, 'no-such-kubeconfig'),
          KUBERNETES_SERVICE_HOST: '',
        }),
      /^error: no cluster is configured: no kubeconfig at .*no-such-kubeconfig and not running inside a cluster/,
    ],
    [
      'a pod that does not exist',
      () => live(['get', 'clusters', 'nope']),
      /^error: pod nope not found in namespace default \(context test\)/,
    ],
    [
      'a pod without istio-proxy',
      () => live(['get', 'clusters', 'no-sidecar']),
      /^error: pod default\/no-sidecar has no istio-proxy container: it is not in the mesh/,
    ],
    [
      'nothing listens on 15000',
      () => live(['get', 'clusters', 'my-release-zookeeper-2']),
      /^error: nothing listens on port 15000 in pod default\/my-release-zookeeper-2: error forwarding port 15000/,
    ],
    [
      'API server unreachable',
      () => live(['get', 'clusters', 'x'], api.kubeconfig({ server: 'https://127.0.0.1:1' })),
      /^error: the API server at https:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/,
    ],
    [
      'TLS: the kubeconfig trusts another CA',
      () => live(['get', 'clusters', 'x'], api.kubeconfig({ caFile: 'other' })),
      /^error: TLS with the API server at https:\/\/127\.0\.0\.1:\d+ failed/,
    ],
  ];
  for (const [name, run, stderr] of errors)
    it(`${name}: exit 2, one clear message, no stack trace`, async () => {
      const r = await run();
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });

  it('403 names the verb, resource and namespace, and the RBAC fix', async () => {
    api.faults.deny.push({ verb: 'get', resource: 'pods', namespace: 'default' });
    try {
      const r = await live(['get', 'clusters', 'my-release-zookeeper-0']);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^error: forbidden: cannot get pods in namespace default \(403, context test\)\nhint: grant the read-only role in docs\/rbac\.yaml/,
      );
    } finally {
      api.faults.deny.length = 0;
    }
  });

  it('a port-forward cut mid-stream is an error, not a truncated answer', async () => {
    api.faults.drop.add('default/my-release-zookeeper-0');
    try {
      const r = await live(['get', 'clusters', 'my-release-zookeeper-0']);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /^error: .*(truncated|closed|ends)/);
    } finally {
      api.faults.drop.clear();
    }
  });

  it('snapshot: records the pod it could not read, completes the rest, and explains offline as live', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'meshctl-snap-')), 'snap');
    const r = await live(['snapshot', '--out', out, '--include-eds', '--concurrency', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^snapshot written to .*snap: 2 of 4 meshed pods captured\n$/);
    assert.match(r.stderr, /^warning: default\/my-release-zookeeper-2: nothing listens on port 15000/m);
    const index = JSON.parse(readFileSync(join(out, 'meshctl-snapshot.json'), 'utf8')) as {
      formatVersion: number;
      pods: Array<{ name: string; error: string | null }>;
    };
    assert.equal(index.formatVersion, 1);
    assert.ok(index.pods.find((p) => p.name === 'my-release-zookeeper-2')?.error);
    assert.equal(statSync(join(out, 'dumps/default/my-release-zookeeper-0.json')).mode & 0o777, 0o600);
    assert.equal(statSync(out).mode & 0o777, 0o700);
    const args = [...ZK_ELECTION_PORT, '-o', 'json'];
    const offline = JSON.parse((await meshctlAsync([...args, '--snapshot', out])).stdout) as {
      outcome: unknown;
      steps: Array<{ stage: string; result: string; name: string; detail: string }>;
    };
    const liveRun = JSON.parse((await live(args)).stdout) as typeof offline;
    assert.deepEqual(offline.outcome, liveRun.outcome);
    assert.deepEqual(
      offline.steps.map((s) => [s.stage, s.result, s.name]),
      liveRun.steps.map((s) => [s.stage, s.result, s.name]),
    );
  });

  it('check: every permission present', async () => {
    const r = await live(['check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ create pods\/portforward/);
    assert.match(r.stdout, /meshctl has every permission it needs here\n$/);
  });

  it('check: names what is missing and prints the Role that grants it', async () => {
    api.faults.deny.push(
      { verb: 'list', resource: 'services', namespace: 'default' },
      { verb: 'get', resource: 'pods/portforward', namespace: '*' },
      { verb: 'create', resource: 'pods/portforward', namespace: '*' },
    );
    try {
      const r = await live(['check']);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /✗ list services +resolve service names and ports/);
      assert.match(r.stdout, /missing 3 permissions; this Role grants them/);
      assert.match(
        r.stdout,
        / {2}- apiGroups: \[''\]\n {4}resources: \[pods\/portforward\]\n {4}verbs: \[create, get\]/,
      );
    } finally {
      api.faults.deny.length = 0;
    }
  });

  it('lint --cluster: the same rules on the live objects, named by context', async () => {
    const r = await live(['lint', '--cluster', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const findings = (
      JSON.parse(r.stdout) as {
        findings: Array<{ rule: string; resource: string; file: string; field: string }>;
      }
    ).findings;
    assert.deepEqual(
      findings.map((f) => [f.rule, f.resource, f.file, f.field]),
      [['MESH0001', 'Service default/legacy', 'cluster/test', 'spec.ports[0]']],
    );
  });

  it('--via exec reads the same dump through pilot-agent (opt-in)', async () => {
    const a = await live(['get', 'listeners', 'my-release-zookeeper-0', '-o', 'json', '--via', 'exec']);
    const b = await live(['get', 'listeners', 'my-release-zookeeper-0', '-o', 'json']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
  });

  it('explain --exec-sockets reads the receiving pod sockets and finds the refusal', async () => {
    const r = await live([...ZK_ELECTION_PORT, '--exec-sockets', '-o', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const e = JSON.parse(r.stdout) as {
      outcome: { responseFlag: string; failedStage: string };
      steps: Array<{ stage: string; detail: string }>;
    };
    assert.deepEqual([e.outcome.responseFlag, e.outcome.failedStage], ['UF,URX', 'application']);
    assert.match(e.steps.at(-1)!.detail, /exec cat \/proc\/net\/tcp in default\/my-release-zookeeper-0/);
  });

  it('snapshot --sockets records the sockets, and the offline explanation uses them', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'meshctl-snap-')), 'snap');
    const r = await live(['snapshot', '--out', out, '--sockets']);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(
      (await meshctlAsync([...ZK_ELECTION_PORT, '--snapshot', out, '-o', 'json'])).stdout,
    ) as { outcome: { responseFlag: string } };
    assert.equal(e.outcome.responseFlag, 'UF,URX');
  });

  it('exec denied: the opt-in role is named', async () => {
    api.faults.deny.push({ verb: 'create', resource: 'pods/exec', namespace: '*' });
    try {
      const r = await live(['get', 'listeners', 'my-release-zookeeper-0', '--via', 'exec']);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^error: forbidden: cannot create pods\/exec in namespace default \(403, context test\)\nhint: exec is opt-in: grant the meshctl-exec role of docs\/rbac\.yaml/,
      );
    } finally {
      api.faults.deny.length = 0;
    }
  });

  it('a sidecar that is not ready gets its own message', async () => {
    const r = await live(['get', 'clusters', 'not-ready']);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^error: the istio-proxy container of default\/not-ready is not ready\nhint: kubectl logs not-ready -n default -c istio-proxy\n$/,
    );
  });

  it('an API server slower than --request-timeout: a timeout, said so', async () => {
    api.faults.delayMs = 1500;
    try {
      const r = await live(['get', 'clusters', 'my-release-zookeeper-0', '--request-timeout', '300ms']);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /^error: get pod default\/my-release-zookeeper-0: the API server at https:\/\/127\.0\.0\.1:\d+ did not answer in time \(ETIMEDOUT\)/,
      );
    } finally {
      api.faults.delayMs = 0;
    }
  });

  it('lists follow continue tokens page by page', async () => {
    const { connect, listAll } = await import('../../src/sources/kube/cluster.js');
    const c = await connect({ kubeconfig: api.kubeconfig(), pageSize: 2 });
    const pods = await listAll(c, 'api/v1/pods', 'list pods');
    assert.equal(pods.length, 5);
    assert.ok(
      pods.every((p) => p.kind === 'Pod'),
      'list items get their kind back',
    );
  });

  it('snapshot --out FILE.tar.gz: an archive GNU tar reads, and --snapshot reads it back', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshctl-snap-')), 'incident.tar.gz');
    const r = await live(['snapshot', '--out', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const listing = execFileSync('tar', ['tzf', file], { encoding: 'utf8' });
    assert.match(listing, /^incident\/meshctl-snapshot\.json$/m);
    assert.match(listing, /^incident\/dumps\/default\/my-release-zookeeper-0\.json$/m);
    const e = JSON.parse(
      (await meshctlAsync([...ZK_ELECTION_PORT, '--snapshot', file, '-o', 'json'])).stdout,
    ) as { outcome: { cluster: string } };
    assert.equal(e.outcome.cluster, 'outbound|3888||my-release-zookeeper-headless.default.svc.cluster.local');
  });
});
