// The conformance report: every case's verdict, every difference with both sides, every skip with its
// reason, and the plain closing line `N passed, N failed, N skipped`.
import type { CorpusCase } from './types.js';

export type Verdict = 'passed' | 'failed' | 'skipped';

export interface Difference {
  readonly field: string;
  readonly meshctl: unknown;
  readonly envoy: unknown;
  readonly proxy?: string;
}

export interface CaseResult {
  readonly id: string;
  readonly world: string;
  readonly family: string;
  readonly args: readonly string[];
  readonly aim: string;
  readonly verdict: Verdict;
  /** Why it failed or was skipped, in one sentence. */
  readonly reason?: string;
  /** meshctl's prediction, in short. */
  readonly meshctl?: {
    result: string;
    via: string;
    responseFlag: string | null;
    httpStatus: number | null;
    cluster: string | null;
    failedStage: string | null;
  };
  /** Where meshctl's prediction departs from what the case aimed at. */
  readonly aimProblems: readonly string[];
  /** Where Envoy departs from meshctl (the Replay's differences). */
  readonly differences: readonly Difference[];
  /** What Envoy was seen to do (the Replay's `envoy` part), as given. */
  readonly envoy?: unknown;
  /** The fields Envoy's records confirmed (the Replay's comparison verdicts `agree`). */
  readonly agreed?: readonly string[];
  readonly ms: number;
}

export interface RunInfo {
  readonly envoyVersion: string | null;
  readonly seed: number;
  readonly startedAt: string;
  readonly seconds: number;
  readonly worlds: number;
  readonly mode: 'replay' | 'predict-only';
  /** Inputs not turned into cases, with why (a dump without a bootstrap names no pod to replay). */
  readonly excluded: readonly { input: string; reason: string }[];
  readonly worldSeconds: readonly { world: string; cases: number; seconds: number }[];
  /** Cases the corpus holds, before the calls meshctl cannot decide and the sampling of real dumps. */
  readonly corpusCases?: number;
  /** Calls meshctl cannot decide (evidence missing): nothing for Envoy to confirm, so not replayed. */
  readonly undecidable?: readonly { id: string; reason: string }[];
  /** Real-dump cases left out by --per-real-world (all are checked by --predict-only). */
  readonly sampledOut?: number;
}

export interface Tally {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function tally(results: readonly CaseResult[]): Tally {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const r of results) {
    if (r.verdict === 'passed') passed++;
    else if (r.verdict === 'failed') failed++;
    else skipped++;
  }
  return { passed, failed, skipped };
}

