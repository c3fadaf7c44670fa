// A Kubernetes object read from a manifest, with the position of each of its fields (lint reports exact
// file:line:column). Sources build these; rules read them.
import type { JsonObject } from './normalize.js';

export interface Position {
  readonly line: number;
  readonly column: number;
}

export type FieldPath = ReadonlyArray<string | number>;

export interface LintResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly raw: JsonObject;
  /** The file it came from (`-` for stdin), as given on the command line. */
  readonly file: string;
  /** Line and column of a field of this object; the object's own start when the field is absent. */
  locate(path: FieldPath): Position;
}

/** Kinds without a namespace. */
export const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'Node',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'APIService',
  'IngressClass',
]);

/** `Service default/reviews`, `ClusterRole loki`: how findings and reports name a resource. */
export function resourceLabel(r: Pick<LintResource, 'kind' | 'namespace' | 'name'>): string {
  return r.namespace ? `${r.kind} ${r.namespace}/${r.name}` : `${r.kind} ${r.name}`;
}
