// Lint's model: resources read from manifests (with the position of every field), rules declared with
// defineRule, and findings (cli-contract.md "meshctl lint -o json").
import type { z } from 'zod';
import type { Severity } from '../diagnostics/issue.js';
import type { FindingSchema } from '../schema/lint-report.js';

export type { Severity };

export type { FieldPath, LintResource, Position } from '../model/manifest.js';
import type { FieldPath, LintResource } from '../model/manifest.js';

/** A finding as `meshctl lint -o json` prints it: inferred from core/schema/lint-report.ts. */
export type Finding = z.infer<typeof FindingSchema>;

/** What a rule reports; lint turns it into a Finding with the position and the rule's metadata. */
export interface RuleResult {
  readonly resource: LintResource;
  readonly path: FieldPath;
  readonly message: string;
  readonly severity?: Severity;
  readonly fix?: string;
}

/** Evidence beyond manifests, from a snapshot or a cluster (rules that need it say so in `inputs`). */
export interface LintEvidence {
  /** Istio version of each pod's proxy, by `name.namespace`. */
  readonly istioVersions: ReadonlyMap<string, string>;
  /** Listening sockets of each pod, by `name.namespace`. */
  readonly sockets: ReadonlyMap<string, ReadonlyArray<{ ip: string; port: number }>>;
}

export interface RuleContext {
  readonly resources: readonly LintResource[];
  readonly evidence: LintEvidence | undefined;
}

export interface Rule {
  /** kebab-case, stable. */
  readonly id: string;
  /** MESH####, stable, never reused. */
  readonly code: string;
  readonly name: string;
  readonly severity: Severity;
  readonly description: string;
  readonly fix: string;
  /** Repository path of the rule's page. */
  readonly docs: string;
  /** Kinds (and evidence) the rule reads. */
  readonly inputs: readonly string[];
  /** istioctl analyze messages this rule covers, for galley.istio.io/analyze-suppress. */
  readonly istioCodes: readonly string[];
  readonly check: (ctx: RuleContext) => RuleResult[];
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
