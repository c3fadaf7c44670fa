// RBAC permissions and principals (envoy.config.rbac.v3.Permission / Principal), judged against what the
// evidence says about a connection and its request, in three values: a matcher whose input is not in the
// inputs (a peer certificate's identity, dynamic metadata, a CEL condition) answers `unknown`, and and/or/not
// combine unknowns as Kleene logic does, so "cannot tell" is never turned into a yes or a no
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto: Permission, Principal,
// Policy: "at least one of its permissions match the action taking place AND at least one of its principals
// match the downstream").
import { formatCidr } from '../../model/address.js';
import type { MetadataMatch, Permission, Principal, RbacPolicy } from '../../model/rbac.js';
import { cidrContains } from './cidr.js';
import { HeaderMatcher, type HeaderMap } from './header-matcher.js';
import { StringMatcher } from './string-matcher.js';

/** Three-valued: the evidence says it matches, says it does not, or cannot say. */
export type Tri = 'yes' | 'no' | 'unknown';

export interface Judged {
  readonly v: Tri;
  /** Why, in a few words a person can check against the config. */
  readonly why: string;
}

/** What the peer can prove on this connection. */
export type Peer =
  | { readonly kind: 'plaintext' }
  /** TLS terminated by the chain; `principal` is the certificate's URI SAN when known. */
  | { readonly kind: 'tls'; readonly principal: string | undefined; readonly unknownWhy: string };

/** Everything an RBAC filter can look at, as Envoy gives it to the matchers. */
export interface RbacSubject {
  readonly destination: { readonly ip: string; readonly port: number };
  /** The connection's peer address (direct_remote_ip, and the deprecated source_ip). */
  readonly directRemoteIp: string | undefined;
  /** The client address after X-Forwarded-For processing (remote_ip); undefined when it cannot be told. */
  readonly remoteIp: string | undefined;
  /** The requested server name (SNI), '' when the client sent none. */
  readonly sni: string;
  /** The request, for the HTTP filter; undefined for the network filter (which sees no headers). */
  readonly http: { readonly headers: HeaderMap; readonly path: string } | undefined;
  readonly peer: Peer;
}

const NO_HEADERS: HeaderMap = new Map();

const yes = (why: string): Judged => ({ v: 'yes', why });
const no = (why: string): Judged => ({ v: 'no', why });
const cannot = (why: string): Judged => ({ v: 'unknown', why });

/** OR over judgements: a yes decides; otherwise unknown if any is unknown. */
function anyOf(items: readonly Judged[], what: string): Judged {
  const hit = items.find((j) => j.v === 'yes');
  if (hit) return yes(hit.why);
  const open = items.find((j) => j.v === 'unknown');
  if (open) return cannot(open.why);
  return no(items.length ? items.map((j) => j.why).join('; ') : `no ${what}`);
}

/** AND over judgements: a no decides; otherwise unknown if any is unknown. */
function allOf(items: readonly Judged[]): Judged {
  const miss = items.find((j) => j.v === 'no');
  if (miss) return no(miss.why);
  const open = items.find((j) => j.v === 'unknown');
  if (open) return cannot(open.why);
  return yes(items.map((j) => j.why).join(' and ') || 'nothing to check');
}

function not(j: Judged): Judged {
  if (j.v === 'unknown') return j;
  return j.v === 'yes' ? no(`not (${j.why})`) : yes(`not (${j.why})`);
}

function stringIs(m: StringMatcher, value: string, what: string): Judged {
  return m.matches(value)
    ? yes(`${what} ${JSON.stringify(value)} ${m.describe()}`)
    : no(`${what} ${JSON.stringify(value)} is not ${m.describe()}`);
}

function header(h: HeaderMatcher, s: RbacSubject): Judged {
  // the network filter hands the matchers an empty header map (rbac.proto: header "Only available for HTTP
  // request")
  const ok = h.matches(s.http?.headers ?? NO_HEADERS);
  return ok
    ? yes(h.describe())
    : no(`${h.describe()} does not hold${s.http ? '' : ' (no headers at the network filter)'}`);
}

function urlPath(m: StringMatcher, s: RbacSubject): Judged {
  if (!s.http) return no('url_path needs an HTTP request; the network filter has none');
  return stringIs(m, s.http.path, 'path');
}

/**
 * Dynamic metadata: Istio <= 1.5 wrote principals as istio_authn's `source.principal` (the peer's SPIFFE
 * identity without the spiffe:// scheme, set only when the peer authenticated with mTLS). Any other filter's
 * metadata is not known to a simulation.
 */
