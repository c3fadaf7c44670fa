// Access-log lines and request URLs, fuzzed (fast-check): whatever the input, they answer or refuse with an
// InputError (one sentence, exit 2), never throw anything else; and well-formed input is read as written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/core/diagnostics/errors.js';
import { parseAccessLog } from '../../src/core/engine/access-log-line.js';
import { parseRequestUrl } from '../../src/core/engine/request-url.js';
import { corpus, damaged, fc, property } from '../helpers/fuzz.js';

/** Runs `f`; an InputError is a refusal (fine), anything else thrown fails the property. */
function refusesCleanly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`threw ${String(e)}, not an InputError`, { cause: e });
  }
}

const LOGS = [
  '[2026-11-21T02:14:07.118Z] "GET /reviews/0 HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "python-requests/2.28.1" "6c1d4f0e-8a43-9d1b-b0a4-1f6e2b7f5d2a" "reviews:9080" "-" outbound|9080|v1|reviews.default.svc.cluster.local - 172.21.152.34:9080 172.30.135.40:51234 - -',
  '[2026-11-21T02:14:07.118Z] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "127.0.0.1:3888" inbound|3888|| - 10.96.8.10:3888 10.96.7.7:50012 outbound_.3888_._.my-release-zookeeper-headless.default.svc.cluster.local -',
  '{"response_code":"503","response_flags":"UF,URX","upstream_cluster":"outbound|80||a.b.svc.cluster.local","method":"GET","path":"/x"}',
];

describe('access-log lines (fast-check)', () => {
  it('reads damaged and arbitrary lines or refuses them with an InputError', () => {
    property(
      'access-log: damaged lines',
      fc.property(
        fc.oneof(fc.constantFrom(...LOGS).chain(damaged), fc.string({ maxLength: 120 }), fc.json()),
        (line) => refusesCleanly(() => parseAccessLog(line)),
      ),
      500,
    );
    for (const line of corpus('access-log')) refusesCleanly(() => parseAccessLog(line));
  });

  it('keeps the response code and the upstream cluster of a line as written', () => {
    property(
      'access-log: fields',
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.stringMatching(/^outbound\|[0-9]{1,5}\|[a-z0-9-]{0,6}\|[a-z][a-z0-9.-]{0,30}$/),
        (code, cluster) => {
          const l = parseAccessLog(
            LOGS[0]!
              .replace(' 503 ', ` ${code} `)
              .replace('outbound|9080|v1|reviews.default.svc.cluster.local', cluster),
          );
          assert.equal(l.responseCode, code);
          assert.equal(l.upstreamCluster, cluster);
        },
      ),
      200,
    );
  });
});

describe('request URLs (fast-check)', () => {
  it('refuses what is no URL with an InputError, and reads host, port and path of http URLs as WHATWG URL does', () => {
    property(
      'url: arbitrary',
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl().chain(damaged)), (u) =>
        refusesCleanly(() => parseRequestUrl(u)),
      ),
      500,
    );
    property(
      'url: http',
      fc.property(fc.webUrl({ validSchemes: ['http'], withQueryParameters: true }), (u) => {
        let r;
        try {
          r = parseRequestUrl(u);
        } catch (e) {
          assert.ok(e instanceof InputError, String(e));
          return;
        }
        const w = new URL(u);
        assert.equal(r.port, w.port ? Number(w.port) : 80);
        assert.equal(r.path, (w.pathname || '/') + w.search);
        assert.equal(r.protocol, 'http');
      }),
      300,
    );
    for (const u of corpus('url')) refusesCleanly(() => parseRequestUrl(u));
  });
});
