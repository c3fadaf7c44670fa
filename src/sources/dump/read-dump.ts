// Reads saved config dumps from files or stdin into the model, with errors that name the file, the line and
// what was expected. JSON stays bytes (indexed lazily); YAML (istioctl -o yaml) is parsed with positions.
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import { yamlInputError } from '../manifests/files.js';
import { InputError } from '../../core/diagnostics/errors.js';
import { ConfigDump, type Locator } from '../../core/model/config-dump.js';
import { DUMP_INDEX_DEPTH } from '../../core/model/dump-index.js';
import { EGCTL_INDEX_DEPTH, egctlProxies, opensEgctlWrapper } from '../../core/model/egctl.js';
import {
  ByteNode,
  MemorySource,
  ValueNode,
  type ByteSource,
  type DocNode,
} from '../../core/model/doc-node.js';
import { JsonScanError, lineAndColumn, skipWhitespace } from '../../core/model/json-scan.js';
import { scanDocument, StructureScanner } from '../../core/model/json-structure.js';

/**
 * JSON dumps at least this big are indexed while they are read and then read back span by span, so the
 * process holds the index and what a question decodes, not the file.
 */
export const STREAM_DUMPS_FROM = 16 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export async function readInput(path: string, stdin: () => Promise<Buffer> = readStdin): Promise<Buffer> {
  if (path === '-') return stdin();
  try {
    return await readFile(path);
  } catch (e) {
    throw fileError(path, e);
  }
}

function fileError(path: string, e: unknown): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(`${path}: no such file`, 'check the path given to --dump');
  if (code === 'EISDIR')
    return new InputError(`${path} is a directory, not a config dump file`, 'give one dump file per --dump');
  if (code === 'EACCES') return new InputError(`${path}: permission denied`);
  return new InputError(`${path}: cannot read (${(e as Error).message})`);
}

/** A dump file read back span by span. The descriptor stays open while the dump is in use. */
class FileSource implements ByteSource {
  private static readonly closer = new FinalizationRegistry<number>((fd) => closeSync(fd));
  constructor(
    private readonly path: string,
    private readonly fd: number,
  ) {
    FileSource.closer.register(this, fd);
  }
  read(start: number, end: number): Uint8Array {
    const out = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < out.length) {
      const n = readSync(this.fd, out, done, out.length - done, start + done);
      if (n === 0) throw new InputError(`${this.path} changed while it was read (it is shorter now)`);
      done += n;
    }
    return out;
  }
  /** 1-based line of a byte offset, counted from the start of the file. */
  line(offset: number): number {
    let line = 1;
    for (let at = 0; at < offset; at += CHUNK) {
      const bytes = this.read(at, Math.min(offset, at + CHUNK));
      for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) line++;
    }
    return line;
  }
}

/** Reads a file that holds one proxy's dump (see readDumpFiles). */
export async function readDumpFile(path: string, streamFrom = STREAM_DUMPS_FROM): Promise<ConfigDump> {
  return onlyOne(path, await readDumpFiles(path, streamFrom));
}

/**
 * Reads one dump file: one proxy's dump, or several when the file is egctl's namespace → pod wrapper. Big
 * JSON dumps are streamed through the index (see STREAM_DUMPS_FROM); the others, YAML and stdin are read
 * whole.
 */
export async function readDumpFiles(path: string, streamFrom = STREAM_DUMPS_FROM): Promise<ConfigDump[]> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(path, e);
  }
  let streamed = false;
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw fileError(path, Object.assign(new Error(), { code: 'EISDIR' }));
    // a pipe or process substitution (`--dump <(kubectl exec ...)`) has no size: read it to its end
    if (!stat.isFile()) return parseDumps(path, readToEnd(fd));
    const head = readHead(fd, Math.min(stat.size, 64 * 1024));
    const start = skipWhitespace(head, 0);
    if (
      stat.size < streamFrom ||
      start >= head.length ||
      binaryOffset(head) !== undefined ||
      (head[start] !== 0x7b && head[start] !== 0x5b) // YAML is read whole
    )
      return parseDumps(path, readHead(fd, stat.size));
    streamed = true;
    return await streamJson(path, fd, stat.size, indexDepth(head));
  } finally {
    if (!streamed) closeSync(fd);
  }
}

function readToEnd(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = readSync(fd, chunk, 0, CHUNK, null);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, n));
  }
}

/** The first `length` bytes of the file (fewer if it is shorter). */
function readHead(fd: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, done);
    if (n === 0) break;
    done += n;
  }
  return done < length ? out.subarray(0, done) : out;
}

/** Reads into `buffer` from `position`, in libuv's thread pool: the caller scans meanwhile. */
function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, length, position, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

/** Chunks read ahead of the scan: on 2 busy cores a read handed to the thread pool can wait its turn. */
const READ_AHEAD = 4;

/**
 * Indexes a JSON dump chunk by chunk; only the index stays in memory. The next chunks are read (in libuv's
 * thread pool) while this one is scanned, each buffer read into again once the scanner is done with it.
 */
