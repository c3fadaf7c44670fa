// `meshctl matrix -o json` (docs/matrix.md): engine/matrix.ts infers its types from here.
import { z } from 'zod';
import { ExplanationSchema, OutcomeSchema, ProtocolSchema, StageSchema } from './explanation.js';

export const MatrixColumnSchema = z.strictObject({
  id: z.string().describe('svc/reviews.default:9080 or pod/reviews-v1-abc.default:9080.'),
  kind: z.enum(['service', 'pod']),
  name: z.string().describe('reviews.default or reviews-v1-abc.default.'),
  ip: z.string(),
  port: z.number().int().min(0).max(65535),
  protocol: ProtocolSchema,
});

export const MatrixCellSchema = z.strictObject({
  from: z.string(),
  to: z.string().describe("The column's id."),
  result: z
    .union([OutcomeSchema.shape.result, z.enum(['self', 'closed'])])
    .describe(
      'self: a pod to its own port (not mesh traffic); closed: nothing listens on that port at all, which no mesh setting changes.',
    ),
  flag: z.string().nullable(),
  status: z.number().int().nullable(),
  failedStage: StageSchema.nullable(),
  summary: z.string(),
  explanation: ExplanationSchema.nullable().describe('The full simulation of the cell; null for self.'),
});

export const MatrixSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('Matrix'),
    scope: z.strictObject({
      namespaces: z.union([z.array(z.string()), z.literal('all')]),
      port: z.number().int().nullable(),
    }),
    rows: z.array(z.string()).describe('The source pods (sidecars whose config was given), pod.namespace.'),
    columns: z.array(MatrixColumnSchema),
    cells: z.array(z.array(MatrixCellSchema)).describe('cells[row][column].'),
  })
  .meta({ title: 'Matrix', description: 'meshctl matrix -o json: one simulation per source pod and port.' });
