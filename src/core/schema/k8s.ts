// The Kubernetes and Istio objects meshctl reads (model/k8s.ts), as far as it reads them: each schema checks
// the fields the simulator uses and lets every other field through (`looseObject`), so a manifest from any
// Kubernetes or Istio version is accepted while a wrong type where meshctl looks (a port that is a string, an
// annotation that YAML made a boolean) is refused with its path instead of being read as nothing. Field
// shapes follow the Kubernetes API reference (core/v1 Pod, Service, Endpoints; discovery.k8s.io/v1
// EndpointSlice) and Istio's networking/security v1 CRDs.
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
/** Label and annotation values are strings in the API: YAML's `inject: true` or `version: 1` are not. */
const stringMap = z.record(
  z.string(),
  z.string({ error: (i) => `expected a string (quote it in YAML), received ${typeof i.input}` }),
);

const MetadataSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
});

/** Templates (Deployments, ...) may leave the name to their controller. */
const TemplateMetadataSchema = MetadataSchema.extend({ name: z.string().optional() });

const ProtocolSchema = z.enum(['TCP', 'UDP', 'SCTP']);

const PodSpecSchema = z.looseObject({
  containers: z
    .array(
      z.looseObject({
        name: z.string(),
        image: z.string().optional(),
        ports: z
          .array(
            z.looseObject({
              name: z.string().optional(),
              containerPort: port,
              protocol: ProtocolSchema.optional(),
            }),
          )
          .nullish(),
      }),
    )
    .optional(),
  initContainers: z.array(z.looseObject({ name: z.string(), args: z.array(z.string()).nullish() })).nullish(),
});

export const PodSchema = z.looseObject({
  metadata: MetadataSchema,
  spec: PodSpecSchema.optional(),
  status: z.looseObject({ podIP: z.string().optional() }).nullish(),
});

export const WorkloadSchema = z.looseObject({
  metadata: MetadataSchema,
  spec: z
    .looseObject({
      template: z.looseObject({ metadata: TemplateMetadataSchema.nullish(), spec: PodSpecSchema.optional() }),
    })
    .optional(),
});

export const ServiceSchema = z.looseObject({
  metadata: MetadataSchema,
  spec: z
    .looseObject({
      type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']).optional(),
      clusterIP: z.string().optional(),
      selector: stringMap.nullish(),
      ports: z
        .array(
          z.looseObject({
            name: z.string().optional(),
            port,
            targetPort: z.union([port, z.string().min(1)]).optional(),
            protocol: ProtocolSchema.optional(),
            appProtocol: z.string().optional(),
          }),
        )
        .nullish(),
    })
    .optional(),
});

const EndpointPortSchema = z.looseObject({ name: z.string().optional(), port });
const AddressSchema = z.looseObject({
  ip: z.string().min(1),
  targetRef: z.looseObject({ name: z.string().optional() }).nullish(),
});

export const EndpointsSchema = z.looseObject({
  metadata: MetadataSchema,
  subsets: z
    .array(
      z.looseObject({
        addresses: z.array(AddressSchema).nullish(),
        notReadyAddresses: z.array(AddressSchema).nullish(),
        ports: z.array(EndpointPortSchema).nullish(),
      }),
    )
    .nullish(),
});

export const EndpointSliceSchema = z.looseObject({
  metadata: MetadataSchema,
  endpoints: z
    .array(
      z.looseObject({
        addresses: z.array(z.string().min(1)),
        conditions: z.looseObject({ ready: z.boolean().nullish() }).nullish(),
        targetRef: z.looseObject({ name: z.string().optional() }).nullish(),
      }),
    )
    .nullish(),
  // an EndpointSlice port may leave `port` unset: all ports (discovery.k8s.io/v1 EndpointPort)
  ports: z.array(z.looseObject({ name: z.string().optional(), port: port.nullish() })).nullish(),
});

const IstioBase = { metadata: MetadataSchema };
const TlsMode = z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);
const MtlsMode = z.enum(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

/** The Istio objects meshctl reads, by kind (the others of ISTIO_KINDS are kept with only their metadata). */
export const ISTIO_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  DestinationRule: z.looseObject({
    ...IstioBase,
    spec: z.looseObject({
      host: z.string().min(1),
      subsets: z.array(z.looseObject({ name: z.string().min(1), labels: stringMap.nullish() })).nullish(),
      trafficPolicy: z.looseObject({ tls: z.looseObject({ mode: TlsMode.optional() }).nullish() }).nullish(),
    }),
  }),
  VirtualService: z.looseObject({
    ...IstioBase,
    spec: z.looseObject({ hosts: z.array(z.string()).nullish(), gateways: z.array(z.string()).nullish() }),
  }),
  PeerAuthentication: z.looseObject({
    ...IstioBase,
    spec: z
      .looseObject({
        mtls: z.looseObject({ mode: MtlsMode.optional() }).nullish(),
        portLevelMtls: z.record(z.string(), z.looseObject({ mode: MtlsMode.optional() })).nullish(),
      })
      .nullish(),
  }),
};

export const IstioObjectSchema = z.looseObject({ ...IstioBase, spec: z.looseObject({}).nullish() });

/** The schema of a kind meshctl reads, or undefined for kinds it ignores. */
export function k8sSchemaOf(kind: string, istio: boolean): z.ZodType | undefined {
  if (istio) return ISTIO_SCHEMAS[kind] ?? IstioObjectSchema;
  switch (kind) {
    case 'Pod':
      return PodSchema;
    case 'Service':
      return ServiceSchema;
    case 'Endpoints':
      return EndpointsSchema;
    case 'EndpointSlice':
      return EndpointSliceSchema;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return WorkloadSchema;
    default:
      return undefined;
  }
}

export interface ObjectProblem {
  /** Where inside the object: `spec.ports[0].port` as a list of names and indices. */
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** The first problem of an object meshctl reads, or undefined when it is as the API defines it. */
export function checkK8sObject(kind: string, istio: boolean, o: unknown): ObjectProblem | undefined {
  const schema = k8sSchemaOf(kind, istio);
  if (!schema) return undefined;
  const r = schema.safeParse(o);
  if (r.success) return undefined;
  const first = r.error.issues[0]!;
  return {
    path: first.path.map((p) => (typeof p === 'number' ? p : String(p))),
    message: first.message.replace(/^Invalid (input|option): /, ''),
  };
}
