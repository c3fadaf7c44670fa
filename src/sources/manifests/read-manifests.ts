// Kubernetes/Istio manifests for explain (-f): files, directories (recursed) or stdin, read through the same
// parser as lint, each object with the file and line it starts at.
import { readFile } from 'node:fs/promises';
import { InputError } from '../../core/diagnostics/errors.js';
import { addObject, emptyInventory, type MeshInventory } from '../../core/model/k8s.js';
import { manifestFiles } from './files.js';
import { lintResourcesFromText } from './lint-input.js';

export function addManifestText(inv: MeshInventory, file: string, text: string): void {
  for (const r of lintResourcesFromText(file, text))
    addObject(inv, r.raw, { file, line: r.locate([]).line }, (path) => r.locate([...path]).line);
}

export async function loadManifests(paths: string[], stdin?: () => Promise<Buffer>): Promise<MeshInventory> {
  const inv = emptyInventory();
  for (const path of paths) {
    if (path === '-') {
      if (!stdin) throw new InputError('stdin is not available here');
      addManifestText(inv, 'stdin', (await stdin()).toString('utf8'));
      continue;
    }
    for (const file of await manifestFiles(path)) addManifestText(inv, file, await readFile(file, 'utf8'));
  }
  return inv;
}
