// The Explanation (`meshctl explain -o json`), as cli-contract.md "meshctl explain ... -o json" defines it. This
// schema is the single source: engine/types.ts infers the TypeScript types from it, `meshctl schema
// Explanation` prints it as JSON Schema, and the tests validate every explain JSON against it.
import { z } from 'zod';

export const StageSchema = z
  .enum([
    'capture',
    'listener',
    'filterChain',
    'networkFilter',
    'routeConfig',
    'virtualHost',
    'route',
    'cluster',
    'endpoints',
    'inbound',
    'application',
  ])
  .describe('The stage of the simulation a step belongs to, in path order.');

export const StepResultSchema = z.enum(['matched', 'no-match', 'failed', 'skipped', 'unknown']);

/** A config object's own name, verbatim from the dump, or null when it has none (steps and alternatives). */
const objectName = (what: string) => z.string().nullable().describe(what);
/** A position in the parent list, or null where the object is not a list member (steps and alternatives). */
const listIndex = (what: string) => z.number().int().nonnegative().nullable().describe(what);

export const AlternativeSchema = z.strictObject({
  name: objectName(
    "The losing config object's own name, verbatim from the dump; null when it has none (an unnamed chain or route).",
  ),
  index: listIndex(
    'Its position in the same parent list as the chosen object (filter chains, virtual hosts, routes); null where not a list member (a listener, a socket, the default filter chain).',
  ),
  address: z
    .string()
    .optional()
    .describe('For a listening socket (no config object, no name): its address as ss prints it.'),
  reason: z.string().describe('Why it was not chosen.'),
});

export const StepSchema = z.strictObject({
  stage: StageSchema,
  proxy: z.string().describe('The proxy this step ran on, pod.namespace (source or destination).'),
  result: StepResultSchema,
  name: objectName(
    "The chosen config object's own name, verbatim from the dump, so `meshctl get` finds it; null when the object has none (an unnamed filter chain or route, an iptables rule, a socket).",
  ),
  index: listIndex(
    'Position in its parent list (filter chains, network filters, virtual hosts, routes); null where not a list member (a listener, a cluster, the default filter chain).',
  ),
  address: z
    .string()
    .optional()
    .describe(
      'Where this step sends the connection, ip:port as Envoy logs %UPSTREAM_HOST%: the endpoint chosen, or the address the receiving sidecar connects to for the app. An endpoint has an address, not a name, so it is never in `name`.',
    ),
  balancedOver: z
    .array(z.string())
    .optional()
    .describe(
      "The endpoints (ip:port) Envoy's load balancer picks among when there are several healthy ones: `address` is the one the walk follows, Envoy may pick any of these.",
    ),
  detail: z.string().describe('Why: what was compared with what.'),
  origin: z
    .string()
    .optional()
    .describe(
      'The Istio object behind the config (filter_metadata.istio.config), e.g. "VirtualService default/reviews".',
    ),
  alternatives: z.array(AlternativeSchema).optional(),
});

export const ProtocolSchema = z.enum(['tcp', 'http', 'http2', 'grpc', 'tls']);

export const HintSchema = z.strictObject({
  // kebab-case; a version in it keeps its dots (`istio-1.0-no-listener-for-pod-ip`)
  id: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9.]+)*$/)
    .describe('kebab-case, stable.'),
  message: z.string(),
  fix: z.string(),
});

export const ViaSchema = z
  .enum(['cluster', 'passthrough', 'blackhole', 'bypass', 'redirect', 'direct-response', 'none'])
  .describe('What the first proxy on the path handed the traffic to.');

export const OutcomeSchema = z.strictObject({
  result: z.enum(['delivered', 'failed', 'unknown']),
  via: ViaSchema,
  responseFlag: z
    .string()
    .nullable()
    .describe('The response flag(s) Envoy would log: NR, NC, UH, UF, UC, DPE, ... ("UF,URX" when retried).'),
  httpStatus: z.number().int().nullable().describe('null for TCP.'),
  cluster: z
    .string()
    .nullable()
    .describe('The cluster chosen by the first proxy on the path, even if absent.'),
  endpoint: z.string().nullable().describe('ip:port of the upstream host, when known.'),
  failedStage: StageSchema.nullable().describe(
    'The stage of the first failed or no-match step that decided the outcome.',
  ),
  summary: z.string().describe('One sentence a person can act on.'),
});

export const CallSchema = z.strictObject({
  mode: z.enum(['outbound', 'inbound', 'gateway']),
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  protocol: ProtocolSchema,
  host: z.string().nullable(),
  path: z.string().nullable(),
  method: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  sni: z.string().nullable(),
});

export const ExplanationSourceSchema = z.strictObject({
  proxy: z.string().describe('pod.namespace of the first proxy on the path.'),
  type: z.enum(['sidecar', 'router', 'waypoint', 'ztunnel', 'unknown']),
  ip: z.string().nullable(),
  istioVersion: z.string().nullable(),
});

export const ExplanationSchema = z
  .strictObject({
    apiVersion: z.literal('meshctl/v1'),
    kind: z.literal('Explanation'),
    source: ExplanationSourceSchema,
    call: CallSchema,
    outcome: OutcomeSchema,
    steps: z.array(StepSchema),
    hints: z.array(HintSchema),
    missing: z.array(z.string()).describe('What evidence was unavailable and how to get it.'),
  })
  .meta({
    title: 'Explanation',
    description:
      'meshctl explain -o json: the simulated path of a connection or request, step by step (cli-contract.md).',
  });
