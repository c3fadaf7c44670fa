// The structure of a JSON document's top levels, found in one pass over its bytes, fed in chunks: a dump can
// be indexed while it is read from disk, without holding it (architecture.md rule 9: dumps reach hundreds of
// MB; V8 strings stop at ~512 MiB). Containers near the top are recorded with their members and elements;
// deeper values are skipped, their spans kept, and for a skipped object the string members that name it
// (`name`, `cluster_name`) and a virtual host's `domains` list are captured on the way, so the index never
// reads a resource twice. Skipping is the hot loop: json-skip.wat does it 16 bytes at a time where
// WebAssembly runs, the JavaScript loop below elsewhere (the tests hold the two to the same answers).
// Like json-scan, it does not validate what it skips: JSON.parse validates whatever is decoded later.
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  JsonScanError,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  isWhitespace,
  type Span,
} from './json-scan.js';
import { loadWasmSkip, WASM_CAPTURED_KEYS, WASM_WINDOW, type WasmSkip } from './json-skip.js';

export interface ScannedValue extends Span {
  /** First byte of the value: tells its kind without reading it again (0 when not known). */
  readonly first: number;
  /** An object at a recorded level: its members. */
  readonly members?: ScannedMember[] | undefined;
  /** An array at a recorded level: its elements. */
  readonly elements?: ScannedValue[] | undefined;
  /** A string's decoded text, when it is short. */
  readonly text?: string | undefined;
  /**
   * An object at the deepest recorded level: the names of its string and scalar members, which `members`
   * leaves out (a dump has one version_info and last_updated per resource, and nothing reads them there).
   */
  readonly elided?: readonly string[] | undefined;
  /**
   * A skipped object: its string members named in NAME_KEYS and its array members named in LIST_KEYS (all of
   * them: absent here is absent there).
   */
  readonly captured?: ScannedMember[] | undefined;
}

export interface ScannedMember extends ScannedValue {
  readonly key: string;
}

/**
 * One class for every scanned value, all fields set in the constructor: a dump has one per resource and the
 * index keeps them, so they share one compact shape instead of growing property arrays.
 */
class Scanned implements ScannedMember {
  key = '';
  members: ScannedMember[] | undefined = undefined;
  elements: ScannedValue[] | undefined = undefined;
  text: string | undefined = undefined;
  captured: ScannedMember[] | undefined = undefined;
  elided: readonly string[] | undefined = undefined;
  constructor(
    public start: number,
    public end: number,
    public first: number,
  ) {}
}

/** The members that name an Envoy resource, captured (string values) from objects the scan skips. */
export const NAME_KEYS: ReadonlySet<string> = new Set(['name', 'cluster_name', 'clusterName']);
/**
 * List members captured (array values, as spans) from objects the scan skips: a virtual host's domains, so
 * that choosing one of a route table's thousands of hosts reads no host but the chosen one.
 */
export const LIST_KEYS: ReadonlySet<string> = new Set(['domains']);
/** Every member a skipped object's `captured` answers for. */
export const CAPTURED_KEYS: ReadonlySet<string> = new Set([...NAME_KEYS, ...LIST_KEYS]);

const NONE_CAPTURED: ScannedMember[] = [];

/** Strings longer than this keep only their span: their text is read back when asked for. */
const MAX_TEXT_BYTES = 1024;

const enum State {
  Value,
  ValueOrClose,
  KeyOrClose,
  Key,
  Colon,
  After,
  String,
  Scalar,
  Skip,
  Done,
}

/** What a string being read at a recorded level, or at the first level of a skipped object, is. */
const enum Collect {
  None,
  Key,
  Value,
  /** A string value whose text is not kept: only its span. */
  Span,
  SkippedKey,
  CapturedValue,
}

type Value = Scanned;

interface Frame {
  readonly value: Value;
  readonly isObject: boolean;
  key: string;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function isScalarStart(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e; // - 0-9 t f n
}

export class StructureScanner {
  private state = State.Value;
  private offset = 0;
  private readonly frames: Frame[] = [];
  private root: ScannedValue | undefined;
  /** Keys repeat once per resource: one string per distinct key. */
  private readonly keys = new Map<string, string>();
  /** Elided member lists repeat too: one array per distinct list, found from the list before and a name. */
  private readonly elidedLists = new Map<readonly string[] | undefined, Map<string, readonly string[]>>();
  private readonly keysByBytes = new Map<number, { bytes: Uint8Array; text: string }>();

