// One way to walk a document whether it is still bytes (JSON, decoded lazily) or already values (YAML, or
// JSON small enough to have been parsed). The dump index is written once against this interface.
import {
  arrayElements,
  decodeText,
  objectMembers,
  parseSpan,
  type Member,
  type Span,
  type Structure,
} from './json-scan.js';
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
}

function kindOfByte(c: number | undefined): NodeKind {
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  return 'scalar';
}

export class ByteNode implements DocNode {
  readonly kind: NodeKind;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly span: Span,
    /** Pre-scanned children of the top levels (scanStructure): iterating them reads no bytes again. */
    private readonly structure?: Structure,
  ) {
    this.kind = kindOfByte(bytes[span.start]);
  }
  get offset(): number {
    return this.span.start;
  }
  *members(): Iterable<readonly [string, DocNode]> {
    if (this.kind !== 'object') return;
    const known = this.structure?.get(this.span.start) as Member[] | undefined;
    for (const m of known ?? objectMembers(this.bytes, this.span.start))
      yield [m.key, new ByteNode(this.bytes, m, this.structure)] as const;
  }
  *elements(): Iterable<DocNode> {
    if (this.kind !== 'array') return;
    const known = this.structure?.get(this.span.start) as Span[] | undefined;
    for (const e of known ?? arrayElements(this.bytes, this.span.start))
      yield new ByteNode(this.bytes, e, this.structure);
  }
  value(): unknown {
    return parseSpan(this.bytes, this.span);
  }
  get(key: string): DocNode | undefined {
    for (const [k, v] of this.members()) if (k === key) return v;
    return undefined;
  }
  /** Size in bytes: lets callers report how much of a dump a resource takes. */
  get size(): number {
    return this.span.end - this.span.start;
  }
  text(): string {
    return decodeText(this.bytes, this.span);
  }
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
}

/** A string member's value, decoded (cheap: only that string is parsed). */
export function stringAt(node: DocNode | undefined): string | undefined {
  if (!node || node.kind !== 'string') return undefined;
  const v = node.value();
  return typeof v === 'string' ? v : undefined;
}
