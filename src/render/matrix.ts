// `meshctl matrix` as a terminal grid (rows: source pods; columns: numbered targets, listed under the grid)
// and as a self-contained HTML page whose cells show their explanation when clicked.
import { Chalk } from 'chalk';
import { painter, type Tone } from './tone.js';
import type { Matrix, MatrixCell } from '../core/engine/matrix.js';
import { renderExplanation } from './explanation.js';
import { renderTable } from './table.js';
import { textRenderer } from './terminal-safe.js';

export interface MatrixRenderOptions {
  readonly color: boolean;
}

const CELL_TONE: Record<MatrixCell['result'], Tone> = {
  delivered: 'good',
  failed: 'bad',
  unknown: 'unsure',
  closed: 'quiet',
  self: 'quiet',
};

/** A cell in a few characters: ✓, ✗ with the response flag (or HTTP status), ?, or – for a pod to itself. */
export function cellMark(c: MatrixCell): string {
  if (c.result === 'self') return '–';
  if (c.result === 'closed') return '·';
  if (c.result === 'delivered') return '✓';
  if (c.result === 'unknown') return '?';
  return `✗${c.flag ?? (c.status !== null ? String(c.status) : '')}`;
}

export const renderMatrixText = textRenderer((m: Matrix, o: MatrixRenderOptions): string => {
  const ch = new Chalk({ level: o.color ? 1 : 0 });
  if (!m.rows.length || !m.columns.length)
    return `nothing to show: ${m.rows.length} source proxies and ${m.columns.length} targets in scope\n`;
  const markWidth = Math.max(
    3,
    ...m.columns.map((_, i) => String(i + 1).length),
    ...m.cells.flat().map((c) => cellMark(c).length),
  );
  const paint = painter(o.color);
  // the grid: pod names, two spaces, then one narrow column per target (a space between marks)
  const grid = renderTable(
    [
      { header: 'from \\ to' },
      ...m.columns.map((_, i) => ({ header: String(i + 1), gap: i === 0 ? 2 : 1, minWidth: markWidth })),
    ],
    m.rows.map((r, i) => [
      r,
      ...m.cells[i]!.map((c) => ({ text: cellMark(c), paint: (s: string) => paint(CELL_TONE[c.result], s) })),
    ]),
    { headerPaint: (s) => ch.bold(s) },
  );
  const lines = [grid.trimEnd(), '', ch.bold('targets')];
  lines.push(
    renderTable(
      [
        { header: '', gap: 2, minWidth: 3, align: 'right' },
        { header: '', gap: 2 },
      ],
      m.columns.map((c, i) => [
        String(i + 1),
        `${c.kind === 'service' ? 'Service' : 'pod'} ${c.name}:${c.port} (${c.ip}, ${c.protocol})`,
      ]),
      { header: false },
    ).trimEnd(),
  );
  lines.push(
    '',
    `legend: ✓ delivered   ✗FLAG fails (Envoy response flag or HTTP status)   · nothing listens there (not the mesh)   ? unknown (evidence missing)   – the pod itself`,
  );
  const failing = m.cells.flat().filter((c) => c.result === 'failed');
  const unknown = m.cells.flat().filter((c) => c.result === 'unknown');
  if (failing.length) {
    lines.push('', ch.bold(`failing (${failing.length})`));
    for (const c of failing)
      lines.push(
        `  ${c.from} → ${c.to.replace(/^(svc|pod)\//, '')}: ${cellMark(c).slice(1) || 'fails'}: ${c.summary}`,
      );
  }
  if (unknown.length)
    lines.push(
      '',
      `${unknown.length} cell${unknown.length === 1 ? '' : 's'} unknown: meshctl explain on one of them says what is missing`,
    );
  if (!failing.length && !unknown.length)
    lines.push('', 'every pair is delivered as far as the evidence shows');
  return lines.join('\n') + '\n';
});

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One HTML file, no external resources: the grid, and each cell's explanation shown when it is clicked. */
export function renderMatrixHtml(m: Matrix): string {
  const details = m.cells
    .flat()
    .map((c) =>
      c.explanation
        ? renderExplanation(c.explanation, { color: false })
        : `${c.from} → ${c.to}: ${c.summary}\n`,
    );
  const head = m.columns
    .map(
      (c, i) =>
        `<th title="${escapeHtml(`${c.kind} ${c.name}:${c.port} (${c.ip}, ${c.protocol})`)}">${i + 1}</th>`,
    )
    .join('');
  let k = 0;
  const body = m.rows
    .map(
      (r, i) =>
        `<tr><th class="row">${escapeHtml(r)}</th>${m.cells[i]!.map((c) => `<td><button id="cell-${k}" data-cell="${k++}" class="${c.result}" title="${escapeHtml(`${c.from} → ${c.to}`)}">${escapeHtml(cellMark(c))}</button></td>`).join('')}</tr>`,
    )
    .join('\n');
  const targets = m.columns
    .map(
      (c, i) =>
        `<li value="${i + 1}">${escapeHtml(`${c.kind === 'service' ? 'Service' : 'pod'} ${c.name}:${c.port} (${c.ip}, ${c.protocol})`)}</li>`,
    )
    .join('\n');
  // the explanations travel as JSON in a non-executed script element; "</" is escaped so no text can end it
  const data = JSON.stringify(details).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>meshctl matrix</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 4px;text-align:center}
th.row{text-align:left;font-weight:normal;font-family:monospace}
button{font:13px monospace;border:0;background:none;cursor:pointer;min-width:3.5em;padding:3px}
button.delivered{color:#176f2c}button.failed{color:#b00020;font-weight:bold}button.unknown{color:#9a6700}button.self{color:#999}button.closed{color:#666}
button.selected{outline:2px solid #0550ae}
pre#detail{background:#f6f8fa;border:1px solid #ddd;padding:1em;white-space:pre-wrap;min-height:4em}
</style></head><body>
<h1>meshctl matrix</h1>
<p>Rows: source pods. Columns: the targets listed below. Click a cell for its explanation.
✓ delivered · ✗FLAG fails (Envoy response flag) · &middot; nothing listens there (not the mesh) · ? unknown (evidence missing) · – the pod itself</p>
<table id="matrix"><thead><tr><th>from \\ to</th>${head}</tr></thead><tbody>
${body}
</tbody></table>
<ol id="targets">
${targets}
</ol>
<pre id="detail">Click a cell.</pre>
<script type="application/json" id="explanations">${data}</script>
<script>
const explanations = JSON.parse(document.getElementById('explanations').textContent);
function show(i) {
  document.querySelectorAll('button.selected').forEach((b) => b.classList.remove('selected'));
  const b = document.getElementById('cell-' + i);
  if (!b) return;
  b.classList.add('selected');
  document.getElementById('detail').textContent = explanations[i];
}
document.getElementById('matrix').addEventListener('click', (e) => {
  const b = e.target.closest('button[data-cell]');
  if (b) { show(Number(b.dataset.cell)); history.replaceState(null, '', '#cell-' + b.dataset.cell); }
});
if (location.hash.startsWith('#cell-')) show(Number(location.hash.slice(6)));
</script>
</body></html>
`;
}
