// Property-based tests and fuzzing with fast-check: seeded (a failure prints the seed and the path that
// reproduce it), bounded so `npm test` stays fast, and run much longer by `npm run fuzz` (MESHCTL_FUZZ=1,
// scripts/fuzz.mjs), which also counts the inputs each property met. Crashes found are kept in
// fixtures/fuzz/<parser>.json and replayed by the same properties as regression tests.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT } from './paths.js';

export { fc };

export const FUZZING = process.env.MESHCTL_FUZZ === '1';
const SEED = Number(process.env.MESHCTL_FUZZ_SEED ?? 20261207);
/** How many times more inputs a property meets under `npm run fuzz`. */
const FACTOR = Number(process.env.MESHCTL_FUZZ_FACTOR ?? 40);

/**
 * Runs a property `runs` times (times FACTOR when fuzzing), seeded. `name` identifies it in the fuzz
 * campaign's count.
 */
export function property<T>(name: string, prop: fc.IProperty<T>, runs: number): void {
  const numRuns = FUZZING ? runs * FACTOR : runs;
  fc.assert(prop, { seed: SEED, numRuns, includeErrorInReport: true });
  const log = process.env.MESHCTL_FUZZ_LOG;
  if (log) appendFileSync(log, `${name}\t${numRuns}\n`);
}

/** The crash corpus of one parser: inputs that once failed a property, replayed on every run. */
export function corpus<T = string>(parser: string): T[] {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', 'fuzz', `${parser}.json`), 'utf8')) as T[];
}

/** A string damaged at one place: a character deleted, replaced, inserted, or the string cut. */
export const damaged = (s: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.nat({ max: s.length }), fc.string({ maxLength: 3 }), fc.constantFrom(0, 1, 2, 3))
    .map(([i, x, how]) =>
      how === 0
        ? s.slice(0, i)
        : how === 1
          ? s.slice(0, i) + s.slice(i + 1)
          : how === 2
            ? s.slice(0, i) + x + s.slice(i + 1)
            : s.slice(0, i) + x + s.slice(i),
    );

/** Byte-level damage to a document: truncation, a deleted, replaced or inserted byte, a swapped pair. */
export function mutated(doc: Uint8Array): fc.Arbitrary<Uint8Array> {
  const tricky = fc.constantFrom(...'"\\{}[]:,0-eE.tfn \n\u0000'.split('').map((c) => c.charCodeAt(0)));
  const at = fc.nat({ max: Math.max(0, doc.length - 1) });
  return fc.oneof(
    at.map((i) => doc.slice(0, i)),
    at.map((i) => Uint8Array.from([...doc.subarray(0, i), ...doc.subarray(i + 1)])),
    fc.tuple(at, fc.oneof(tricky, fc.integer({ min: 0, max: 255 }))).map(([i, b]) => {
      const out = doc.slice();
      if (out.length) out[i] = b;
      return out;
    }),
    fc.tuple(at, tricky).map(([i, b]) => Uint8Array.from([...doc.subarray(0, i), b, ...doc.subarray(i)])),
    fc.tuple(at, at).map(([i, j]) => {
      const out = doc.slice();
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    }),
  );
}
