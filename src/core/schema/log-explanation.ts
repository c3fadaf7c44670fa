// `meshctl explain log -o json` (docs/explain-log.md): engine/access-log.ts infers its types from here.
import { z } from 'zod';
import { ExplanationSchema } from './explanation.js';

const text = z.string().nullable();

export const AccessLogLineSchema = z.strictObject({
  format: z.enum(['istio-1.9+', 'istio-1.1-1.8', 'envoy-default', 'json']),
  startTime: text,
  method: text,
  path: text,
  protocol: text,
  responseCode: z.number().int().nullable(),
  responseFlags: z
    .array(z.string())
    .describe('Short flags (UF, URX), long forms converted. Empty when the line says "-".'),
  responseCodeDetails: text,
  connectionTerminationDetails: text,
  upstreamTransportFailureReason: text,
  authority: text,
  upstreamHost: text,
  upstreamCluster: text,
  upstreamLocalAddress: text,
  downstreamLocalAddress: text,
  downstreamRemoteAddress: text,
  requestedServerName: text,
  routeName: text,
});

export const ResponseFlagSchema = z.strictObject({
  short: z.string(),
  long: z.string(),
  meaning: z.string(),
});

export const LogPlacementSchema = z.strictObject({
  what: z.enum(['listener', 'route', 'cluster', 'endpoint']),
  name: z.string(),
  found: z
    .boolean()
    .nullable()
    .describe(
      "true: in the proxy's config; false: not there; null: the config cannot tell (no EDS, ORIGINAL_DST).",
    ),
  detail: z.string(),
});

export const LogExplanationSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('LogExplanation'),
    proxy: z.string(),
    direction: z.enum(['outbound', 'inbound']),
    line: AccessLogLineSchema,
    flags: z.array(ResponseFlagSchema),
    placement: z.array(LogPlacementSchema),
    verdict: z.strictObject({
      agrees: z
        .boolean()
        .nullable()
        .describe(
          'Whether simulating the same call with this config gives what the line says (null: cannot tell).',
        ),
      logged: z.string(),
      predicted: z.string(),
      summary: z.string(),
    }),
    explanation: ExplanationSchema.describe('The same call simulated through the config.'),
  })
  .meta({
    title: 'LogExplanation',
    description: "meshctl explain log -o json: an access-log line placed in its proxy's config and replayed.",
  });
