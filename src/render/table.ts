// kubectl-style tables, laid out by cli-table3: upper-case headers, no borders, columns separated by three
// spaces (kubectl's own tabwriter padding, k8s.io/cli-runtime pkg/printers/tabwriter.go), no trailing blanks.
// cli-table3 measures cells with string-width, so colour codes take no room and wide characters (CJK, emoji)
// take two columns. When a width is given (a terminal), the widest shrinkable columns are shortened in the
// middle so a row fits; without one (a pipe or a file) nothing is cut, so scripts get whole values.
import Table from 'cli-table3';
import stringWidth from 'string-width';
import { escapeControls } from './terminal-safe.js';

export interface Column {
  readonly header: string;
  /** Cut this column first when the table is too wide. */
  readonly shrinkable?: boolean;
  /** Spaces before this column (default three; the first column's are an indent). */
  readonly gap?: number;
  /** The column is at least this wide (text shorter than it is padded). */
  readonly minWidth?: number;
  readonly align?: 'left' | 'right';
}

/**
 * A cell whose text is data and whose look is the renderer's: `text` is escaped and measured, `paint` (colour)
 * is applied after, so an ESC in the data is shown as `\x1b` while the renderer's own colour codes work.
 */
export interface StyledCell {
  readonly text: string;
  readonly paint: (s: string) => string;
}

export type CellValue = string | StyledCell;

export interface TableOptions {
  readonly width?: number | undefined;
  /** Print the header row (default true). */
  readonly header?: boolean;
  /** Paints each header cell (bold headers on a terminal). */
  readonly headerPaint?: (s: string) => string;
}

const GAP = 3;
const MIN_SHRUNK = 12;
const BLOCK = 100;
const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

/** The number of terminal columns the string takes (string-width: no room for colour codes, two for wide). */
export function displayWidth(s: string): number {
  return stringWidth(s);
}

/** Cuts the middle of `s` (in terminal columns, never inside a character) so it takes at most `max`. */
export function shortenMiddle(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  const chars = [...s];
  const budget = max - 1; // the ellipsis takes one column
  let head = '';
  let tail = '';
  let used = 0;
  let i = 0;
  let j = chars.length - 1;
  // alternate: a character from the front, then one from the back, while they fit
  for (let front = true; i <= j; front = !front) {
    const c = front ? chars[i]! : chars[j]!;
    const w = displayWidth(c);
    if (used + w > budget) break;
    used += w;
    if (front) {
      head += c;
      i++;
    } else {
      tail = c + tail;
      j--;
    }
  }
  return head + '…' + tail;
}

const textOf = (c: CellValue | undefined): string =>
  c === undefined ? '' : typeof c === 'string' ? c : c.text;

export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly CellValue[])[],
  options: TableOptions = {},
): string {
  // every cell's text is data from a dump, a manifest or the API: escaped here, once, for every table
  const safe = rows.map((r) =>
    columns.map((_, i): CellValue => {
      const c = r[i];
      return typeof c === 'object'
        ? { text: escapeControls(c.text), paint: c.paint }
        : escapeControls(c ?? '');
    }),
  );
  const showHeader = options.header ?? true;
  const gapOf = (i: number) => columns[i]!.gap ?? (i === 0 ? 0 : GAP);
  const widths = columns.map((c, i) =>
    Math.max(
      c.minWidth ?? 0,
      showHeader ? displayWidth(c.header) : 0,
      ...safe.map((r) => displayWidth(textOf(r[i]))),
    ),
  );
  if (options.width) {
    let total = widths.reduce((a, b, i) => a + b + gapOf(i), 0);
    // shrink the widest shrinkable column, one column at a time, until the row fits or nothing can shrink
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
  const cell = (value: CellValue, i: number): Table.Cell => {
    const text = shortenMiddle(textOf(value), widths[i]!);
    return {
      content: typeof value === 'object' ? value.paint(text) : text,
      hAlign: columns[i]!.align ?? 'left',
      style: { 'padding-left': gapOf(i), 'padding-right': 0 },
    };
  };
  const paintHeader = options.headerPaint ?? ((s: string) => s);
  const all = [
    ...(showHeader ? [columns.map((c, i) => cell({ text: c.header, paint: paintHeader }, i))] : []),
    ...safe.map((r) => r.map(cell)),
  ];
  // cli-table3's layout is quadratic in the number of rows (its span bookkeeping compares cells pairwise:
  // 70,000 endpoints took 5 minutes in one table), so rows go through it in blocks; the column widths are
  // fixed above, so the blocks line up as one table
  const lines: string[] = [];
  for (let at = 0; at < all.length; at += BLOCK) {
    const table = new Table({
      chars: NO_BORDERS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
      // the widths are settled above (shortened cells fit them exactly): cli-table3 pads and aligns
      colWidths: widths.map((w, i) => w + gapOf(i)),
      wordWrap: false,
    });
    table.push(...all.slice(at, at + BLOCK));
    for (const line of table.toString().split('\n')) lines.push(line.trimEnd());
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
