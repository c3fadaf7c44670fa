// Namespaces a replay run left behind when it was killed before its teardown (SIGKILL, a crash): every
// replay namespace is named `mc-<pid>-…` after the process that made it, so one whose process is gone is
// stale. Its remaining processes (an orphaned Envoy, an app server) are killed, then it is deleted.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The `mc-<pid>-…` namespaces whose pid is not running, deleted; returns their names. */
export async function sweepStaleNamespaces(): Promise<string[]> {
  let list: string;
  try {
    list = (await run('ip', ['netns', 'list'], { timeout: 5_000 })).stdout;
  } catch {
    return []; // no iproute2, or not allowed: nothing of ours can exist either
  }
  const stale: string[] = [];
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = /^mc-(\d+)-/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      const pids = (await run('ip', ['netns', 'pids', name], { timeout: 5_000 })).stdout
        .split('\n')
        .filter(Boolean);
      for (const p of pids) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await run('ip', ['netns', 'del', name], { timeout: 5_000 });
      stale.push(name);
    } catch {
      // another sweeper got there first
    }
  }
  return stale;
}
