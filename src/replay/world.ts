// The replay world's network (issue 13, ../shared/design/replay.md "A world per case"): one "wire" network
// namespace holding a bridge, and one namespace per pod or upstream host joined to it by a veth pair, each with
// its own address, so private pod IPs exist only inside namespaces this process made. Nothing is added to the
// host's root namespace: the bridge and both ends of every veth live in the world's namespaces. Every name
// carries a per-run prefix (`mc-<pid>-<n>-`), so a sweep can remove what a dead run left behind. Each host runs
// an agent (agent.ts) for its app sockets and its client; a pod also gets the nat rules istio-init writes
// (core/replay/capture-rules.ts) before its Envoy starts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { MeshctlError } from '../core/diagnostics/errors.js';
import type { AgentRequest, AppRecord, ClientRecord } from './agent.js';

const execFileP = promisify(execFile);

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The world cannot be built here: not root, no `ip`/`iptables`, not Linux. Exit 2 (cli-contract). */
export class ReplayUnavailableError extends MeshctlError {
  readonly exitCode = 2;
}

const CMD_TIMEOUT_MS = 10_000;

/** Runs a command without a shell, bounded; a failure says which command and why. */
export async function sh(cmd: string, args: readonly string[], timeoutMs = CMD_TIMEOUT_MS): Promise<string> {
  try {
    const { stdout } = await execFileP(cmd, [...args], { timeout: timeoutMs });
    return stdout;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const why = (err.stderr ?? '').trim().split('\n').pop() || err.message;
    throw new Error(`${cmd} ${args.join(' ')}: ${why}`);
  }
}

/** Can this machine build a world? Throws ReplayUnavailableError with the fix when not. */
export async function checkNamespaceSupport(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // a test switch: simulates a machine without namespace support, to check the exit-2 path leaves nothing
  if (env.MESHCTL_REPLAY_NO_NETNS === '1')
    throw new ReplayUnavailableError(
      'replay needs network namespaces, which this machine does not offer (MESHCTL_REPLAY_NO_NETNS=1)',
      'run meshctl replay as root on Linux with iproute2 and iptables installed',
    );
  if (process.platform !== 'linux')
    throw new ReplayUnavailableError(
      `replay builds Linux network namespaces; this is ${process.platform}`,
      'run meshctl replay on Linux (a VM or container with root works)',
    );
  if (process.getuid?.() !== 0)
    throw new ReplayUnavailableError(
      'replay needs root to create network namespaces, veth pairs and iptables rules',
      'run meshctl replay as root (sudo), e.g. in a throwaway VM or CI container',
    );
  for (const [cmd, args, pkg] of [
    ['ip', ['-V'], 'iproute2'],
    ['iptables', ['--version'], 'iptables'],
    ['setpriv', ['--version'], 'util-linux'],
  ] as const) {
    try {
      await execFileP(cmd, [...args], { timeout: 5_000 });
    } catch {
      throw new ReplayUnavailableError(
        `replay needs the ${cmd} command, which is not installed`,
        `install ${pkg} (Debian: apt-get install ${pkg})`,
      );
    }
  }
}

/** Kills what still runs inside a namespace of ours (only processes in that namespace: `ip netns pids`). */
async function killNamespaceProcesses(ns: string): Promise<void> {
  const pids = (await sh('ip', ['netns', 'pids', ns]).catch(() => ''))
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
}

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'agent.js');

/** One agent process inside a namespace, spoken to in JSON lines. */
export class Agent {
  private next = 1;
  private readonly waiting = new Map<number, (v: { ok: boolean; value?: unknown; error?: string }) => void>();
  private exited = false;
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly ns: string,
  ) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      let m: { id: number; ok: boolean; value?: unknown; error?: string };
      try {
        m = JSON.parse(line) as typeof m;
      } catch {
        return;
      }
      const w = this.waiting.get(m.id);
      if (w) {
        this.waiting.delete(m.id);
        w(m);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-4000)));
    child.once('exit', () => {
      this.exited = true;
      for (const w of this.waiting.values())
        w({ ok: false, error: `the agent in ${ns} exited: ${this.stderr}` });
      this.waiting.clear();
    });
  }

  static async start(ns: string): Promise<Agent> {
    if (!existsSync(AGENT)) throw new Error(`the replay agent ${AGENT} is missing (run npm run build)`);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const a = new Agent(child, ns);
    a.waiting.set(0, () => undefined);
    await a.wait(0, 10_000);
    return a;
  }

  private wait(id: number, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the agent in ${this.ns} did not answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        if (m.ok) resolve(m.value);
        else reject(new Error(m.error ?? 'agent error'));
      });
    });
  }

  async ask(r: DistributiveOmit<AgentRequest, 'id'>, timeoutMs: number): Promise<unknown> {
    if (this.exited) throw new Error(`the agent in ${this.ns} is not running: ${this.stderr}`);
    const id = this.next++;
    const p = this.wait(id, timeoutMs);
    this.child.stdin!.write(JSON.stringify({ ...r, id }) + '\n');
    return p;
  }

  async listen(address: string, port: number): Promise<void> {
    await this.ask({ op: 'listen', address, port }, 5_000);
  }

  async records(): Promise<AppRecord[]> {
    return ((await this.ask({ op: 'records' }, 5_000)) as { records: AppRecord[] }).records;
  }

  async call(r: Omit<Extract<AgentRequest, { op: 'call' }>, 'id' | 'op'>): Promise<ClientRecord> {
    return (await this.ask({ op: 'call', ...r }, r.timeoutMs + 5_000)) as ClientRecord;
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(timer);
  }
}

