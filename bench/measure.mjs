// Shared by the benchmark scripts: run a command several times under /usr/bin/time -v and keep the median
// wall time and the largest peak RSS, so every figure and its baseline are measured the same way.
import { spawn, spawnSync } from 'node:child_process';

/** Runs a command once under /usr/bin/time -v; returns wall seconds, peak RSS in MB and the exit status. */
export function measureOnce(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const m = parseTimeReport(r.stderr);
  if (!m) throw new Error(`could not measure ${cmd} ${args.join(' ')}: ${r.stderr.slice(-500)}`);
  return { ...m, status: r.status, stdout: r.stdout };
}

/** Wall seconds and peak RSS (MB) from the report `/usr/bin/time -v` writes to stderr; undefined if absent. */
export function parseTimeReport(stderr) {
  const wall = /Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+(?:\.\d+)?)/.exec(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  if (!wall || !rss) return undefined;
  return { wall: Number(wall[1] ?? 0) * 60 + Number(wall[2]), rssMb: Number(rss[1]) / 1024 };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time and worst peak RSS over `runs` runs of one command. */
export function bench(name, cmd, args, runs) {
  return benchInterleaved([{ name, cmd, args }], runs)[0];
}

/**
 * Like bench, for several commands measured in turns (one run of each per round), so that a machine whose
 * speed drifts during the bench slows a command and its baseline alike.
 */
export function benchInterleaved(commands, runs) {
  const all = commands.map(() => []);
  for (let i = 0; i < runs; i++) commands.forEach((c, k) => all[k].push(measureOnce(c.cmd, c.args)));
  return commands.map((c, k) => ({
    name: c.name,
    wall: median(all[k].map((r) => r.wall)),
    walls: all[k].map((r) => r.wall),
    rssMb: Math.max(...all[k].map((r) => r.rssMb)),
    status: all[k][0].status,
    stdout: all[k][0].stdout,
  }));
}

/**
 * Like measureOnce, but without blocking the event loop: for benches that serve the measured command from
 * their own process (the local Kubernetes API server). Resolves with stderr kept for error messages.
 */
export function measureAsync(args) {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/time', ['-v', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (status) =>
      resolve({ status, err, ...(parseTimeReport(err) ?? { wall: 0, rssMb: 0 }) }),
    );
  });
}
