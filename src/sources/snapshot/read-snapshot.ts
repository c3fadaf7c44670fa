// Reads a snapshot directory (docs/snapshot-format.md): its index, the proxies' dumps, the Kubernetes and
// Istio objects, and the pods' listening sockets.
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { z } from 'zod';
import { InputError } from '../../core/diagnostics/errors.js';
import { SnapshotSchema, type SnapshotPodSchema } from '../../core/schema/snapshot.js';
import { describeZodError } from '../../core/schema/zod-issue.js';
import type { ConfigDump } from '../../core/model/config-dump.js';
import { emptyInventory, type MeshInventory } from '../../core/model/k8s.js';
import { isObject } from '../../core/model/normalize.js';
import type { SocketEvidence } from '../../core/model/sockets.js';
import { parseDump } from '../dump/read-dump.js';
import { addManifestText } from '../manifests/read-manifests.js';
import { socketEvidence } from '../sockets/read-sockets.js';
import { unpackTarGz } from './tar.js';

export const SNAPSHOT_INDEX = 'meshctl-snapshot.json';
export const SNAPSHOT_FORMAT_VERSION = 1;

/** One pod of the index, as core/schema/snapshot.ts defines it. */
export type SnapshotPod = z.infer<typeof SnapshotPodSchema>;

export interface Snapshot {
  readonly path: string;
  readonly dumps: ConfigDump[];
  readonly inventory: MeshInventory;
  readonly sockets: SocketEvidence[];
  /** Pods the snapshot tried and could not capture, with the reason recorded at capture time. */
  readonly failed: Array<{ pod: string; error: string }>;
}

async function readText(dir: string, rel: string): Promise<string> {
  try {
    return await readFile(join(dir, rel), 'utf8');
  } catch {
    throw new InputError(
      `${dir}: the snapshot lists ${rel}, which is missing`,
      'the snapshot is incomplete; take it again with meshctl snapshot',
    );
  }
}

/** Unpacks FILE.tar.gz into a private temporary directory and returns the snapshot directory inside it. */
async function extract(file: string): Promise<string> {
  const entries = unpackTarGz(file, await readFile(file));
  const root = await mkdtemp(join(tmpdir(), 'meshctl-snapshot-'));
  for (const e of entries) {
    if (e.path.split('/').includes('..')) throw new InputError(`${file}: entry ${e.path} leaves the archive`);
    await mkdir(dirname(join(root, e.path)), { recursive: true, mode: 0o700 });
    await writeFile(join(root, e.path), e.data, { mode: 0o600 });
  }
  const index = entries.find(
    (e) => e.path === SNAPSHOT_INDEX || /^[^/]+\/meshctl-snapshot\.json$/.test(e.path),
  );
  if (!index)
    throw new InputError(`${file}: no ${SNAPSHOT_INDEX} in the archive (at its top or one directory down)`);
  return join(root, dirname(index.path));
}

export async function readSnapshot(dir: string): Promise<Snapshot> {
  let st;
  try {
    st = await stat(dir);
  } catch {
    throw new InputError(`${dir}: no such snapshot`, 'give the directory written by meshctl snapshot --out');
  }
  if (!st.isDirectory()) {
    if (!/\.(tar\.gz|tgz)$/.test(dir))
      throw new InputError(`${dir} is not a snapshot directory or a .tar.gz of one`);
    return readSnapshot(await extract(dir));
  }
  let index: unknown;
  try {
    index = JSON.parse(await readFile(join(dir, SNAPSHOT_INDEX), 'utf8'));
  } catch (e) {
    throw new InputError(
      `${dir}: ${SNAPSHOT_INDEX} is missing or not JSON (${(e as Error).message})`,
      'give the directory written by meshctl snapshot --out',
    );
  }
  const where = `${dir}/${SNAPSHOT_INDEX}`;
  if (!isObject(index) || index.kind !== 'Snapshot' || index.apiVersion !== 'meshctl/v1')
    throw new InputError(`${where}: expected apiVersion meshctl/v1, kind Snapshot`);
  if (index.formatVersion !== SNAPSHOT_FORMAT_VERSION)
    throw new InputError(
      `${where}: format version ${String(index.formatVersion)} is not supported (this meshctl reads ${SNAPSHOT_FORMAT_VERSION})`,
      'upgrade meshctl',
    );
  // the rest of the index through its schema (core/schema/snapshot.ts): a wrong field is named by its path
  const parsed = SnapshotSchema.safeParse(index);
  if (!parsed.success)
    throw new InputError(
      `${where}: ${describeZodError(parsed.error)}`,
      'the index is not as meshctl snapshot writes it (docs/snapshot-format.md); take the snapshot again',
    );
  const pods = parsed.data.pods;
  const dumps: ConfigDump[] = [];
  const sockets: SocketEvidence[] = [];
  const failed: Snapshot['failed'] = [];
  for (const p of pods) {
    const key = `${p.name}.${p.namespace}`;
    if (p.error) failed.push({ pod: key, error: p.error });
    if (p.dump) dumps.push(parseDump(join(dir, p.dump), Buffer.from(await readText(dir, p.dump))));
    if (p.sockets) sockets.push(socketEvidence(key, join(dir, p.sockets), await readText(dir, p.sockets)));
  }
  const inventory = emptyInventory();
  const k8sDir = join(dir, 'k8s');
  const files = await readdir(k8sDir).catch(() => [] as string[]);
  for (const f of files.sort())
    if (/\.(ya?ml|json)$/.test(f))
      addManifestText(inventory, join(k8sDir, f), await readFile(join(k8sDir, f), 'utf8'));
  return { path: dir, dumps, inventory, sockets, failed };
}
