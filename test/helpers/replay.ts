// What the replay tests need from the machine: root with `ip netns` (network namespaces) and an Envoy binary.
// CI has both (.ci/run installs them); elsewhere the tests that need them are skipped, saying why.
import { spawnSync } from 'node:child_process';
import { findEnvoy } from '../../src/replay/envoy.js';

export const canNamespace =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).status === 0;

async function envoyMissing(): Promise<string> {
  try {
    await findEnvoy();
    return '';
  } catch (e) {
    return `no Envoy binary (${(e as Error).message}); .ci/run installs one`;
  }
}

/** `skip` for a test that replays through real Envoy in namespaces: false, or why it cannot run here. */
export const replaySkip: string | false = !canNamespace
  ? 'needs root and ip netns (CI has both)'
  : (await envoyMissing()) || false;
