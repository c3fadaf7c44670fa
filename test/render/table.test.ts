// Colour codes and control characters are this file's subject: the regexes name them.
/* eslint-disable no-control-regex */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { displayWidth, renderTable } from '../../src/render/table.js';

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

describe('renderTable widths (cli-table3 measures with string-width)', () => {
  const red = (s: string) => `\x1b[31m${s}\x1b[39m`;
  const strip = (s: string) => s.replace(/\x1b\[\d+m/g, '');

  it('gives colour codes no room: a painted table is the plain one with colours added', () => {
    const plainRows = [
      ['productpage-v1.default', '✓', '✗UF'],
      ['reviews-v2.default', '?', '✓'],
    ];
    const painted = plainRows.map(([a, ...marks]) => [a!, ...marks.map((m) => ({ text: m!, paint: red }))]);
    const c = [{ header: 'FROM' }, { header: '1' }, { header: '2' }];
    const out = renderTable(c, painted);
    assert.match(out, /\x1b\[31m✗UF\x1b\[39m/);
    assert.equal(strip(out), renderTable(c, plainRows));
    assert.equal(
      renderTable(c, plainRows),
      'FROM                     1   2\nproductpage-v1.default   ✓   ✗UF\nreviews-v2.default       ?   ✓\n',
    );
  });

  it('counts wide characters (CJK, emoji) as two columns, so the next column still lines up', () => {
    const out = renderTable(
      [{ header: 'NAME' }, { header: 'PORT' }],
      [
        ['評価-v1', '9080'],
        ['🚀-api', '80'],
        ['reviews', '8080'],
      ],
    );
    assert.equal(out, 'NAME      PORT\n評価-v1   9080\n🚀-api    80\nreviews   8080\n');
  });

  it('shortens wide text by its columns, never splitting a character', () => {
    const out = renderTable(
      [{ header: 'NAME', shrinkable: true }, { header: 'X' }],
      [['名前空間名前空間名前空間名前空間名前空間', 'x']],
      { width: 20 },
    );
    const line = out.split('\n')[1]!;
    assert.match(line, /^名前空間名?…/);
    assert.ok(displayWidth(line) <= 20, line);
  });

  it("escapes control characters in data but keeps the renderer's own colour", () => {
    const out = renderTable(
      [{ header: 'NAME' }, { header: 'STATE' }],
      [['evil\x1b]52;c;AAAA\x07', { text: 'ok\x1b[2J', paint: red }]],
    );
    assert.match(out, /evil\\x1b\]52;c;AAAA\\x07/);
    assert.match(out, /\x1b\[31mok\\x1b\[2J\x1b\[39m/);
  });

  it('lays out 5,000 rows in blocks, aligned as one table, in well under the time a person waits', () => {
    const many = Array.from({ length: 5000 }, (_, i) => [
      `10.0.${i >> 8}.${i & 255}:9080`,
      i % 7 ? 'HEALTHY' : 'UNHEALTHY',
    ]);
    const t = Date.now();
    const out = renderTable([{ header: 'ENDPOINT' }, { header: 'STATUS' }], many);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 5001);
    assert.ok(new Set(lines.slice(1).map((l) => l.search(/(HEALTHY|UNHEALTHY)$/))).size === 1, 'one column');
    assert.ok(Date.now() - t < 10000, `${Date.now() - t} ms`);
  });
});