async function streamJson(path: string, fd: number, size: number, depth: number): Promise<ConfigDump[]> {
  const source = new FileSource(path, fd);
  const scanner = new StructureScanner(depth);
  const reads: Array<{ buffer: Buffer; length: number; done: Promise<number> }> = [];
  let requested = 0;
  const request = (buffer: Buffer) => {
    const length = Math.min(CHUNK, size - requested);
    reads.push({ buffer, length, done: readAt(fd, buffer, length, requested) });
    requested += length;
  };
  try {
    while (reads.length < READ_AHEAD && requested < size) request(Buffer.allocUnsafe(CHUNK));
    for (let chunk = reads.shift(); chunk; chunk = reads.shift()) {
      const n = await chunk.done;
      if (n !== chunk.length) throw new InputError(`${path} changed while it was read (it is shorter now)`);
      scanner.push(chunk.buffer.subarray(0, n));
      if (requested < size) request(chunk.buffer);
    }
    const { root } = scanner.end();
    return dumpsOf(path, ByteNode.root(source, root), (offset) => source.line(offset));
  } catch (e) {
    // no read left running into a buffer nobody holds
    await Promise.allSettled(reads.map((r) => r.done));
    if (!(e instanceof JsonScanError)) throw e;
    const line = source.line(e.offset);
    const column = e.offset - lastNewlineBefore(source, e.offset) + 1;
    throw new InputError(`${path}: line ${line}, column ${column}: ${e.message}`, EXPECTED_HINT);
  }
}

/** Offset just after the last newline before `offset` (0 on the first line). */
function lastNewlineBefore(source: FileSource, offset: number): number {
  for (let end = offset; end > 0; end -= CHUNK) {
    const from = Math.max(0, end - CHUNK);
    const nl = source.read(from, end).lastIndexOf(0x0a);
    if (nl >= 0) return from + nl + 1;
  }
  return 0;
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

/** Parses one proxy's dump from bytes. `source` names it in messages (a path, or `-` for stdin). */
export function parseDump(source: string, bytes: Uint8Array): ConfigDump {
  return onlyOne(source === '-' ? 'stdin' : source, parseDumps(source, bytes));
}

function onlyOne(label: string, dumps: ConfigDump[]): ConfigDump {
  if (dumps.length === 1) return dumps[0]!;
  throw new InputError(
    `${label} holds the dumps of ${dumps.length} proxies (${dumps.map((d) => d.source).join(', ')}); one is expected here`,
    'save each proxy to its own file (egctl config envoy-proxy all -n NAMESPACE POD -o json)',
  );
}

/**
 * How deep to index a JSON document: two levels more when it opens as egctl's wrapper, so each proxy's
 * sections and entries are recorded as a bare dump's are.
 */
function indexDepth(bytes: Uint8Array): number {
  const head = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  return opensEgctlWrapper(head) ? EGCTL_INDEX_DEPTH : DUMP_INDEX_DEPTH;
}

/** The dumps a document holds: each proxy of an egctl wrapper (named by it), else the document itself. */
function dumpsOf(label: string, root: DocNode, locate?: Locator): ConfigDump[] {
  const wrapped = egctlProxies(root);
  if (!wrapped) return [checked(label, new ConfigDump(label, root, locate))];
  return wrapped.map((p) => {
    const name = `${label}[${p.namespace}/${p.pod}]`;
    return checked(name, new ConfigDump(name, p.node, locate, { pod: p.pod, namespace: p.namespace }));
  });
}

/**
 * Parses the dumps a file holds from bytes: one, or one per pod of an egctl output. `source` names them in
 * messages (a path, or `-` for stdin).
 */
export function parseDumps(source: string, bytes: Uint8Array): ConfigDump[] {
  const label = source === '-' ? 'stdin' : source;
  const start = skipWhitespace(bytes, 0);
  if (start >= bytes.length) throw new InputError(`${label} is empty: ${EXPECTED}`);
  const bin = binaryOffset(bytes);
  if (bin !== undefined)
    throw new InputError(`${label} is not text (binary data at byte ${bin}): ${EXPECTED}`);
  const first = bytes[start];
  return first === 0x7b || first === 0x5b ? parseJson(label, bytes) : parseYaml(label, bytes);
}

/** A dump whose index found nothing to read, or a fatal problem, is an input error. */
function checked(label: string, dump: ConfigDump): ConfigDump {
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

function parseJson(label: string, bytes: Uint8Array): ConfigDump[] {
  try {
    // One pass records the dump's top levels (root, configs, sections, entries) and the names of the
    // resources inside, so indexing reads every byte once; resources are decoded later from their spans.
    const { root } = scanDocument(bytes, indexDepth(bytes.subarray(skipWhitespace(bytes, 0))));
    return dumpsOf(
      label,
      ByteNode.root(new MemorySource(bytes), root),
      (offset) => lineAndColumn(bytes, offset).line,
    );
  } catch (e) {
    if (e instanceof JsonScanError) throw scanError(label, bytes, e);
    throw e;
  }
}

const require = createRequire(import.meta.url);

function parseYaml(label: string, bytes: Uint8Array): ConfigDump[] {
  // loaded here, not at start-up: most dumps are JSON, and the yaml package is the heaviest module to load
  const { parseDocument } = require('yaml') as typeof YamlModule;
  const text = new TextDecoder().decode(bytes);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) throw yamlInputError(label, err);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (typeof value !== 'object' || value === null)
    throw new InputError(
      `${label}: the document is a plain ${value === null ? 'null' : typeof value}: ${EXPECTED}`,
    );
  return dumpsOf(label, new ValueNode(value));
}

/** Reads and parses every `--dump` argument, in order. */
export async function loadDumps(paths: string[], stdin?: () => Promise<Buffer>): Promise<ConfigDump[]> {
  if (paths.filter((p) => p === '-').length > 1)
    throw new InputError('stdin (-) can be given to --dump only once');
  const out: ConfigDump[] = [];
  for (const p of paths)
    out.push(...(p === '-' ? parseDumps(p, await readInput(p, stdin)) : await readDumpFiles(p)));
  return out;
}
