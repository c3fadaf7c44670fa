import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExplainArgs } from '../../../src/core/replay/explain-args.js';
import { InputError } from '../../../src/core/diagnostics/errors.js';

test('explain arguments: the call kind, its operands and the request flags (repeatable -H, --flag=value)', () => {
  const a = parseExplainArgs([
    'request',
    'A',
    'http://reviews:9080/x',
    '-H',
    'x-a: 1',
    '--header=x-b: 2',
    '--method',
    'POST',
  ]);
  assert.equal(a.kind, 'request');
  assert.deepEqual(a.positional, ['A', 'http://reviews:9080/x']);
  assert.deepEqual(a.options.header, ['x-a: 1', 'x-b: 2']);
  assert.equal(a.options.method, 'POST');
  assert.deepEqual(
    parseExplainArgs(['explain', 'pod-to-pod', 'a', 'b', '--port', '3888']).options.port,
    '3888',
  );
});

test('explain arguments: an unknown kind, an unknown flag, a missing value or operand is an InputError', () => {
  for (const bad of [
    [],
    ['lint'],
    ['pod-to-pod', 'a'],
    ['gateway', 'g', '--bogus'],
    ['inbound', 'p', '--port'],
  ])
    assert.throws(() => parseExplainArgs(bad), InputError, JSON.stringify(bad));
});
