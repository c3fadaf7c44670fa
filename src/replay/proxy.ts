// One proxy of the replay world (issue 13): its dump made into a bootstrap with a certificate from the run's
// test CA, validated by the Envoy that will run it (a rejection is an input error, exit 2, with Envoy's own
// words), then started in the pod's namespace as uid 1337, with its access log read back as records.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../core/diagnostics/errors.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import type { MeshInventory } from '../core/model/k8s.js';
import {
  parseReplayLog,
  workloadIdentity,
  type AdminAddress,
  type ReplayLogRecord,
  type TestCertificates,
  type WorkloadIdentity,
} from '../core/replay/bootstrap.js';
import { isObject } from '../core/model/normalize.js';
import { issueWorkloadCert, type TestCa } from './certs.js';
import {
  startEnvoy,
  validatedBootstrap,
  type EnvoyBinary,
  type EnvoyProcess,
  type ValidatedBootstrap,
} from './envoy.js';

/** istio-proxy's uid (istio-iptables `--uid 1337` excludes its traffic from capture). */
export const PROXY_UID = 1337;

export interface ProxyOptions {
  /** This proxy's own directory (bootstrap, Envoy's log, access log, certificates' copies). */
  readonly dir: string;
  readonly ca: TestCa;
  /** The run's one trust domain (default: the dump's own, else cluster.local). */
  readonly trustDomain?: string;
  /** Kubernetes objects, for EDS clusters the dump has no endpoints for (as explain). */
  readonly inventory?: MeshInventory;
  readonly admin?: AdminAddress;
  readonly timeoutMs?: number;
}

export interface PreparedProxy {
  readonly dump: ConfigDump;
  readonly identity: WorkloadIdentity;
  readonly certificates: TestCertificates;
  readonly made: ValidatedBootstrap;
  readonly accessLogPath: string;
}

/** Server names a gateway's TLS chains answer for: its certificate carries them as DNS SANs. */
function serverNames(made: ValidatedBootstrap): string[] {
  const out = new Set<string>();
  const sr = made.bootstrap.static_resources;
  const listeners = isObject(sr) && Array.isArray(sr.listeners) ? sr.listeners : [];
  for (const l of listeners) {
    if (!isObject(l) || !Array.isArray(l.filter_chains)) continue;
    for (const c of l.filter_chains) {
      const m = isObject(c) && isObject(c.filter_chain_match) ? c.filter_chain_match : undefined;
      for (const n of Array.isArray(m?.server_names) ? m.server_names : [])
        if (typeof n === 'string' && /^[\w*.-]+$/.test(n)) out.add(n);
    }
  }
  return [...out].sort();
}

/**
 * The proxy's bootstrap, validated by `bin`. Envoy rejecting it (after the extensions it lacks are
 * removed) is an InputError naming the dump and Envoy's reason; a dump that cannot be converted
 * faithfully keeps its `made.skipped` reason for the caller to report.
 */
export async function prepareProxy(
  bin: EnvoyBinary,
  dump: ConfigDump,
  o: ProxyOptions,
): Promise<PreparedProxy> {
  const identity = workloadIdentity(dump, o.trustDomain);
  const accessLogPath = join(o.dir, 'access.log');
  let certificates = await issueWorkloadCert(o.ca, identity.spiffe);
  const opts = {
    certificates,
    accessLogPath,
    ...(o.inventory ? { inventory: o.inventory } : {}),
    ...(o.admin ? { admin: o.admin } : {}),
  };
  const vo = { dir: o.dir, name: 'validate', ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
  let made = await validatedBootstrap(bin, dump, opts, vo);
  const names = serverNames(made);
  if (names.length && dump.identity().type === 'router') {
    // a gateway serves TLS for its hosts: its certificate names them, as credentialName's would
    certificates = await issueWorkloadCert(o.ca, identity.spiffe, names);
    made = await validatedBootstrap(bin, dump, { ...opts, certificates }, vo);
  }
  if (!made.validation.ok)
    throw new InputError(
      `${dump.source}: Envoy ${bin.version} rejects the replay bootstrap made from this dump: ${made.validation.message}`,
      `the bootstrap is in ${join(o.dir, 'validate.json')}`,
    );
  return { dump, identity, certificates, made, accessLogPath };
}

/** A started proxy: its Envoy, and its access log read from where the last mark() left it. */
export class ReplayProxy {
  constructor(
    readonly prepared: PreparedProxy,
    readonly envoy: EnvoyProcess,
  ) {}

  get accessLogPath(): string {
    return this.prepared.accessLogPath;
  }

  /** The access log's length now: records() after a call reads only what the call wrote. */
  async mark(): Promise<number> {
    try {
      return (await stat(this.accessLogPath)).size;
    } catch {
      return 0;
    }
  }

  /** Access-log records from byte `from` on (Envoy flushes every 100 ms: see startEnvoy). */
  async records(from = 0): Promise<ReplayLogRecord[]> {
    let fh;
    try {
      fh = await open(this.accessLogPath, 'r');
    } catch {
      return [];
    }
    try {
      const size = (await fh.stat()).size;
      if (size <= from) return [];
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      return parseReplayLog(buf.toString('utf8'));
    } finally {
      await fh.close();
    }
  }

  stop(): Promise<void> {
    return this.envoy.stop();
  }
}

/** prepareProxy, then Envoy started on it in `netns` as uid 1337 (istio-proxy's), until /ready says LIVE. */
export async function startProxy(
  bin: EnvoyBinary,
  dump: ConfigDump,
  o: ProxyOptions & { readonly netns?: string; readonly uid?: number },
): Promise<ReplayProxy> {
  const prepared = await prepareProxy(bin, dump, o);
  const envoy = await startEnvoy(bin, {
    bootstrap: prepared.made.bootstrap,
    dir: o.dir,
    ...(o.netns ? { netns: o.netns } : {}),
    ...(o.uid !== undefined ? { uid: o.uid } : o.netns ? { uid: PROXY_UID } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
  });
  return new ReplayProxy(prepared, envoy);
}
