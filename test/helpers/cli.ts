// Runs the real binary, as users and CI do.
import { spawn, spawnSync } from 'node:child_process';
import { checkJsonOutput } from './contract.js';
import { BIN, REPO_ROOT } from './paths.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The child's pid, where it ran asynchronously (tests look for what it left behind under its pid). */
  readonly pid?: number | undefined;
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
  checkJsonOutput(args, r.stdout);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The binary, without blocking this process's event loop (for tests that serve the binary themselves). */
export function meshctlAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      checkJsonOutput(args, stdout);
      resolve({ code: code ?? -1, stdout, stderr, pid: child.pid });
    });
  });
}
