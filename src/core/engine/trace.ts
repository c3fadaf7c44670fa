// What every stage of the walk shares: the trace the steps are written into, the step that decided the outcome
// (with the Envoy consequence it carries: response flag, HTTP status, the sentence for a person), the origin of a
// config object (Istio writes the Istio resource behind it into filter_metadata.istio.config), and the one
// function that turns the steps into the Explanation's outcome (cli-contract.md "What the outcome fields mean").
import type { ConfigDump } from '../model/config-dump.js';
import { describeRef, type ConfigRef } from '../model/istio.js';
import { proxyLabel } from '../model/proxy.js';
import type { Alternative, Hint, Outcome, Protocol, Stage, Step, StepResult, Via } from './types.js';
import type { World } from './traffic.js';

/** The consequence a deciding step carries: what Envoy does to the traffic there. */
export interface Verdict {
  readonly result: Outcome['result'];
  readonly flag: string | null;
  readonly status: number | null;
  readonly summary: string;
}

/** How many near misses a step keeps: enough to see why, not the whole listener. */
const MAX_ALTERNATIVES = 12;

/** What the first proxy handed the traffic to, when a step decides it (cli-contract.md `via`). */
export type HandOver = Exclude<Via, 'none'>;

export interface StepExtra {
  /** The object's position in its parent list (chains, virtual hosts, routes, filters); null otherwise. */
  readonly index?: number | null | undefined;
  /** The Istio resource behind the object, as `Kind namespace/name`. */
  readonly origin?: string | undefined;
  /** The near misses: the objects of the same list that were not chosen, and why. */
  readonly alternatives?: readonly Alternative[] | undefined;
  /** This step hands the traffic over: a cluster (even one that does not exist), a redirect, a bypass. */
  readonly handsTo?: HandOver | undefined;
  /** The upstream address (ip:port) this step connects to: the endpoint chosen, the inbound cluster's target. */
  readonly address?: string | undefined;
  /** The endpoints (ip:port) the balancer picks `address` from, when there are several. */
  readonly balancedOver?: readonly string[] | undefined;
}

const failing = (s: Step) => s.result === 'failed' || s.result === 'no-match';

export class Trace {
  readonly steps: Step[] = [];
  readonly hints: Hint[] = [];
  readonly missing: string[] = [];
  cluster: string | null = null;
  endpoint: string | null = null;
  /** The deciding step's position in `steps` and its consequence; set once, by `decide`. */
  private decision: { readonly at: number; readonly verdict: Verdict } | undefined;
  /** Steps whose route retries connect failures (Istio's default retry policy): UF is then logged UF,URX. */
  private readonly retrying = new Set<Step>();
  /** Steps that hand the traffic over, and to what. */
  private readonly handOvers = new Map<Step, HandOver>();

  /** A step: `name` is the object's own name as the dump spells it, null when it has none. */
  add(
    stage: Stage,
    proxy: string,
    result: StepResult,
    name: string | null,
    detail: string,
    extra: StepExtra = {},
  ): void {
    const step: Step = {
      stage,
      proxy,
      result,
      name: name || null,
      index: extra.index ?? null,
      ...(extra.address ? { address: extra.address } : {}),
      ...(extra.balancedOver?.length ? { balancedOver: [...extra.balancedOver] } : {}),
      detail,
    };
    if (extra.origin) Object.assign(step, { origin: extra.origin });
    if (extra.alternatives?.length)
      Object.assign(step, { alternatives: extra.alternatives.slice(0, MAX_ALTERNATIVES) });
    if (extra.handsTo) this.handOvers.set(step, extra.handsTo);
    this.steps.push(step);
  }
  /**
   * The last step retries connect failures: a route's retry_policy.retry_on, or a tcp_proxy (whose attempt past
   * max_connect_attempts is logged URX). A UF decided after it is logged UF,URX.
   */
  retriesConnectFailure(): void {
    const last = this.steps[this.steps.length - 1];
    if (last) this.retrying.add(last);
  }
  hint(id: string, message: string, fix: string): void {
    if (!this.hints.some((h) => h.id === id)) this.hints.push({ id, message, fix });
  }
  need(what: string): void {
    if (!this.missing.includes(what)) this.missing.push(what);
  }
  /** The last step written decided the outcome; the walk stops here. */
  decide(verdict: Verdict): Stop {
    if (!this.decision) this.decision = { at: this.steps.length - 1, verdict };
    return STOP;
  }
  /**
   * The outcome, from the steps: `via` is what the first step that hands the traffic over hands it to
   * (`none` when no step does), `failedStage` is the stage of the first failed or no-match step, the one
   * that decided; result, flag, status and summary are the deciding step's consequence.
   */
  outcome(protocol: Protocol): Outcome {
    const d = this.decision;
    if (!d) throw new Error('the walk ended without a deciding step');
    const path = this.steps.slice(0, d.at + 1);
    let flag = d.verdict.flag;
    if (flag === 'UF' && path.some((s) => this.retrying.has(s))) flag = 'UF,URX';
    const handing = path.find((s) => this.handOvers.has(s));
    return {
      result: d.verdict.result,
      via: handing ? this.handOvers.get(handing)! : 'none',
      responseFlag: flag,
      httpStatus: isHttp(protocol) ? d.verdict.status : null,
      cluster: this.cluster,
      endpoint: this.endpoint,
      failedStage: d.verdict.result === 'failed' ? (path.find(failing)?.stage ?? null) : null,
      summary: d.verdict.summary,
    };
  }
}

/** The walk ends at a stage: its deciding step is in the trace. */
export const STOP = Symbol('stop');
export type Stop = typeof STOP;

/** What every stage reads besides the traffic: the inputs and the trace it writes its steps into. */
export interface Evidence {
  readonly world: World;
  readonly trace: Trace;
}

export function fail(flag: string | null, status: number | null, summary: string): Verdict {
  return { result: 'failed', flag, status, summary };
}

export function delivered(summary: string): Verdict {
  return { result: 'delivered', flag: null, status: null, summary };
}

export function unknown(stage: Stage, summary: string): Verdict {
  return { result: 'unknown', flag: null, status: null, summary: `${summary} (stage ${stage})` };
}

export function label(dump: ConfigDump): string {
  return proxyLabel(dump.identity()) ?? dump.source;
}

export function isHttp(p: Protocol): boolean {
  return p === 'http' || p === 'http2' || p === 'grpc';
}

/** The Istio resource behind a config object (filter_metadata.istio.config), for a step's `origin`. */
export function originOf(o: { readonly origin?: ConfigRef | undefined }): { origin?: string } {
  return o.origin ? { origin: describeRef(o.origin) } : {};
}
