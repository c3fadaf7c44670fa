// The conformance corpus of issue 13 (run by scripts/conformance.mjs through `npm run conformance`).
export type { CorpusCase, CorpusInputs, CorpusWorld, Expect, ExpectStep } from './types.js';
export { checkExpect, stepIdentity } from './check.js';
export { CORPUS_SEED, generatedWorlds, rng } from './families.js';
export { argsFromExplanation, goldenCase, pairCases, type ProxyPod } from './stories.js';
export { DEFAULT_LIMITS, deriveCases, type DeriveLimits } from './derive.js';
export {
  closingLine,
  duplicateIds,
  reportJson,
  reportMarkdown,
  tally,
  type CaseResult,
  type Difference,
  type RunInfo,
  type Tally,
  type Verdict,
} from './report.js';
