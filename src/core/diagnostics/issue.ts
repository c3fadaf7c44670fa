// What parsing collects instead of throwing at the first problem (architecture.md rule 2).
export type Severity = 'error' | 'warning' | 'info';

export interface Issue {
  readonly severity: Severity;
  /** A path made of names: `listeners[virtualInbound].filter_chains[2].filters[0]`. */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the source file, when known. */
  readonly line?: number;
}

export type Result<T> = { ok: true; value: T; issues: Issue[] } | { ok: false; issues: Issue[] };

export function formatIssue(issue: Issue): string {
  const where = issue.line !== undefined ? `line ${issue.line}, ` : '';
  return `${where}${issue.path}: ${issue.message}`;
}
