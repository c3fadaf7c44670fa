// The live path of get and explain: read what a command needs from the current kubeconfig context.
import { explain as simulate, type Query, type World } from '../core/engine/explain.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { InputError, MeshctlError } from '../core/diagnostics/errors.js';
import type { MeshInventory } from '../core/model/k8s.js';
import type { SocketEvidence } from '../core/model/sockets.js';

export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly requestTimeout?: string;
}

/** How a proxy's config is read: port-forward to 15000 (default) or, when asked, exec of pilot-agent. */
export type Via = 'portforward' | 'exec';

function via(v: string | undefined): Via {
  if (v === undefined || v === 'portforward') return 'portforward';
  if (v === 'exec') return 'exec';
  throw new InputError(`--via ${v} is not portforward or exec`);
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
  viaOption?: string,
): Promise<ConfigDump> {
  if (!pod)
    throw new InputError(
      'name the pod to read from the cluster',
      'meshctl get clusters POD (or give --dump FILE)',
    );
  const how = via(viaOption);
  const k = await kube();
  const c = await k.connect(g);
  return k.liveDump(c, await k.findPod(c, pod), includeEds, how);
}

export interface LiveExplainOptions {
  readonly via?: string;
  /** Read the receiving pods' listening sockets through exec (opt-in). */
  readonly execSockets?: boolean;
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
  o: LiveExplainOptions = {},
): Promise<World> {
  const how = via(o.via);
  const k = await kube();
  const c = await k.connect(g);
  const src = await k.findPod(c, pods.source);
  const dumps = [await k.liveDump(c, src, true, how)];
  const namespaces = [src.namespace, ...extraNamespaces];
  if (pods.destination) {
    const dst = await k.findPod(c, pods.destination).catch(() => undefined);
    if (dst) {
      namespaces.push(dst.namespace);
      if (dst.hasProxy && dst.name !== src.name) dumps.push(await k.liveDump(c, dst, true, how));
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
      world = { ...world, dumps: [...dumps, await k.liveDump(c, pod, true, how)] };
    }
  }
  if (o.execSockets) {
    // exec is opt-in: only when asked, read the receiving pods' sockets (istio-proxy shares their netns)
    const [{ execSockets }, { socketEvidence }] = await Promise.all([
      import('../sources/kube/exec.js'),
      import('../sources/sockets/read-sockets.js'),
    ]);
    const extra: SocketEvidence[] = [];
    for (const d of world.dumps.slice(1)) {
      const id = d.identity();
      if (!id.pod || !id.namespace) continue;
      extra.push(
        socketEvidence(
          `${id.pod}.${id.namespace}`,
          `exec cat /proc/net/tcp in ${id.namespace}/${id.pod}`,
          await execSockets(c, id.namespace, id.pod),
        ),
      );
    }
    world = { ...world, sockets: [...world.sockets, ...extra] };
  }
  return world;
}

/**
 * The world a matrix needs, read live: the objects of the namespaces (-n, else the context's) and the dump of
 * every meshed pod in them, four at a time. A pod whose dump cannot be read is reported and left out.
 */
export async function liveMeshWorld(
  g: GlobalOptions,
  namespaces: readonly string[] | undefined,
  sockets: SocketEvidence[],
  report: (pod: string, error: string) => void,
  o: LiveExplainOptions = {},
): Promise<World> {
  const how = via(o.via);
  const k = await kube();
  const c = await k.connect(g);
  const { pool } = await import('../sources/kube/snapshot-writer.js');
  const inventory = await k.liveInventory(c, namespaces?.length ? namespaces : [c.namespace]);
  const dumps: ConfigDump[] = [];
  await pool(
    inventory.pods.filter((p) => p.hasSidecar),
    4,
    async (p) => {
      const name = `${p.namespace}/${p.name}`;
      try {
        dumps.push(await k.liveDump(c, await k.findPod(c, name), true, how));
      } catch (e) {
        if (!(e instanceof MeshctlError)) throw e;
        report(name, e.message);
      }
    },
  );
  return { dumps, inventory, sockets };
}
