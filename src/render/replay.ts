// `meshctl replay` as text: meshctl's verdict and real Envoy's side by side, field by field (issue 13), with
// the Envoy version, each difference, what Envoy did not say (unobserved) and the adaptations made to run it.
import type { Replay } from '../core/replay/schema.js';
import { escapeControls } from './terminal-safe.js';
import { painter, type Tone } from './tone.js';

/** Data from dumps shown escaped (cli-contract: data shown to a person is escaped); null is a dash. */
function esc(v: string | number | boolean | null): string {
  return v === null ? '—' : escapeControls(String(v));
}

export function renderReplay(r: Replay, o: { color: boolean }): string {
  const c = painter(o.color);
  const out: string[] = [];
  out.push(`Replaying explain ${r.args.map(esc).join(' ')}`);
  if (r.skipped) {
    out.push(`SKIPPED: ${esc(r.skipped.reason)}`);
    return out.join('\n') + '\n';
  }
  out.push(`  with real Envoy ${esc(r.envoy?.version ?? null)}`);
  const rows = r.comparison.map((x) => [
    x.verdict === 'agree' ? '✓' : x.verdict === 'differ' ? '✗' : '?',
    x.proxy ? `${x.field} @ ${x.proxy}` : x.field,
    // a balanced pick: meshctl's walk follows one host, Envoy may pick any of the set
    x.acceptable ? `${esc(x.meshctl)} (one of ${x.acceptable.map(esc).join(', ')})` : esc(x.meshctl),
    esc(x.envoy),
  ]);
  const w = [1, ...[1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), i === 1 ? 5 : 7))];
  out.push('');
  out.push(`    ${'field'.padEnd(w[1]!)}  ${'meshctl'.padEnd(w[2]!)}  envoy`);
  for (const [mark, f, m, e] of rows) {
    const tone: Tone = mark === '✓' ? 'good' : mark === '✗' ? 'bad' : 'unsure';
    out.push(`  ${c(tone, mark!)} ${f!.padEnd(w[1]!)}  ${m!.padEnd(w[2]!)}  ${e}`);
  }
  const env = r.envoy;
  if (env) {
    const cl = env.client;
    out.push('');
    out.push(
      `  client: ${cl.connected ? 'connected' : 'not connected'}${cl.status !== undefined ? `, HTTP ${cl.status}` : ''}${cl.error ? `, ${esc(cl.error)}` : ''}${cl.timedOut ? ', timed out' : ''}, ${cl.bytesBack} bytes back`,
    );
    out.push(
      env.app.length
        ? `  app: accepted ${env.app.map((a) => `${esc(a.listen)} on ${esc(a.host)}${a.requestLine ? ` (${esc(a.requestLine)})` : ''}`).join(', ')}`
        : '  app: no connection reached an app socket',
    );
  }
  const unobserved = r.comparison.filter((x) => x.verdict === 'unobserved').length;
  out.push('');
  if (r.differences.length)
    out.push(
      c(
        'bad',
        `DIFFER: ${r.differences.length} field${r.differences.length > 1 ? 's' : ''} where Envoy did not do what meshctl said`,
      ),
    );
  else
    out.push(
      c(
        'good',
        `AGREE: Envoy did what meshctl said${unobserved ? ` (${unobserved} field${unobserved > 1 ? 's' : ''} unobserved)` : ''}`,
      ),
    );
  if (r.adaptations.length)
    out.push(
      `  ${r.adaptations.length} adaptation${r.adaptations.length > 1 ? 's' : ''} to run the dumps on upstream Envoy (-o json lists them)`,
    );
  return out.join('\n') + '\n';
}
