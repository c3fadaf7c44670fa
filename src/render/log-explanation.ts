// An access-log line explained: what its flags mean, where the line sits in the proxy's config (listener,
// route, cluster, endpoint), whether the config predicts it, and the simulated trace of the same call.
import { Chalk } from 'chalk';
import { painter } from './tone.js';
import { textRenderer } from './terminal-safe.js';
import type { LogExplanation } from '../core/engine/access-log.js';
import { renderExplanation, type ExplanationRenderOptions } from './explanation.js';

export const renderLogExplanation = textRenderer((e: LogExplanation, o: ExplanationRenderOptions): string => {
  const ch = new Chalk({ level: o.color ? 1 : 0 });
  const paint = painter(o.color);
  const l = e.line;
  const call = l.method
    ? `${l.protocol ?? 'HTTP'} ${l.method} ${l.path ?? ''} to ${l.authority ?? l.downstreamLocalAddress ?? '?'}`
    : `TCP connection to ${l.downstreamLocalAddress ?? '?'}${l.requestedServerName ? ` (SNI ${l.requestedServerName})` : ''}`;
  const lines = [
    ch.bold(`Access log line of ${e.proxy}`) + ch.dim(`  [${e.direction}, ${l.format} format]`),
    `  ${call}: ${e.verdict.logged}${l.responseCodeDetails ? ` ${l.responseCodeDetails}` : ''}`,
  ];
  for (const f of e.flags) lines.push(`  ${ch.bold(f.short)} (${f.long}): ${f.meaning}`);
  if (l.upstreamTransportFailureReason)
    lines.push(`  upstream transport failure: ${l.upstreamTransportFailureReason}`);
  lines.push('', ch.cyan(`  where it sits in ${e.proxy}'s config`));
  for (const p of e.placement) {
    const sym =
      p.found === true ? paint('good', '✓') : p.found === false ? paint('bad', '✗') : paint('unsure', '?');
    lines.push(`  ${sym} ${p.what.padEnd(9)} ${ch.bold(p.name)}`, `      ${p.detail}`);
  }
  const agree =
    e.verdict.agrees === true
      ? paint('good', 'EXPLAINED')
      : e.verdict.agrees === false
        ? paint('bad', 'NOT PREDICTED')
        : paint('unsure', 'UNKNOWN');
  lines.push('', `${agree}: ${e.verdict.summary}`, '', ch.dim('The same call, simulated:'), '');
  return lines.join('\n') + '\n' + renderExplanation(e.explanation, o);
});
