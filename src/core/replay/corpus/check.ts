// Does an Explanation show what a corpus case aimed at? Used twice: on meshctl's prediction (the generator
// hit what it meant) and, through the Replay, on what real Envoy did.
import type { Explanation, Step } from '../../engine/types.js';
import type { Expect, ExpectStep } from './types.js';

const list = <T>(v: T | readonly T[] | undefined): readonly T[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];

/**
 * A step's own name and list position. The contract keeps positions in `index`; traces that still print them
 * in the name (`default (#0)`, `0.0.0.0_80 #1`, `#1`) are read the same way, so the corpus does not depend on which one a
 * renderer chose.
 */
export function stepIdentity(s: Step): {
  name: string | null;
  index: number | null;
} {
  if (s.name === null) return { name: null, index: s.index };
  const bare = /^#(\d+)$/.exec(s.name);
  if (bare) return { name: null, index: Number(bare[1]) };
  const tagged = /^(.*) \(#(\d+)\)$/.exec(s.name) ?? /^(.*) #(\d+)$/.exec(s.name);
  if (tagged) return { name: tagged[1]!, index: Number(tagged[2]) };
  return { name: s.name, index: typeof s.index === 'number' ? s.index : null };
}

function stepMatches(s: Step, want: ExpectStep): boolean {
  if (s.stage !== want.stage) return false;
  const results = list(want.result);
  if (results && !results.includes(s.result)) return false;
  const id = stepIdentity(s);
  if (want.name !== undefined && id.name !== want.name) return false;
  if (want.index !== undefined && id.index !== want.index) return false;
  return true;
}

const show = (w: ExpectStep) =>
  `${w.stage}${w.result !== undefined ? ` ${list(w.result)!.join('|')}` : ''}${w.name !== undefined ? ` ${JSON.stringify(w.name)}` : ''}${w.index !== undefined ? ` [${w.index}]` : ''}`;

/** A step as the problem sentences show it: stage, result, name, and its position when it has one. */
const seen = (s: Step) => {
  const id = stepIdentity(s);
  return `${s.stage} ${s.result} ${JSON.stringify(id.name)}${id.index !== null ? ` [${id.index}]` : ''}`;
};

/** Every way the Explanation departs from the expectation, one sentence each; empty when it holds. */
export function checkExpect(e: Explanation, x: Expect): string[] {
  const problems: string[] = [];
  const o = e.outcome;
  const results = list(x.result);
  if (results && !results.includes(o.result))
    problems.push(`result is ${o.result}, expected ${results.join(' or ')}`);
  if (x.via !== undefined && o.via !== x.via) problems.push(`via is ${o.via}, expected ${x.via}`);
  if (x.responseFlag !== undefined && o.responseFlag !== x.responseFlag)
    problems.push(`response flag is ${o.responseFlag ?? 'none'}, expected ${x.responseFlag ?? 'none'}`);
  if (x.cluster !== undefined && o.cluster !== x.cluster)
    problems.push(`cluster is ${o.cluster ?? 'none'}, expected ${x.cluster ?? 'none'}`);
  let at = 0;
  for (const w of x.steps ?? []) {
    if (w.absent) {
      const hit = e.steps.find((s) => stepMatches(s, w));
      if (hit) problems.push(`the trace has ${show(w)}, which the case must just miss`);
      continue;
    }
    const i = e.steps.findIndex((s, k) => k >= at && stepMatches(s, w));
    if (i < 0) {
      const same = e.steps.filter((s) => s.stage === w.stage);
      problems.push(
        `no step ${show(w)} in order; the trace has ${same.length ? same.map(seen).join(', ') : `no ${w.stage} step`}`,
      );
    } else at = i + 1;
  }
  return problems;
}
