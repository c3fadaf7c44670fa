// A structural scanner over JSON bytes: it finds where values start and end without building them.
// Config dumps reach hundreds of MB and V8 strings stop at ~512 MiB (architecture.md rule 9), so the dump
// index walks the bytes once and only the resources a question touches are decoded with JSON.parse.
// The scanner does not validate what it skips; JSON.parse validates whatever is decoded.

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'JsonScanError';
  }
}

/** The bytes of JSON's grammar. */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COLON = 0x3a;
export const COMMA = 0x2c;

const decoder = new TextDecoder('utf-8', { fatal: false });

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

export function skipWhitespace(bytes: Uint8Array, pos: number): number {
  let i = pos;
  while (i < bytes.length && isWhitespace(bytes[i]!)) i++;
  return i;
}

/** Index just after the closing quote of the string that starts at `pos`. */
function skipString(bytes: Uint8Array, pos: number): number {
  let i = pos + 1;
  const n = bytes.length;
  while (i < n) {
    const c = bytes[i]!;
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  throw new JsonScanError('the input ends inside a string (truncated JSON?)', pos);
}

/** Index just after the JSON value that starts at `pos` (whitespace already skipped). */
export function skipValue(bytes: Uint8Array, pos: number): number {
  const n = bytes.length;
  if (pos >= n) throw new JsonScanError('the input ends where a value was expected (truncated JSON?)', pos);
  const first = bytes[pos]!;
  if (first === QUOTE) return skipString(bytes, pos);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let i = pos;
    while (i < n) {
      const c = bytes[i]!;
      if (c === QUOTE) {
        i = skipString(bytes, i);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new JsonScanError(
      `the input ends before this ${first === OPEN_BRACE ? 'object' : 'array'} is closed (truncated JSON?)`,
      pos,
    );
  }
  // number, true, false, null: up to the next delimiter
  let i = pos;
  while (i < n) {
    const c = bytes[i]!;
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isWhitespace(c)) break;
    i++;
  }
  if (i === pos) throw new JsonScanError(`unexpected character '${String.fromCharCode(first)}'`, pos);
  return i;
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Member extends Span {
  readonly key: string;
}

function expect(bytes: Uint8Array, pos: number, byte: number, what: string): void {
  if (pos >= bytes.length)
    throw new JsonScanError(`the input ends where ${what} was expected (truncated JSON?)`, pos);
  if (bytes[pos] !== byte)
    throw new JsonScanError(`expected ${what} but found '${String.fromCharCode(bytes[pos]!)}'`, pos);
}

function decodeKey(bytes: Uint8Array, start: number, end: number): string {
  // Keys are short; only escaped ones need the full JSON string decoder.
  const raw = decoder.decode(bytes.subarray(start + 1, end - 1));
  return raw.includes('\\') ? (JSON.parse(decoder.decode(bytes.subarray(start, end))) as string) : raw;
}

/** The members of the object at `pos`, each with the span of its value. */
export function* objectMembers(bytes: Uint8Array, pos: number): Generator<Member> {
  expect(bytes, pos, OPEN_BRACE, "'{'");
  let i = skipWhitespace(bytes, pos + 1);
  if (bytes[i] === CLOSE_BRACE) return;
  for (;;) {
    expect(bytes, i, QUOTE, 'a quoted member name');
    const keyEnd = skipString(bytes, i);
    const key = decodeKey(bytes, i, keyEnd);
    i = skipWhitespace(bytes, keyEnd);
    expect(bytes, i, COLON, "':'");
    const start = skipWhitespace(bytes, i + 1);
    const end = skipValue(bytes, start);
    yield { key, start, end };
    i = skipWhitespace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipWhitespace(bytes, i + 1);
      continue;
    }
    expect(bytes, i, CLOSE_BRACE, "',' or '}'");
    return;
  }
}

/** The elements of the array at `pos`. */
export function* arrayElements(bytes: Uint8Array, pos: number): Generator<Span> {
  expect(bytes, pos, OPEN_BRACKET, "'['");
  let i = skipWhitespace(bytes, pos + 1);
  if (bytes[i] === CLOSE_BRACKET) return;
  for (;;) {
    const start = i;
    const end = skipValue(bytes, start);
    yield { start, end };
    i = skipWhitespace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipWhitespace(bytes, i + 1);
      continue;
    }
    expect(bytes, i, CLOSE_BRACKET, "',' or ']'");
    return;
  }
}

export function decodeText(bytes: Uint8Array, span: Span): string {
  return decoder.decode(bytes.subarray(span.start, span.end));
}

/** Decodes one value; a JSON syntax error inside it is reported at the value's offset. */
export function parseSpan(bytes: Uint8Array, span: Span): unknown {
  const text = decodeText(bytes, span);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    // V8 says "... in JSON at position N" (N counts characters of this value): point at that byte.
    const message = (e as Error).message;
    const m = / in JSON at position (\d+)/.exec(message);
    const offset = m ? span.start + new TextEncoder().encode(text.slice(0, Number(m[1]))).length : span.start;
    throw new JsonScanError(`invalid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '')}`, offset);
  }
}

/** 1-based line and column of a byte offset, for error messages. */
export function lineAndColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, bytes.length);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}
