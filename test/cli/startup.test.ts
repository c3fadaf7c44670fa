// Start-up: `--help` loads only the shell and commander, and offline commands never load the Kubernetes
// client. Watched with a module resolve hook that logs every module the binary loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, REPO_ROOT } from '../helpers/paths.js';

/** The URLs of every module the binary resolved while running `args`, and its exit code. */
function modulesLoaded(args: string[]): { mods: string[]; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'meshctl-startup-'));
  const log = join(dir, 'modules.log');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`,
  );
  // require() (createRequire) goes through the CommonJS loader, which the ESM hook does not see
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, parent, isMain) {
  appendFileSync(${JSON.stringify(log)}, Module._resolveFilename(request, parent, isMain) + '\\n');
  return load.apply(this, arguments);
};`,
  );
  const r = spawnSync(
    process.execPath,
    ['--import', pathToFileURL(join(dir, 'register.mjs')).href, BIN, ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  assert.ok(r.status !== null && r.status <= 2, r.stderr);
  return { mods: readFileSync(log, 'utf8').split('\n').filter(Boolean), status: r.status };
}

const loads = (mods: string[], part: string) => mods.some((m) => m.includes(part));

test('--help loads commander and the shell, not parsers, renderers or the Kubernetes client', () => {
  const { mods } = modulesLoaded(['--help']);
  assert.ok(loads(mods, '/commander/'), 'the hook saw commander (it works)');
  for (const heavy of ['/yaml/', '/js-yaml/', '/chalk/', '/zod/', '@kubernetes/client-node', '/src/sources/'])
    assert.ok(!loads(mods, heavy), `--help loaded ${heavy}`);
  // The shell escapes every error it prints (terminal-safe.ts, a few string functions without imports); no
  // other renderer is loaded before a command runs.
  const renderers = mods.filter(
    (m) => m.includes('/src/render/') && !m.endsWith('/src/render/terminal-safe.js'),
  );
  assert.deepEqual(renderers, [], '--help loaded renderers');
});

/** The explain command of the README's first screen, as a user copies it (after `node bin/meshctl.js`). */
function readmeFirstCommand(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const line = /node bin\/meshctl\.js (explain [^\n]+)/.exec(readme)?.[1];
  assert.ok(line, "the README's first screen shows a meshctl explain command");
  return line.trim().split(/\s+/);
}

test("the README's first command explains offline without loading the Kubernetes client", () => {
  const { mods, status } = modulesLoaded(readmeFirstCommand());
  assert.equal(status, 1, 'the README says it exits 1: the traffic fails');
  assert.ok(loads(mods, '/src/sources/snapshot/'), 'the snapshot reader is loaded');
  assert.ok(!loads(mods, '@kubernetes/client-node'), 'the Kubernetes client is not loaded');
});

test('a JSON dump read and printed as JSON does not load the yaml package; -o yaml does', () => {
  const dump =
    'fixtures/real/istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json';
  const json = modulesLoaded(['get', 'clusters', '--dump', dump, '-o', 'json']);
  assert.ok(loads(json.mods, '/src/sources/dump/'), 'the dump reader is loaded');
  assert.ok(!loads(json.mods, '/node_modules/yaml/'), 'yaml loaded for JSON in, JSON out');
  // explain and matrix take manifests with -f: without any, the manifest reader (yaml) stays unloaded
  const explain = modulesLoaded([
    'explain',
    'request',
    'productpage-v1-6d8f9bd7f6-f9q9l',
    'http://reviews:9080/',
    '--dump',
    dump,
    '-o',
    'json',
  ]);
  assert.ok(loads(explain.mods, '/src/core/engine/'), 'the simulator is loaded');
  assert.ok(!loads(explain.mods, '/node_modules/yaml/'), 'yaml loaded by explain on a JSON dump');
  // zod validates manifests, snapshots and sockets (docs/performance.md: ≈+0.08 s): a dump alone does not need it
  assert.ok(!loads(explain.mods, '/node_modules/zod/'), 'zod loaded by explain on a JSON dump');
  assert.ok(
    !loads(explain.mods, '/src/sources/manifests/read-manifests'),
    'the manifest reader loaded without -f',
  );
  const yaml = modulesLoaded(['get', 'clusters', '--dump', dump, '-o', 'yaml']);
  assert.ok(loads(yaml.mods, '/node_modules/yaml/'), 'the hook sees a require()d yaml');
});
