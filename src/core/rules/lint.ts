// Runs the rules over resources, applies suppressions, and returns sorted findings.
import type { Severity } from '../diagnostics/issue.js';
import { obj, str } from '../model/fields.js';
import { resourceLabel } from '../model/manifest.js';
import { RULES } from './index.js';
import { formatPath, type Finding, type LintEvidence, type LintResource, type Rule } from './types.js';

export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export interface LintOptions {
  /** Codes to skip (`--ignore`). */
  readonly ignore?: readonly string[];
  readonly evidence?: LintEvidence;
  readonly rules?: readonly Rule[];
}

function suppressed(r: LintResource, rule: Rule): boolean {
  const ann = obj(obj(r.raw, 'metadata'), 'annotations');
  const mesh = (str(ann, 'meshctl.io/ignore') ?? '').split(',').map((s) => s.trim());
  if (mesh.includes('*') || mesh.includes(rule.code) || mesh.includes(rule.id)) return true;
  // istioctl analyze's own suppression annotation, for the IST codes a rule covers
  const istio = (str(ann, 'galley.istio.io/analyze-suppress') ?? '').split(',').map((s) => s.trim());
  return istio.includes('*') || rule.istioCodes.some((c) => istio.includes(c));
}

export function lint(resources: readonly LintResource[], options: LintOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    if (options.ignore?.includes(rule.code) || options.ignore?.includes(rule.id)) continue;
    for (const res of rule.check({ resources, evidence: options.evidence })) {
      if (suppressed(res.resource, rule)) continue;
      const at = res.resource.locate(res.path);
      findings.push({
        rule: rule.code,
        name: rule.id,
        severity: res.severity ?? rule.severity,
        resource: resourceLabel(res.resource),
        field: formatPath(res.path),
        file: res.resource.file,
        line: at.line,
        column: at.column,
        message: res.message,
        fix: res.fix ?? rule.fix,
      });
    }
  }
  return findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.rule.localeCompare(b.rule) ||
      a.message.localeCompare(b.message),
  );
}

export function summarize(findings: readonly Finding[]): Record<Severity, number> {
  const s: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) s[f.severity]++;
  return s;
}

/** Exit 1 when a finding is at or above the threshold (`none` never fails). */
export function failsAt(findings: readonly Finding[], threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}
