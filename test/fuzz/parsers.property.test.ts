// The text parsers people feed by hand, fuzzed (fast-check): socket tables, access-log lines and request
// URLs. Whatever the input, they answer or refuse with an InputError (one sentence, exit 2), never throw
// anything else; and what they read from well-formed input is what was written.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/core/diagnostics/errors.js';
import { parseAccessLog } from '../../src/core/engine/access-log-line.js';
import { parseSockets, type ListeningSocket } from '../../src/core/model/sockets.js';
import { parseRequestUrl } from '../../src/cli/request-url.js';
import { corpus, fc, property } from '../helpers/fuzz.js';

/** Runs `f`; an InputError is a refusal (fine), anything else thrown fails the property. */
function refusesCleanly(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`threw ${String(e)}, not an InputError`, { cause: e });
  }
}

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const socket = fc.record({ ip: ipv4, port: fc.integer({ min: 1, max: 65535 }) });

/** /proc/net/tcp writes the address as a little-endian word and the port as big-endian hex. */
function procLine(i: number, s: { ip: string; port: number }, listen: boolean): string {
  const o = s.ip.split('.').map(Number);
  const word = (((o[3]! << 24) | (o[2]! << 16) | (o[1]! << 8) | o[0]!) >>> 0)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  const port = s.port.toString(16).toUpperCase().padStart(4, '0');
  return `  ${i}: ${word}:${port} 00000000:0000 ${listen ? '0A' : '01'} 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0`;
}

const LOGS = [
  '[2026-11-21T02:14:07.118Z] "GET /reviews/0 HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "python-requests/2.28.1" "6c1d4f0e-8a43-9d1b-b0a4-1f6e2b7f5d2a" "reviews:9080" "-" outbound|9080|v1|reviews.default.svc.cluster.local - 172.21.152.34:9080 172.30.135.40:51234 - -',
  '[2026-11-21T02:14:07.118Z] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "127.0.0.1:3888" inbound|3888|| - 10.96.8.10:3888 10.96.7.7:50012 outbound_.3888_._.my-release-zookeeper-headless.default.svc.cluster.local -',
  '{"response_code":"503","response_flags":"UF,URX","upstream_cluster":"outbound|80||a.b.svc.cluster.local","method":"GET","path":"/x"}',
];

/** A string damaged at one place: a character deleted, replaced, inserted, or the string cut. */
const damage = (s: string) =>
  fc
    .tuple(fc.nat({ max: s.length }), fc.string({ maxLength: 3 }), fc.constantFrom(0, 1, 2, 3))
    .map(([i, x, how]) =>
      how === 0
        ? s.slice(0, i)
        : how === 1
          ? s.slice(0, i) + s.slice(i + 1)
          : how === 2
            ? s.slice(0, i) + x + s.slice(i + 1)
            : s.slice(0, i) + x + s.slice(i),
    );

describe('socket tables (fast-check)', () => {
  it('reads back every LISTEN socket written as /proc/net/tcp, ss -ltn or netstat -ltn, and no other', () => {
    property(
      'sockets: round trip',
      fc.property(
        fc.array(fc.tuple(socket, fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('proc', 'ss', 'netstat'),
        (rows, form) => {
          const lines = rows.map(([s, listen], i) =>
            form === 'proc'
              ? procLine(i, s, listen)
              : form === 'ss'
                ? `${listen ? 'LISTEN' : 'ESTAB'}  0  128  ${s.ip}:${s.port}  0.0.0.0:*`
                : `tcp  0  0 ${s.ip}:${s.port}  0.0.0.0:*  ${listen ? 'LISTEN' : 'ESTABLISHED'}`,
          );
          const header =
            form === 'proc'
              ? '  sl  local_address rem_address   st'
              : form === 'ss'
                ? 'State Recv-Q Send-Q Local Peer'
                : 'Proto Recv-Q Send-Q Local Address Foreign Address State';
          const r = parseSockets([header, ...lines].join('\n'));
          // ss prints only listening sockets with -l: an ESTAB line there is not an ss -ltn line
          if (form === 'ss' && rows.some(([, l]) => !l)) return;
          assert.ok(r.ok, JSON.stringify(r));
          const want: ListeningSocket[] = rows.filter(([, l]) => l).map(([s]) => ({ ...s, family: 4 }));
          assert.deepEqual(r.sockets, want);
        },
      ),
      300,
    );
  });

  it('never throws on arbitrary or damaged text: a result or a located refusal', () => {
    const sample = [
      'State Recv-Q Send-Q Local Peer',
      'LISTEN 0 128 10.96.8.10:3888 0.0.0.0:*',
      procLine(0, { ip: '10.0.0.1', port: 80 }, true),
    ].join('\n');
    property(
      'sockets: arbitrary text',
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), damage(sample)), (text) => {
        const r = parseSockets(text);
        if (!r.ok) assert.ok(r.line >= 1 && r.line <= text.split('\n').length, `line ${r.line}`);
        else for (const s of r.sockets) assert.ok(s.port >= 0 && s.port <= 65535);
      }),
      500,
    );
    for (const text of corpus('sockets')) parseSockets(text);
  });
});

describe('access-log lines (fast-check)', () => {
  it('reads damaged and arbitrary lines or refuses them with an InputError', () => {
    property(
      'access-log: damaged lines',
      fc.property(
        fc.oneof(fc.constantFrom(...LOGS).chain(damage), fc.string({ maxLength: 120 }), fc.json()),
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
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl().chain(damage)), (u) =>
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
