import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { arrayElements, JsonScanError, objectMembers } from '../../../src/core/model/json-scan.js';
import { scanDocument, StructureScanner, type ScannedValue } from '../../../src/core/model/json-structure.js';
import { ByteNode, MemorySource } from '../../../src/core/model/doc-node.js';

const bytes = (s: string) => new TextEncoder().encode(s);

/** A dump-like document with what makes chunk boundaries hard: escapes, multi-byte text, names at depth. */
const DOC = bytes(
  '{"configs": [ {"@type": "x\\"y", "dynamic": [ {"cluster": {"name": "a\\\\", "deep": {"name": "no", "k": [1, "]}"]}, "cluster_name": "é-ü"}, "n": -1.5e3},' +
    ' {"cluster": {"name": {"not": "a string"}, "x": "\\"name\\": \\"fake\\""}}, "tail" ]} ], "z": true }',
);

function scanInChunks(doc: Uint8Array, size: number, maxDepth: number): ScannedValue {
  const scanner = new StructureScanner(maxDepth);
  for (let at = 0; at < doc.length; at += size) scanner.push(doc.slice(at, at + size));
  return scanner.end().root;
}

describe('json-structure', () => {
  it('records the top levels with the same spans a walk with objectMembers/arrayElements finds', () => {
    const { root, end } = scanDocument(DOC, 4);
    assert.equal(end, DOC.length);
    assert.deepEqual(
      root.members!.map((m) => [m.key, m.start, m.end]),
      [...objectMembers(DOC, 0)].map((m) => [m.key, m.start, m.end]),
    );
    const configs = root.members![0]!;
    assert.deepEqual(
      configs.elements!.map((e) => [e.start, e.end]),
      [...arrayElements(DOC, configs.start)].map((e) => [e.start, e.end]),
    );
    const section = configs.elements![0]!.members![1]!;
    assert.equal(section.key, 'dynamic');
    assert.ok(section.elements, 'depth 3 (a section array) is recorded');
    const entry = section.elements![0]!;
    assert.equal(entry.members, undefined, 'depth 4 is skipped, not recorded');
    assert.equal(configs.elements![0]!.members![0]!.text, 'x"y');
  });

  it('captures the string name members of a skipped object, and only those at its first level', () => {
    const { root } = scanDocument(DOC, 4);
    const entries = root.members![0]!.elements![0]!.members![1]!.elements!;
    assert.deepEqual(
      entries[0]!.captured!.map((c) => [c.key, c.text]),
      [],
      'the entry {"cluster": {...}} has no name of its own',
    );
    const deeper = scanDocument(DOC, 5).root.members![0]!.elements![0]!.members![1]!.elements!;
    const cluster = deeper[0]!.members![0]!;
    assert.deepEqual(
      cluster.captured!.map((c) => [c.key, c.text]),
      [
        ['name', 'a\\'],
        ['cluster_name', 'é-ü'],
      ],
    );
    const [name] = cluster.captured!;
    assert.equal(new TextDecoder().decode(DOC.subarray(name!.start, name!.end)), '"a\\\\"');
    assert.deepEqual(
      deeper[1]!.members![0]!.captured,
      [],
      'a name that is an object, or text that looks like one, is not captured',
    );
    assert.equal(deeper[2]!.text, 'tail');
  });

  it('captures the domains array of a skipped object as a span, and no other list', () => {
    const doc = bytes(
      '{"virtual_hosts": [{"name": "a:80", "domains": ["a", "a:80", "x\\"]]"], "routes": [{"domains": ["no"]}]},' +
        ' {"domains": "not a list", "name": "b"}, {"routes": [], "domainsX": ["no"]}]}',
    );
    const hosts = scanDocument(doc, 2).root.members![0]!.elements!;
    const text = (v: ScannedValue) => new TextDecoder().decode(doc.subarray(v.start, v.end));
    assert.deepEqual(
      hosts.map((h) => h.captured!.map((c) => [c.key, c.text ?? text(c)])),
      [
        [
          ['name', 'a:80'],
          ['domains', '["a", "a:80", "x\\"]]"]'],
        ],
        [['name', 'b']],
        [],
      ],
    );
  });

  it('gives the same structure whatever the chunk boundaries', () => {
    const whole = scanDocument(DOC, 5).root;
    for (let size = 1; size <= DOC.length; size++)
      assert.deepEqual(scanInChunks(DOC, size, 5), whole, `chunks of ${size} bytes`);
  });

  it('keeps only the span of a long string', () => {
    const long = 'x'.repeat(5000);
    const doc = bytes(`{"a": "${long}"}`);
    const { root } = scanDocument(doc, 2);
    assert.equal(root.members![0]!.text, undefined);
    assert.equal(root.members![0]!.end - root.members![0]!.start, 5002);
    assert.deepEqual(scanInChunks(doc, 700, 2), root);
    const named = bytes(`{"b": {"name": "${long}"}}`);
    assert.deepEqual(
      scanDocument(named, 1).root.members![0]!.captured,
      [],
      'a name that long is not captured',
    );
  });

  it('keeps the names, not the values, of string and scalar members at the deepest level; a node still reads them', () => {
    const doc = bytes('{"e": {"version_info": "1", "n": 2, "name": "x", "c": {"name": "y"}, "l": [3]}}');
    const { root } = scanDocument(doc, 2);
    const entry = root.members![0]!;
    assert.deepEqual(
      entry.members!.map((m) => m.key),
      ['name', 'c', 'l'],
    );
    assert.deepEqual(entry.elided, ['version_info', 'n']);
    const twins = scanDocument(
      bytes('{"a": {"version_info": "1", "n": 2}, "b": {"version_info": "2", "n": 0}}'),
      2,
    ).root.members!;
    assert.equal(twins[0]!.elided, twins[1]!.elided, 'one array for all that leave out the same names');
    const node = ByteNode.root(new MemorySource(doc), root).get('e')!;
    assert.equal(node.get('version_info')?.value(), '1');
    assert.equal(node.get('n')?.value(), 2);
    assert.equal(node.get('missing'), undefined);
    assert.deepEqual(
      [...node.members()].map(([k, v]) => [k, v.value()]),
      [
        ['version_info', '1'],
        ['n', 2],
        ['name', 'x'],
        ['c', { name: 'y' }],
        ['l', [3]],
      ],
    );
  });

  it('reports truncation and syntax errors at the offset where they are', () => {
    const cases: Array<[string, RegExp, number]> = [
      ['{"a": [1, 2', /ends before this array is closed/, 6],
      ['{"a": {"b": [1', /ends before this object is closed/, 6],
      ['{"a": "xyz', /ends inside a string/, 6],
      ['{"a": {"b": "xy', /ends inside a string/, 12],
      ['{"a" 1}', /expected ':'/, 5],
      ['{"a": 1 "b": 2}', /expected ',' or '}'/, 8],
      ['[1, 2} ', /expected ',' or '\]'/, 5],
      ['{"a": 1} x', /unexpected data after the end/, 9],
      ['{"a": ?}', /unexpected character '\?'/, 6],
      ['  ', /ends where a value was expected/, 2],
    ];
    for (const [text, message, offset] of cases)
      for (const size of [1, 3, 64])
        assert.throws(
          () => scanInChunks(bytes(text), size, 1),
          (e: unknown) => e instanceof JsonScanError && message.test(e.message) && e.offset === offset,
          `${text} in chunks of ${size}`,
        );
  });
});
