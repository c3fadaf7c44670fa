// The structure scanner (json-structure.ts) and its WebAssembly skip (json-skip.ts) against JSON.parse, on
// random documents and on damaged ones: the same values on valid JSON, the two skips the same answer (or
// the same error at the same offset) on anything, and only JsonScanError for input that is not JSON.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonScanError } from '../../src/core/model/json-scan.js';
import {
  CAPTURED_KEYS,
  NAME_KEYS,
  StructureScanner,
  type ScannedValue,
} from '../../src/core/model/json-structure.js';
import { useWasmSkip } from '../../src/core/model/json-skip.js';
import { corpus, fc, mutated, property } from '../helpers/fuzz.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function scan(doc: Uint8Array, depth: number, chunk: number, wasm: boolean): ScannedValue {
  useWasmSkip(wasm);
  try {
    const scanner = new StructureScanner(depth);
    for (let at = 0; at < doc.length; at += chunk) scanner.push(doc.subarray(at, at + chunk));
    return scanner.end().root;
  } finally {
    useWasmSkip(true);
  }
}

type Outcome = { root: ScannedValue } | { error: string; offset: number };

function outcome(doc: Uint8Array, depth: number, chunk: number, wasm: boolean): Outcome {
  try {
    return { root: scan(doc, depth, chunk, wasm) };
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw new Error(`not a JsonScanError: ${String(e)}`, { cause: e });
    return { error: e.message, offset: e.offset };
  }
}

/**
 * An outcome with its error offset reduced to its class. The offsets are equal, except for "the input ends
 * inside a string" on input that is not JSON between two values (`"domains":""\\"}`): which quote opened the
 * string that never closed depends on where the skip resumed, and the WebAssembly skip (which jumps over
 * whole strings) names a quote two or three bytes before the JavaScript loop's, differently by chunk size
 * (found by this property; kept in fixtures/fuzz/json-structure.json). Both must then point at a quote.
 */
function offsetClass(doc: Uint8Array, o: Outcome): unknown {
  if (!('error' in o) || !o.error.includes('ends inside a string')) return o;
  assert.equal(doc[o.offset], 0x22, `the unterminated string starts at a quote (offset ${o.offset})`);
  return { error: o.error, offset: 'a quote' };
}

const parseSpan = (doc: Uint8Array, v: ScannedValue) =>
  JSON.parse(decoder.decode(doc.subarray(v.start, v.end)));

/** Every value the scan recorded is the value JSON.parse gives for the same place. */
function agrees(doc: Uint8Array, v: ScannedValue, expected: unknown, path = '$'): void {
  assert.deepEqual(parseSpan(doc, v), expected, `${path}: the span is the value`);
  if (v.members) {
    assert.ok(expected !== null && typeof expected === 'object' && !Array.isArray(expected), path);
    const o = expected as Record<string, unknown>;
    // a key given twice (a damaged document can make two equal) is JSON.parse's last one
    const keys = [...new Set([...v.members.map((m) => m.key), ...(v.elided ?? [])])].sort();
    assert.deepEqual(keys, Object.keys(o).sort(), `${path}: members`);
    v.members.forEach((m, i) => {
      if (!v.members!.slice(i + 1).some((later) => later.key === m.key))
        agrees(doc, m, o[m.key], `${path}.${m.key}`);
    });
  }
  if (v.elements) {
    assert.ok(Array.isArray(expected), path);
    assert.equal(v.elements.length, expected.length, `${path}: elements`);
    v.elements.forEach((e, i) => agrees(doc, e, expected[i], `${path}[${i}]`));
  }
  if (v.captured) {
    const o = expected as Record<string, unknown>;
    for (const c of v.captured) {
      assert.ok(CAPTURED_KEYS.has(c.key), `${path}: ${c.key} is a captured key`);
      assert.deepEqual(parseSpan(doc, c), o[c.key], `${path}.${c.key} (captured)`);
    }
    // absent from captured is absent there (json-structure.ts: "all of them")
    for (const k of CAPTURED_KEYS)
      if (NAME_KEYS.has(k) ? typeof o[k] === 'string' : Array.isArray(o[k]))
        assert.ok(
          v.captured.some((c) => c.key === k),
          `${path}: ${k} captured`,
        );
  }
}

