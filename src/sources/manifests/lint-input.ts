// Manifests for lint: every object with the line and column of each of its fields, also inside
// multi-document streams, `List` kinds, JSON files and stdin (helm template ... | meshctl lint -).
import { readFile } from 'node:fs/promises';
import { load } from 'js-yaml';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { InputError } from '../../core/diagnostics/errors.js';
import { manifestFiles, yamlInputError } from './files.js';
import { isObject, type JsonObject } from '../../core/model/normalize.js';
import {
  CLUSTER_SCOPED_KINDS,
  type FieldPath,
  type LintResource,
  type Position,
} from '../../core/model/manifest.js';

/**
 * One YAML document of a stream. Values come from js-yaml (about ten times faster than a CST parse, which
 * made lint of 10,000 Services parse-bound); positions come from the `yaml` package's CST, built only when a
 * finding asks where a field is, for that document alone.
 */
class DocumentText {
  private positions: { doc: Document; lines: LineCounter } | undefined;
  constructor(
    readonly text: string,
    /** 1-based line of the document's first line in the file. */
    readonly firstLine: number,
  ) {}

  locate(path: FieldPath): Position | undefined {
    if (!this.positions) {
      const lines = new LineCounter();
      this.positions = { doc: parseDocument(this.text, { lineCounter: lines, uniqueKeys: false }), lines };
    }
    const { doc, lines } = this.positions;
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) {
        const p = lines.linePos(node.range[0]);
        return { line: p.line + this.firstLine - 1, column: p.col };
      }
    }
    return undefined;
  }
}

/** Documents of a YAML stream: split at `---` lines (a separator can only start a line at column 0). */
function splitDocuments(text: string): DocumentText[] {
  const out: DocumentText[] = [];
  const lines = text.split('\n');
  let first = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i === lines.length || /^---(\s|$)/.test(lines[i]!)) {
      // the separator line may carry content after `--- `: keep it in the document that follows
      const chunk = lines.slice(first, i).join('\n');
      if (chunk.trim()) out.push(new DocumentText(chunk, first + 1)); // comment-only documents load as undefined
      if (i < lines.length) {
        lines[i] = lines[i]!.replace(/^---/, '   ');
        first = i;
      }
    }
  }
  return out;
}

function resource(
  file: string,
  doc: DocumentText,
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
    locate: (path) => doc.locate([...prefix, ...path]) ?? { line: doc.firstLine, column: 1 },
  };
}

/** A document js-yaml rejects is parsed again by `yaml` for its clearer message and exact position. */
function invalid(file: string, doc: DocumentText, e: unknown): InputError {
  const lines = new LineCounter();
  const err = parseDocument(doc.text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false })
    .errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    if (pos) err.linePos = [{ line: pos.line + doc.firstLine - 1, col: pos.col }];
    return yamlInputError(file, err);
  }
  const mark = (e as { mark?: { line: number; column: number } }).mark;
  const where = mark ? `line ${mark.line + doc.firstLine}, column ${mark.column + 1}: ` : '';
  return new InputError(
    `${file}: ${where}invalid YAML: ${(e as { reason?: string }).reason ?? (e as Error).message}`,
  );
}

export function lintResourcesFromText(file: string, text: string): LintResource[] {
  const out: LintResource[] = [];
  for (const doc of splitDocuments(text)) {
    let value: unknown;
    try {
      value = load(doc.text, { json: true });
    } catch (e) {
      throw invalid(file, doc, e);
    }
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.kind !== 'string')
      throw new InputError(
        `${file}: line ${doc.firstLine}: expected a Kubernetes object with "kind" (got ${Array.isArray(value) ? 'a list' : typeof value})`,
      );
    if (value.kind.endsWith('List') && Array.isArray(value.items)) {
      // built-in list items carry no kind/apiVersion: take them from the list
      const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -4);
      value.items.forEach((item, i) => {
        if (isObject(item)) out.push(resource(file, doc, item, ['items', i], itemKind));
      });
      continue;
    }
    out.push(resource(file, doc, value, []));
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
