// -o json and -o yaml: the data as it is, sorted keys nowhere (Envoy's own field order is kept).
import { stringify } from 'yaml';

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
