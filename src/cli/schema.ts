// meshctl schema [KIND]: the JSON Schema of a meshctl/v1 kind (zod's own conversion of core/schema), so
// scripts can validate -o json or generate types from it. Without KIND: the kinds, one a line.
import { InputError } from '../core/diagnostics/errors.js';
import { isKind, jsonSchemaOf, kindDescription, KIND_NAMES } from '../core/schema/index.js';
import { renderJson } from '../render/data.js';
import { renderTable } from '../render/table.js';
import { EXIT_OK } from './errors.js';
import type { CliIo } from './io.js';

export function runSchema(kind: string | undefined, io: CliIo): number {
  if (kind === undefined) {
    io.stdout.write(
      renderTable(
        [{ header: 'KIND' }, { header: 'DESCRIPTION' }],
        KIND_NAMES.map((k) => [k, kindDescription(k)]),
      ),
    );
    return EXIT_OK;
  }
  // kinds are case-insensitive on the command line, like kubectl's resource names
  const name = KIND_NAMES.find((k) => k.toLowerCase() === kind.toLowerCase());
  if (name === undefined || !isKind(name))
    throw new InputError(`unknown kind "${kind}"`, `one of: ${KIND_NAMES.join(', ')}`);
  io.stdout.write(renderJson(jsonSchemaOf(name)));
  return EXIT_OK;
}
