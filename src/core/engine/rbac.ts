// Authorization on the receiving sidecar: Istio turns AuthorizationPolicy (ServiceRole/ServiceRoleBinding
// before 1.4) into Envoy's RBAC filters, envoy.filters.network.rbac among the chain's network filters and
// envoy.filters.http.rbac among the HCM's http_filters. A policy matches when at least one of its permissions
// AND at least one of its principals match; ALLOW lets the request through only if some policy matches (so
// no policies at all denies everything), DENY refuses it if some policy matches, LOG never refuses
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto, Policy and RBAC.Action).
// `shadow_rules` only count stats and never change the verdict (same page, RBAC filter shadow_rules).
// A refusal over HTTP is a local reply 403 "RBAC: access denied" with details
// rbac_access_denied_matched_policy[<policy>|none] and no response flag; the network filter closes the
// connection with that termination detail (envoy source/extensions/filters/http/rbac/rbac_filter.cc,
// source/extensions/filters/network/rbac/rbac_filter.cc). Replayed on Envoy 1.40: the 2020 ratings and echo
// dumps log exactly that.
// Evidence read: the RBAC configs, the connection (destination, peer address, SNI, whether the chain
// terminates TLS and what the peer can prove), the HTTP request. What needs the peer's certificate identity
// and is not in the inputs is `unknown` with what to fetch, never a guess.
import type { FilterChain, HttpConnectionManager } from '../model/listener.js';
import { httpAuthzFilters, networkRbacFilters, type ExtAuthzFilter, type RbacFilter } from '../model/rbac.js';
import { StringMatcher } from './match/string-matcher.js';
import { httpRequest } from './http-route.js';
import { judgePolicy, type Peer, type RbacSubject } from './match/rbac-matcher.js';
import { fail, isHttp, unknown, type Evidence, type Stop } from './trace.js';
import type { ConfigDump } from '../model/config-dump.js';
import type { Target, Traffic } from './traffic.js';
import type { UpstreamSecurity } from './upstream.js';

export interface RbacVerdict {
  readonly verdict: 'allowed' | 'denied' | 'unknown';
  /** The policy that decided (Envoy's matched_policy), when one did. */
  readonly policy: string | undefined;
  readonly detail: string;
}

/** One RBAC filter's verdict on the subject. */
export function judgeFilter(f: RbacFilter, s: RbacSubject): RbacVerdict {
  if (!f.rules) {
    if (f.usesMatcher)
      return {
        verdict: 'unknown',
        policy: undefined,
        detail: 'the filter uses the xDS matcher form, not simulated',
      };
    return { verdict: 'allowed', policy: undefined, detail: 'no rules: the filter enforces nothing' };
  }
  const { action, policies } = f.rules;
  const judged = policies.map((p) => ({ p, j: judgePolicy(p, s) }));
  const hit = judged.find((x) => x.j.v === 'yes');
  const open = judged.find((x) => x.j.v === 'unknown');
  const list = judged.map(
    (x) =>
      `policy ${x.p.name}: ${x.j.v === 'yes' ? 'matches' : x.j.v === 'no' ? 'no match' : 'cannot tell'} (${x.j.why})`,
  );
  const shown = list.length ? `; ${list.join('; ')}` : '; no policies';
  if (action === 'LOG')
    return { verdict: 'allowed', policy: hit?.p.name, detail: `action LOG never refuses${shown}` };
  if (action === 'ALLOW') {
    if (hit)
      return {
        verdict: 'allowed',
        policy: hit.p.name,
        detail: `ALLOW, and policy ${hit.p.name} matches${shown}`,
      };
    if (open)
      return {
        verdict: 'unknown',
        policy: undefined,
        detail: `ALLOW: whether policy ${open.p.name} matches cannot be told${shown}`,
      };
    return {
      verdict: 'denied',
      policy: undefined,
      detail: `ALLOW ${policies.length ? 'and no policy matches' : 'with no policies denies every request'}${shown}`,
    };
  }
  if (hit)
    return {
      verdict: 'denied',
      policy: hit.p.name,
      detail: `DENY, and policy ${hit.p.name} matches${shown}`,
    };
  if (open)
    return {
      verdict: 'unknown',
      policy: undefined,
      detail: `DENY: whether policy ${open.p.name} matches cannot be told${shown}`,
    };
  return { verdict: 'allowed', policy: undefined, detail: `DENY, and no policy matches${shown}` };
}

/**
 * Istio >= 1.6 names a policy `ns[NS]-policy[NAME]-rule[N]` after the AuthorizationPolicy it came from
 * (pilot/pkg/security/authz/builder); older ones carry the ServiceRole's name, which says no namespace.
 */
export function policyOrigin(policy: string | undefined): string | undefined {
  const m = policy ? /^ns\[([^\]]*)\]-policy\[([^\]]*)\]/.exec(policy) : null;
  return m ? `AuthorizationPolicy ${m[1]}/${m[2]}` : undefined;
}