/** The plain closing line, alone on its line: `N passed, N failed` then `, N skipped`. */
export function closingLine(t: Tally): string {
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/** Control characters as `\xNN`, so data from a dump cannot drive the terminal or break a table row. */
function escapeControls(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    out += c < 0x20 || c === 0x7f ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}

const cell = (s: unknown) =>
  escapeControls(
    (typeof s === 'string' ? s : (JSON.stringify(s) ?? 'null'))
      .replace(/\|/g, '\\|')
      .replace(/[\r\n]+/g, ' '),
  );

const command = (args: readonly string[]) =>
  [
    'meshctl explain',
    ...args.map((a) => (/^[\w@%+=:,./|-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)),
  ].join(' ');

export function reportJson(info: RunInfo, results: readonly CaseResult[]): object {
  return { apiVersion: 'meshctl/v1', kind: 'ConformanceReport', info, tally: tally(results), results };
}

export function reportMarkdown(info: RunInfo, results: readonly CaseResult[]): string {
  const t = tally(results);
  const total = results.length;
  const pct = (n: number) => (total ? `${((100 * n) / total).toFixed(1)}%` : '0%');
  const lines: string[] = [
    '# meshctl conformance report',
    '',
    `Envoy ${info.envoyVersion ?? '(not run)'} · mode ${info.mode} · seed ${info.seed} · started ${info.startedAt} · ${info.seconds.toFixed(1)} s · ${info.worlds} worlds · ${total} cases`,
    '',
    `**${closingLine(t)}** (skipped ${pct(t.skipped)})`,
    '',
    '## By family',
    '',
    '| family | cases | passed | failed | skipped | fields Envoy confirmed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  const families = [...new Set(results.map((r) => r.family))].sort();
  for (const f of families) {
    const fr = results.filter((r) => r.family === f);
    const ft = tally(fr);
    const confirmed = fr.reduce((n, r) => n + (r.agreed?.length ?? 0), 0);
    lines.push(`| ${f} | ${fr.length} | ${ft.passed} | ${ft.failed} | ${ft.skipped} | ${confirmed} |`);
  }
  const byField = new Map<string, number>();
  for (const r of results) for (const f of r.agreed ?? []) byField.set(f, (byField.get(f) ?? 0) + 1);
  if (byField.size)
    lines.push(
      '',
      `Fields confirmed by Envoy's access log, stats, client and app: ${[...byField]
        .sort((a, b) => b[1] - a[1])
        .map(([f, n]) => `${f} ${n}`)
        .join(', ')}.`,
    );
  const failed = results.filter((r) => r.verdict === 'failed');
  lines.push('', `## Failed (${failed.length})`, '');
  for (const r of failed) {
    lines.push(
      `### ${cell(r.id)}`,
      '',
      '`' + command(r.args).replace(/`/g, "'") + '`',
      '',
      `Aim: ${cell(r.aim)}`,
      '',
    );
    if (r.reason) lines.push(`Reason: ${cell(r.reason)}`, '');
    for (const p of r.aimProblems) lines.push(`- meshctl vs the aim: ${cell(p)}`);
    if (r.differences.length) {
      lines.push('', '| field | proxy | meshctl | Envoy |', '| --- | --- | --- | --- |');
      for (const d of r.differences)
        lines.push(`| ${cell(d.field)} | ${cell(d.proxy ?? '')} | ${cell(d.meshctl)} | ${cell(d.envoy)} |`);
    }
    lines.push('');
  }
  const skipped = results.filter((r) => r.verdict === 'skipped');
  lines.push(`## Skipped (${skipped.length})`, '');
  const reasons = new Map<string, string[]>();
  for (const r of skipped)
    reasons.set(r.reason ?? 'no reason given', [...(reasons.get(r.reason ?? 'no reason given') ?? []), r.id]);
  for (const [reason, ids] of [...reasons].sort((a, b) => b[1].length - a[1].length)) {
    lines.push(`- **${cell(reason)}** (${ids.length}): ${ids.map(cell).join(', ')}`);
  }
  if (info.corpusCases !== undefined)
    lines.push(
      '',
      `## Corpus`,
      '',
      `${info.corpusCases} cases in the corpus; ${total} replayed, ${info.undecidable?.length ?? 0} that meshctl cannot decide (evidence missing: nothing to confirm), ${info.sampledOut ?? 0} real-dump cases left out by sampling (every case's aim is checked by --predict-only).`,
    );
  if (info.undecidable?.length) {
    const why = new Map<string, number>();
    for (const u of info.undecidable) why.set(u.reason, (why.get(u.reason) ?? 0) + 1);
    lines.push('', `### Not decidable by meshctl (${info.undecidable.length})`, '');
    for (const [r, n] of [...why].sort((a, b) => b[1] - a[1])) lines.push(`- ${cell(r)} (${n})`);
  }
  if (info.excluded.length) {
    lines.push('', `## Inputs not in the corpus (${info.excluded.length})`, '');
    for (const x of info.excluded) lines.push(`- ${cell(x.input)}: ${cell(x.reason)}`);
  }
  lines.push('', '## Time per world', '', '| world | cases | seconds |', '| --- | ---: | ---: |');
  for (const w of info.worldSeconds)
    lines.push(`| ${cell(w.world)} | ${w.cases} | ${w.seconds.toFixed(2)} |`);
  lines.push('', '## Every case', '', '| case | verdict | meshctl |', '| --- | --- | --- |');
  for (const r of results)
    lines.push(
      `| ${cell(r.id)} | ${r.verdict} | ${r.meshctl ? cell(`${r.meshctl.result} ${r.meshctl.via}${r.meshctl.responseFlag ? ` ${r.meshctl.responseFlag}` : ''}${r.meshctl.cluster ? ` ${r.meshctl.cluster}` : ''}`) : ''} |`,
    );
  return lines.join('\n') + '\n';
}

/** Case ids must be unique: a duplicate would hide one case's verdict behind another's. */
export function duplicateIds(cases: readonly CorpusCase[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const c of cases) (seen.has(c.id) ? dup : seen).add(c.id);
  return [...dup];
}
