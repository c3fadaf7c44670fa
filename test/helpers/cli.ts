// Runs the real binary, as users and CI do.
import { spawnSync } from 'node:child_process';
import { BIN, REPO_ROOT } from './paths.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function meshctl(
  args: string[],
  input?: string | Buffer,
  env: Record<string, string> = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    input,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
