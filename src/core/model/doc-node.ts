// One way to walk a document whether it is still bytes (JSON, decoded lazily) or already values (YAML, or
// JSON small enough to have been parsed). The dump index is written once against this interface.
import {
  arrayElements,
  decodeText,
  JsonScanError,
  objectMembers,
  parseSpan,
  type Span,
} from './json-scan.js';
import { CAPTURED_KEYS, scanDocument, type ScannedValue } from './json-structure.js';
import { isObject } from './normalize.js';

export type NodeKind = 'object' | 'array' | 'string' | 'scalar';

export interface DocNode {
  readonly kind: NodeKind;
  /** Byte offset in the source when the node came from bytes; used to point errors at a line. */
  readonly offset: number | undefined;
  members(): Iterable<readonly [string, DocNode]>;
  elements(): Iterable<DocNode>;
  /** The fully decoded value. For byte nodes this parses just this value's bytes. */
  value(): unknown;
  /** The member named `key` (first one), without decoding the others. */
  get(key: string): DocNode | undefined;
  /** This node with its top `depth` levels scanned once, so walking them reads nothing again. */
  indexed(depth: number): DocNode;
  /** This node without the bytes read for its parent: holding it holds only itself. */
  detached(): DocNode;
}

function kindOfByte(c: number | undefined): NodeKind {
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  return 'scalar';
}

const KIND_BYTES: Record<NodeKind, number> = { object: 0x7b, array: 0x5b, string: 0x22, scalar: 0 };

/** Where a document's bytes are: in memory, or in a file read back span by span. */
export interface ByteSource {
  /** The bytes of [start, end): a view when the document is in memory, a fresh read otherwise. */
  read(start: number, end: number): Uint8Array;
}

export class MemorySource implements ByteSource {
  constructor(readonly bytes: Uint8Array) {}
  read(start: number, end: number): Uint8Array {
    return this.bytes.subarray(start, end);
  }
}

/** Bytes that hold a node and what is inside it; `base` is the document offset of bytes[0]. */
interface Window {
  readonly bytes: Uint8Array;
  readonly base: number;
}

/**
 * A value of a JSON document still in bytes. The top levels come pre-scanned (json-structure), so walking
 * them reads nothing; below them a node reads its own bytes once per walk and hands them to its children.
 */
