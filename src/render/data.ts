// -o json and -o yaml: the data as it is, sorted keys nowhere (Envoy's own field order is kept).
import { stringify } from 'yaml';

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function renderYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** -o json and -o yaml print the data itself; any other format is what `text` renders. */
export function renderAs(output: string, data: unknown, text: () => string): string {
  return output === 'json' ? renderJson(data) : output === 'yaml' ? renderYaml(data) : text();
}
