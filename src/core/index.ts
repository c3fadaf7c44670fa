// meshctl's library API (the npm package's main export): parse a dump, explain traffic, list resources.
// Everything here is pure: bytes and objects in, data out.
export { ConfigDump, ResourceDecodeError } from './model/config-dump.js';
export { ByteNode, ValueNode } from './model/doc-node.js';
export { indexDump } from './model/dump-index.js';
export { normalizeResource } from './model/normalize.js';
export { proxyIdentity } from './model/proxy.js';
export { emptyInventory, addObject } from './model/k8s.js';
export { parseSockets } from './model/sockets-parse.js';
export {
  summarizeClusters,
  summarizeEndpoints,
  summarizeListeners,
  summarizeRoutes,
  summarizeSecrets,
} from './model/summary.js';
export { explain } from './engine/explain.js';
export { routeRequest } from './engine/route-table.js';
export { eraOf } from './engine/era.js';
export { MeshctlError, InputError, NotFoundError, ApiError } from './diagnostics/errors.js';
export type { Explanation, Step, Outcome, Call, Hint } from './engine/types.js';
export type { Query, Traffic, World } from './engine/explain.js';
export type { Issue, Severity } from './diagnostics/issue.js';

import { ByteNode, MemorySource } from './model/doc-node.js';
import { ConfigDump } from './model/config-dump.js';
import { DUMP_INDEX_DEPTH } from './model/dump-index.js';
import { lineAndColumn } from './model/json-scan.js';
import { scanDocument } from './model/json-structure.js';

/** Parses a JSON config dump held in memory (see sources/dump for files, YAML and error messages). */
export function parseDumpBytes(name: string, bytes: Uint8Array): ConfigDump {
  return new ConfigDump(
    name,
    ByteNode.root(new MemorySource(bytes), scanDocument(bytes, DUMP_INDEX_DEPTH).root),
    (offset) => lineAndColumn(bytes, offset).line,
  );
}
