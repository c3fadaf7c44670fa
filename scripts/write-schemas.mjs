// Writes docs/schema/<Kind>.json, the JSON Schema of every meshctl/v1 kind, from the zod schemas in
// src/core/schema (compiled: run `npm run build` first). `--check` writes nothing and exits 1 when a file is
// stale or missing, or when docs/schema holds a kind that no longer exists (test/core/schema/schema.test.ts
// runs the same comparison).
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { KIND_NAMES, jsonSchemaOf } = await import(join(root, 'dist/src/core/schema/index.js'));
const dir = join(root, 'docs', 'schema');
const check = process.argv.includes('--check');
const stale = [];
mkdirSync(dir, { recursive: true });
for (const kind of KIND_NAMES) {
  const file = join(dir, `${kind}.json`);
  const text = JSON.stringify(jsonSchemaOf(kind), null, 2) + '\n';
  if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
  stale.push(`${kind}.json`);
  if (!check) writeFileSync(file, text);
}
for (const f of readdirSync(dir))
  if (f.endsWith('.json') && !KIND_NAMES.includes(f.slice(0, -5))) {
    stale.push(`${f} (no such kind)`);
    if (!check) unlinkSync(join(dir, f));
  }
if (check && stale.length) {
  console.error(`docs/schema is stale: ${stale.join(', ')}; run npm run build && npm run schemas`);
  process.exit(1);
}
console.log(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}` : 'docs/schema is up to date');
