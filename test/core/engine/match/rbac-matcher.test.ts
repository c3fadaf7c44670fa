// RBAC permissions and principals, one matcher kind per case, as the rbac.proto reference defines them
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto): decoded from the dump's JSON
// by model/rbac.ts, judged in three values against a connection and request.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  judgePermission,
  judgePolicy,
  judgePrincipal,
  type RbacSubject,
} from '../../../../src/core/engine/match/rbac-matcher.js';
import { decodeRbacFilter } from '../../../../src/core/model/rbac.js';
import type { JsonObject } from '../../../../src/core/model/normalize.js';

type J = Record<string, unknown>;

const subject = (over: Partial<RbacSubject> = {}): RbacSubject => ({
  destination: { ip: '10.0.0.2', port: 9080 },
  directRemoteIp: '10.0.0.1',
  remoteIp: '10.0.0.1',
  sni: '',
  http: {
    headers: new Map([
      [':method', ['GET']],
      [':path', ['/api/v1?x=1']],
      [':authority', ['ratings:9080']],
      ['x-user', ['alice']],
    ]),
    path: '/api/v1',
  },
  peer: { kind: 'plaintext' },
  ...over,
});

const mtls = (principal: string | undefined): RbacSubject['peer'] => ({
  kind: 'tls',
  principal,
  unknownWhy: 'not in the dumps',
});

/** One policy with these permissions and principals, decoded as a v3 typed_config RBAC filter. */
function policy(permissions: J[], principals: J[] = [{ any: true }]) {
  const f = decodeRbacFilter(
    {
      name: 'envoy.filters.http.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
        rules: { policies: { p: { permissions, principals } } },
      },
    } as unknown as JsonObject,
    'http',
    0,
  );
  return f.rules!.policies[0]!;
}

const perm = (p: J, s: RbacSubject = subject()) => judgePermission(policy([p]).permissions[0]!, s).v;
const who = (p: J, s: RbacSubject = subject()) =>
  judgePrincipal(policy([{ any: true }], [p]).principals[0]!, s).v;

describe('RBAC permissions (rbac.proto Permission)', () => {
  it('any: true matches every request', () => assert.equal(perm({ any: true }), 'yes'));

  it('header: a HeaderMatcher on the request headers, pseudo-headers included', () => {
    assert.equal(perm({ header: { name: ':method', exact_match: 'GET' } }), 'yes');
    assert.equal(perm({ header: { name: ':method', string_match: { exact: 'POST' } } }), 'no');
    assert.equal(perm({ header: { name: 'x-user', string_match: { prefix: 'al' } } }), 'yes');
    // "Only available for HTTP request": the network filter sees no headers
    assert.equal(
      perm({ header: { name: ':method', exact_match: 'GET' } }, subject({ http: undefined })),
      'no',
    );
  });

  it('url_path: the path without its query, by StringMatcher', () => {
    assert.equal(perm({ url_path: { path: { exact: '/api/v1' } } }), 'yes');
    assert.equal(perm({ url_path: { path: { prefix: '/admin' } } }), 'no');
    assert.equal(perm({ url_path: { path: { exact: '/api/v1' } } }, subject({ http: undefined })), 'no');
  });

  it('destination_ip: a CidrRange around the downstream local address', () => {
    assert.equal(perm({ destination_ip: { address_prefix: '10.0.0.0', prefix_len: 24 } }), 'yes');
    assert.equal(perm({ destination_ip: { address_prefix: '10.0.1.0', prefix_len: 24 } }), 'no');
  });

  it('destination_port and destination_port_range (start inclusive, end exclusive)', () => {
    assert.equal(perm({ destination_port: 9080 }), 'yes');
    assert.equal(perm({ destination_port: 80 }), 'no');
    assert.equal(perm({ destination_port_range: { start: 9000, end: 9081 } }), 'yes');
    assert.equal(perm({ destination_port_range: { start: 9000, end: 9080 } }), 'no');
  });

  it('requested_server_name: the SNI, empty without TLS', () => {
    assert.equal(perm({ requested_server_name: { exact: '' } }), 'yes');
    assert.equal(perm({ requested_server_name: { suffix: '.svc' } }, subject({ sni: 'ratings.svc' })), 'yes');
    assert.equal(perm({ requested_server_name: { suffix: '.svc' } }), 'no');
  });

  it('and_rules, or_rules, not_rule combine, and an unknown stays unknown', () => {
    const get = { header: { name: ':method', exact_match: 'GET' } };
    const post = { header: { name: ':method', exact_match: 'POST' } };
    const meta = {
      metadata: {
        filter: 'envoy.filters.http.jwt_authn',
        path: [{ key: 'x' }],
        value: { string_match: { exact: 'y' } },
      },
    };
    assert.equal(perm({ and_rules: { rules: [get, { destination_port: 9080 }] } }), 'yes');
    assert.equal(perm({ and_rules: { rules: [get, post] } }), 'no');
    assert.equal(perm({ or_rules: { rules: [post, get] } }), 'yes');
    assert.equal(perm({ not_rule: post }), 'yes');
    assert.equal(perm({ or_rules: { rules: [post, meta] } }), 'unknown');
    assert.equal(perm({ or_rules: { rules: [get, meta] } }), 'yes'); // a yes decides an OR
    assert.equal(perm({ and_rules: { rules: [post, meta] } }), 'no'); // a no decides an AND
    assert.equal(perm({ not_rule: meta }), 'unknown');
  });

  it('a permission kind meshctl does not evaluate is unknown, never a guess', () => {
    assert.equal(perm({ uri_template: { name: 'x' } }), 'unknown');
  });
});