export interface Host {
  readonly ns: string;
  readonly ip: string;
  readonly agent: Agent;
  /** The app sockets bound so far (`0.0.0.0:3888`). */
  readonly bound: Set<string>;
  /** The nat rules written into this host (empty: no capture). */
  readonly rules: string[][];
}

const worlds = new Set<NetWorld>();

/** Tears down every world still open (signal handlers and exit paths). */
export async function closeAllWorlds(): Promise<void> {
  await Promise.all([...worlds].map((w) => w.close()));
}

let counter = 0;

/** The namespaces, veths and agents of one world. */
export class NetWorld {
  readonly prefix: string;
  readonly hosts = new Map<string, Host>();
  private readonly namespaces: string[] = [];
  /** `ip netns add` calls under way, which close() waits for before it deletes their namespaces. */
  private readonly adding = new Set<Promise<unknown>>();
  private closed = false;
  private wire: string | undefined;

  private constructor() {
    this.prefix = `mc-${process.pid}-${counter++}-`;
    worlds.add(this);
  }

  static async create(): Promise<NetWorld> {
    const w = new NetWorld();
    try {
      const wire = await w.netns('w');
      await sh('ip', ['-n', wire, 'link', 'add', 'br0', 'type', 'bridge']);
      await sh('ip', ['-n', wire, 'link', 'set', 'br0', 'up']);
      w.wire = wire;
      return w;
    } catch (e) {
      await w.close();
      throw e;
    }
  }

  private async netns(suffix: string): Promise<string> {
    if (this.closed) throw new Error('the replay world is closed');
    const name = `${this.prefix}${suffix}`;
    // listed before it exists: a close() (SIGINT) while `ip netns add` is under way waits for it, then deletes it
    this.namespaces.push(name);
    const add = sh('ip', ['netns', 'add', name]);
    this.adding.add(add);
    try {
      await add;
    } finally {
      this.adding.delete(add);
    }
    if (this.closed) throw new Error('the replay world is closed');
    await sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** The host with this address, made on first use: its namespace, veth, route, agent and capture rules. */
  async host(ip: string, rules: string[][] = []): Promise<Host> {
    const known = this.hosts.get(ip);
    if (known) return known;
    const n = this.hosts.size;
    const ns = await this.netns(`h${n}`);
    const wire = this.wire!;
    // the veth is made in the wire namespace with its peer moved straight into the host's: the host's root
    // namespace never holds either end
    await sh('ip', ['-n', wire, 'link', 'add', `v${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await sh('ip', ['-n', wire, 'link', 'set', `v${n}`, 'master', 'br0', 'up']);
    await sh('ip', ['-n', ns, 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    await sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    // every address is on the link: the bridge carries them all, ARP finds the host that has it
    await sh('ip', ['-n', ns, 'route', 'add', 'default', 'dev', 'eth0']);
    for (const r of rules) await sh('ip', ['netns', 'exec', ns, 'iptables', '-w', '5', ...r]);
    const agent = await Agent.start(ns);
    const h: Host = { ns, ip, agent, bound: new Set(), rules };
    this.hosts.set(ip, h);
    return h;
  }

  /** Binds an app socket on the host, once. */
  async bind(h: Host, address: string, port: number): Promise<void> {
    const key = `${address}:${port}`;
    if (h.bound.has(key)) return;
    h.bound.add(key);
    await h.agent.listen(address, port);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops the agents, kills what else runs in the namespaces, deletes them (veths and bridge go with them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    worlds.delete(this);
    await Promise.allSettled([...this.adding]);
    await Promise.all([...this.hosts.values()].map((h) => h.agent.stop().catch(() => undefined)));
    for (const ns of [...this.namespaces].reverse()) {
      await killNamespaceProcesses(ns);
      await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
    }
  }
}
