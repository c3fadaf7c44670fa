import type { CorpusCase, CorpusWorld } from '../types.js';
import * as D from '../istio-dump.js';
import type { J } from '../istio-dump.js';
import {
  rng,
  shuffle,
  NS,
  CLIENT,
  SERVER,
  WEB_VIP,
  WEB_PORT,
  out,
  src,
  serverPod,
  webObjects,
  httpClient,
  routeStep,
} from './common.js';

// ------------------------------------------------------------------------------------------------ routes
// Route matching: the first route in order whose path specifier, headers and query parameters all match
// (envoy/api/v3/config/route/v3/route_components.proto, RouteMatch; "Route matching" in Envoy's HTTP routing
// docs). Each route gets a path family of its own so a near miss can only fall to a later route or to none.
interface RouteSpec {
  readonly kind: string;
  readonly match: J;
  readonly hit: { path: string; headers?: string[] };
  readonly misses: { path: string; headers?: string[]; why: string }[];
}

function routeSpecs(k: number): RouteSpec[] {
  const p = `/k${k}`;
  return [
    {
      kind: 'prefix',
      match: { prefix: `${p}/api` },
      hit: { path: `${p}/api/v1` },
      misses: [{ path: `${p}/ap`, why: 'one character short of the prefix' }],
    },
    // `path` is the whole path without the query string
    {
      kind: 'path',
      match: { path: `${p}/exact` },
      hit: { path: `${p}/exact?x=1` },
      misses: [
        { path: `${p}/exact/`, why: 'a trailing slash' },
        { path: `${p}/exacT`, why: 'case differs (case_sensitive defaults to true)' },
      ],
    },
    // safe_regex must match the whole path (RE2 full match)
    {
      kind: 'safe_regex',
      match: { safe_regex: { regex: `${p}/r[0-9]+` } },
      hit: { path: `${p}/r42` },
      misses: [{ path: `${p}/r42x`, why: 'the regex must match the whole path' }],
    },
    // path_separated_prefix: the prefix, then the end of the path, `?` or `/`
    {
      kind: 'path_separated_prefix',
      match: { path_separated_prefix: `${p}/sep` },
      hit: { path: `${p}/sep/a` },
      misses: [{ path: `${p}/separate`, why: 'the prefix is not followed by / ? or the end' }],
    },
    {
      kind: 'prefix-ci',
      match: { prefix: `${p}/Case`, case_sensitive: false },
      hit: { path: `${p}/cASE/x` },
      misses: [{ path: `${p}/cas`, why: 'one character short of the prefix' }],
    },
    {
      kind: 'header-exact',
      match: { prefix: `${p}/h`, headers: [{ name: 'x-version', string_match: { exact: 'v2' } }] },
      hit: { path: `${p}/h`, headers: ['x-version: v2'] },
      misses: [
        { path: `${p}/h`, headers: ['x-version: v3'], why: 'header value differs' },
        { path: `${p}/h`, why: 'header absent' },
      ],
    },
    {
      kind: 'header-prefix-ci',
      match: {
        prefix: `${p}/hp`,
        headers: [{ name: 'x-user', string_match: { prefix: 'Jas', ignore_case: true } }],
      },
      hit: { path: `${p}/hp`, headers: ['x-user: jason'] },
      misses: [{ path: `${p}/hp`, headers: ['x-user: jxson'], why: 'value does not start with the prefix' }],
    },
    {
      kind: 'header-present',
      match: { prefix: `${p}/hx`, headers: [{ name: 'x-debug', present_match: true }] },
      hit: { path: `${p}/hx`, headers: ['x-debug: 1'] },
      misses: [{ path: `${p}/hx`, why: 'header absent' }],
    },
    {
      kind: 'header-regex',
      match: {
        prefix: `${p}/hr`,
        headers: [{ name: 'x-id', string_match: { safe_regex: { regex: '[0-9]{3}' } } }],
      },
      hit: { path: `${p}/hr`, headers: ['x-id: 123'] },
      misses: [{ path: `${p}/hr`, headers: ['x-id: 1234'], why: 'the regex must match the whole value' }],
    },
    {
      kind: 'header-invert',
      match: {
        prefix: `${p}/hi`,
        headers: [{ name: 'x-env', string_match: { exact: 'prod' }, invert_match: true }],
      },
      hit: { path: `${p}/hi`, headers: ['x-env: dev'] },
      misses: [{ path: `${p}/hi`, headers: ['x-env: prod'], why: 'the inverted match holds for prod' }],
    },
    {
      kind: 'query-exact',
      match: { prefix: `${p}/q`, query_parameters: [{ name: 'v', string_match: { exact: '1' } }] },
      hit: { path: `${p}/q?v=1` },
      misses: [{ path: `${p}/q?v=2`, why: 'query value differs' }],
    },
    {
      kind: 'query-present',
      match: { prefix: `${p}/qp`, query_parameters: [{ name: 'debug', present_match: true }] },
      hit: { path: `${p}/qp?debug=yes&x=1` },
      misses: [{ path: `${p}/qp?x=1`, why: 'parameter absent' }],
    },
  ];
}

