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
import { httpRbacFilters, networkRbacFilters, type RbacFilter } from '../model/rbac.js';
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

function filtersOf(chain: FilterChain, http: boolean, layers: readonly Layer[]): RbacFilter[] {
  const network = layers.includes('network') ? networkRbacFilters(chain.filters) : [];
  const hcm = chain.filters.find((f): f is HttpConnectionManager => f.kind === 'http_connection_manager');
  return [...network, ...(http && hcm && layers.includes('http') ? httpRbacFilters(hcm.raw) : [])];
}

type Layer = RbacFilter['layer'];

/**
 * Stage: a chain's RBAC filters, network ones first (they run as the first bytes arrive), then the HCM's in
 * http_filters order; the first refusal ends the walk. The walk calls it once the cluster is named: the HCM
 * resolves the route (and logs its cluster) before its filters run, and tcp_proxy has connected upstream by
 * the time the network filter sees data. `layers` lets a proxy's walk place the two where they act.
 */
export function authorize(
  ev: Evidence,
  r: AuthzPoint,
  layers: readonly Layer[] = ['network', 'http'],
): Stop | undefined {
  const http = isHttp(r.traffic.protocol);
  const filters = filtersOf(r.chain, http, layers);
  if (!filters.length) return undefined;
  for (const f of filters) {
    const s = subjectOf(r, f.layer === 'http');
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
      continue;
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
    ev.trace.add(
      'networkFilter',
      r.proxy,
      'failed',
      f.name,
      `RBAC (${where}) refuses: ${v.detail}; ${f.layer === 'http' ? `Envoy answers 403 "RBAC: access denied" (${details})` : `Envoy closes the connection (${details})`}`,
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
        f.layer === 'http' ? 403 : null,
        f.layer === 'http'
          ? `${r.proxy} refuses the request with 403 RBAC: access denied (${details})`
          : `${r.proxy}'s network RBAC closes the connection (${details})`,
      ),
    );
  }
  return undefined;
}
