// The conformance corpus (issue 13): worlds (one set of inputs each, so a world's Envoys start once) and the
// cases replayed in them. Each case is the argument list a person would give `meshctl explain`, plus what the
// generator meant it to hit, so a case also checks that the generator hit what it meant.
import type { Stage, StepResult, Via } from '../../engine/types.js';

/** One step the Explanation must (or, with `absent`, must not) contain, in trace order for the present ones. */
export interface ExpectStep {
  readonly stage: Stage;
  /** The step's result; a list accepts any of them. Omitted: any result. */
  readonly result?: StepResult | readonly StepResult[];
  /** The chosen object's name, verbatim (listener, chain, route config, vhost, route, cluster, endpoint). */
  readonly name?: string;
  /** The step's index in its parent list (chains, vhosts, routes). */
  readonly index?: number;
  /** Must not occur with this stage, result and name anywhere in the trace. */
  readonly absent?: boolean;
}

export interface Expect {
  readonly result?: 'delivered' | 'failed' | 'unknown' | readonly ('delivered' | 'failed' | 'unknown')[];
  readonly via?: Via;
  readonly responseFlag?: string | null;
  readonly cluster?: string | null;
  readonly steps?: readonly ExpectStep[];
}

export interface CorpusCase {
  /** Unique in the corpus: `<world id>/<what it aims at>`. */
  readonly id: string;
  /** The `meshctl explain` arguments after `explain`, without inputs: ['pod-to-pod', 'A', 'B', '--port', '80']. */
  readonly args: readonly string[];
  /** What the generator aimed at, in words (shown in the report). */
  readonly aim: string;
  readonly expect: Expect;
}

/**
 * Inputs a world is opened with (the paths of ReplayInputs). For generated worlds they are relative to the
 * directory the world's `files` are written to; for fixtures, relative to the repository.
 */
export interface CorpusInputs {
  readonly snapshot?: string;
  readonly dumps?: readonly string[];
  readonly manifests?: readonly string[];
  readonly sockets?: readonly string[];
}

export interface CorpusWorld {
  readonly id: string;
  /** stories | real | routes | domains | chains | capture | bind | mtls ... */
  readonly family: string;
  readonly description: string;
  readonly inputs: CorpusInputs;
  /** Files to write before opening (generated worlds): relative path → content. */
  readonly files?: Readonly<Record<string, string>>;
  /** Inputs are paths in the repository, not in the world's own directory. */
  readonly inRepo?: boolean;
  readonly cases: readonly CorpusCase[];
}