export function routesWorld(seed: number, istio: string, catchAll: boolean): CorpusWorld {
  const r = rng(seed);
  const e = D.era(istio);
  const specs = shuffle(r, routeSpecs(seed % 10));
  const routes = specs.map((s, i) => ({
    name: `r${i}-${s.kind}`,
    match: s.match,
    route: { cluster: out(WEB_PORT, `r${i}`, 'web'), timeout: '0s' },
  }));
  if (catchAll)
    routes.push({
      name: 'default',
      match: { prefix: '/' },
      route: { cluster: out(WEB_PORT, '', 'web'), timeout: '0s' },
    });
  const clusters = [
    ...specs.map((_, i) => out(WEB_PORT, `r${i}`, 'web')),
    ...(catchAll ? [out(WEB_PORT, '', 'web')] : []),
  ];
  const vhName = `web.${NS}.svc.cluster.local:${WEB_PORT}`;
  const client = httpClient(
    e,
    [{ name: vhName, domains: D.serviceDomains(e, 'web', NS, NS, WEB_VIP, WEB_PORT), routes }],
    clusters,
  );
  const id = `routes-${istio}-${seed}`;
  const call = (path: string, headers: string[] = []) => [
    'request',
    src(CLIENT),
    `http://web:${WEB_PORT}${path}`,
    ...headers.flatMap((h) => ['-H', h]),
  ];
  const cases: CorpusCase[] = [];
  specs.forEach((s, i) => {
    const name = `r${i}-${s.kind}`;
    cases.push({
      id: `${id}/${name}/hit`,
      args: call(s.hit.path, s.hit.headers),
      aim: `route ${name} (${s.kind}) matches ${s.hit.path}`,
      expect: {
        result: 'delivered',
        cluster: out(WEB_PORT, `r${i}`, 'web'),
        steps: [{ stage: 'virtualHost', result: 'matched', name: vhName }, routeStep(name)],
      },
    });
    s.misses.forEach((m, j) =>
      cases.push({
        id: `${id}/${name}/miss-${j}`,
        args: call(m.path, m.headers),
        aim: `route ${name} (${s.kind}) just misses ${m.path}: ${m.why}`,
        expect: catchAll
          ? { result: 'delivered', steps: [routeStep(name, true)] }
          : { steps: [routeStep(name, true)] },
      }),
    );
  });
  if (!catchAll)
    cases.push({
      id: `${id}/no-route`,
      args: call('/nothing/here'),
      aim: 'no route matches: 404 NR',
      expect: { result: 'failed', responseFlag: 'NR', steps: [{ stage: 'route', result: 'no-match' }] },
    });
  return {
    id,
    family: 'routes',
    description: `route table of ${routes.length} routes (every match kind, seed ${seed}) on Istio ${istio}${catchAll ? ', with a catch-all' : ''}`,
    inputs: { snapshot: '.' },
    files: D.snapshotFiles(
      id,
      [client, serverPod(e, SERVER, [{ port: WEB_PORT, http: true }])],
      webObjects(),
    ),
    cases,
  };
}