  // the string being read (recorded levels, or the first level of a skipped object)
  private collect = Collect.None;
  private stringStart = 0;
  private parts: Uint8Array[] = [];
  private partsLength = 0;
  private escapeNext = false;

  // the scalar being read
  private scalarStart = 0;
  private scalarFirst = 0;

  // the value being skipped
  private skipDepth = 0;
  private skipStart = 0;
  private skipFirst = 0;
  private skipInString = false;
  private skipCapture = false;
  private skipKeyNext = false;
  private skipKey = '';
  private captured: ScannedMember[] = [];
  /** Where a LIST_KEYS array being skipped began, or -1. */
  private listStart = -1;
  /** The WebAssembly skip, when used; and this scanner's state while another one uses it. */
  private readonly wasm: WasmSkip | null;
  /** How many backslashes the bytes pushed so far end with: whether a quote that comes next is escaped. */
  private trailingBackslashes = 0;

  constructor(
    /** Containers at depth < maxDepth (the root is depth 0) are recorded; deeper ones are skipped. */
    private readonly maxDepth: number,
    /** Where the first chunk starts in the document: every recorded span is a document offset. */
    start = 0,
  ) {
    this.offset = start;
    this.wasm = loadWasmSkip();
  }

  /** Scans the next chunk of the document. */
  push(chunk: Uint8Array): void {
    // a plain view: Node's Buffer makes every subarray a Buffer, and the scan takes one per string it keeps
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (!this.wasm) return this.pushWindow(bytes);
    for (let o = 0; o < bytes.length; o += WASM_WINDOW) {
      const window = bytes.subarray(o, o + WASM_WINDOW);
      this.wasm.bytes.set(window);
      this.pushWindow(window);
    }
  }

