// -o json and -o yaml: the data as it is, sorted keys nowhere (Envoy's own field order is kept).
import type { stringify } from 'yaml';

/** The yaml package's stringify: passed in by the CLI, which loads the package only when YAML is asked for. */
export type YamlStringify = typeof stringify;

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function renderYaml(value: unknown, stringify: YamlStringify): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
