// meshctl's Explanation against what Envoy did (issue 13 "The verdict"): field by field, the outcome (result,
// response flag, HTTP status) and, per proxy on the path, the listener, filter chain, route, cluster and
// upstream host, and whether the app accepted the connection. Where Envoy did not say (no access-log line for
// that proxy, or the operator printed "-"), the field is `unobserved`: never counted as agreement or as a
// difference. Pure: the observation comes in as data.
import type { Explanation, Step } from '../engine/types.js';
import type { Compared, Difference, Observed, ObservedProxy } from './schema.js';

type Value = string | number | boolean | null;

export interface PredictedProxy {
  readonly proxy: string;
  readonly listener: string | null;
  readonly filterChain: string | null;
  readonly route: string | null;
  readonly cluster: string | null;
  readonly upstreamHost: string | null;
  /** The endpoints the balancer picks upstreamHost from, when meshctl says there are several. */
  readonly upstreamHosts?: readonly string[];
}

const DECIDED = new Set(['matched', 'failed']);

/**
 * A chain step carries the chain's own name (null when it has none) and its position in `index`; Envoy's
 * %FILTER_CHAIN_NAME% is the chain's `name`, which the replay bootstrap sets to `filter_chains[3]` for an
 * unnamed chain (core/replay/bootstrap.ts), so both sides speak of the same one.
 */
export function chainName(step: Pick<Step, 'name' | 'index'>): string | null {
  if (step.name !== null && step.name !== '') return step.name;
  return typeof step.index === 'number' ? `filter_chains[${step.index}]` : null;
}

function first(steps: readonly Step[], pick: (s: Step) => boolean): Step | undefined {
  return steps.find((s) => pick(s) && DECIDED.has(s.result) && (s.name !== '' || s.stage === 'filterChain'));
}

/** What meshctl says each proxy does, read from its steps. */
export function predictedProxies(e: Explanation): PredictedProxy[] {
  const order: string[] = [];
  for (const s of e.steps) if (!order.includes(s.proxy)) order.push(s.proxy);
  return order.map((proxy) => {
    const steps = e.steps.filter((s) => s.proxy === proxy);
    // a receiving sidecar's capture listener appears as an `inbound` step named after the listener; its
    // route, inbound cluster and endpoint are route, cluster and endpoints steps like any proxy's
    const listener =
      first(steps, (s) => s.stage === 'listener') ?? first(steps, (s) => s.stage === 'inbound');
    const chain = first(steps, (s) => s.stage === 'filterChain');
    const route = first(steps, (s) => s.stage === 'route');
    const cluster = first(steps, (s) => s.stage === 'cluster');
    // the endpoint the source picked, or where the receiving sidecar connects for the app: the endpoints
    // step's `address`, which speaks as %UPSTREAM_HOST% does (never the app's socket, where the kernel took it)
    const host = first(steps, (s) => s.stage === 'endpoints' && s.address !== undefined);
    return {
      proxy,
      listener: listener?.name ?? null,
      filterChain: chain ? chainName(chain) : null,
      route: route?.name ?? null,
      cluster: cluster?.name ?? null,
      upstreamHost: host?.address ?? null,
      ...(host?.balancedOver?.length ? { upstreamHosts: host.balancedOver } : {}),
    };
  });
}

/** Whether meshctl says the app accepted the connection: its last application step; null when it cannot say. */
export function predictedAppAccepted(e: Explanation): boolean | null {
  const app = [...e.steps].reverse().find((s) => s.stage === 'application');
  if (!app) return e.outcome.result === 'delivered' ? true : null;
  return app.result === 'matched' ? true : app.result === 'failed' ? false : null;
}

/** "UF,URX" and "URX,UF" are the same flags. */
function flags(v: string | null): string | null {
  if (v === null || v === '' || v === '-') return null;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort()
    .join(',');
}

function judge(meshctl: Value, envoy: Value): Compared['verdict'] {
  if (envoy === null) return meshctl === null ? 'agree' : 'unobserved';
  return meshctl === envoy ? 'agree' : 'differ';
}

/** The HTTP status meshctl implies: its own, or 200 when it says the request reaches the app (which answers 200). */
function predictedStatus(e: Explanation): number | null {
  if (e.outcome.httpStatus !== null) return e.outcome.httpStatus;
  if (e.call.protocol === 'tcp' || e.call.protocol === 'tls') return null;
  return e.outcome.result === 'delivered' ? 200 : null;
}

export interface Comparison {
  readonly comparison: Compared[];
  readonly differences: Difference[];
}

export function compare(e: Explanation, seen: Observed): Comparison {
  const out: Compared[] = [];
  const add = (field: string, meshctl: Value, envoy: Value, proxy?: string) =>
    out.push({
      field,
      ...(proxy !== undefined ? { proxy } : {}),
      meshctl,
      envoy,
      verdict: judge(meshctl, envoy),
    });
  add('result', e.outcome.result, seen.result);
  // "-" in a line that was written is an observation (no flag); only without any line is the flag unobserved
  const logged = seen.proxies.some((p) => p.accessLog.length > 0);
  const mf = flags(e.outcome.responseFlag);
  const of = flags(seen.responseFlag);
  out.push({
    field: 'responseFlag',
    meshctl: mf,
    envoy: of,
    verdict: logged ? (mf === of ? 'agree' : 'differ') : judge(mf, of),
  });
  // an unreplied HTTP call (reset, timeout) has no status to compare: that is the result's business
  if (e.call.protocol !== 'tcp' && e.call.protocol !== 'tls')
    add('httpStatus', predictedStatus(e), seen.httpStatus);
  const predicted = predictedProxies(e);
  const byName = new Map(seen.proxies.map((p) => [p.proxy, p]));
  const names = [...predicted.map((p) => p.proxy)];
  for (const p of seen.proxies) if (!names.includes(p.proxy) && p.accessLog.length) names.push(p.proxy);
  for (const name of names) {
    const m = predicted.find((p) => p.proxy === name);
    const o: ObservedProxy | undefined = byName.get(name);
    const fields = ['listener', 'filterChain', 'route', 'cluster', 'upstreamHost'] as const;
    for (const f of fields) {
      const mv = m?.[f] ?? null;
      const ov = o?.[f] ?? null;
      if (mv === null && ov === null) continue;
      const set = f === 'upstreamHost' ? m?.upstreamHosts : undefined;
      // one of several healthy endpoints: Envoy's pick agrees when it is one meshctl says it picks among
      // (a host outside that set still differs)
      if (set && mv !== null && ov !== null)
        out.push({
          field: f,
          proxy: name,
          meshctl: mv,
          envoy: ov,
          acceptable: [...set],
          verdict: set.includes(ov) ? 'agree' : 'differ',
        });
      else add(f, mv, ov, name);
    }
  }
  const accepted = predictedAppAccepted(e);
  if (accepted !== null) add('appAccepted', accepted, seen.app.length > 0);
  return {
    comparison: out,
    differences: out.filter((c) => c.verdict === 'differ').map(({ verdict: _v, ...d }) => d),
  };
}

/** The observed verdict's response flag: the last proxy on the path that logged one decided the outcome. */
export function deciding(proxies: readonly ObservedProxy[]): string | null {
  for (const p of [...proxies].reverse()) if (flags(p.responseFlag) !== null) return p.responseFlag;
  return null;
}