/** JSON values shaped like dumps: the captured names, escapes and non-ASCII in strings, any nesting. */
const key = fc.oneof(
  fc.constantFrom('name', 'cluster_name', 'clusterName', 'domains', 'nam', 'names', 'configs', '@type'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const leaf = fc.oneof(
  fc.string({
    unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ':', ',', 'é', '𝄞', 'x', ' ', '\n', '\u0001'),
    maxLength: 24,
  }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  ),
}));
const document = fc.record({
  value: fc.oneof(fc.dictionary(key, jsonValue, { maxKeys: 6 }), fc.array(jsonValue, { maxLength: 6 })),
  indent: fc.constantFrom(0, 1, 2),
});

const text = (d: { value: unknown; indent: number }) =>
  encoder.encode(JSON.stringify(d.value, null, d.indent));

describe('json-structure against JSON.parse (fast-check)', () => {
  afterEach(() => useWasmSkip(true));

  it('records the values JSON.parse gives, at every depth, whole or in chunks, on both skips', () => {
    property(
      'json-structure: valid documents',
      fc.property(
        document,
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 97 }),
        (d, depth, chunk) => {
          const doc = text(d);
          const whole = scan(doc, depth, doc.length, false);
          agrees(doc, whole, JSON.parse(decoder.decode(doc)));
          assert.deepEqual(scan(doc, depth, chunk, true), whole, 'WebAssembly, chunked');
          assert.deepEqual(scan(doc, depth, chunk, false), whole, 'JavaScript, chunked');
        },
      ),
      150,
    );
  });

  it('on damaged documents: only JsonScanError, the two skips alike, and JSON.parse agreed with when it accepts', () => {
    const damaged = document.chain((d) => mutated(text(d)));
    property(
      'json-structure: damaged documents',
      fc.property(
        damaged,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 61 }),
        (doc, depth, chunk) => {
          const js = outcome(doc, depth, doc.length, false);
          const wasm = outcome(doc, depth, chunk, true);
          let parsed: unknown;
          let valid = true;
          try {
            parsed = JSON.parse(decoder.decode(doc));
          } catch {
            valid = false;
          }
          // on JSON both skips give the same index, and JSON.parse's values; on what is not JSON each may
          // stop at a different token (a bad escape in a name, or the unterminated string after it), but
          // only with a JsonScanError (outcome() fails the property on any other error)
          if (valid) {
            assert.deepEqual(wasm, js, 'WebAssembly in chunks = JavaScript whole');
            if ('root' in js) agrees(doc, js.root, parsed);
          }
          if ('error' in wasm)
            assert.ok(wasm.offset >= 0 && wasm.offset <= doc.length, `offset ${wasm.offset}`);
          // the scanner does not validate what it skips, but it never accepts a document whose brackets are
          // open at the end, and an error points inside the input
          if ('error' in js) assert.ok(js.offset >= 0 && js.offset <= doc.length, `offset ${js.offset}`);
          if (valid)
            assert.ok(!('error' in js) || !/^\s*[[{]/.test(decoder.decode(doc)), 'valid JSON refused');
        },
      ),
      300,
    );
  });

  it('refuses every proper prefix of a document (truncation), at or before the cut', () => {
    property(
      'json-structure: truncated documents',
      fc.property(
        document.chain((d) => {
          const doc = text(d);
          return fc.tuple(fc.constant(doc), fc.integer({ min: 0, max: Math.max(0, doc.length - 1) }));
        }),
        fc.boolean(),
        ([doc, cut], wasm) => {
          const prefix = doc.subarray(0, cut);
          const o = outcome(prefix, 3, 13, wasm);
          // a truncation is the damage a dump really has: both skips say the same, at the same offset class
          assert.deepEqual(
            offsetClass(prefix, o),
            offsetClass(prefix, outcome(prefix, 3, prefix.length, !wasm)),
          );
          assert.ok('error' in o, `a prefix of ${cut} bytes was accepted`);
          assert.ok(o.offset <= cut, `error at ${o.offset}, after the cut at ${cut}`);
        },
      ),
      200,
    );
  });

  it('replays its crash corpus: JsonScanError only, on both skips, in any chunks', () => {
    for (const input of corpus('json-structure')) {
      const doc = encoder.encode(input);
      for (const depth of [1, 3])
        for (const chunk of [1, 7, doc.length]) for (const w of [true, false]) outcome(doc, depth, chunk, w);
    }
  });
});