/** Where RBAC filters run: the chain, the connection as that proxy sees it, and the request. */
export interface AuthzPoint {
  readonly proxy: string;
  readonly chain: FilterChain;
  readonly traffic: Traffic;
  readonly dst: Target;
  /** The downstream peer's address; undefined when the client is outside the inputs (a gateway's). */
  readonly srcIp: string | undefined;
  /** What the downstream sends: plaintext, Istio mTLS or TLS. */
  readonly security: UpstreamSecurity;
  /** The proxy that sent it, when it is one of the inputs. */
  readonly sender: ConfigDump | undefined;
}

/** What the peer proves to the RBAC filters: nothing over plaintext, its certificate over TLS the chain ends. */
function peerOf(at: AuthzPoint): Peer {
  const chainTls = at.chain.transportSocket?.kind === 'tls';
  // a chain without a TLS transport socket sees no TLS session, whatever the bytes carry
  if (!chainTls || at.security.kind === 'plaintext') return { kind: 'plaintext' };
  const who = at.sender ? `the certificate of ${at.sender.source}` : 'the client certificate';
  return {
    kind: 'tls',
    principal: undefined,
    unknownWhy: `the peer's identity is in ${who} (its URI SAN, spiffe://<trust domain>/ns/<namespace>/sa/<service account>), which the dumps do not show`,
  };
}

function subjectOf(at: AuthzPoint, http: boolean): RbacSubject {
  const req = httpRequest(at.traffic, at.dst);
  const headers = new Map<string, readonly string[]>(req.headers);
  headers.set(':authority', [req.host]);
  headers.set(':method', [req.method]);
  headers.set(':path', [req.path]);
  const xff = req.headers.get('x-forwarded-for');
  return {
    destination: at.dst,
    directRemoteIp: at.srcIp,
    // without X-Forwarded-For the client address is the peer's; with one it depends on the HCM's
    // xff_num_trusted_hops / use_remote_address, which meshctl does not follow
    remoteIp: xff ? undefined : at.srcIp,
    sni: at.security.kind === 'plaintext' ? '' : (at.security.sni ?? at.traffic.sni ?? ''),
    http: http ? { headers, path: req.path.split('?')[0] ?? req.path } : undefined,
    peer: peerOf(at),
  };
}

function filtersOf(
  chain: FilterChain,
  http: boolean,
  layers: readonly Layer[],
): Array<RbacFilter | ExtAuthzFilter> {
  const network = layers.includes('network') ? networkRbacFilters(chain.filters) : [];
  const hcm = chain.filters.find((f): f is HttpConnectionManager => f.kind === 'http_connection_manager');
  return [...network, ...(http && hcm && layers.includes('http') ? httpAuthzFilters(hcm.raw) : [])];
}

/**
 * Whether ext_authz runs: without filter_enabled_metadata on every request; Istio's CUSTOM action gates it
 * on the shadow policy an earlier RBAC filter matched (its `<shadow_rules_stat_prefix>shadow_effective_policy_id`
 * metadata). 'yes' names the shadow policy, 'no' says why it is skipped.
 */
function extAuthzRuns(
  f: ExtAuthzFilter,
  earlier: readonly RbacFilter[],
  s: RbacSubject,
): { v: 'yes' | 'no' | 'unknown'; why: string } {
  const gate = f.enabledBy;
  if (!gate) return { v: 'yes', why: 'it runs on every request' };
  const key = gate.path.join('.');
  const rbac = earlier.find(
    (r) =>
      gate.filter === 'envoy.filters.http.rbac' &&
      r.shadow &&
      `${r.shadowStatPrefix}shadow_effective_policy_id` === key,
  );
  if (!rbac?.shadow || !gate.value)
    return { v: 'unknown', why: `its filter_enabled_metadata (${gate.filter} ${key}) is not simulated` };
  const want = new StringMatcher(gate.value);
  const judged = rbac.shadow.policies
    .filter((p) => want.matches(p.name))
    .map((p) => ({ p, j: judgePolicy(p, s) }));
  const hit = judged.find((x) => x.j.v === 'yes');
  if (hit) return { v: 'yes', why: `the shadow policy ${hit.p.name} of ${rbac.name} matches (${hit.j.why})` };
  const open = judged.find((x) => x.j.v === 'unknown');
  if (open)
    return {
      v: 'unknown',
      why: `whether shadow policy ${open.p.name} matches cannot be told (${open.j.why})`,
    };
  return { v: 'no', why: `no shadow policy of ${rbac.name} named ${want.describe()} matches` };
}

type Layer = RbacFilter['layer'];

