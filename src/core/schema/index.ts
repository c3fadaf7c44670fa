// Every meshctl/v1 kind meshctl prints (or, for Snapshot, writes and reads), by name: `meshctl schema`, the
// docs/schema/*.json files and the tests' output validation all go through this one registry. A new kind is
// one line here.
import { z } from 'zod';
import { DiffListSchema, DiffSchema } from './diff.js';
import { ExplanationSchema } from './explanation.js';
import { LintReportSchema } from './lint-report.js';
import { LogExplanationSchema } from './log-explanation.js';
import { MatrixSchema } from './matrix.js';
import { SnapshotSchema } from './snapshot.js';
import { ReplaySchema } from '../replay/schema.js';

export const KINDS = {
  Explanation: ExplanationSchema,
  LintReport: LintReportSchema,
  Diff: DiffSchema,
  DiffList: DiffListSchema,
  Matrix: MatrixSchema,
  LogExplanation: LogExplanationSchema,
  Snapshot: SnapshotSchema,
  Replay: ReplaySchema,
} satisfies Record<string, z.ZodType>;

export type Kind = keyof typeof KINDS;

export const KIND_NAMES = (Object.keys(KINDS) as Kind[]).sort();

export function isKind(name: string): name is Kind {
  return Object.hasOwn(KINDS, name);
}

/** What the `$id` of each published schema is: the file the repository keeps it in. */
export const SCHEMA_BASE = 'https://github.com/meshctl/meshctl/blob/main/docs/schema/';

/** The kind's JSON Schema (draft 2020-12), by zod's own conversion: what `meshctl schema KIND` prints. */
export function jsonSchemaOf(kind: Kind): Record<string, unknown> {
  const schema = z.toJSONSchema(KINDS[kind], { target: 'draft-2020-12', io: 'output' });
  const { $schema, ...rest } = schema as Record<string, unknown>;
  return { $schema, $id: `${SCHEMA_BASE}${kind}.json`, ...rest };
}

/** A one-line description of each kind, for `meshctl schema` without a kind. */
export function kindDescription(kind: Kind): string {
  return z.globalRegistry.get(KINDS[kind])?.description ?? '';
}
