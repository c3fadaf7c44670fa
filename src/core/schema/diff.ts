// `meshctl diff -o json`: one comparison prints as a Diff, several (two snapshots) as a DiffList
// (docs/diff.md). core/diff/config-diff.ts and cli/diff.ts infer their types from here.
import { z } from 'zod';

export const ResourceKindSchema = z.enum(['listener', 'route', 'cluster', 'endpoints']);

export const LeafChangeSchema = z.strictObject({
  path: z
    .string()
    .describe(
      'Where in the resource: filter_chains[0].filters[http_connection_manager].typed_config.stat_prefix.',
    ),
  a: z.json().optional().describe('The value in A; absent when A has none.'),
  b: z.json().optional().describe('The value in B; absent when B has none.'),
});

export const ChangeSchema = z.strictObject({
  kind: z.enum(['added', 'removed', 'changed']),
  resource: ResourceKindSchema,
  name: z.string().describe("The resource's name, verbatim."),
  summary: z.string(),
  details: z.array(LeafChangeSchema).describe('Every changed leaf.'),
  more: z.array(z.string()).describe('What the summary leaves out, one sentence each.'),
});

export const ChangeGroupSchema = z.strictObject({
  group: z
    .string()
    .describe('reviews.default.svc.cluster.local:9080, inbound :9080, listeners :9080, or proxy internals.'),
  changes: z.array(ChangeSchema),
});

export const DiffSideSchema = z.strictObject({
  label: z.string(),
  proxy: z.string(),
  istioVersion: z.string().nullable(),
});

export const DiffSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('Diff'),
    a: DiffSideSchema,
    b: DiffSideSchema,
    identical: z.boolean(),
    groups: z.array(ChangeGroupSchema),
    ignored: z.array(z.string()).describe('What the comparison leaves out.'),
  })
  .meta({
    title: 'Diff',
    description: 'meshctl diff -o json of two proxies: changes grouped by service and port.',
  });

export const DiffListSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('DiffList'),
    items: z.array(DiffSchema),
    onlyInA: z.array(z.string()).describe('Snapshots: pods captured only in A.'),
    onlyInB: z.array(z.string()).describe('Snapshots: pods captured only in B.'),
  })
  .meta({
    title: 'DiffList',
    description: 'meshctl diff -o json of two snapshots: one Diff per pod in both.',
  });
