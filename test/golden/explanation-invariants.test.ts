// What every Explanation of the fixtures must satisfy (issue 14 items 2 and 3; cli-contract.md "What the
// outcome fields mean"): each step's `name`, and each alternative's, is found verbatim in its story's dumps
// or is null; `failedStage`
// is the stage of the first failed or no-match step, which exists when the outcome failed; `via` is never
// `none` once a cluster was chosen. Checked over every JSON golden of the stories (explain and explain log)
// and over every cell of `meshctl matrix` on every story snapshot (one simulation per cell).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const SNAPSHOTS = join(REPO_ROOT, 'fixtures', 'snapshots');
const GOLDEN = join(REPO_ROOT, 'fixtures', 'golden');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const stories = readdirSync(SNAPSHOTS).filter((n) => statSync(join(SNAPSHOTS, n)).isDirectory());

/** The dumps of a story as text: a name is verbatim when its JSON string is in one of them. */
function dumpsText(story: string): string {
  return filesUnder(join(SNAPSHOTS, story, 'dumps'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

/** Every problem of one Explanation, one sentence each. */
export function explanationProblems(e: Explanation, dumps: string): string[] {
  const problems: string[] = [];
  e.steps.forEach((s, i) => {
    if (s.name !== null && !dumps.includes(JSON.stringify(s.name)))
      problems.push(
        `step ${i} (${s.stage}) is named ${JSON.stringify(s.name)}, which is in none of the dumps`,
      );
    if (s.name === '') problems.push(`step ${i} (${s.stage}) has an empty name (null is for no name)`);
    // the objects that lost are named the same way: Envoy's string or null, the position in index
    (s.alternatives ?? []).forEach((a, k) => {
      if (a.name !== null && !dumps.includes(JSON.stringify(a.name)))
        problems.push(
          `step ${i} (${s.stage}) alternative ${k} is named ${JSON.stringify(a.name)}, which is in none of the dumps`,
        );
      if (a.name === '') problems.push(`step ${i} (${s.stage}) alternative ${k} has an empty name`);
    });
  });
  const first = e.steps.find((s) => s.result === 'failed' || s.result === 'no-match');
  const o = e.outcome;
  if (o.result === 'failed') {
    if (!first) problems.push('the outcome failed, but no step failed or found no match');
    else if (o.failedStage !== first.stage)
      problems.push(`failedStage is ${o.failedStage}, the first failing step is ${first.stage}`);
  } else if (o.failedStage !== null) problems.push(`failedStage ${o.failedStage} on a ${o.result} outcome`);
  if (o.cluster !== null && o.via === 'none')
    problems.push(`via is none, but cluster ${o.cluster} was chosen`);
  return problems;
}

function check(e: Explanation, dumps: string, what: string): void {
  const problems = explanationProblems(e, dumps);
  assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);
}

describe('every Explanation of the fixtures agrees with its steps and its dumps', () => {
  for (const story of stories) {
    const dumps = dumpsText(story);
    const dir = join(GOLDEN, story);
    const goldens = (() => {
      try {
        return readdirSync(dir).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
    })();
    it(`${story}: its ${goldens.length} JSON goldens`, () => {
      let seen = 0;
      for (const g of goldens) {
        const doc = JSON.parse(readFileSync(join(dir, g), 'utf8')) as {
          kind: string;
          explanation?: Explanation;
        };
        const e = doc.kind === 'Explanation' ? (doc as unknown as Explanation) : doc.explanation;
        if (!e) continue;
        check(e, dumps, `${story}/${g}`);
        seen++;
      }
      assert.ok(seen > 0 || goldens.length === 0, `${story}: no Explanation among its goldens`);
    });
    it(`${story}: every cell of meshctl matrix`, () => {
      const r = meshctl(['matrix', '--snapshot', join(SNAPSHOTS, story), '-o', 'json']);
      assert.ok(r.stdout.startsWith('{'), r.stderr);
      const m = JSON.parse(r.stdout) as { cells: Array<Array<{ explanation: Explanation | null }>> };
      const explanations = m.cells.flat().flatMap((c) => (c.explanation ? [c.explanation] : []));
      assert.ok(explanations.length > 0, `${story}: the matrix simulated nothing`);
      for (const e of explanations)
        check(e, dumps, `${story} matrix ${e.source.proxy} -> ${e.call.address}:${e.call.port}`);
    });
  }
});

describe('the invariant check itself', () => {
  const base = JSON.parse(
    readFileSync(join(GOLDEN, 'story2-bookinfo-vs-without-dr', 'request-reviews.json'), 'utf8'),
  ) as Explanation;
  const dumps = dumpsText('story2-bookinfo-vs-without-dr');
  it('holds on the golden as recorded', () => assert.deepEqual(explanationProblems(base, dumps), []));
  it('catches a decorated name, a drifted failedStage and via none with a cluster', () => {
    const steps = base.steps.map((s) => (s.stage === 'route' ? { ...s, name: '#0' } : s));
    const bad = {
      ...base,
      steps,
      outcome: { ...base.outcome, via: 'none', failedStage: 'inbound' },
    } as Explanation;
    assert.equal(explanationProblems(bad, dumps).length, 3);
  });
  it('catches an alternative whose name carries its position', () => {
    const story = 'story4-zookeeper-istio-1.9';
    const base = JSON.parse(readFileSync(join(GOLDEN, story, 'pod-to-pod-3888.json'), 'utf8')) as Explanation;
    const dumps = dumpsText(story);
    assert.deepEqual(explanationProblems(base, dumps), []);
    const at = base.steps.findIndex((s) => s.alternatives?.some((a) => a.name !== null));
    assert.ok(at >= 0, 'the golden has a step with alternatives');
    const steps = base.steps.map((s, i) =>
      i === at
        ? {
            ...s,
            alternatives: s.alternatives!.map((a) => ({ ...a, name: `${a.name} #${a.index ?? 0}` })),
          }
        : s,
    );
    const problems = explanationProblems({ ...base, steps } as Explanation, dumps);
    assert.equal(problems.length, base.steps[at]!.alternatives!.length, problems.join('\n'));
    assert.match(problems[0]!, /alternative 0 is named .*#\d/);
  });
});