describe('RBAC principals (rbac.proto Principal)', () => {
  it('any: true matches every peer', () => assert.equal(who({ any: true }), 'yes'));

  it('authenticated: never over plaintext; any TLS peer without principal_name; else the URI SAN', () => {
    const name = { authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/a/sa/b' } } };
    assert.equal(who(name), 'no');
    assert.equal(who({ authenticated: {} }, subject({ peer: mtls(undefined) })), 'yes');
    assert.equal(who(name, subject({ peer: mtls('spiffe://cluster.local/ns/a/sa/b') })), 'yes');
    assert.equal(who(name, subject({ peer: mtls('spiffe://cluster.local/ns/a/sa/c') })), 'no');
    // the identity a TLS peer proves is not in the dumps: cannot tell
    assert.equal(who(name, subject({ peer: mtls(undefined) })), 'unknown');
  });

  it('source_ip / direct_remote_ip: the connection peer; remote_ip: the client behind X-Forwarded-For', () => {
    const in24 = { address_prefix: '10.0.0.0', prefix_len: 24 };
    const out = { address_prefix: '192.168.0.0', prefix_len: 16 };
    assert.equal(who({ source_ip: in24 }), 'yes');
    assert.equal(who({ direct_remote_ip: out }), 'no');
    assert.equal(who({ remote_ip: in24 }), 'yes');
    assert.equal(who({ remote_ip: in24 }, subject({ remoteIp: undefined })), 'unknown');
  });

  it('header and url_path principals read the request like the permissions do', () => {
    assert.equal(who({ header: { name: 'x-user', exact_match: 'alice' } }), 'yes');
    assert.equal(who({ url_path: { path: { prefix: '/api' } } }), 'yes');
  });

  it("metadata istio_authn source.principal (Istio <= 1.5): unset over plaintext, the peer's id without spiffe:// over mTLS", () => {
    const m = {
      metadata: {
        filter: 'istio_authn',
        path: [{ key: 'source.principal' }],
        value: { string_match: { exact: 'cluster.local/ns/bookinfo/sa/reviews' } },
      },
    };
    assert.equal(who(m), 'no');
    assert.equal(who(m, subject({ peer: mtls('spiffe://cluster.local/ns/bookinfo/sa/reviews') })), 'yes');
    assert.equal(who(m, subject({ peer: mtls(undefined) })), 'unknown');
    assert.equal(who({ metadata: { ...m.metadata, invert: true } }), 'yes');
    assert.equal(
      who({ metadata: { filter: 'other', path: [{ key: 'k' }], value: { string_match: { exact: 'v' } } } }),
      'unknown',
    );
  });

  it('and_ids, or_ids, not_id combine like the permission rules', () => {
    const alice = { header: { name: 'x-user', exact_match: 'alice' } };
    const bob = { header: { name: 'x-user', exact_match: 'bob' } };
    assert.equal(who({ and_ids: { ids: [alice, { any: true }] } }), 'yes');
    assert.equal(who({ or_ids: { ids: [bob] } }), 'no');
    assert.equal(who({ not_id: bob }), 'yes');
  });
});

describe('RBAC policies: a permission AND a principal', () => {
  it('needs both; a CEL condition makes a possible match unknown', () => {
    const s = subject();
    assert.equal(judgePolicy(policy([{ any: true }], [{ any: true }]), s).v, 'yes');
    assert.equal(judgePolicy(policy([{ destination_port: 1 }], [{ any: true }]), s).v, 'no');
    assert.equal(judgePolicy(policy([{ any: true }], [{ authenticated: {} }]), s).v, 'no');
    const withCondition = { ...policy([{ any: true }]), condition: true };
    assert.equal(judgePolicy(withCondition, s).v, 'unknown');
  });
});
