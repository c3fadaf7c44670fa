// The matchers of src/core/engine/match against simple reference implementations (fast-check): virtual-host
// domains (Envoy's order: exact, longest suffix wildcard, longest prefix wildcard, `*`), CIDR containment
// (Node's own net.BlockList as the reference), path specifiers and header matchers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { cidrContains, parseCidr } from '../../src/core/engine/match/cidr.js';
import { selectVirtualHost } from '../../src/core/engine/match/domain-matcher.js';
import { HeaderMatcher } from '../../src/core/engine/match/header-matcher.js';
import { PathMatcher } from '../../src/core/engine/match/path-matcher.js';
import type { HeaderMatcher as HeaderSpec, StringMatch } from '../../src/core/model/route.js';
import { fc, property } from '../helpers/fuzz.js';

const label = fc.constantFrom('a', 'b', 'ab', 'reviews', 'default', 'svc', 'x-1');
const hostname = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const domain = fc.oneof(
  hostname,
  hostname.map((h) => `*.${h}`),
  hostname.map((h) => `*${h}`),
  hostname.map((h) => `${h}.*`),
  hostname.map((h) => `${h}*`),
  fc.constant('*'),
  hostname.map((h) => h.toUpperCase()),
);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Envoy's ranking, written as the brute force: every matching domain, ordered by kind, then length, then position. */
function referenceVirtualHost(vhosts: string[][], host: string) {
  const h = host.toLowerCase();
  const found: Array<{ index: number; domain: string; rank: number; order: number }> = [];
  let order = 0;
  vhosts.forEach((domains, index) =>
    domains.forEach((d) => {
      const l = d.toLowerCase();
      const rank =
        l === h
          ? 3
          : l === '*'
            ? 0
            : l.startsWith('*') && new RegExp(`^.+${escape(l.slice(1))}$`, 's').test(h)
              ? 2
              : l.endsWith('*') && new RegExp(`^${escape(l.slice(0, -1))}.+$`, 's').test(h)
                ? 1
                : -1;
      if (rank >= 0) found.push({ index, domain: d, rank, order: order++ });
    }),
  );
  found.sort(
    (x, y) => y.rank - x.rank || (x.rank === 3 ? 0 : y.domain.length - x.domain.length) || x.order - y.order,
  );
  return found[0];
}

describe('matchers against reference implementations (fast-check)', () => {
  it('virtual hosts: the same host wins as by exact, suffix, prefix, * with longest first', () => {
    property(
      'match: domains',
      fc.property(
        fc.array(fc.array(domain, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.oneof(
          hostname,
          hostname.map((h) => h.toUpperCase()),
        ),
        (vhosts, host) => {
          const got = selectVirtualHost(
            vhosts.map((domains, i) => ({ name: `vh${i}`, domains })),
            host,
            false,
          );
          const want = referenceVirtualHost(vhosts, host);
          assert.deepEqual(
            got && { index: got.index, domain: got.domain },
            want && { index: want.index, domain: want.domain },
          );
        },
      ),
      500,
    );
  });

  it('CIDR: contains what net.BlockList says, for IPv4 and IPv6', () => {
    property(
      'match: cidr',
      fc.property(
        fc.oneof(
          fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), fc.constant('ipv4' as const)),
          fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 }), fc.ipV6(), fc.constant('ipv6' as const)),
        ),
        ([net, len, ip, family]) => {
          const cidr = parseCidr(`${net}/${len}`);
          assert.ok(cidr, `${net}/${len} parses`);
          const list = new BlockList();
          list.addSubnet(net, len, family);
          assert.equal(cidrContains(cidr, ip), list.check(ip, family), `${ip} in ${net}/${len}`);
          assert.equal(cidrContains(cidr, net), true);
        },
      ),
      500,
    );
  });

  it('paths: prefix, exact path and path_separated_prefix as the route docs define them', () => {
    const seg = fc.constantFrom('', 'a', 'B', 'api', 'v1', '%2F', '..', 'x?y=1', '#f');
    const path = fc.array(seg, { maxLength: 4 }).map((s) => '/' + s.join('/'));
    property(
      'match: paths',
      fc.property(
        path,
        path,
        fc.constantFrom('prefix', 'path', 'path_separated_prefix' as const),
        fc.boolean(),
        (p, v, kind, cs) => {
          const m = new PathMatcher({ kind, value: v }, cs);
          const f = (x: string) => (cs ? x : x.toLowerCase());
          const bare = p.split(/[?#]/)[0]!;
          const want =
            kind === 'prefix'
              ? f(p).slice(0, v.length) === f(v)
              : kind === 'path'
                ? f(bare) === f(v)
                : f(bare) === f(v) || f(bare).slice(0, v.length + 1) === f(v) + '/';
          assert.equal(m.matches(p, 'GET'), want);
        },
      ),
      500,
    );
  });

  it('headers: string, present and range matches, inverted or not, present or missing', () => {
    const value = fc.constantFrom('', 'a', 'A', 'ab', 'ba', '10', '-3', 'x,y');
    const stringMatch: fc.Arbitrary<StringMatch> = fc.record({
      kind: fc.constantFrom('exact', 'prefix', 'suffix', 'contains' as const),
      value,
      ignoreCase: fc.boolean(),
    });
    const spec: fc.Arbitrary<HeaderSpec> = fc.record({
      name: fc.constantFrom('x-user', 'X-User'),
      value: fc.oneof(
        stringMatch.map((match) => ({ kind: 'string' as const, match })),
        fc.boolean().map((present) => ({ kind: 'present' as const, present })),
        fc
          .tuple(fc.integer({ min: -5, max: 20 }), fc.integer({ min: -5, max: 20 }))
          .map(([start, end]) => ({ kind: 'range' as const, start, end })),
      ),
      invert: fc.boolean(),
      treatMissingAsEmpty: fc.boolean(),
    });
    property(
      'match: headers',
      fc.property(
        spec,
        fc.option(fc.array(value, { minLength: 1, maxLength: 2 }), { nil: undefined }),
        (s, values) => {
          const headers = new Map(values ? [['x-user', values]] : []);
          const got = new HeaderMatcher(s).matches(headers);
          let want: boolean;
          if (values === undefined && !s.treatMissingAsEmpty)
            want = s.value.kind === 'present' ? s.value.present === s.invert : false;
          else {
            const v = (values ?? ['']).join(',');
            const ok =
              s.value.kind === 'present'
                ? s.value.present
                : s.value.kind === 'range'
                  ? /^-?\d+$/.test(v) && +v >= s.value.start && +v < s.value.end
                  : (() => {
                      const m = (s.value as { match: StringMatch }).match;
                      const a = m.ignoreCase ? v.toLowerCase() : v;
                      const b = m.ignoreCase ? m.value.toLowerCase() : m.value;
                      return m.kind === 'exact'
                        ? a === b
                        : m.kind === 'prefix'
                          ? a.indexOf(b) === 0
                          : m.kind === 'suffix'
                            ? a.slice(a.length - b.length) === b || b === ''
                            : a.indexOf(b) >= 0;
                    })();
            want = ok !== s.invert;
          }
          assert.equal(got, want);
        },
      ),
      500,
    );
  });
});
