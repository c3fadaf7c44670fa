// The Replay kind (`meshctl replay -o json`, issue 13): meshctl's Explanation beside what a real Envoy did
// with the same call, compared field by field. This schema is the single source of its types; it is
// registered with the other meshctl/v1 kinds in core/schema/index.ts.
import { z } from 'zod';
import { ExplanationSchema } from '../schema/explanation.js';

export const ProxyRoleSchema = z.enum(['source', 'gateway', 'destination']);

export const ObservedProxySchema = z.strictObject({
  proxy: z.string().describe('pod.namespace, as the Explanation names it.'),
  role: ProxyRoleSchema,
  listener: z.string().nullable().describe('%LISTENER_NAME% of the access log.'),
  filterChain: z.string().nullable().describe('%FILTER_CHAIN_NAME%.'),
  route: z.string().nullable().describe('%ROUTE_NAME%.'),
  cluster: z.string().nullable().describe('%UPSTREAM_CLUSTER%.'),
  upstreamHost: z.string().nullable().describe('%UPSTREAM_HOST%.'),
  responseFlag: z.string().nullable().describe('%RESPONSE_FLAGS% (null for "-").'),
  responseCode: z.number().int().nullable(),
  responseCodeDetails: z.string().nullable(),
  accessLog: z.array(z.string()).describe('The raw access-log lines this call wrote, as Envoy wrote them.'),
  stats: z
    .record(z.string(), z.number())
    .describe(
      'Counters of /stats that changed during the call (no_route, no_cluster, upstream_cx_connect_fail, ...).',
    ),
});

export const ClientSeenSchema = z.strictObject({
  connected: z.boolean(),
  error: z.string().optional().describe('ECONNREFUSED, ECONNRESET, ... when the connection failed.'),
  timedOut: z.boolean(),
  status: z.number().int().optional(),
  bytesBack: z.number().int(),
  reply: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  local: z
    .string()
    .optional()
    .describe(
      "The client's own ip:port: the call's records are those of this connection and what it led to.",
    ),
});

export const AppSeenSchema = z.strictObject({
  host: z.string().describe('The address of the namespace the app runs in.'),
  listen: z.string().describe('The socket that accepted (ip:port).'),
  remote: z.string(),
  bytes: z.number().int(),
  requestLine: z.string().optional(),
  httpHost: z.string().optional(),
  tls: z.boolean().optional(),
});

export const ObservedSchema = z.strictObject({
  version: z.string().describe('envoy --version, without the commit.'),
  result: z.enum(['delivered', 'failed']),
  responseFlag: z.string().nullable().describe('The flag of the last proxy on the path that logged one.'),
  httpStatus: z.number().int().nullable().describe('What the client received (null for TCP).'),
  proxies: z.array(ObservedProxySchema),
  client: ClientSeenSchema,
  app: z.array(AppSeenSchema).describe('Connections the app sockets accepted during the call.'),
  attempts: z
    .number()
    .int()
    .optional()
    .describe(
      "Calls made, when more than one: Envoy's balancer picked another of the endpoints meshctl names than the one its walk follows, so the call was made again (bounded) until it picked that one; this is the last call.",
    ),
});

export const ComparedSchema = z.strictObject({
  field: z
    .string()
    .describe(
      'result, responseFlag, httpStatus, listener, filterChain, route, cluster, upstreamHost, appAccepted.',
    ),
  proxy: z.string().optional(),
  meshctl: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  envoy: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  acceptable: z
    .array(z.string())
    .optional()
    .describe(
      "upstreamHost: the endpoints meshctl says Envoy's balancer picks among (`meshctl` is the one its walk follows); Envoy picking any of them agrees.",
    ),
  verdict: z
    .enum(['agree', 'differ', 'unobserved'])
    .describe('unobserved: Envoy did not say (no log line, or the field empty): never counted as agreement.'),
});

export const DifferenceSchema = ComparedSchema.omit({ verdict: true });

export const AdaptationEntrySchema = z.strictObject({
  proxy: z.string(),
  what: z.string(),
  where: z.string(),
  why: z.string(),
});

export const ReplaySchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('Replay'),
    args: z.array(z.string()).describe('The explain arguments replayed.'),
    envoy: ObservedSchema.nullable().describe('What Envoy did; null when skipped.'),
    meshctl: ExplanationSchema,
    comparison: z.array(ComparedSchema),
    differences: z.array(DifferenceSchema),
    adaptations: z.array(AdaptationEntrySchema),
    skipped: z.strictObject({ reason: z.string() }).nullable(),
  })
  .meta({
    title: 'Replay',
    description:
      "meshctl replay -o json: meshctl's Explanation compared field by field with what real Envoy did with the same call.",
  });

export type Replay = z.infer<typeof ReplaySchema>;
export type Observed = z.infer<typeof ObservedSchema>;
export type ObservedProxy = z.infer<typeof ObservedProxySchema>;
export type Compared = z.infer<typeof ComparedSchema>;
export type Difference = z.infer<typeof DifferenceSchema>;
export type AdaptationEntry = z.infer<typeof AdaptationEntrySchema>;
export type ClientSeen = z.infer<typeof ClientSeenSchema>;
export type AppSeen = z.infer<typeof AppSeenSchema>;
