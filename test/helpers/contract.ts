// Every meshctl/v1 document the tests see is checked against its contract twice: by the zod schema the
// types come from (core/schema) and by the published JSON Schema in docs/schema (with Ajv, as a user's
// script would), so neither the code nor the published file can drift from what meshctl prints.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describeZodError } from '../../src/core/schema/zod-issue.js';
import { isKind, KINDS, type Kind } from '../../src/core/schema/index.js';
import { REPO_ROOT } from './paths.js';

const require = createRequire(import.meta.url);

interface Validate {
  (data: unknown): boolean;
  errors?: unknown;
}
type AjvInstance = { compile(schema: object): Validate };
let ajv: AjvInstance | undefined;
const compiled = new Map<Kind, Validate>();

function published(kind: Kind): Validate {
  let v = compiled.get(kind);
  if (!v) {
    const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => AjvInstance }).default;
    ajv ??= new Ajv2020({ allErrors: false, strict: false });
    v = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'schema', `${kind}.json`), 'utf8')));
    compiled.set(kind, v);
  }
  return v;
}

/** How many documents were validated, by kind (a test asserts that each printed kind was met). */
export const validatedKinds = new Map<string, number>();

/** Asserts that `doc` (a parsed -o json output) is valid for its kind; returns the kind. */
export function assertContract(doc: unknown, where = 'output'): Kind {
  assert.ok(doc !== null && typeof doc === 'object' && !Array.isArray(doc), `${where}: not a JSON object`);
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  assert.equal(apiVersion, 'meshctl/v1', `${where}: apiVersion`);
  assert.ok(typeof kind === 'string' && isKind(kind), `${where}: kind ${String(kind)} has no schema`);
  const r = KINDS[kind].safeParse(doc);
  assert.ok(r.success, `${where}: not a valid ${kind}: ${r.success ? '' : describeZodError(r.error)}`);
  const v = published(kind);
  assert.ok(v(doc), `${where}: docs/schema/${kind}.json rejects it: ${JSON.stringify(v.errors)}`);
  validatedKinds.set(kind, (validatedKinds.get(kind) ?? 0) + 1);
  return kind;
}

/** Validates stdout when it is a meshctl/v1 JSON document (the CLI helper calls this on every -o json). */
export function checkJsonOutput(args: readonly string[], stdout: string): void {
  const i = args.findIndex((a) => a === '-o' || a === '--output');
  const json =
    (i >= 0 && args[i + 1] === 'json') || args.includes('-ojson') || args.includes('--output=json');
  if (!json || !stdout.trimStart().startsWith('{')) return;
  assertContract(JSON.parse(stdout), `meshctl ${args.join(' ')}`);
}
