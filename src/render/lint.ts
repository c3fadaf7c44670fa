// lint renderers: text (grouped by file), json (cli-contract.md), SARIF 2.1.0, JUnit XML, GitHub workflow
// commands. Pure functions of (findings, rules, options); output sorted by the caller for determinism.
import { Chalk } from 'chalk';
import type { Finding, Rule } from '../core/rules/types.js';
import type { Severity } from '../core/diagnostics/issue.js';
import { renderTable } from './table.js';
import { painter, type Tone } from './tone.js';
import { terminalSafe, textRenderer } from './terminal-safe.js';

const SEVERITY_TONE: Record<Severity, Tone> = { error: 'bad', warning: 'unsure', info: 'info' };

export interface LintRenderOptions {
  readonly color: boolean;
  readonly rules: readonly Rule[];
  readonly version: string;
  /** Resources linted, for JUnit's passing test cases. */
  readonly resources: ReadonlyArray<{ file: string; resource: string }>;
}

function counts(findings: readonly Finding[]): Record<Severity, number> {
  const s: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) s[f.severity]++;
  return s;
}

export const renderLintText = textRenderer((findings: readonly Finding[], o: LintRenderOptions): string => {
  const ch = new Chalk({ level: o.color ? 1 : 0 });
  const paint = painter(o.color);
  const lines: string[] = [];
  // findings grouped by file (they come sorted by file): one table per file, the fix under each finding
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, group] of byFile) {
    if (lines.length) lines.push('');
    lines.push(ch.underline(file === '-' ? 'stdin' : file));
    const pos = (f: Finding) => `${f.line}:${f.column}`;
    const rows = renderTable(
      [
        { header: 'POSITION', gap: 2, minWidth: 7 },
        { header: 'SEVERITY', gap: 1, minWidth: 7 },
        { header: 'MESSAGE', gap: 2 },
      ],
      group.map((f) => {
        const message = `${f.message}  `;
        return [
          pos(f),
          { text: f.severity, paint: (t: string) => paint(SEVERITY_TONE[f.severity], t) },
          {
            text: `${message}${f.resource} ${f.field}  ${f.rule} ${f.name}`,
            paint: (t: string) => (t.startsWith(message) ? message + ch.dim(t.slice(message.length)) : t),
          },
        ];
      }),
      { header: false },
    )
      .trimEnd()
      .split('\n');
    // the fix starts under the severity: after the indent, the position column and its gap
    const indent = ' '.repeat(2 + Math.max(7, ...group.map((f) => pos(f).length)) + 1);
    group.forEach((f, k) => lines.push(rows[k]!, ch.dim(`${indent}fix: ${f.fix}`)));
  }
  const c = counts(findings);
  const total = findings.length;
  lines.push(
    (lines.length ? '\n' : '') +
      (total === 0
        ? ch.green(`✓ no problems in ${o.resources.length} resources`)
        : `${c.error ? ch.red('✖') : '!'} ${total} problem${total === 1 ? '' : 's'} (${c.error} error${c.error === 1 ? '' : 's'}, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.info} info) in ${o.resources.length} resources`),
  );
  return lines.join('\n') + '\n';
});

export function renderLintJson(findings: readonly Finding[]): string {
  return (
    JSON.stringify(
      { apiVersion: 'meshctl/v1', kind: 'LintReport', findings, summary: counts(findings) },
      null,
      2,
    ) + '\n'
  );
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };
const REPO = 'https://github.com/meshctl/meshctl/blob/main/';