/** One ext_authz filter: skipped when its gate is closed, else the call is undecidable (an outside service). */
function extAuthzStep(
  ev: Evidence,
  r: AuthzPoint,
  f: ExtAuthzFilter,
  earlier: readonly RbacFilter[],
  s: RbacSubject,
): Stop | undefined {
  const runs = extAuthzRuns(f, earlier, s);
  const where = `HTTP filter ${f.index} of the HCM`;
  if (runs.v === 'no') {
    const why = `ext_authz (${where}) does not run: ${runs.why}`;
    ev.trace.add('networkFilter', r.proxy, 'skipped', f.name, why, { index: f.index });
    return undefined;
  }
  // an external service's answer is in no config: Istio's CUSTOM action, or ext_authz used directly
  const asks = runs.v === 'yes' ? 'asks' : 'may ask';
  ev.trace.add(
    'networkFilter',
    r.proxy,
    'unknown',
    f.name,
    `ext_authz (${where}) ${asks} the external authorization service: ${runs.why}`,
    { index: f.index },
  );
  ev.trace.need(
    `the answer of ${r.proxy}'s external authorizer (${f.name}, an AuthorizationPolicy with action CUSTOM): meshctl cannot know what that service decides; its logs settle it`,
  );
  return ev.trace.decide(unknown('networkFilter', `${r.proxy}'s ext_authz decides the call`));
}

/** One RBAC filter's step: through, cannot tell (with what to fetch), or the refusal that ends the walk. */
function rbacStep(ev: Evidence, r: AuthzPoint, f: RbacFilter, s: RbacSubject): Stop | undefined {
  const v = judgeFilter(f, s);
  const from = policyOrigin(v.policy);
  const extra = { index: f.index, ...(from ? { origin: from } : {}) };
  const where =
    f.layer === 'http' ? `HTTP filter ${f.index} of the HCM` : `network filter ${f.index} of the chain`;
  if (v.verdict === 'allowed') {
    ev.trace.add(
      'networkFilter',
      r.proxy,
      'matched',
      f.name,
      `RBAC (${where}) lets it through: ${v.detail}`,
      extra,
    );
    return undefined;
  }
  if (v.verdict === 'unknown') {
    ev.trace.add('networkFilter', r.proxy, 'unknown', f.name, `RBAC (${where}): ${v.detail}`, extra);
    ev.trace.need(
      s.peer.kind === 'tls'
        ? `the peer identity ${r.proxy}'s RBAC filter ${f.name} decides on: the source workload's SPIFFE ID (spiffe://<trust domain>/ns/<namespace>/sa/<service account>, from kubectl get pod -o jsonpath='{.spec.serviceAccountName}' and the mesh's trust domain); meshctl does not read it from the dumps`
        : `what ${r.proxy}'s RBAC filter ${f.name} decides on and the inputs do not show: ${v.detail}`,
    );
    return ev.trace.decide(
      unknown('networkFilter', `whether ${r.proxy}'s RBAC filter ${f.name} allows the call cannot be told`),
    );
  }
  const details = `rbac_access_denied_matched_policy[${v.policy ?? 'none'}]`;
  const http = f.layer === 'http';
  ev.trace.add(
    'networkFilter',
    r.proxy,
    'failed',
    f.name,
    `RBAC (${where}) refuses: ${v.detail}; ${http ? `Envoy answers 403 "RBAC: access denied" (${details})` : `Envoy closes the connection (${details})`}`,
    extra,
  );
  ev.trace.hint(
    'rbac-denied',
    `${r.proxy}'s authorization (${f.name}) refuses this call: ${v.detail.split(';')[0]}.`,
    'Check the AuthorizationPolicies that select this workload (kubectl get authorizationpolicy -A); an ALLOW policy must match the source principal, and mTLS must be on for principal rules to match.',
  );
  return ev.trace.decide(
    fail(
      null,
      http ? 403 : null,
      http
        ? `${r.proxy} refuses the request with 403 RBAC: access denied (${details})`
        : `${r.proxy}'s network RBAC closes the connection (${details})`,
    ),
  );
}

/**
 * Stage: a chain's RBAC filters, network ones first (they run as the first bytes arrive), then the HCM's
 * authorization filters (rbac, ext_authz) in http_filters order; the first refusal ends the walk. The walk
 * calls it once the cluster is named: the HCM resolves the route (and logs its cluster) before its filters
 * run, and tcp_proxy has connected upstream by the time the network filter sees data. `layers` lets a
 * proxy's walk place the two where they act.
 */
export function authorize(
  ev: Evidence,
  r: AuthzPoint,
  layers: readonly Layer[] = ['network', 'http'],
): Stop | undefined {
  const filters = filtersOf(r.chain, isHttp(r.traffic.protocol), layers);
  const done: RbacFilter[] = [];
  for (const f of filters) {
    const s = subjectOf(r, f.layer !== 'network');
    const stop = f.layer === 'ext_authz' ? extAuthzStep(ev, r, f, done, s) : rbacStep(ev, r, f, s);
    if (stop) return stop;
    if (f.layer !== 'ext_authz') done.push(f);
  }
  return undefined;
}
