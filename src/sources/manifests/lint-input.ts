// Manifests for lint: every object with the line and column of each of its fields, also inside
// multi-document streams, `List` kinds, JSON files and stdin (helm template ... | meshctl lint -).
import { readFile } from 'node:fs/promises';
import { isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { InputError } from '../../core/diagnostics/errors.js';
import { manifestFiles, yamlInputError } from './files.js';
import { isObject, type JsonObject } from '../../core/model/normalize.js';
import {
  CLUSTER_SCOPED_KINDS,
  type FieldPath,
  type LintResource,
  type Position,
} from '../../core/model/manifest.js';

function positionOf(doc: Document, lines: LineCounter, path: FieldPath): Position | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const p = lines.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return undefined;
}

function resource(
  file: string,
  doc: Document,
  lines: LineCounter,
  raw: JsonObject,
  prefix: FieldPath,
  listKind?: string,
): LintResource {
  const meta = isObject(raw.metadata) ? raw.metadata : {};
  const kind = typeof raw.kind === 'string' ? raw.kind : (listKind ?? '');
  return {
    apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
    kind,
    name: typeof meta.name === 'string' ? meta.name : '',
    namespace:
      typeof meta.namespace === 'string' ? meta.namespace : CLUSTER_SCOPED_KINDS.has(kind) ? '' : 'default',
    raw,
    file,
    locate: (path) => positionOf(doc, lines, [...prefix, ...path]) ?? { line: 1, column: 1 },
  };
}

export function lintResourcesFromText(file: string, text: string): LintResource[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: LintResource[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) throw yamlInputError(file, err);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const start = doc.contents?.range ? lines.linePos(doc.contents.range[0]).line : 1;
    if (!isObject(value) || typeof value.kind !== 'string')
      throw new InputError(
        `${file}: line ${start}: expected a Kubernetes object with "kind" (got ${Array.isArray(value) ? 'a list' : typeof value})`,
      );
    if (value.kind.endsWith('List') && Array.isArray(value.items)) {
      // built-in list items carry no kind/apiVersion: take them from the list
      const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -4);
      value.items.forEach((item, i) => {
        if (isObject(item)) out.push(resource(file, doc, lines, item, ['items', i], itemKind));
      });
      continue;
    }
    out.push(resource(file, doc, lines, value, []));
  }
  return out;
}

export async function loadLintResources(
  paths: string[],
  stdin: () => Promise<Buffer>,
): Promise<LintResource[]> {
  const out: LintResource[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...lintResourcesFromText('-', (await stdin()).toString('utf8')));
      continue;
    }
    for (const f of await manifestFiles(p)) out.push(...lintResourcesFromText(f, await readFile(f, 'utf8')));
  }
  return out;
}