function metadata(m: MetadataMatch, s: RbacSubject): Judged {
  const key = `${m.filter}${m.path.length ? ` ${m.path.join('.')}` : ''}`;
  if (m.filter === 'istio_authn' && m.path.join('.') === 'source.principal' && m.value) {
    let j: Judged;
    if (s.peer.kind === 'plaintext')
      j = no(`${key} is unset: the connection is plaintext, so the peer proves no identity`);
    else if (s.peer.principal === undefined) j = cannot(`${key}: ${s.peer.unknownWhy}`);
    else {
      const id = s.peer.principal.replace(/^spiffe:\/\//, '');
      j = stringIs(new StringMatcher(m.value), id, key);
    }
    return m.invert ? not(j) : j;
  }
  return cannot(`dynamic metadata ${key} is set by another filter at run time; meshctl cannot know it`);
}

export function judgePermission(p: Permission, s: RbacSubject): Judged {
  switch (p.kind) {
    case 'any':
      return yes('any request');
    case 'and':
      return allOf(p.rules.map((r) => judgePermission(r, s)));
    case 'or':
      return anyOf(
        p.rules.map((r) => judgePermission(r, s)),
        'rule',
      );
    case 'not':
      return not(judgePermission(p.rule, s));
    case 'header':
      return header(new HeaderMatcher(p.header), s);
    case 'url_path':
      return urlPath(new StringMatcher(p.path), s);
    case 'destination_ip':
      return cidrContains(p.cidr, s.destination.ip)
        ? yes(`destination ${s.destination.ip} in ${formatCidr(p.cidr)}`)
        : no(`destination ${s.destination.ip} not in ${formatCidr(p.cidr)}`);
    case 'destination_port':
      return p.port === s.destination.port
        ? yes(`destination port ${p.port}`)
        : no(`destination port ${s.destination.port} is not ${p.port}`);
    case 'destination_port_range':
      // Int32Range: start inclusive, end exclusive
      return s.destination.port >= p.start && s.destination.port < p.end
        ? yes(`destination port ${s.destination.port} in [${p.start}, ${p.end})`)
        : no(`destination port ${s.destination.port} not in [${p.start}, ${p.end})`);
    case 'requested_server_name':
      return stringIs(new StringMatcher(p.match), s.sni, 'SNI');
    case 'metadata':
      return metadata(p.metadata, s);
    case 'unsupported':
      return cannot(`permission ${p.field} is not simulated`);
  }
}

export function judgePrincipal(p: Principal, s: RbacSubject): Judged {
  switch (p.kind) {
    case 'any':
      return yes('any peer');
    case 'and':
      return allOf(p.ids.map((r) => judgePrincipal(r, s)));
    case 'or':
      return anyOf(
        p.ids.map((r) => judgePrincipal(r, s)),
        'id',
      );
    case 'not':
      return not(judgePrincipal(p.id, s));
    case 'authenticated': {
      // Envoy's AuthenticatedMatcher: no TLS on the connection never matches; no principal_name matches any
      // TLS peer; otherwise the certificate's URI SAN (then DNS SAN, then subject) against principal_name
      const want = p.principalName ? new StringMatcher(p.principalName) : undefined;
      if (s.peer.kind === 'plaintext')
        return no(`authenticated${want ? ` principal ${want.describe()}` : ''}: the connection is plaintext`);
      if (!want) return yes('an authenticated (TLS) peer');
      if (s.peer.principal === undefined)
        return cannot(`authenticated principal ${want.describe()}: ${s.peer.unknownWhy}`);
      return stringIs(want, s.peer.principal, 'peer principal');
    }
    case 'source_ip':
    case 'direct_remote_ip':
      if (s.directRemoteIp === undefined)
        return cannot(`${p.kind} ${formatCidr(p.cidr)}: the client's address is not in the inputs`);
      return cidrContains(p.cidr, s.directRemoteIp)
        ? yes(`peer ${s.directRemoteIp} in ${formatCidr(p.cidr)}`)
        : no(`peer ${s.directRemoteIp} not in ${formatCidr(p.cidr)}`);
    case 'remote_ip':
      if (s.remoteIp === undefined)
        return cannot(
          `remote_ip ${formatCidr(p.cidr)}: the client address behind X-Forwarded-For is not known`,
        );
      return cidrContains(p.cidr, s.remoteIp)
        ? yes(`client ${s.remoteIp} in ${formatCidr(p.cidr)}`)
        : no(`client ${s.remoteIp} not in ${formatCidr(p.cidr)}`);
    case 'header':
      return header(new HeaderMatcher(p.header), s);
    case 'url_path':
      return urlPath(new StringMatcher(p.path), s);
    case 'metadata':
      return metadata(p.metadata, s);
    case 'unsupported':
      return cannot(`principal ${p.field} is not simulated`);
  }
}

/** One policy: some permission AND some principal (and its CEL condition, which meshctl cannot evaluate). */
export function judgePolicy(p: RbacPolicy, s: RbacSubject): Judged {
  const perm = anyOf(
    p.permissions.map((x) => judgePermission(x, s)),
    'permission',
  );
  const who = anyOf(
    p.principals.map((x) => judgePrincipal(x, s)),
    'principal',
  );
  const both = allOf([perm, who]);
  if (p.condition && both.v !== 'no') return cannot(`policy ${p.name} has a CEL condition, not simulated`);
  return both;
}
