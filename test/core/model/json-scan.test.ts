import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  arrayElements,
  decodeText,
  JsonScanError,
  lineAndColumn,
  objectMembers,
  scanStructure,
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

  it('scanStructure records the top levels in one pass, the same members and elements a walk finds', () => {
    const text =
      '{"configs": [ {"@type": "x", "dynamic": [ {"cluster": {"name": "a", "deep": {"k": [1, 2]}}} ]} ], "z": 1}';
    const b = bytes(text);
    const { structure, end } = scanStructure(b, 0, 4);
    assert.equal(end, b.length);
    assert.deepEqual(structure.get(0), [...objectMembers(b, 0)]);
    const configs = b.indexOf(0x5b);
    assert.deepEqual(structure.get(configs), [...arrayElements(b, configs)]);
    // levels below maxDepth are skipped, not recorded
    assert.ok(structure.has(text.indexOf('[ {"cluster"')), 'depth 3 (a section array) is recorded');
    assert.equal(structure.get(text.indexOf('{"cluster"')), undefined, 'depth 4 is skipped, not recorded');
    assert.throws(() => scanStructure(bytes('{"a": [1, 2'), 0, 4), JsonScanError);
  });
});
