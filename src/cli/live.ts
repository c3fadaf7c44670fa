// The live path of get and explain: read what a command needs from the current kubeconfig context.
import { explain as simulate, type Query, type World } from '../core/engine/explain.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { InputError } from '../core/diagnostics/errors.js';
import type { MeshInventory } from '../core/model/k8s.js';
import type { SocketEvidence } from '../core/model/sockets.js';

export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** The Kubernetes client is imported here, on the live path only (offline commands never load it). */
async function kube() {
  const [{ connect }, live] = await Promise.all([
    import('../sources/kube/cluster.js'),
    import('../sources/kube/live.js'),
  ]);
  return { connect, ...live };
}

export async function liveDumpOf(
  g: GlobalOptions,
  pod: string | undefined,
  includeEds: boolean,
): Promise<ConfigDump> {
  if (!pod)
    throw new InputError(
      'name the pod to read from the cluster',
      'meshctl get clusters POD (or give --dump FILE)',
    );
  const k = await kube();
  const c = await k.connect(g);
  return k.liveDump(c, await k.findPod(c, pod), includeEds);
}

/**
 * The world an explanation needs, read live: the named proxies' dumps (with EDS), the objects of their
 * namespaces; then, if the traffic reaches a meshed pod whose dump was not read yet, that pod's dump too.
 */
export async function liveExplain(
  g: GlobalOptions,
  pods: { source: string; destination?: string },
  extraNamespaces: string[],
  build: (w: World) => Query,
  sockets: SocketEvidence[],
): Promise<World> {
  const k = await kube();
  const c = await k.connect(g);
  const src = await k.findPod(c, pods.source);
  const dumps = [await k.liveDump(c, src, true)];
  const namespaces = [src.namespace, ...extraNamespaces];
  if (pods.destination) {
    const dst = await k.findPod(c, pods.destination).catch(() => undefined);
    if (dst) {
      namespaces.push(dst.namespace);
      if (dst.hasProxy && dst.name !== src.name) dumps.push(await k.liveDump(c, dst, true));
    }
  }
  const inventory: MeshInventory = await k.liveInventory(c, namespaces);
  let world: World = { dumps, inventory, sockets };
  const first = simulate(world, build(world));
  const ip = first.outcome.endpoint?.replace(/^\[?([^\]]+?)\]?:\d+$/, '$1');
  if (ip && !dumps.some((d) => d.identity().ip === ip)) {
    const next = inventory.pods.find((p) => p.ip === ip && p.hasSidecar);
    if (next) {
      const pod = await k.findPod(c, `${next.namespace}/${next.name}`);
      world = { ...world, dumps: [...dumps, await k.liveDump(c, pod, true)] };
    }
  }
  return world;
}
