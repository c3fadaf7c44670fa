// kubectl-style tables: upper-case headers, columns padded with three spaces, no borders. When a width is
// given (a terminal), the widest columns are shortened in the middle so a row fits; without one (a pipe or
// a file) nothing is cut, so scripts get whole values.
import { escapeControls } from './terminal-safe.js';

export interface Column {
  readonly header: string;
  /** Cut this column first when the table is too wide. */
  readonly shrinkable?: boolean;
}

export interface TableOptions {
  readonly width?: number | undefined;
}

const GAP = '   ';
const MIN_SHRUNK = 12;

function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  return s.slice(0, head) + '…' + s.slice(s.length - (keep - head));
}

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  // every cell is data from a dump, a manifest or the API: escaped here, once, for every table
  rows = rows.map((r) => r.map(escapeControls));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  if (options.width) {
    let total = widths.reduce((a, b) => a + b, 0) + GAP.length * (columns.length - 1);
    // shrink the widest shrinkable column, one character at a time, until the row fits or nothing can shrink
    while (total > options.width) {
      let widest = -1;
      columns.forEach((c, i) => {
        if (c.shrinkable && widths[i]! > MIN_SHRUNK && (widest < 0 || widths[i]! > widths[widest]!))
          widest = i;
      });
      if (widest < 0) break;
      widths[widest]!--;
      total--;
    }
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const text = shorten(cell, widths[i]!);
        return i === cells.length - 1 ? text : text.padEnd(widths[i]!);
      })
      .join(GAP)
      .trimEnd();
  return (
    [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((_, i) => r[i] ?? '')))].join(
      '\n',
    ) + '\n'
  );
}
