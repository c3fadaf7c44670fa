// The snapshot bundle's index, meshctl-snapshot.json (docs/snapshot-format.md): written by `meshctl snapshot`,
// read by every --snapshot command through this schema, so a hand-edited or truncated index is refused with
// the path of the field that is wrong.
import { z } from 'zod';

/** A path inside the snapshot: relative, with `/`, and never leaving the directory. */
const bundlePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), {
    message: 'a relative path inside the snapshot (no leading / and no ..)',
  });

export const SnapshotPodSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  ip: z.string().nullable(),
  dump: bundlePath.nullable().describe('dumps/<namespace>/<pod>.json; null when it could not be fetched.'),
  sockets: bundlePath
    .nullable()
    .describe('sockets/<namespace>/<pod>.txt; null when not asked for (--sockets).'),
  error: z.string().nullable().describe('Why this pod failed, e.g. "istio-proxy not ready".'),
});

export const SnapshotSchema = z
  .object({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('Snapshot'),
    formatVersion: z.number().int().positive(),
    created: z.string().optional().describe('RFC 3339, UTC.'),
    source: z
      .looseObject({ kind: z.string().optional() })
      .optional()
      .describe('Where it came from: free-form, for people.'),
    pods: z.array(SnapshotPodSchema),
  })
  .meta({
    title: 'Snapshot',
    description: 'meshctl-snapshot.json, the index of a snapshot directory (docs/snapshot-format.md).',
  });
