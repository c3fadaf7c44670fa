import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renderTable } from '../../src/render/table.js';

const cols = [{ header: 'NAME' }, { header: 'CLUSTER', shrinkable: true }, { header: 'STATUS' }];
const rows = [['a', 'outbound|9080||reviews.default.svc.cluster.local', 'HEALTHY']];

describe('renderTable', () => {
  it('pads columns with three spaces and never cuts without a width (pipes, files)', () => {
    assert.equal(
      renderTable(cols, rows),
      'NAME   CLUSTER                                            STATUS\n' +
        'a      outbound|9080||reviews.default.svc.cluster.local   HEALTHY\n',
    );
  });

  it('shortens the widest shrinkable column in the middle to fit a terminal', () => {
    const out = renderTable(cols, rows, { width: 40 });
    for (const line of out.trimEnd().split('\n')) assert.ok(line.length <= 40, line);
    assert.match(out, /a {6}outbound\|90…uster\.local {3}HEALTHY/);
  });
});