  private pushWindow(chunk: Uint8Array): void {
    const n = chunk.length;
    const base = this.offset;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Skip:
          i = this.skip(chunk, i, base);
          break;
        case State.String:
          i = this.string(chunk, i, base);
          break;
        case State.Scalar:
          i = this.scalar(chunk, i, base);
          break;
        default: {
          const c = chunk[i]!;
          i = isWhitespace(c) ? i + 1 : this.structural(c, i, base);
        }
      }
    }
    const keeping = this.collect !== Collect.None && this.collect !== Collect.Span;
    if (keeping && (this.state === State.String || this.state === State.Skip)) {
      // the string goes on in the next chunk: keep what is here of it
      const from = Math.max(0, this.stringStart + 1 - base);
      if (this.partsLength + n - from <= MAX_TEXT_BYTES) {
        this.parts.push(chunk.slice(from));
        this.partsLength += n - from;
      } else this.partsLength = MAX_TEXT_BYTES + 1;
    }
    if (this.state === State.Skip && !this.skipInString && this.wasmInString()) {
      // for the error if the input ends here: where the string began (its opening quote is the last one
      // that is not escaped; none here, and it began in an earlier chunk)
      const q = lastUnescapedQuote(chunk, this.trailingBackslashes);
      if (q >= 0) this.stringStart = base + q;
    }
    let k = n;
    while (k > 0 && chunk[k - 1] === BACKSLASH) k--;
    this.trailingBackslashes = k === 0 ? this.trailingBackslashes + n : n - k;
    this.offset += n;
  }

  /** Whether the WebAssembly skip stopped inside a string of this scanner's skipped value. */
  private wasmInString(): boolean {
    return this.wasm?.inString(this) === true;
  }

  /** The document's top levels, once every chunk has been pushed. */
  end(): { root: ScannedValue; end: number } {
    if (this.state === State.Scalar && this.frames.length === 0)
      this.complete(new Scanned(this.scalarStart, this.offset, this.scalarFirst));
    if (this.state === State.Done) return { root: this.root!, end: this.root!.end };
    if (this.state === State.String && this.collect !== Collect.None)
      throw new JsonScanError('the input ends inside a string (truncated JSON?)', this.stringStart);
    if (this.state === State.Skip)
      throw this.skipInString || this.wasmInString()
        ? this.unclosed(undefined, this.stringStart)
        : this.unclosed(this.skipFirst, this.skipStart);
    const top = this.frames[this.frames.length - 1];
    if (top) throw this.unclosed(top.isObject ? OPEN_BRACE : OPEN_BRACKET, top.value.start);
    throw new JsonScanError('the input ends where a value was expected (truncated JSON?)', this.offset);
  }

  private unclosed(first: number | undefined, at: number): JsonScanError {
    if (first === undefined) return new JsonScanError('the input ends inside a string (truncated JSON?)', at);
    const what = first === OPEN_BRACE ? 'object' : 'array';
    return new JsonScanError(`the input ends before this ${what} is closed (truncated JSON?)`, at);
  }

  private expected(what: string, c: number, at: number): JsonScanError {
    return new JsonScanError(`expected ${what} but found '${String.fromCharCode(c)}'`, at);
  }

  private structural(c: number, i: number, base: number): number {
    const at = base + i;
    switch (this.state) {
      case State.Done:
        throw new JsonScanError('unexpected data after the end of the JSON document', at);
      case State.Colon:
        if (c !== COLON) throw this.expected("':'", c, at);
        this.state = State.Value;
        return i + 1;
      case State.KeyOrClose:
        if (c === CLOSE_BRACE) return this.close(at, i);
        return this.key(c, i, at);
      case State.Key:
        return this.key(c, i, at);
      case State.ValueOrClose:
        if (c === CLOSE_BRACKET) return this.close(at, i);
        return this.beginValue(c, i, at);
      case State.Value:
        return this.beginValue(c, i, at);
      case State.After: {
        const top = this.frames[this.frames.length - 1]!;
        if (c === COMMA) {
          this.state = top.isObject ? State.Key : State.Value;
          return i + 1;
        }
        if (c === (top.isObject ? CLOSE_BRACE : CLOSE_BRACKET)) return this.close(at, i);
        throw this.expected(top.isObject ? "',' or '}'" : "',' or ']'", c, at);
      }
      default:
        throw new Error(`unreachable scanner state ${this.state}`);
    }
  }

  private key(c: number, i: number, at: number): number {
    if (c !== QUOTE) throw this.expected('a quoted member name', c, at);
    this.beginString(Collect.Key, at);
    this.state = State.String;
    return i + 1;
  }

  private beginString(collect: Collect, at: number): void {
    this.collect = collect;
    this.stringStart = at;
    if (this.parts.length > 0) this.parts = [];
    this.partsLength = 0;
    this.escapeNext = false;
  }

  private beginValue(c: number, i: number, at: number): number {
    const depth = this.frames.length;
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth < this.maxDepth) {
        const isObject = c === OPEN_BRACE;
        const value = new Scanned(at, at, c);
        if (isObject) value.members = [];
        else value.elements = [];
        this.frames.push({ value, isObject, key: '' });
        this.state = isObject ? State.KeyOrClose : State.ValueOrClose;
      } else {
        this.skipDepth = 1;
        this.skipStart = at;
        this.skipFirst = c;
        this.skipInString = false;
        this.skipCapture = c === OPEN_BRACE;
        this.skipKeyNext = true;
        this.skipKey = '';
        this.captured.length = 0; // one scratch list: each value keeps a copy of its own
        this.listStart = -1;
        this.collect = Collect.None;
        this.state = State.Skip;
        this.wasm?.begin(this);
      }
      return i + 1;
    }
    if (c === QUOTE) {
      // Keep the text of strings above the deepest level, and of names: the index reads those. The deepest
      // level holds one version_info and last_updated per resource, which nothing reads.
      const top = this.frames[depth - 1];
      const keep = depth < this.maxDepth || (top?.isObject === true && NAME_KEYS.has(top.key));
      this.beginString(keep ? Collect.Value : Collect.Span, at);
      this.state = State.String;
      return i + 1;
    }
    if (!isScalarStart(c)) throw new JsonScanError(`unexpected character '${String.fromCharCode(c)}'`, at);
    this.scalarStart = at;
    this.scalarFirst = c;
    this.state = State.Scalar;
    return i + 1;
  }

  private close(at: number, i: number): number {
    const frame = this.frames.pop()!;
    frame.value.end = at + 1;
    // exact-size arrays: the index keeps these for the life of the process
    if (frame.value.members) frame.value.members = frame.value.members.slice();
    else frame.value.elements = frame.value.elements!.slice();
    this.complete(frame.value);
    return i + 1;
  }

  /** A string or scalar member at the deepest level: its name is kept, not its value. */
  private elide(): void {
    const top = this.frames[this.frames.length - 1]!;
    const before = top.value.elided;
    let next = this.elidedLists.get(before);
    if (!next) this.elidedLists.set(before, (next = new Map()));
    let names = next.get(top.key);
    if (!names) next.set(top.key, (names = [...(before ?? []), top.key]));
    top.value.elided = names;
    this.state = State.After;
  }

  /** Attaches a finished value to its container (or makes it the root). */
  private complete(value: Value): void {
    const top = this.frames[this.frames.length - 1];
    if (!top) {
      this.root = value;
      this.state = State.Done;
      return;
    }
    if (top.isObject) {
      value.key = top.key;
      top.value.members!.push(value);
    } else top.value.elements!.push(value);
    this.state = State.After;
  }

  /** Index of the quote that closes the string being read, or -1 if it goes on past this chunk. */
  private closingQuote(chunk: Uint8Array, from: number): number {
    // a byte loop: the strings read here are short (names, keys), shorter than a call to indexOf costs
    const n = chunk.length;
    let i = from;
    if (this.escapeNext) {
      this.escapeNext = false;
      i++;
    }
    while (i < n) {
      const c = chunk[i]!;
      if (c === QUOTE) return i;
      i += c === BACKSLASH ? 2 : 1;
    }
    this.escapeNext = i > n;
    return -1;
  }

  /** The text of the string that ends at chunk[q], its earlier pieces in `parts`. */
  private collected(chunk: Uint8Array, q: number, base: number): string | undefined {
    const from = Math.max(0, this.stringStart + 1 - base);
    const length = this.partsLength + q - from;
    if (length > MAX_TEXT_BYTES) return undefined;
    let bytes = chunk.subarray(from, q);
    if (this.parts.length > 0) {
      const all = new Uint8Array(length);
      let o = 0;
      for (const p of this.parts) {
        all.set(p, o);
        o += p.length;
      }
      all.set(bytes, o);
      bytes = all;
      this.parts = [];
    }
    const raw = decoder.decode(bytes);
    if (!raw.includes('\\')) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch (e) {
      // a bad escape (`\x`, a short `\u`) or a raw control character: the input is not JSON here, said as
      // the scanner says it (found by test/fuzz/json-structure.property.test.ts, fixtures/fuzz)
      throw new JsonScanError(
        `invalid string: ${(e as Error).message.replace(/ in JSON at position \d+.*$/s, '')}`,
        this.stringStart,
      );
    }
  }

  /**
   * The member name in chunk[from, to). Every resource repeats the same few names: they are known by their
   * bytes, without decoding them again.
   */
  private keyAt(chunk: Uint8Array, from: number, to: number, base: number): string | undefined {
    let hash = to - from;
    for (let i = from; i < to; i++) hash = (Math.imul(hash, 31) + chunk[i]!) | 0;
    const known = this.keysByBytes.get(hash);
    if (known !== undefined && sameBytes(known.bytes, chunk, from, to)) return known.text;
    const text = this.collected(chunk, to, base);
    if (text !== undefined)
      this.keysByBytes.set(hash, { bytes: chunk.slice(from, to), text: this.intern(text) });
    return text;
  }

  private collectedKey(chunk: Uint8Array, q: number, base: number): string | undefined {
    const key = this.collected(chunk, q, base);
    return key === undefined ? undefined : this.intern(key);
  }

  private intern(key: string): string {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    this.keys.set(key, key);
    return key;
  }

  private string(chunk: Uint8Array, i: number, base: number): number {
    const q = this.closingQuote(chunk, i);
    if (q < 0) return chunk.length;
    if (this.collect === Collect.Key) {
      const from = this.stringStart + 1 - base;
      // keyAt's names are interned already
      const key =
        from >= 0 && this.parts.length === 0
          ? this.keyAt(chunk, from, q, base)
          : this.collectedKey(chunk, q, base);
      if (key === undefined) throw new JsonScanError('a member name is too long', this.stringStart);
      this.frames[this.frames.length - 1]!.key = key;
      this.state = State.Colon;
    } else if (this.collect === Collect.Span && this.frames[this.frames.length - 1]!.isObject) this.elide();
    else {
      const text = this.collect === Collect.Span ? undefined : this.collected(chunk, q, base);
      const value = new Scanned(this.stringStart, base + q + 1, QUOTE);
      if (text !== undefined) value.text = text;
      this.complete(value);
    }
    this.collect = Collect.None;
    return q + 1;
  }

  private scalar(chunk: Uint8Array, i: number, base: number): number {
    const n = chunk.length;
    let k = i;
    while (k < n) {
      const c = chunk[k]!;
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) break;
      k++;
    }
    if (k < n) {
      const top = this.frames[this.frames.length - 1];
      if (this.frames.length === this.maxDepth && top?.isObject) this.elide();
      else this.complete(new Scanned(this.scalarStart, base + k, this.scalarFirst));
    }
    return k;
  }

  /**
   * Skips a nested value, capturing the name and list members of a skipped object: the loop json-skip.wat
   * does faster, kept simple here for where WebAssembly does not run. Only the first level of a skipped
   * object, where members are captured, takes the careful path.
   */
  private skip(chunk: Uint8Array, from: number, base: number): number {
    if (this.wasm) return this.skipWithWasm(this.wasm, chunk, from, base);
    const n = chunk.length;
    let i = from;
    if (this.skipInString) {
      // a string that went on past the last chunk (a captured one is collected)
      const q = this.closingQuote(chunk, i);
      if (q < 0) return n;
      if (this.collect !== Collect.None) this.endSkippedString(chunk, q, base);
      this.skipInString = false;
      i = q + 1;
    }
    let depth = this.skipDepth;
    const capture = this.skipCapture;
    while (i < n) {
      const c = chunk[i]!;
      if (c === QUOTE) {
        if (capture && depth === 1) {
          i = this.firstLevelString(chunk, i, base);
          if (i >= n) {
            this.skipDepth = depth;
            return n;
          }
          continue;
        }
        const q = this.closingQuote(chunk, i + 1);
        if (q < 0) {
          // the string goes on in the next chunk
          this.skipInString = true;
          this.collect = Collect.None;
          this.stringStart = base + i;
          this.skipDepth = depth;
          return n;
        }
        i = q;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (capture && depth === 1 && c === OPEN_BRACKET && !this.skipKeyNext && LIST_KEYS.has(this.skipKey))
          this.listStart = base + i;
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 1 && this.listStart >= 0) this.endList(base + i + 1);
        else if (depth === 0) {
          this.endSkip(base + i + 1);
          return i + 1;
        }
      } else if (capture && depth === 1) {
        if (c === COLON) this.skipKeyNext = false;
        else if (c === COMMA) this.skipKeyNext = true;
      }
      i++;
    }
    this.skipDepth = depth;
    return n;
  }

  /** `skip` in WebAssembly: the same stops, the captured names read here. */
  private skipWithWasm(wasm: WasmSkip, chunk: Uint8Array, from: number, base: number): number {
    const n = chunk.length;
    let i = from;
    if (this.skipInString) {
      // a captured name that went on past the last chunk
      const q = this.closingQuote(chunk, i);
      if (q < 0) return n;
      this.endSkippedString(chunk, q, base);
      this.skipInString = false;
      i = q + 1;
    }
    wasm.claim(this);
    const capture = this.skipCapture ? 1 : 0;
    for (;;) {
      if (this.listStart >= 0) {
        // a captured list: skipped to its end, the depth above it being the first level
        const result = wasm.skip(i, n, 1, 0);
        if ((result & 7) === 0) return n;
        i = result >>> 3;
        this.endList(base + i);
      }
      const result = wasm.skip(i, n, 0, capture);
      const at = result >>> 3;
      const event = result & 7;
      if (event === 0) return n;
      if (event === 1) {
        this.endSkip(base + at);
        return at;
      }
      this.skipKey = WASM_CAPTURED_KEYS[event - 2]!;
      if (LIST_KEYS.has(this.skipKey)) {
        this.listStart = base + at;
        wasm.enter();
        i = at + 1;
        continue;
      }
      // a name member's string value: read here, so that it can go on into the next chunk
      this.beginString(Collect.CapturedValue, base + at);
      const q = this.closingQuote(chunk, at + 1);
      if (q < 0) {
        this.skipInString = true;
        return n;
      }
      this.endSkippedString(chunk, q, base);
      i = q + 1;
    }
  }

  /** The skipped value ends before `end`: it joins its container with what was captured of it. */
  private endSkip(end: number): void {
    const value = new Scanned(this.skipStart, end, this.skipFirst);
    if (this.skipCapture) value.captured = this.captured.length > 0 ? this.captured.slice() : NONE_CAPTURED;
    this.complete(value);
  }

  /** A captured list ends before `end`. */
  private endList(end: number): void {
    const list = new Scanned(this.listStart, end, OPEN_BRACKET);
    list.key = this.intern(this.skipKey);
    this.captured.push(list);
    this.listStart = -1;
  }

  /**
   * A string at the first level of a skipped object, starting at chunk[at]: a member name, or the value of a
   * name member, which is captured. Returns where the scan goes on (the chunk's length if the string does).
   */
  private firstLevelString(chunk: Uint8Array, at: number, base: number): number {
    this.stringStart = base + at;
    if (this.skipKeyNext) this.beginString(Collect.SkippedKey, base + at);
    else if (NAME_KEYS.has(this.skipKey)) this.beginString(Collect.CapturedValue, base + at);
    else {
      this.collect = Collect.None;
      this.escapeNext = false;
    }
    const q = this.closingQuote(chunk, at + 1);
    if (q < 0) {
      this.skipInString = true;
      return chunk.length;
    }
    if (this.collect !== Collect.None) this.endSkippedString(chunk, q, base);
    return q + 1;
  }

  private endSkippedString(chunk: Uint8Array, q: number, base: number): void {
    if (this.collect === Collect.SkippedKey) {
      // every member name of every resource passes here: known by its bytes, as the recorded levels' are
      const from = this.stringStart + 1 - base;
      this.skipKey =
        (from >= 0 && this.parts.length === 0
          ? this.keyAt(chunk, from, q, base)
          : this.collectedKey(chunk, q, base)) ?? '';
      this.collect = Collect.None;
      return;
    }
    const text = this.collected(chunk, q, base);
    if (text !== undefined) {
      const name = new Scanned(this.stringStart, base + q + 1, QUOTE);
      name.key = this.skipKey; // interned, or one of WASM_CAPTURED_KEYS
      name.text = text;
      this.captured.push(name);
    }
    this.collect = Collect.None;
  }
}

function sameBytes(a: Uint8Array, chunk: Uint8Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== chunk[from + i]) return false;
  return true;
}

/**
 * Offset of the last quote in `bytes` that no backslash escapes, or -1; `before` is how many backslashes
 * came just before bytes[0].
 */
function lastUnescapedQuote(bytes: Uint8Array, before: number): number {
  for (let q = bytes.lastIndexOf(QUOTE); q >= 0; q = q > 0 ? bytes.lastIndexOf(QUOTE, q - 1) : -1) {
    let k = q;
    while (k > 0 && bytes[k - 1] === BACKSLASH) k--;
    if ((q - k + (k === 0 ? before : 0)) % 2 === 0) return q;
  }
  return -1;
}

/** Scans a whole document held in memory; `start` is the document offset of bytes[0]. */
export function scanDocument(
  bytes: Uint8Array,
  maxDepth: number,
  start = 0,
): { root: ScannedValue; end: number } {
  const scanner = new StructureScanner(maxDepth, start);
  scanner.push(bytes);
  return scanner.end();
}
