// An empty mesh inventory, apart from k8s.ts because k8s.ts checks objects with zod (docs/performance.md):
// a command given no manifests needs the empty inventory and not the validator.
import type { MeshInventory } from './k8s.js';

export function emptyInventory(): MeshInventory {
  return { pods: [], services: [], endpoints: [], istio: [] };
}
