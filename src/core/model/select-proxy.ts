// Naming a proxy the way people do (cli-contract.md "Inputs"): pod name, pod.namespace, namespace/pod or pod
// IP, matched against each dump's bootstrap node id. With one dump the name may be left out.
import { NotFoundError, InputError } from '../diagnostics/errors.js';
import type { ConfigDump } from './config-dump.js';
import { proxyLabel } from './proxy.js';

export function proxyNames(dump: ConfigDump): string[] {
  const p = dump.identity();
  const names = new Set<string>();
  if (p.pod) names.add(p.pod);
  if (p.pod && p.namespace) {
    names.add(`${p.pod}.${p.namespace}`);
    names.add(`${p.namespace}/${p.pod}`);
  }
  if (p.ip) names.add(p.ip);
  if (p.nodeId) names.add(p.nodeId);
  return [...names];
}

function describe(dump: ConfigDump): string {
  const label = proxyLabel(dump.identity());
  return label ? `${label} (${dump.source})` : `${dump.source} (no bootstrap, so no pod name)`;
}

export function selectProxy(dumps: ConfigDump[], query: string | undefined): ConfigDump {
  if (dumps.length === 0) throw new InputError('no config dump given', 'pass --dump FILE (or - for stdin)');
  if (query === undefined) {
    if (dumps.length === 1) return dumps[0]!;
    throw new InputError(
      `${dumps.length} dumps were given, so name the pod to read: ${dumps.map(describe).join(', ')}`,
      'add the pod name, pod.namespace or pod IP after the resource type',
    );
  }
  const matches = dumps.filter((d) => proxyNames(d).includes(query) || d.source === query);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new InputError(
      `${query} names ${matches.length} dumps: ${matches.map(describe).join(', ')}`,
      'use pod.namespace or the pod IP to tell them apart',
    );
  throw new NotFoundError(
    `no dump belongs to pod ${query}; the dumps given are for: ${dumps.map(describe).join(', ')}`,
    "name a pod by name, pod.namespace, namespace/pod or IP, as its dump's bootstrap node id says",
  );
}
