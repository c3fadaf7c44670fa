import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { painter } from '../../src/render/tone.js';
import { cellMark, renderMatrixText } from '../../src/render/matrix.js';
import type { Matrix } from '../../src/core/engine/matrix.js';

describe('tones', () => {
  it('one colour per meaning, and none without colour', () => {
    const on = painter(true);
    assert.equal(on('good', 'x'), '\u001b[32mx\u001b[39m');
    assert.equal(on('bad', 'x'), '\u001b[31mx\u001b[39m');
    assert.equal(on('unsure', 'x'), '\u001b[33mx\u001b[39m');
    assert.equal(on('quiet', 'x'), '\u001b[2mx\u001b[22m');
    assert.equal(on('info', 'x'), '\u001b[34mx\u001b[39m');
    assert.equal(painter(false)('bad', 'x'), 'x');
  });

  it('a matrix cell is painted by its result', () => {
    const cell = (result: 'delivered' | 'failed' | 'closed', flag: string | null) => ({
      from: 'a',
      to: 'pod/b:1',
      result,
      flag,
      status: null,
      failedStage: null,
      summary: 's',
      explanation: null,
    });
    const m: Matrix = {
      apiVersion: 'meshctl/v1',
      kind: 'Matrix',
      scope: { namespaces: 'all', port: null },
      rows: ['a'],
      columns: ['b', 'c', 'd'].map((n) => ({
        id: `pod/${n}:1`,
        kind: 'pod',
        name: n,
        ip: '10.0.0.1',
        port: 1,
        protocol: 'tcp',
      })),
      cells: [[cell('delivered', null), cell('failed', 'UF'), cell('closed', 'UF')]],
    };
    const row = renderMatrixText(m, { color: true }).split('\n')[1]!;
    assert.ok(row.includes(`\u001b[32m${cellMark(m.cells[0]![0]!)}`), row);
    assert.ok(row.includes('\u001b[31m✗UF'), row);
    assert.ok(row.includes('\u001b[2m·'), row);
  });
});
