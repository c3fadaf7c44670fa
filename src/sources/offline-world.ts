// The world explain, matrix and replay read without a cluster: a snapshot or saved dumps, plus the manifests
// (-f) and listening sockets (--sockets) given beside them. Each reader loads only when its input is given (the
// manifest reader brings the yaml package, ~50 ms of start-up), so the README's first command stays light.
import { InputError } from '../core/diagnostics/errors.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import type { MeshInventory } from '../core/model/k8s.js';
import type { SocketEvidence } from '../core/model/sockets.js';

export interface OfflineInputs {
  readonly snapshot?: string | undefined;
  readonly dumps?: readonly string[] | undefined;
  readonly manifests?: readonly string[] | undefined;
  readonly sockets?: readonly string[] | undefined;
}

export interface OfflineWorld {
  readonly dumps: readonly ConfigDump[];
  readonly inventory: MeshInventory;
  readonly sockets: readonly SocketEvidence[];
  /** Pods a snapshot tried and could not capture, with the reason recorded then: a caller says them. */
  readonly notCaptured: ReadonlyArray<{ pod: string; error: string }>;
}

/** Manifests given with -f, else an empty inventory. */
export async function manifestInventory(
  paths: readonly string[] | undefined,
  stdin?: () => Promise<Buffer>,
): Promise<MeshInventory> {
  if (!paths?.length) return (await import('../core/model/inventory.js')).emptyInventory();
  return (await import('./manifests/read-manifests.js')).loadManifests([...paths], stdin);
}

/** The offline world of these inputs; undefined when neither a snapshot nor a dump is given. */
export async function offlineWorld(
  inputs: OfflineInputs,
  stdin?: () => Promise<Buffer>,
): Promise<OfflineWorld | undefined> {
  if (inputs.snapshot && inputs.dumps?.length)
    throw new InputError('give either --snapshot or --dump, not both');
  if (!inputs.snapshot && !inputs.dumps?.length) return undefined;
  const extra = await manifestInventory(inputs.manifests, stdin);
  // the socket reader validates with zod: loaded only when sockets are given
  const sockets = inputs.sockets?.length
    ? await (await import('./sockets/read-sockets.js')).loadSockets([...inputs.sockets])
    : [];
  if (!inputs.snapshot) {
    const dumps = await (await import('./dump/read-dump.js')).loadDumps([...(inputs.dumps ?? [])], stdin);
    return { dumps, inventory: extra, sockets, notCaptured: [] };
  }
  const snap = await (await import('./snapshot/read-snapshot.js')).readSnapshot(inputs.snapshot);
  const inv = snap.inventory;
  return {
    dumps: snap.dumps,
    inventory: {
      pods: [...inv.pods, ...extra.pods],
      services: [...inv.services, ...extra.services],
      endpoints: [...inv.endpoints, ...extra.endpoints],
      istio: [...inv.istio, ...extra.istio],
    },
    sockets: [...sockets, ...snap.sockets],
    notCaptured: snap.failed,
  };
}
