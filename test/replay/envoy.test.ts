// Finding Envoy (flag, MESHCTL_ENVOY, .cache/envoy, PATH), reading its version and its rejections, and a
// started Envoy's life: ready, admin, stopped, nothing left behind.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EnvoyNotFoundError,
  findEnvoy,
  parseEnvoyVersion,
  rejectionOf,
  startEnvoy,
  validateBootstrap,
} from '../../src/replay/envoy.js';

const tmp = mkdtempSync(join(tmpdir(), 'mc-envoy-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A stand-in executable that answers --version as Envoy does. */
function fakeEnvoy(path: string, version: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(
    path,
    `#!/bin/sh\necho "${path}  version: 9e5580933739775e8bce696a57a2e1bc99368f23/${version}/Clean/RELEASE/BoringSSL"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('findEnvoy', () => {
  const root = join(tmp, 'project');
  const cached = fakeEnvoy(join(root, '.cache/envoy/1.40.0/envoy/_bin/envoy'), '1.40.0');
  fakeEnvoy(join(root, '.cache/envoy/1.36.2/envoy/_bin/envoy'), '1.36.2');
  const flag = fakeEnvoy(join(tmp, 'flag/envoy'), '1.39.1');
  const fromEnv = fakeEnvoy(join(tmp, 'env/envoy'), '1.38.0');
  const onPath = fakeEnvoy(join(tmp, 'bin/envoy'), '1.35.0');

  it('looks in order: --envoy, MESHCTL_ENVOY, .cache/envoy (highest version), PATH', async () => {
    const env = { MESHCTL_ENVOY: fromEnv, PATH: join(tmp, 'bin') };
    assert.deepEqual(await findEnvoy({ flag, env, root }), {
      path: flag,
      version: '1.39.1/Clean/RELEASE/BoringSSL',
      foundBy: '--envoy',
    });
    assert.equal((await findEnvoy({ env, root })).foundBy, 'MESHCTL_ENVOY');
    const c = await findEnvoy({ env: { PATH: env.PATH }, root });
    assert.deepEqual(c, { path: cached, version: '1.40.0/Clean/RELEASE/BoringSSL', foundBy: '.cache/envoy' });
    const p = await findEnvoy({ env: { PATH: env.PATH }, root: join(tmp, 'nowhere') });
    assert.deepEqual(p, { path: onPath, version: '1.35.0/Clean/RELEASE/BoringSSL', foundBy: 'PATH' });
  });

  it('names all four ways in one line when there is none', async () => {
    await assert.rejects(
      findEnvoy({ env: { PATH: join(tmp, 'empty') }, root: join(tmp, 'nowhere') }),
      (e: Error) => {
        assert.ok(e instanceof EnvoyNotFoundError);
        assert.equal((e as EnvoyNotFoundError).exitCode, 2);
        assert.ok(!e.message.includes('\n'));
        for (const way of [
          '--envoy PATH',
          'MESHCTL_ENVOY',
          'scripts/install-envoy.sh',
          '.cache/envoy',
          'PATH',
        ])
          assert.ok(e.message.includes(way), way);
        return true;
      },
    );
  });

  it('an explicit path that is not Envoy is an error, not a reason to look elsewhere', async () => {
    const notEnvoy = join(tmp, 'flag/true');
    writeFileSync(notEnvoy, '#!/bin/sh\necho hello\n');
    chmodSync(notEnvoy, 0o755);
    await assert.rejects(
      findEnvoy({ flag: notEnvoy, env: {}, root }),
      /--envoy .*true: does not answer --version as Envoy does/,
    );
    await assert.rejects(
      findEnvoy({ env: { MESHCTL_ENVOY: join(tmp, 'missing') }, root }),
      /MESHCTL_ENVOY .*missing: no such executable file/,
    );
  });
});

describe('Envoy output', () => {
  it('parses --version', () => {
    assert.equal(
      parseEnvoyVersion(
        'envoy  version: 9e5580933739775e8bce696a57a2e1bc99368f23/1.40.0/Clean/RELEASE/BoringSSL\n',
      ),
      '1.40.0/Clean/RELEASE/BoringSSL',
    );
    assert.equal(parseEnvoyVersion('no version here'), undefined);
  });

  it("says Envoy's rejection in one line, and which extension it lacks", () => {
    const out = [
      "[2026-12-07 05:36:44.421][25035][critical][main] [source/server/config_validation/server.cc:76] error initializing configuration 'b.json': goo.gle/debugstr   ",
      'common_tls_context {',
      '  alpn_protocols: "h2"',
      '}',
      ': Proto constraint validation failed (DownstreamTlsContextValidationError.CommonTlsContext: embedded message failed validation)',
      '[2026-12-07 05:36:44.422][25035][info][main] [source/server/server.cc:1] exiting',
    ].join('\n');
    assert.deepEqual(rejectionOf(out), {
      message:
        'Proto constraint validation failed (DownstreamTlsContextValidationError.CommonTlsContext: embedded message failed validation)',
    });
    assert.deepEqual(
      rejectionOf(
        "[2026-12-07 05:36:44.421][1][critical][main] [x.cc:1] error initializing configuration 'b.json': Didn't find a registered implementation for 'istio.stats' with type URL: 'stats.PluginConfig'",
      ),
      {
        message:
          "Didn't find a registered implementation for 'istio.stats' with type URL: 'stats.PluginConfig'",
        unsupported: 'stats.PluginConfig',
      },
    );
  });
});

describe('a real Envoy', async () => {
  let bin: Awaited<ReturnType<typeof findEnvoy>> | undefined;
  let why = '';
  try {
    bin = await findEnvoy();
  } catch (e) {
    why = `no Envoy binary (${(e as Error).message}); .ci/run installs one`;
  }
  const dir = join(tmp, 'real');
  const admin = join(dir, 'admin.sock');
  const bootstrap = {
    admin: { address: { pipe: { path: admin } } },
    static_resources: {
      listeners: [
        {
          name: 'l',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'tcp',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                    stat_prefix: 'x',
                    cluster: 'c',
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [{ name: 'c', type: 'STATIC', load_assignment: { cluster_name: 'c', endpoints: [] } }],
    },
  };

  it(
    'validates a bootstrap, and returns its rejection of a bad one as a finding',
    { skip: bin ? false : why },
    async () => {
      assert.deepEqual(await validateBootstrap(bin!, bootstrap, { dir }), { ok: true });
      const bad = {
        ...bootstrap,
        static_resources: { ...bootstrap.static_resources, clusters: [{ name: 'c', type: 'NO_SUCH_TYPE' }] },
      };
      const r = await validateBootstrap(bin!, bad, { dir });
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, /NO_SUCH_TYPE/);
    },
  );

  it('starts, answers on its admin API, and is gone after stop', { skip: bin ? false : why }, async () => {
    const envoy = await startEnvoy(bin!, { bootstrap, dir: join(dir, 'p') });
    const pid = envoy.pid!;
    try {
      assert.equal((await envoy.get('/ready')).body.trim(), 'LIVE');
      const stats = await envoy.stats();
      assert.equal(stats['listener_manager.total_listeners_active'], 1);
      assert.ok(Array.isArray((await envoy.configDump()).configs));
    } finally {
      await envoy.stop();
    }
    assert.ok(envoy.hasExited);
    assert.notEqual(spawnSync('kill', ['-0', String(pid)]).status, 0, 'the process is still there');
  });

  it('an Envoy that cannot start says why, and leaves no process', { skip: bin ? false : why }, async () => {
    const bad = {
      ...bootstrap,
      static_resources: { ...bootstrap.static_resources, clusters: [{ name: 'c', type: 'NO_SUCH_TYPE' }] },
    };
    const before = spawnSync('pgrep', ['-f', join(dir, 'q')], { encoding: 'utf8' }).stdout;
    await assert.rejects(
      startEnvoy(bin!, { bootstrap: bad, dir: join(dir, 'q'), timeoutMs: 10_000 }),
      /Envoy exited before it was ready: .*NO_SUCH_TYPE/,
    );
    assert.equal(spawnSync('pgrep', ['-f', join(dir, 'q')], { encoding: 'utf8' }).stdout, before);
  });
});
