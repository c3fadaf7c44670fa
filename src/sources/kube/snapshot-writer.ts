// meshctl snapshot: captures the meshed pods of a cluster into the snapshot format (docs/snapshot-format.md),
// with bounded concurrency; a pod that fails is recorded with its reason and the rest completes. Secrets in
// dumps are redacted; files are 0600 in a 0700 directory.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MeshctlError } from '../../core/diagnostics/errors.js';
import { REDACTED, secretSpans } from '../../core/model/redact.js';
import { JsonScanError } from '../../core/model/json-scan.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_INDEX, type SnapshotPod } from '../snapshot/read-snapshot.js';
import { ISTIO_RESOURCES, listAll, listIstio, type Cluster } from './cluster.js';
import { adminGet } from './proxy-admin.js';
import { execSockets } from './exec.js';

export interface SnapshotOptions {
  readonly out: string;
  readonly allNamespaces: boolean;
  readonly labelSelector: string | undefined;
  readonly includeEds: boolean;
  readonly concurrency: number;
  /** Also read each pod's listening sockets through exec (opt-in). */
  readonly sockets?: boolean;
  /** Called as pods finish, for progress on a TTY. */
  readonly progress?: (done: number, total: number, pod: string) => void;
}

export interface SnapshotResult {
  readonly pods: SnapshotPod[];
  readonly failed: number;
}

function writePrivate(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Runs `work` over `items`, at most `n` at once. */
export async function pool<T>(
  items: readonly T[],
  n: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

export async function writeSnapshot(c: Cluster, o: SnapshotOptions): Promise<SnapshotResult> {
  const ns = o.allNamespaces ? undefined : c.namespace;
  const base = ns ? `api/v1/namespaces/${ns}` : 'api/v1';
  const params: Record<string, string> = o.labelSelector ? { labelSelector: o.labelSelector } : {};
  const pods = await listAll(c, `${base}/pods`, `list pods${ns ? ` in ${ns}` : ''}`, params);
  const meshed = pods.filter((p) => {
    const containers = (p.spec as { containers?: Array<{ name?: string }> } | undefined)?.containers ?? [];
    return containers.some((x) => x.name === 'istio-proxy');
  });
  mkdirSync(o.out, { recursive: true, mode: 0o700 });
  chmodSync(o.out, 0o700);
  const index: SnapshotPod[] = [];
  let done = 0;
  await pool(meshed, o.concurrency, async (p) => {
    const meta = p.metadata as { name: string; namespace: string };
    const ip = (p.status as { podIP?: string } | undefined)?.podIP ?? null;
    const rel = `dumps/${meta.namespace}/${meta.name}.json`;
    const entry: { -readonly [K in keyof SnapshotPod]: SnapshotPod[K] } = {
      namespace: meta.namespace,
      name: meta.name,
      ip,
      dump: null,
      sockets: null,
      error: null,
    };
    try {
      const ready = (
        (p.status as { containerStatuses?: Array<{ name?: string; ready?: boolean }> } | undefined)
          ?.containerStatuses ?? []
      ).find((s) => s.name === 'istio-proxy')?.ready;
      if (ready === false) throw new MeshctlErrorLike('istio-proxy is not ready');
      // stream the dump to disk (a dump can be hundreds of MB), then redact in place of the spans found
      mkdirSync(join(o.out, 'dumps', meta.namespace), { recursive: true, mode: 0o700 });
      const target = join(o.out, rel);
      const fd = openSync(target, 'w', 0o600);
      try {
        const rest = await adminGet(c, {
          namespace: meta.namespace,
          pod: meta.name,
          path: o.includeEds ? '/config_dump?include_eds' : '/config_dump',
          sink: (chunk) => writeSync(fd, chunk),
        });
        if (rest.length) writeSync(fd, rest); // a chunked answer is collected (and de-chunked) instead of streamed
      } finally {
        closeSync(fd);
      }
      redactFile(target);
      entry.dump = rel;
      if (o.sockets) {
        const text = await execSockets(c, meta.namespace, meta.name);
        const srel = `sockets/${meta.namespace}/${meta.name}.txt`;
        mkdirSync(join(o.out, 'sockets', meta.namespace), { recursive: true, mode: 0o700 });
        writePrivate(join(o.out, srel), text);
        entry.sockets = srel;
      }
    } catch (e) {
      entry.error =
        e instanceof MeshctlError || e instanceof MeshctlErrorLike
          ? e.message
          : `unexpected: ${(e as Error).message}`;
    }
    index.push(entry);
    o.progress?.(++done, meshed.length, `${meta.namespace}/${meta.name}`);
  });
  index.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

  // the objects around them: pods, services, endpoints and Istio config of the same scope
  const objects: unknown[] = [];
  for (const [plural, kind] of [
    ['pods', 'Pod'],
    ['services', 'Service'],
    ['endpoints', 'Endpoints'],
  ] as const)
    for (const x of plural === 'pods' ? pods : await listAll(c, `${base}/${plural}`, `list ${plural}`))
      objects.push({ apiVersion: 'v1', kind, ...x });
  for (const r of ISTIO_RESOURCES) objects.push(...(await listIstio(c, r, ns)));
  mkdirSync(join(o.out, 'k8s'), { recursive: true, mode: 0o700 });
  writePrivate(
    join(o.out, 'k8s', 'objects.yaml'),
    objects.map((x) => stringify(x, { lineWidth: 0 })).join('---\n'),
  );

  writePrivate(
    join(o.out, SNAPSHOT_INDEX),
    JSON.stringify(
      {
        apiVersion: 'meshctl/v1',
        kind: 'Snapshot',
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        source: {
          kind: 'cluster',
          context: c.context,
          server: c.server,
          namespace: ns ?? null,
          labelSelector: o.labelSelector ?? null,
        },
        pods: index,
      },
      null,
      2,
    ) + '\n',
  );
  return { pods: index, failed: index.filter((p) => p.error).length };
}

/** A pod-level failure that is not an error of the whole command. */
class MeshctlErrorLike extends Error {}

/** Replaces secret values in a dump file, keeping everything else byte for byte. */
function redactFile(path: string): void {
  const bytes = readFileSync(path);
  let spans;
  try {
    spans = secretSpans(bytes);
  } catch (e) {
    if (e instanceof JsonScanError)
      throw new MeshctlErrorLike(`the dump is not complete JSON (${e.message} at byte ${e.offset})`);
    throw e;
  }
  if (spans.length === 0) return;
  const fd = openSync(path, 'w', 0o600);
  try {
    let at = 0;
    for (const s of spans) {
      writeSync(fd, bytes.subarray(at, s.start));
      writeSync(fd, JSON.stringify(REDACTED));
      at = s.end;
    }
    writeSync(fd, bytes.subarray(at));
  } finally {
    closeSync(fd);
  }
}
