// The readable trace of an Explanation: one line per step with ✓ / ✗ / ? and the deciding object, why, the
// alternatives that nearly matched, a verdict line, hints with their fix, and the evidence that is missing.
import { Chalk } from 'chalk';
import { painter, type Tone } from './tone.js';
import { textRenderer } from './terminal-safe.js';
import type { Explanation, Step } from '../core/engine/types.js';

export interface ExplanationRenderOptions {
  readonly color: boolean;
  /** Alternatives shown per step (all of them are in -o json). */
  readonly maxAlternatives?: number;
}

const SYMBOL: Record<Step['result'], string> = {
  matched: '✓',
  'no-match': '✗',
  failed: '✗',
  skipped: '–',
  unknown: '?',
};

const STEP_TONE: Record<Step['result'], Tone> = {
  matched: 'good',
  'no-match': 'bad',
  failed: 'bad',
  skipped: 'quiet',
  unknown: 'unsure',
};

const RESULT_TONE: Record<Explanation['outcome']['result'], Tone> = {
  delivered: 'good',
  failed: 'bad',
  unknown: 'unsure',
};
const RESULT_WORD: Record<Explanation['outcome']['result'], string> = {
  delivered: 'DELIVERED',
  failed: 'FAILS',
  unknown: 'UNKNOWN',
};

function callText(e: Explanation): string {
  const c = e.call;
  const where =
    c.host && c.host !== c.address ? `${c.host} (${c.address}:${c.port})` : `${c.address}:${c.port}`;
  const http = c.method ? ` ${c.method} ${c.path}` : '';
  const mode = c.mode === 'gateway' ? 'arriving at gateway' : c.mode === 'inbound' ? 'arriving at' : '→';
  return `${e.source.proxy} ${mode} ${c.mode === 'outbound' ? where : `port ${c.port}`} (${c.protocol}${http})`;
}

/**
 * A step's object, or a losing alternative, as a person reads it: its name and its position (`#2`);
 * "(unnamed)" only in text.
 */
function objectName(s: { readonly name: string | null; readonly index: number | null }): string {
  if (s.index === null) return s.name ?? '';
  return `${s.name ?? '(unnamed)'} #${s.index}`;
}

/** The trace as text; every string from the data is escaped for the terminal (terminal-safe.ts). */
export const renderExplanation = textRenderer((e: Explanation, o: ExplanationRenderOptions): string => {
  const ch = new Chalk({ level: o.color ? 1 : 0 });
  const paint = painter(o.color);
  const max = o.maxAlternatives ?? 3;
  const version = e.source.istioVersion ? `, Istio ${e.source.istioVersion}` : '';
  const lines: string[] = [
    ch.bold(`Explaining ${callText(e)}`) + ch.dim(`  [${e.source.type}${version}]`),
    '',
  ];
  let lastProxy = '';
  for (const s of e.steps) {
    if (s.proxy !== lastProxy) {
      lines.push(ch.cyan(`  on ${s.proxy}`));
      lastProxy = s.proxy;
    }
    const sym = SYMBOL[s.result];
    const colored = paint(STEP_TONE[s.result], sym);
    const name = objectName(s);
    const origin = s.origin ? ch.magenta(`  ← ${s.origin}`) : '';
    // a step about no config object (an iptables rule, a socket) says its why on the same line
    if (name) lines.push(`  ${colored} ${s.stage.padEnd(13)} ${ch.bold(name)}${origin}`, `      ${s.detail}`);
    else lines.push(`  ${colored} ${s.stage.padEnd(13)} ${s.detail}${origin}`);
    const alts = s.alternatives ?? [];
    for (const a of alts.slice(0, max))
      lines.push(ch.dim(`      not ${objectName(a) || a.address || '(unnamed)'}: ${a.reason}`));
    if (alts.length > max)
      lines.push(ch.dim(`      (+${alts.length - max} more not chosen; -o json lists them)`));
  }
  const out = e.outcome;
  const result = paint(RESULT_TONE[out.result], RESULT_WORD[out.result]);
  const flag = [out.httpStatus !== null ? String(out.httpStatus) : '', out.responseFlag ?? '']
    .filter(Boolean)
    .join(' ');
  lines.push('', `${result}${flag ? ` (${flag})` : ''}: ${out.summary}`);
  for (const h of e.hints) {
    lines.push('', `${ch.yellow('hint')} ${ch.dim(`[${h.id}]`)} ${h.message}`, `  fix: ${h.fix}`);
  }
  if (e.missing.length) {
    lines.push('', ch.yellow('missing evidence:'));
    for (const m of e.missing) lines.push(`  - ${m}`);
  }
  return lines.join('\n') + '\n';
});
