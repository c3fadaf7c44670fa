// `meshctl diff` as text: per comparison, the groups (service:port first) and one line per change, with the
// leaf differences under it (a few; -o json has them all), then what was left out of the comparison.
import { Chalk } from 'chalk';
import { painter, type Tone } from './tone.js';
import { textRenderer } from './terminal-safe.js';
import type { ConfigDiff } from '../core/diff/config-diff.js';

export interface DiffRenderOptions {
  readonly color: boolean;
  /** Leaf differences shown under a change (all of them are in -o json). */
  readonly maxDetails?: number;
}

interface DiffListLike {
  readonly items: ConfigDiff[];
  readonly onlyInA: string[];
  readonly onlyInB: string[];
}

const SIGN = { added: '+', removed: '-', changed: '~' } as const;
const CHANGE_TONE: Record<keyof typeof SIGN, Tone> = { added: 'good', removed: 'bad', changed: 'unsure' };

function renderOne(d: ConfigDiff, o: DiffRenderOptions): string[] {
  const ch = new Chalk({ level: o.color ? 1 : 0 });
  const paint = painter(o.color);
  const max = o.maxDetails ?? 4;
  const v = (x: { istioVersion: string | null }) => (x.istioVersion ? `, Istio ${x.istioVersion}` : '');
  const lines = [
    ch.bold(`A: ${d.a.proxy} (${d.a.label}${v(d.a)})`),
    ch.bold(`B: ${d.b.proxy} (${d.b.label}${v(d.b)})`),
  ];
  if (d.identical) {
    lines.push('', 'no differences in listeners, routes, clusters or endpoints');
  }
  // services present on one side only read best as a list, not as a block each
  const oneSided = (g: ConfigDiff['groups'][number], kind: 'added' | 'removed') =>
    g.changes.every((c) => c.kind === kind);
  const onlyOne = (kind: 'added' | 'removed') =>
    d.groups
      .filter((g) => oneSided(g, kind))
      .map((g) =>
        g.group.startsWith('listeners') ? `listener ${g.changes.map((c) => c.name).join(', ')}` : g.group,
      );
  const [gone, added] = [onlyOne('removed'), onlyOne('added')];
  for (const g of d.groups) {
    if (oneSided(g, 'removed') || oneSided(g, 'added')) continue;
    lines.push('', ch.cyan(g.group));
    for (const c of g.changes) {
      const sign = paint(CHANGE_TONE[c.kind], SIGN[c.kind]);
      lines.push(`  ${sign} ${c.summary}`);
      for (const m of c.more.slice(0, max)) lines.push(ch.dim(`      ${m}`));
      if (c.more.length > max) lines.push(ch.dim(`      (+${c.more.length - max} more; -o json lists them)`));
    }
  }
  for (const [names, where, sign] of [
    [gone, 'A', ch.red('-')],
    [added, 'B', ch.green('+')],
  ] as const) {
    if (!names.length) continue;
    lines.push('', ch.cyan(`only in ${where} (${names.length})`));
    for (const n of names) lines.push(`  ${sign} ${n}`);
  }
  const count = d.groups.reduce((n, g) => n + g.changes.length, 0);
  if (!d.identical)
    lines.push(
      '',
      `${count} change${count === 1 ? '' : 's'} in ${d.groups.length} group${d.groups.length === 1 ? '' : 's'}`,
    );
  lines.push(ch.dim(`not compared: ${d.ignored.join('; ')}`));
  return lines;
}

export const renderDiffs = textRenderer((r: DiffListLike, o: DiffRenderOptions): string => {
  const blocks = r.items.map((d) => renderOne(d, o).join('\n'));
  const extra: string[] = [];
  if (r.onlyInA.length) extra.push(`only in the first: ${r.onlyInA.join(', ')}`);
  if (r.onlyInB.length) extra.push(`only in the second: ${r.onlyInB.join(', ')}`);
  return [...blocks, ...(extra.length ? [extra.join('\n')] : [])].join('\n\n') + '\n';
});
