// The LintReport (`meshctl lint -o json`, cli-contract.md "meshctl lint -o json"): rules/types.ts infers
// Finding from here. `column` extends the contract (the text, SARIF and GitHub outputs point at it too).
import { z } from 'zod';

export const SeveritySchema = z.enum(['error', 'warning', 'info']);

export const FindingSchema = z.strictObject({
  rule: z
    .string()
    .regex(/^MESH\d{4}$/)
    .describe('The rule code, MESH####: stable, never reused.'),
  name: z.string().describe('The rule id, kebab-case.'),
  severity: SeveritySchema,
  resource: z.string().describe('Kind namespace/name, e.g. "Service default/reviews".'),
  field: z.string().describe('The offending field, e.g. "spec.ports[0].name".'),
  file: z.string().describe('The manifest file ("-" for stdin).'),
  line: z.number().int().nonnegative(),
  column: z.number().int().nonnegative(),
  message: z.string(),
  fix: z.string(),
});

export const LintReportSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('LintReport'),
    findings: z.array(FindingSchema),
    summary: z.strictObject({
      error: z.number().int().nonnegative(),
      warning: z.number().int().nonnegative(),
      info: z.number().int().nonnegative(),
    }),
  })
  .meta({
    title: 'LintReport',
    description: 'meshctl lint -o json: findings with their file, line and fix.',
  });
