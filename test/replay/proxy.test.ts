// A replay proxy end to end: story 3's ingress gateway dump made into a bootstrap, started by real Envoy in a
// namespace this test makes (as uid 1337), one TCP connection to its 31400 listener, and the access log read
// back saying which listener, chain, cluster and host Envoy used and why it failed (the endpoint's pod IP
// exists nowhere in that namespace: UF). Then the rejection path: a dump Envoy rejects is one clear error.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, type TestCa } from '../../src/replay/certs.js';
import { findEnvoy, type EnvoyBinary } from '../../src/replay/envoy.js';
import { prepareProxy, startProxy } from '../../src/replay/proxy.js';
import { parseDump } from '../../src/sources/dump/read-dump.js';
import { sweepStaleNamespaces } from '../../src/replay/sweep.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { canNamespace } from '../helpers/replay.js';

describe('a replay proxy', async () => {
  let bin: EnvoyBinary | undefined;
  let why = '';
  try {
    bin = await findEnvoy();
  } catch (e) {
    why = `no Envoy binary (${(e as Error).message}); .ci/run installs one`;
  }
  const ns = `mc-${process.pid}-proxy`;
  let work = '';
  let ca: TestCa;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'mc-proxy-'));
    chmodSync(work, 0o711);
    ca = await makeTestCa(join(work, 'ca'));
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(work, { recursive: true, force: true });
  });
  const gatewayDump = () => {
    const f = join(
      REPO_ROOT,
      'fixtures/snapshots/story3-tcp-echo-gateway/dumps/istio-system/istio-ingressgateway-5d9c6b8f7c-x2k4q.json',
    );
    return parseDump(f, readFileSync(f));
  };

  it(
    'logs what Envoy did with a connection: listener, chain, cluster, host, flags',
    { skip: !bin ? why : canNamespace ? false : 'needs root and ip netns' },
    async () => {
      await sweepStaleNamespaces(); // left by a run killed before its teardown
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const proxy = await startProxy(bin!, gatewayDump(), { dir: join(work, 'gw'), ca, netns: ns });
      try {
        assert.equal(proxy.prepared.identity.spiffe, 'spiffe://cluster.local/ns/istio-system/sa/default');
        const mark = await proxy.mark();
        const client = `const s=require('net').connect(31400,'127.0.0.1',()=>s.write('hello'));s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(0));setTimeout(()=>process.exit(3),5000)`;
        execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', client], { timeout: 10_000 });
        let tcp;
        for (let i = 0; i < 50 && !tcp; i++) {
          await new Promise((r) => setTimeout(r, 100));
          tcp = (await proxy.records(mark)).find((r) => r.log === 'tcp');
        }
        assert.ok(tcp, 'no tcp_proxy record in the access log');
        assert.equal(tcp.fields.listener_name, '0.0.0.0_31400');
        assert.equal(tcp.fields.filter_chain_name, 'filter_chains[0]');
        assert.equal(tcp.fields.upstream_cluster, 'outbound|3333|v1|tcp-echo.default.svc.cluster.local');
        assert.equal(tcp.fields.upstream_host, '172.16.2.90:3333');
        assert.match(String(tcp.fields.response_flags), /\bUF\b/);
        assert.equal(tcp.fields.downstream_local_address, '127.0.0.1:31400');
        const stats = await proxy.envoy.stats();
        assert.equal(
          stats['cluster.outbound|3333|v1|tcp-echo.default.svc.cluster.local.upstream_cx_connect_fail'],
          1,
        );
      } finally {
        await proxy.stop();
      }
      assert.ok(proxy.envoy.hasExited);
    },
  );

  it(
    'is ready at once where a route leads out of the pod, though its DNS clusters resolve nothing',
    { skip: !bin ? why : canNamespace ? false : 'needs root and ip netns' },
    async () => {
      // a pod of the world has a default route (to the world's bridge); Envoy once waited there for DNS
      // answers from the host's resolver before saying LIVE (> 30 s)
      const routed = `mc-${process.pid}-proxyr`;
      execFileSync('ip', ['netns', 'add', routed]);
      try {
        for (const args of [
          ['link', 'set', 'lo', 'up'],
          ['link', 'add', 'r0', 'type', 'veth', 'peer', 'name', 'r1'],
          ['link', 'set', 'r1', 'up'],
          ['addr', 'add', '10.99.0.2/24', 'dev', 'r0'],
          ['link', 'set', 'r0', 'up'],
          ['route', 'add', 'default', 'via', '10.99.0.1'],
        ])
          execFileSync('ip', ['-n', routed, ...args]);
        const f = join(
          REPO_ROOT,
          'fixtures/real/istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/productpage-v1-c7765c886-v99jb.json',
        );
        const started = Date.now();
        const proxy = await startProxy(bin!, parseDump(f, readFileSync(f)), {
          dir: join(work, 'routed'),
          ca,
          netns: routed,
          timeoutMs: 15_000,
        });
        await proxy.stop();
        assert.deepEqual(proxy.prepared.made.dnsClusters, ['xds-grpc', 'zipkin']);
        assert.ok(Date.now() - started < 15_000);
      } finally {
        spawnSync('ip', ['netns', 'del', routed]);
      }
    },
  );

  it(
    "a dump Envoy rejects is one line naming the dump and Envoy's reason",
    { skip: bin ? false : why },
    async () => {
      const f = join(
        REPO_ROOT,
        'fixtures/real/istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/listenerdump.json',
      );
      const dump = parseDump(f, readFileSync(f));
      await assert.rejects(
        prepareProxy(bin!, dump, { dir: join(work, 'bad'), ca }),
        (e: Error & { exitCode?: number }) => {
          assert.equal(e.exitCode, 2);
          assert.ok(!e.message.includes('\n'), e.message);
          assert.match(
            e.message,
            /listenerdump\.json: Envoy 1\.\d+\.\d+\S* rejects the replay bootstrap made from this dump: .*terminal filter/,
          );
          return true;
        },
      );
    },
  );
});
