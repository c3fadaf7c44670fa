import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  arrayElements,
  decodeText,
  JsonScanError,
  lineAndColumn,
  objectMembers,
  skipValue,
} from '../../../src/core/model/json-scan.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('json-scan', () => {
  it('skips values of every kind, strings with escaped quotes and brackets included', () => {
    const cases: Array<[string, number]> = [
      ['"a\\"b]}" ,', 8],
      ['{"a":[1,{"b":"}"}]} x', 19],
      ['[1, 2, [3]]', 11],
      ['-12.5e3,', 7],
      ['true}', 4],
      ['null', 4],
    ];
    for (const [text, end] of cases) assert.equal(skipValue(bytes(text), 0), end, text);
  });

  it('lists members with their value spans, decoding escaped keys', () => {
    const b = bytes('{ "a" : 1, "b\\u0041": {"x": [1]}, "c":"s" }');
    const members = [...objectMembers(b, 0)].map((m) => [m.key, decodeText(b, m)]);
    assert.deepEqual(members, [
      ['a', '1'],
      ['bA', '{"x": [1]}'],
      ['c', '"s"'],
    ]);
  });

  it('lists array elements, and nothing for an empty array', () => {
    const b = bytes('[ {"n":1} , "x" ,3 ]');
    assert.deepEqual(
      [...arrayElements(b, 0)].map((e) => decodeText(b, e)),
      ['{"n":1}', '"x"', '3'],
    );
    assert.deepEqual([...arrayElements(bytes('[ ]'), 0)], []);
  });

  it('reports truncation at the value that was left open', () => {
    const b = bytes('{\n  "configs": [\n    {"a": 1},\n    {"b": ');
    assert.throws(
      () => skipValue(b, 0),
      (e: unknown) => e instanceof JsonScanError && e.offset === 0,
    );
    const err = (() => {
      try {
        Array.from(arrayElements(b, b.indexOf(0x5b)));
      } catch (e) {
        return e as JsonScanError;
      }
      return undefined;
    })();
    assert.ok(err instanceof JsonScanError);
    assert.match(err.message, /truncated/);
    assert.deepEqual(lineAndColumn(b, err.offset), { line: 4, column: 5 });
  });

  it('rejects a missing comma with the position of the offending byte', () => {
    const b = bytes('{"a": 1 "b": 2}');
    assert.throws(
      () => [...objectMembers(b, 0)],
      (e: unknown) => e instanceof JsonScanError && e.offset === 8,
    );
  });
});
