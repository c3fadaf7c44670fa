// Kubernetes/Istio manifests from files, directories (recursed) or stdin: multi-document YAML and JSON,
// `List` kinds, each object with the file and line it starts at.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from '../../core/diagnostics/errors.js';
import { addObject, emptyInventory, type MeshInventory } from '../../core/model/k8s.js';
import { isObject } from '../../core/model/normalize.js';

async function filesUnder(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`, 'check the path given to -f');
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    if ((await stat(p)).isDirectory()) out.push(...(await filesUnder(p)));
    else if (/\.(ya?ml|json)$/.test(name)) out.push(p);
  }
  return out;
}

export function addManifestText(inv: MeshInventory, file: string, text: string): void {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new InputError(
        `${file}: ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}invalid YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        'YAML indents with spaces, never tabs',
      );
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.kind !== 'string')
      throw new InputError(
        `${file}: line ${lines.linePos(doc.range[0]).line}: expected a Kubernetes object with a "kind"`,
      );
    addObject(inv, value, { file, line: lines.linePos(doc.contents?.range[0] ?? doc.range[0]).line });
  }
}

export async function loadManifests(paths: string[], stdin?: () => Promise<Buffer>): Promise<MeshInventory> {
  const inv = emptyInventory();
  for (const path of paths) {
    if (path === '-') {
      if (!stdin) throw new InputError('stdin is not available here');
      addManifestText(inv, 'stdin', (await stdin()).toString('utf8'));
      continue;
    }
    for (const file of await filesUnder(path)) addManifestText(inv, file, await readFile(file, 'utf8'));
  }
  return inv;
}
