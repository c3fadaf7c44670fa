// `meshctl explain request SRC URL` through the binary: the URL's path and query are the request's (--path
// replaces them only when given), its port is the destination port (80 for http, 443 for https), for every
// URL form. The story 2 snapshot gets path-, query- and encoded-path routes in front of the reviews catch-all,
// so the route the request takes (its cluster) says which path the simulator saw.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const PP = 'productpage-v1-76474f6fb7-pmglr';
const fq = (s: string) => `${s}.default.svc.cluster.local`;
const V1 = `outbound|9080|v1|${fq('reviews')}`;
const API = `outbound|9080||${fq('reviews')}`;
const CANARY = `outbound|9080||${fq('details')}`;
const ENCODED = `outbound|9080||${fq('ratings')}`;

const dir = mkdtempSync(join(tmpdir(), 'meshctl-url-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const snap = join(dir, 'snap');
cpSync(join(REPO_ROOT, 'fixtures/snapshots/story2-bookinfo-with-dr'), snap, { recursive: true });
{
  const file = join(snap, `dumps/default/${PP}.json`);
  const dump = JSON.parse(readFileSync(file, 'utf8')) as {
    configs: Array<{ '@type': string; dynamic_route_configs?: Array<{ route_config: RouteConfig }> }>;
  };
  interface RouteConfig {
    name: string;
    virtual_hosts: Array<{ name: string; routes: unknown[] }>;
  }
  const rc = dump.configs
    .flatMap((c) => c.dynamic_route_configs ?? [])
    .find((r) => r.route_config.name === '9080')!.route_config;
  const vh = rc.virtual_hosts.find((v) => v.name === `${fq('reviews')}:9080`)!;
  vh.routes.unshift(
    { name: 'api', match: { prefix: '/api/v1/' }, route: { cluster: API } },
    {
      name: 'canary',
      match: { prefix: '/', query_parameters: [{ name: 'canary', string_match: { exact: '1' } }] },
      route: { cluster: CANARY },
    },
    { name: 'encoded', match: { path: '/caf%C3%A9' }, route: { cluster: ENCODED } },
  );
  writeFileSync(file, JSON.stringify(dump));
}

function explain(url: string, ...flags: string[]): { code: number; e: Explanation; stderr: string } {
  const r = meshctl(['explain', 'request', PP, url, '--snapshot', snap, '-o', 'json', ...flags]);
  assert.ok(r.stdout, `no Explanation for ${url}: ${r.stderr}`);
  return { code: r.code, e: JSON.parse(r.stdout) as Explanation, stderr: r.stderr };
}

function refused(url: string, says: RegExp, ...flags: string[]): void {
  const r = meshctl(['explain', 'request', PP, url, '--snapshot', snap, ...flags]);
  assert.equal(r.code, 2, `${url}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, says);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('explain request: the URL is the request', () => {
  it("the URL's path is the request's path, and routes by it", () => {
    const { code, e } = explain('http://reviews:9080/api/v1/entries');
    assert.equal(code, 0);
    assert.equal(e.call.path, '/api/v1/entries');
    assert.equal(e.outcome.cluster, API);
    assert.equal(explain('http://reviews:9080/').e.outcome.cluster, V1);
    const text = meshctl([
      'explain',
      'request',
      PP,
      'http://reviews:9080/api/v1/entries',
      '--snapshot',
      snap,
    ]);
    assert.match(text.stdout, /\(http GET \/api\/v1\/entries\)/);
  });

  it('--path replaces the path and query only when it is given', () => {
    const { e } = explain('http://reviews:9080/api/v1/entries?canary=1', '--path', '/');
    assert.equal(e.call.path, '/');
    assert.equal(e.outcome.cluster, V1);
    assert.equal(explain('http://reviews:9080/', '--path', '/api/v1/x').e.outcome.cluster, API);
  });

  it('the query is part of the path; the fragment is never sent', () => {
    const a = explain('http://reviews:9080/?canary=1#top').e;
    assert.equal(a.call.path, '/?canary=1');
    assert.equal(a.outcome.cluster, CANARY);
    const b = explain('http://reviews:9080?canary=1').e;
    assert.equal(b.call.path, '/?canary=1', 'no path: / with the query');
    assert.equal(b.outcome.cluster, CANARY);
    assert.equal(explain('http://reviews:9080/?canary=2').e.outcome.cluster, V1);
  });

  it('percent-encoding is kept as sent; non-ASCII and spaces are encoded as a client sends them', () => {
    const a = explain('http://reviews:9080/caf%C3%A9').e;
    assert.equal(a.call.path, '/caf%C3%A9');
    assert.equal(a.outcome.cluster, ENCODED);
    const b = explain('http://reviews:9080/café').e;
    assert.equal(b.call.path, '/caf%C3%A9');
    assert.equal(b.outcome.cluster, ENCODED);
    // an encoded slash is not a slash to Envoy's prefix match (nothing is decoded by default)
    const c = explain('http://reviews:9080/api%2Fv1/x').e;
    assert.equal(c.call.path, '/api%2Fv1/x');
    assert.equal(c.outcome.cluster, V1);
    assert.equal(explain('http://reviews:9080/a b').e.call.path, '/a%20b');
  });

  it("the URL's port is the destination port; http defaults to 80, https to 443; --port only fills a gap", () => {
    const noPort = explain('http://reviews/x').e;
    assert.deepEqual([noPort.call.port, noPort.call.host], [80, 'reviews']);
    const explicit80 = explain('http://reviews:80/x', '--port', '9080').e;
    assert.deepEqual([explicit80.call.port, explicit80.call.host], [80, 'reviews'], 'the URL wins');
    const filled = explain('http://reviews/api/v1/x', '--port', '9080').e;
    assert.deepEqual(
      [filled.call.port, filled.call.host, filled.outcome.cluster],
      [9080, 'reviews:9080', API],
    );
    const https = explain('https://reviews/secret').e;
    assert.deepEqual([https.call.port, https.call.protocol, https.call.sni], [443, 'tls', 'reviews']);
    const https9080 = explain('https://reviews:9080/').e;
    assert.equal(https9080.call.sni, 'reviews', 'the server name has no port');
    assert.equal(explain('https://172.21.152.34:9080/').e.call.sni, null, 'no SNI for an IP (RFC 6066)');
  });

  it('tcp:// and grpc:// need a port; grpc carries its path (the method) as POST', () => {
    const t = explain('tcp://reviews:9080').e;
    assert.deepEqual([t.call.protocol, t.call.port, t.call.path], ['tcp', 9080, null]);
    refused('tcp://reviews', /tcp:\/\/reviews has no port/);
    const g = explain('grpc://reviews:9080/reviews.Reviews/List').e;
    assert.deepEqual(
      [g.call.protocol, g.call.path, g.call.method, g.outcome.cluster],
      ['grpc', '/reviews.Reviews/List', 'POST', V1],
    );
    assert.equal(explain('grpc://reviews:9080').e.call.path, '/');
    refused('grpc://reviews', /has no port/);
  });

  it('an IPv6 literal is the address, and keeps its brackets in Host', () => {
    const { e } = explain('http://[fd00::1]:9080/a?b=1');
    assert.deepEqual(
      [e.call.address, e.call.port, e.call.host, e.call.path],
      ['fd00::1', 9080, '[fd00::1]:9080', '/a?b=1'],
    );
    assert.equal(explain('http://[fd00::1]/').e.call.host, '[fd00::1]');
  });

  it('user:password@ is not part of Host', () => {
    assert.equal(explain('http://me:secret@reviews:9080/api/v1/').e.call.host, 'reviews:9080');
  });

  it('a URL that is not one is refused in one sentence', () => {
    refused('http://reviews:99999/', /is not a valid URL/);
    refused('http://reviews:0/', /port 0 is not a port number/);
    refused('ftp://reviews/', /URL scheme ftp:\/\/ is not one of http:\/\//);
    refused('reviews:9080', /is not a URL like/);
  });
});
