// Envoy Gateway's `egctl config envoy-proxy <all|bootstrap|cluster|endpoints|listener|route|secret> -o json|yaml`
// prints one object keyed by namespace, then by pod name, whose values are the proxies' dumps: the whole
// `/config_dump` (`configs` array) for `all`, one typed section (`{"@type": "...ClustersConfigDump", ...}`)
// for the others (envoyproxy/gateway internal/cmd/egctl/config.go; its testdata
// internal/cmd/egctl/testdata/config/out/*.json, copied to fixtures/real/other-dumps/envoyproxy-gateway).
// The pods' bootstraps carry no Istio-style node id, so the wrapper is what names each proxy.
import { stringAt, type DocNode } from './doc-node.js';
import { ADMIN_SECTION, DUMP_INDEX_DEPTH } from './dump-index.js';

/** The wrapper adds two levels (namespace, pod) above a dump: index that many more to reach the same entries. */
export const EGCTL_INDEX_DEPTH = DUMP_INDEX_DEPTH + 2;

export interface WrappedProxy {
  readonly namespace: string;
  readonly pod: string;
  readonly node: DocNode;
}

/** Members a dump's own root may have: a dump, not a wrapper, when the root has one of them. */
const DUMP_ROOT_KEYS = new Set([
  'configs',
  'bootstrap',
  'node',
  'cluster_statuses',
  'clusterStatuses',
  '@type',
]);

/** What a proxy's value must look like: a /config_dump, or one typed admin config dump section. */
function isDumpValue(node: DocNode): boolean {
  if (node.kind !== 'object') return false;
  if (node.get('configs')?.kind === 'array') return true;
  return ADMIN_SECTION.test(stringAt(node.get('@type')) ?? '');
}

/**
 * The proxies of an egctl output, in its order, or undefined when `root` is not one (any other shape is read
 * as the dump itself). Every namespace must hold pods and every pod a dump: a wrapper half made of something
 * else is not guessed at.
 */
export function egctlProxies(root: DocNode): WrappedProxy[] | undefined {
  if (root.kind !== 'object') return undefined;
  const out: WrappedProxy[] = [];
  for (const [namespace, pods] of root.members()) {
    if (DUMP_ROOT_KEYS.has(namespace) || pods.kind !== 'object') return undefined;
    for (const [pod, dump] of pods.members()) {
      if (!isDumpValue(dump)) return undefined;
      out.push({ namespace, pod, node: dump });
    }
  }
  return out.length ? out : undefined;
}

/**
 * Whether the first bytes of a JSON document open an egctl wrapper: `{"<ns>": {"<pod>": {"configs"` or
 * `{"@type"`. Read before scanning, to choose how deep to index (a dump's root member is "configs" followed
 * by an array, so no dump opens this way).
 */
export function opensEgctlWrapper(head: string): boolean {
  return /^\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(?:configs|@type)"\s*:/.test(
    head,
  );
}