export function renderSarif(findings: readonly Finding[], o: LintRenderOptions): string {
  const rules = [...o.rules];
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'meshctl',
            version: o.version,
            informationUri: 'https://github.com/meshctl/meshctl',
            rules: rules.map((r) => ({
              id: r.code,
              name: r.id,
              shortDescription: { text: r.description.split('; ')[0]!.replace(/\.?$/, '.') },
              fullDescription: { text: r.description },
              help: {
                text: `Fix: ${r.fix}`,
                markdown: `**Fix:** ${r.fix}\n\nSee [${r.code}](${REPO}${r.docs}).`,
              },
              helpUri: `${REPO}${r.docs}`,
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
              properties: { tags: ['istio', 'service-mesh', ...r.istioCodes] },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: rules.findIndex((r) => r.code === f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: `${f.message} Fix: ${f.fix}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file === '-' ? 'stdin' : f.file.replace(/\\/g, '/') },
                region: { startLine: f.line, startColumn: f.column },
              },
              logicalLocations: [{ name: `${f.resource} ${f.field}`, kind: 'object' }],
            },
          ],
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * What XML 1.0 has no character for (https://www.w3.org/TR/xml/#charsets: Char is tab, LF, CR, U+0020–U+D7FF,
 * U+E000–U+FFFD and the astral planes): the C0 controls but those three, U+FFFE/U+FFFF and lone surrogates.
 * Not even as a character reference, so a JUnit consumer refuses the whole report when one is written.
 */
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function xml(s: string): string {
  return s
    .replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** One test case per resource; a resource with findings fails with all of them in its failure text. */
export function renderJunit(unsafe: readonly Finding[], o: LintRenderOptions): string {
  // CI pages show the report to a person: data is escaped as in the text output (ESC, CR, bidi overrides),
  // which also keeps it XML; xml() guards what XML forbids beyond that (lone surrogates, U+FFFE/U+FFFF)
  const findings = terminalSafe(unsafe);
  const resources = terminalSafe(o.resources);
  const byResource = new Map<string, { file: string; resource: string; findings: Finding[] }>();
  for (const r of resources) byResource.set(`${r.file}\u0000${r.resource}`, { ...r, findings: [] });
  for (const f of findings) {
    const key = `${f.file}\u0000${f.resource}`;
    const entry = byResource.get(key) ?? { file: f.file, resource: f.resource, findings: [] };
    entry.findings.push(f);
    byResource.set(key, entry);
  }
  const cases = [...byResource.values()];
  const failures = cases.filter((c) => c.findings.length > 0).length;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="meshctl lint" tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="meshctl lint" tests="${cases.length}" failures="${failures}" errors="0" skipped="0">`,
  ];
  for (const c of cases) {
    const name = xml(c.resource);
    if (c.findings.length === 0) {
      out.push(`    <testcase classname="${xml(c.file)}" name="${name}"/>`);
      continue;
    }
    const worst = c.findings.some((f) => f.severity === 'error')
      ? 'error'
      : c.findings.some((f) => f.severity === 'warning')
        ? 'warning'
        : 'info';
    const text = c.findings
      .map(
        (f) =>
          `${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule} ${f.field}: ${f.message} Fix: ${f.fix}`,
      )
      .join('\n');
    out.push(
      `    <testcase classname="${xml(c.file)}" name="${name}">`,
      `      <failure type="${worst}" message="${xml(c.findings.map((f) => f.rule).join(', '))}">${xml(text)}</failure>`,
      `    </testcase>`,
    );
  }
  out.push('  </testsuite>', '</testsuites>');
  return out.join('\n') + '\n';
}

/** GitHub Actions workflow commands: data escaped per the runner's rules (%, CR, LF; also , and : in properties). */
function ghData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function ghProp(s: string): string {
  return ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGithub(unsafe: readonly Finding[]): string {
  // the runner's log viewer interprets ANSI sequences as a terminal does
  const findings = terminalSafe(unsafe);
  const level: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };
  return (
    findings
      .map(
        (f) =>
          `::${level[f.severity]} file=${ghProp(f.file)},line=${f.line},col=${f.column},title=${ghProp(`${f.rule} ${f.name}`)}::${ghData(`${f.message} (${f.resource} ${f.field}) Fix: ${f.fix}`)}`,
      )
      .join('\n') + (findings.length ? '\n' : '')
  );
}
