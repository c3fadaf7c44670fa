// meshctl diff A B: two proxies' configuration compared by meaning. A and B are each a dump file, a
// snapshot directory (then both are, and every pod in both is compared), or a pod: in --snapshot S, or live.
// Exit 0 when nothing differs, 1 when something does, 2 when the inputs cannot be read (like diff(1)).
import { statSync } from 'node:fs';
import type { z } from 'zod';
import type { DiffListSchema } from '../core/schema/diff.js';
import { InputError } from '../core/diagnostics/errors.js';
import { diffDumps, type ConfigDiff } from '../core/diff/config-diff.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { selectProxy } from '../core/model/select-proxy.js';
import { renderAs } from './output.js';
import { renderDiffs } from '../render/diff.js';
import { EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';

export interface DiffOptions {
  readonly output: string;
  readonly snapshot?: string;
}

/** What the command prints: one comparison, or one per pod of two snapshots (core/schema/diff.ts). */
export type DiffReport = z.infer<typeof DiffListSchema>;

export type Operand =
  | { readonly kind: 'dump'; readonly path: string }
  | { readonly kind: 'snapshot'; readonly path: string }
  | { readonly kind: 'pod'; readonly name: string };

export function operand(arg: string): Operand {
  try {
    return statSync(arg).isDirectory() ? { kind: 'snapshot', path: arg } : { kind: 'dump', path: arg };
  } catch {
    if (/[\\/]|\.(json|ya?ml)$/.test(arg)) throw new InputError(`${arg}: no such file or snapshot directory`);
    return { kind: 'pod', name: arg };
  }
}

/** The pods of two snapshots, paired by namespace/name. */
export function pairSnapshots(a: ConfigDump[], b: ConfigDump[], la: string, lb: string): DiffReport {
  const key = (d: ConfigDump) => {
    const id = d.identity();
    return id.pod ? `${id.namespace ?? ''}/${id.pod}` : d.source;
  };
  const byKey = new Map(b.map((d) => [key(d), d]));
  const items: ConfigDiff[] = [];
  for (const d of a) {
    const other = byKey.get(key(d));
    if (other)
      items.push(
        diffDumps({ label: `${la}: ${key(d)}`, dump: d }, { label: `${lb}: ${key(d)}`, dump: other }),
      );
  }
  const keysA = new Set(a.map(key));
  return {
    apiVersion: 'meshctl/v1',
    kind: 'DiffList',
    items,
    onlyInA: a.map(key).filter((k) => !byKey.has(k)),
    onlyInB: b.map(key).filter((k) => !keysA.has(k)),
  };
}

export function pairOf(
  a: { label: string; dump: ConfigDump },
  b: { label: string; dump: ConfigDump },
): DiffReport {
  return { apiVersion: 'meshctl/v1', kind: 'DiffList', items: [diffDumps(a, b)], onlyInA: [], onlyInB: [] };
}

/** Two pods of one snapshot: replica against replica. */
export function podsOf(dumps: ConfigDump[], snapshot: string, a: string, b: string): DiffReport {
  return pairOf(
    { label: snapshot, dump: selectProxy(dumps, a) },
    { label: snapshot, dump: selectProxy(dumps, b) },
  );
}

const OUTPUTS = ['text', 'json', 'yaml'];

export function printDiff(report: DiffReport, o: DiffOptions, io: CliIo): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  // one comparison prints as a Diff, several (snapshots) as the list
  const data =
    report.items.length === 1 && !report.onlyInA.length && !report.onlyInB.length ? report.items[0] : report;
  io.stdout.write(renderAs(o.output, data, () => renderDiffs(report, { color: useColor(io) })));
  const same = report.items.every((d) => d.identical) && !report.onlyInA.length && !report.onlyInB.length;
  return same ? EXIT_OK : EXIT_FAIL;
}
