// Reads saved config dumps from files or stdin into the model, with errors that name the file, the line and
// what was expected. JSON stays bytes (indexed lazily); YAML (istioctl -o yaml) is parsed with positions.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { yamlInputError } from '../manifests/files.js';
import { InputError } from '../../core/diagnostics/errors.js';
import { ConfigDump } from '../../core/model/config-dump.js';
import { ByteNode, ValueNode } from '../../core/model/doc-node.js';
import { JsonScanError, lineAndColumn, scanStructure, skipWhitespace } from '../../core/model/json-scan.js';

/** root > configs > config > section > entry: the resources inside are skipped in the same pass, read on demand. */
const DUMP_INDEX_DEPTH = 5;

export async function readInput(path: string, stdin: () => Promise<Buffer> = readStdin): Promise<Buffer> {
  if (path === '-') return stdin();
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: no such file`, 'check the path given to --dump');
    if (code === 'EISDIR')
      throw new InputError(`${path} is a directory, not a config dump file`, 'give one dump file per --dump');
    if (code === 'EACCES') throw new InputError(`${path}: permission denied`);
    throw new InputError(`${path}: cannot read (${(e as Error).message})`);
  }
}

export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const EXPECTED = 'expected an Envoy /config_dump or istioctl proxy-config output (JSON or YAML)';

/** First offset that is not valid text: a NUL byte or a byte sequence that is not UTF-8. */
function binaryOffset(bytes: Uint8Array): number | undefined {
  const sample = bytes.subarray(0, Math.min(bytes.length, 64 * 1024));
  const nul = sample.indexOf(0);
  if (nul >= 0) return nul;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, lastCompleteUtf8(sample)));
    return undefined;
  } catch {
    return 0;
  }
}

/** Don't call a sample invalid because it was cut in the middle of a multi-byte character. */
function lastCompleteUtf8(s: Uint8Array): number {
  const end = s.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = s[end - back]!;
    if ((b & 0xc0) === 0xc0) return end - back; // a lead byte whose sequence may be incomplete
    if ((b & 0x80) === 0) break;
  }
  return end;
}

/** Parses one dump from bytes. `source` names it in messages (a path, or `-` for stdin). */
export function parseDump(source: string, bytes: Uint8Array): ConfigDump {
  const label = source === '-' ? 'stdin' : source;
  const start = skipWhitespace(bytes, 0);
  if (start >= bytes.length) throw new InputError(`${label} is empty: ${EXPECTED}`);
  const bin = binaryOffset(bytes);
  if (bin !== undefined)
    throw new InputError(`${label} is not text (binary data at byte ${bin}): ${EXPECTED}`);
  const first = bytes[start];
  const dump = first === 0x7b || first === 0x5b ? parseJson(label, bytes, start) : parseYaml(label, bytes);
  const fatal = dump.index.issues.find((i) => i.severity === 'error');
  if (fatal) throw new InputError(`${label}: ${fatal.path}: ${fatal.message}`, EXPECTED_HINT);
  if (dump.index.entries.length === 0 && dump.index.configTypes.length === 0)
    throw new InputError(`${label}: holds no Envoy resources: ${EXPECTED}`, EXPECTED_HINT);
  return dump;
}

const EXPECTED_HINT =
  'save one with: kubectl exec POD -c istio-proxy -- pilot-agent request GET config_dump > dump.json';

function scanError(label: string, bytes: Uint8Array, e: JsonScanError): InputError {
  const { line, column } = lineAndColumn(bytes, e.offset);
  return new InputError(`${label}: line ${line}, column ${column}: ${e.message}`, EXPECTED_HINT);
}

function parseJson(label: string, bytes: Uint8Array, start: number): ConfigDump {
  try {
    // One pass records the dump's top levels (root, configs, sections, entries, resources' own fields), so
    // indexing reads every byte once; resources are decoded later from their recorded spans.
    const { structure, end } = scanStructure(bytes, start, DUMP_INDEX_DEPTH);
    const rest = skipWhitespace(bytes, end);
    if (rest < bytes.length)
      throw new JsonScanError('unexpected data after the end of the JSON document', rest);
    return new ConfigDump(
      label,
      new ByteNode(bytes, { start, end }, structure),
      (offset) => lineAndColumn(bytes, offset).line,
    );
  } catch (e) {
    if (e instanceof JsonScanError) throw scanError(label, bytes, e);
    throw e;
  }
}

function parseYaml(label: string, bytes: Uint8Array): ConfigDump {
  const text = new TextDecoder().decode(bytes);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) throw yamlInputError(label, err);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (typeof value !== 'object' || value === null)
    throw new InputError(
      `${label}: the document is a plain ${value === null ? 'null' : typeof value}: ${EXPECTED}`,
    );
  return new ConfigDump(label, new ValueNode(value));
}

/** Reads and parses every `--dump` argument, in order. */
export async function loadDumps(paths: string[], stdin?: () => Promise<Buffer>): Promise<ConfigDump[]> {
  if (paths.filter((p) => p === '-').length > 1)
    throw new InputError('stdin (-) can be given to --dump only once');
  const out: ConfigDump[] = [];
  for (const p of paths) out.push(parseDump(p, await readInput(p, stdin)));
  return out;
}
