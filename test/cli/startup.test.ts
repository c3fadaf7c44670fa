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

/** The URLs of every module the binary resolved while running `args`. */
function modulesLoaded(args: string[]): string[] {
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
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
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
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const loads = (mods: string[], part: string) => mods.some((m) => m.includes(part));

test('--help loads commander and the shell, not parsers, renderers or the Kubernetes client', () => {
  const mods = modulesLoaded(['--help']);
  assert.ok(loads(mods, '/commander/'), 'the hook saw commander (it works)');
  for (const heavy of [
    '/yaml/',
    '/js-yaml/',
    '/chalk/',
    '@kubernetes/client-node',
    '/src/sources/',
    '/src/render/',
  ])
    assert.ok(!loads(mods, heavy), `--help loaded ${heavy}`);
});

test('an offline explain on a snapshot loads the parsers it needs but not the Kubernetes client', () => {
  const mods = modulesLoaded([
    'explain',
    'pod-to-pod',
    'my-release-zookeeper-1',
    'my-release-zookeeper-0',
    '--port',
    '3888',
    '--snapshot',
    'fixtures/snapshots/story4-zookeeper-istio-1.9',
  ]);
  assert.ok(loads(mods, '/src/sources/snapshot/'), 'the snapshot reader is loaded');
  assert.ok(!loads(mods, '@kubernetes/client-node'), 'the Kubernetes client is not loaded');
});
