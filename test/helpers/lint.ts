// Lints YAML text with one rule: for the valid/invalid tables of each rule's test.
import { RULES } from '../../src/core/rules/index.js';
import { lint } from '../../src/core/rules/lint.js';
import type { Finding, LintEvidence } from '../../src/core/rules/types.js';
import { lintResourcesFromText } from '../../src/sources/manifests/lint-input.js';

export function lintWith(code: string, yaml: string, evidence?: LintEvidence): Finding[] {
  const rule = RULES.find((r) => r.code === code);
  if (!rule) throw new Error(`no rule ${code}`);
  return lint(lintResourcesFromText('test.yaml', yaml), { rules: [rule], ...(evidence ? { evidence } : {}) });
}

export function service(name: string, ports: string, extra = ''): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ns\nspec:\n${extra}  selector:\n    app: ${name}\n  ports:\n${ports}`;
}

export function deployment(name: string, app: string, containerPorts = '', podAnnotations = ''): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: ns\nspec:\n  template:\n    metadata:\n${podAnnotations}      labels:\n        app: ${app}\n    spec:\n      containers:\n      - name: app\n        image: x\n${containerPorts}`;
}