export class ByteNode implements DocNode {
  readonly kind: NodeKind;
  private constructor(
    private readonly source: ByteSource,
    private readonly span: ScannedValue,
    /** Bytes already read that cover this node, shared with its children. */
    private readonly window: Window | undefined,
  ) {
    this.kind = kindOfByte(span.first !== 0 ? span.first : window?.bytes[span.start - window.base]);
  }
  /** The root of a scanned document. */
  static root(source: ByteSource, root: ScannedValue): ByteNode {
    return new ByteNode(
      source,
      root,
      source instanceof MemorySource ? { bytes: source.bytes, base: 0 } : undefined,
    );
  }
  get offset(): number {
    return this.span.start;
  }
  /** Bytes covering this node: the shared window, or a read of just this node. */
  private bytes(): Window {
    const w = this.window;
    if (w && w.base <= this.span.start && this.span.end - w.base <= w.bytes.length) return w;
    return { bytes: this.source.read(this.span.start, this.span.end), base: this.span.start };
  }
  private child(span: ScannedValue, window: Window | undefined): ByteNode {
    return new ByteNode(this.source, span, window);
  }
  *members(): Iterable<readonly [string, DocNode]> {
    if (this.kind !== 'object') return;
    if (this.span.members && !this.span.elided) {
      for (const m of this.span.members) yield [m.key, this.child(m, this.window)] as const;
      return;
    }
    // every member, in order: read the bytes, and keep what was scanned of the members that were recorded
    const recorded = new Map(this.span.members?.map((m) => [m.start, m]));
    const w = this.bytes();
    try {
      for (const m of objectMembers(w.bytes, this.span.start - w.base)) {
        const span = recorded.get(m.start + w.base) ?? {
          start: m.start + w.base,
          end: m.end + w.base,
          first: 0,
        };
        yield [m.key, this.child(span, w)] as const;
      }
    } catch (e) {
      throw relocate(e, w);
    }
  }
  *elements(): Iterable<DocNode> {
    if (this.kind !== 'array') return;
    if (this.span.elements) {
      for (const e of this.span.elements) yield this.child(e, this.window);
      return;
    }
    const w = this.bytes();
    try {
      for (const e of arrayElements(w.bytes, this.span.start - w.base))
        yield this.child({ start: e.start + w.base, end: e.end + w.base, first: 0 }, w);
    } catch (e) {
      throw relocate(e, w);
    }
  }
  value(): unknown {
    if (this.span.text !== undefined) return this.span.text;
    const w = this.bytes();
    try {
      return parseSpan(w.bytes, this.within(w));
    } catch (e) {
      throw relocate(e, w);
    }
  }
  get(key: string): DocNode | undefined {
    const captured = CAPTURED_KEYS.has(key) ? this.span.captured : undefined;
    if (captured) {
      const m = captured.find((c) => c.key === key);
      // every string member with a name key (array member with a list key) was captured: any other is not
      // a string (an array), so read it
      if (m) return this.child(m, this.window);
    }
    if (this.span.members) {
      // pre-scanned: find the member first, make one node
      const m = this.span.members.find((x) => x.key === key);
      if (m) return this.child(m, this.window);
      if (!this.span.elided?.includes(key)) return undefined;
    }
    for (const [k, v] of this.members()) if (k === key) return v;
    return undefined;
  }
  indexed(depth: number): DocNode {
    if (this.span.members || this.span.elements) return this;
    const w = this.bytes();
    const own = w.bytes.subarray(this.span.start - w.base, this.span.end - w.base);
    return new ByteNode(this.source, scanDocument(own, depth, this.span.start).root, w);
  }
  detached(): DocNode {
    if (this.source instanceof MemorySource || !this.window) return this;
    const { start, end, first } = this.span;
    return new ByteNode(this.source, { start, end, first: first || KIND_BYTES[this.kind] }, undefined);
  }
  /** Size in bytes: lets callers report how much of a dump a resource takes. */
  get size(): number {
    return this.span.end - this.span.start;
  }
  text(): string {
    const w = this.bytes();
    return decodeText(w.bytes, this.within(w));
  }
  private within(w: Window): Span {
    return { start: this.span.start - w.base, end: this.span.end - w.base };
  }
}

/** A syntax error found in a window, placed at its offset in the document. */
function relocate(e: unknown, w: Window): unknown {
  return e instanceof JsonScanError ? new JsonScanError(e.message, e.offset + w.base) : e;
}

export class ValueNode implements DocNode {
  readonly kind: NodeKind;
  readonly offset = undefined;
  constructor(private readonly v: unknown) {
    this.kind = Array.isArray(v)
      ? 'array'
      : isObject(v)
        ? 'object'
        : typeof v === 'string'
          ? 'string'
          : 'scalar';
  }
  *members(): Iterable<readonly [string, DocNode]> {
    if (isObject(this.v)) for (const [k, v] of Object.entries(this.v)) yield [k, new ValueNode(v)] as const;
  }
  *elements(): Iterable<DocNode> {
    if (Array.isArray(this.v)) for (const e of this.v) yield new ValueNode(e);
  }
  value(): unknown {
    return this.v;
  }
  get(key: string): DocNode | undefined {
    return isObject(this.v) && key in this.v ? new ValueNode(this.v[key]) : undefined;
  }
  indexed(): DocNode {
    return this;
  }
  detached(): DocNode {
    return this;
  }
}

/** A string member's value, decoded (cheap: only that string is parsed). */
export function stringAt(node: DocNode | undefined): string | undefined {
  if (!node || node.kind !== 'string') return undefined;
  const v = node.value();
  return typeof v === 'string' ? v : undefined;
}
