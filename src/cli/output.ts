// -o json, -o yaml or the command's own text. The yaml package is loaded only when YAML is asked for: it is
// the heaviest module of a start-up that reads JSON dumps (~40 ms of it).
import { createRequire } from 'node:module';
import type * as YamlModule from 'yaml';
import { renderJson, renderYaml, type YamlStringify } from '../render/data.js';

const require = createRequire(import.meta.url);

export function yamlStringify(): YamlStringify {
  return (require('yaml') as typeof YamlModule).stringify;
}

/** -o json and -o yaml print the data itself; any other format is what `text` renders. */
export function renderAs(output: string, data: unknown, text: () => string): string {
  return output === 'json'
    ? renderJson(data)
    : output === 'yaml'
      ? renderYaml(data, yamlStringify())
      : text();
}
