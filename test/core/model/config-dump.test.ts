import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceDecodeError } from '../../../src/core/model/config-dump.js';
import { routeRequest } from '../../../src/core/engine/route-table.js';
import { resolveHost } from '../../../src/core/engine/resolve.js';
import { selectVirtualHost } from '../../../src/core/engine/match/domain-matcher.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import { parseDump } from '../../../src/sources/dump/read-dump.js';

const T = 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump';

/** A route dump, one member per line; with `broken` its second virtual host holds invalid JSON (line 9). */
function routesDump(hostsKey: string, broken = true, more = ''): string {
  const vhost = (name: string, routes: string) =>
    `{\n"name": "${name}",\n"domains": ["${name}", "${name}:9080"],\n"routes": ${routes}\n}`;
  const route = (cluster: string) => `[{"match": {"prefix": "/"}, "route": {"cluster": "${cluster}"}}]`;
  return [
    `{"configs": [{"@type": "${T}", "dynamic_route_configs": [{"route_config": {`,
    `"name": "9080",`,
    `"${hostsKey}": [`,
    `${vhost('reviews', route('outbound|9080||reviews'))},`,
    `${vhost('ratings', broken ? '[{"match": {"prefix": "/"}, "route": {"cluster": tru}}]' : route('outbound|9080||ratings'))},`,
    `${vhost('details', route('outbound|9080||details'))}`,
    `],`,
    `"validate_clusters": false`,
    `}}${more}]}]}`,
  ].join('\n');
}

describe('route configurations read lazily', () => {
  for (const hostsKey of ['virtual_hosts', 'virtualHosts']) {
    it(`${hostsKey}: reads every host's domains, decodes only the one a request chooses`, () => {
      const dump = parseDump('routes.json', new TextEncoder().encode(routesDump(hostsKey)));
      const rc = dump.routeConfigs()[0]!;
      assert.deepEqual(
        rc.hosts.map((h) => [h.name, ...h.domains]),
        [
          ['reviews', 'reviews', 'reviews:9080'],
          ['ratings', 'ratings', 'ratings:9080'],
          ['details', 'details', 'details:9080'],
        ],
      );
      const d = routeRequest(rc, {
        host: 'details:9080',
        path: '/',
        method: 'GET',
        headers: new Map(),
        ssl: false,
        internal: true,
      });
      assert.equal(d.kind, 'route');
      assert.equal(d.kind === 'route' && d.cluster, 'outbound|9080||details');
      assert.equal(rc.validateClusters, false);
    });
  }

  it('a broken virtual host is an error, with its line, when it is chosen or listed', () => {
    const dump = parseDump('routes.json', new TextEncoder().encode(routesDump('virtual_hosts')));
    const rc = dump.routeConfigs()[0]!;
    assert.throws(
      () =>
        routeRequest(rc, {
          host: 'ratings',
          path: '/',
          method: 'GET',
          headers: new Map(),
          ssl: false,
          internal: true,
        }),
      (e: unknown) =>
        e instanceof ResourceDecodeError && e.line === 9 && /routes\[9080\]|route_config/.test(e.location),
    );
    const issues = dump.validate();
    assert.ok(issues.some((i) => i.severity === 'error' && i.line === 9));
  });

  it('resolving a Service name decodes route configurations one by one, until one knows it', () => {
    // the second route configuration is not even an object: decoding it would fail
    const text = routesDump(
      'virtual_hosts',
      true,
      ', {"route_config": {"name": "80", "validate_clusters": tru, "virtual_hosts": []}}',
    );
    const dump = parseDump(
      'routes.json',
      new TextEncoder().encode(text.replace('"details:9080"', '"10.96.0.9:9080"')),
    );
    const r = resolveHost(dump, emptyInventory(), 'details', 9080);
    assert.equal(r?.ip, '10.96.0.9');
    assert.match(r?.how ?? '', /virtual host details of route configuration 9080/);
  });

  it('raw is the whole RouteConfiguration, in its key order', () => {
    const dump = parseDump('routes.json', new TextEncoder().encode(routesDump('virtualHosts', false)));
    const raw = dump.routeConfigs()[0]!.raw;
    assert.deepEqual(Object.keys(raw), ['name', 'virtual_hosts', 'validate_clusters']);
    assert.deepEqual(
      (raw.virtual_hosts as Array<{ name: string; routes: unknown[] }>).map((v) => [v.name, v.routes.length]),
      [
        ['reviews', 1],
        ['ratings', 1],
        ['details', 1],
      ],
    );
  });
});

describe('virtual host selection in a table read lazily', () => {
  const hosts: Array<[string, string[]]> = [
    ['a', ['A.Example', 'a.example:80']],
    ['b', ['b.example', '*.example']],
    ['escaped', ['\\u0062.other']], // spells b.other only once decoded
    ['d', ['b.other', 'd.*']],
    ['all', ['*']],
  ];
  const dump = () =>
    parseDump(
      'hosts.json',
      Buffer.from(
        JSON.stringify({
          configs: [
            {
              '@type': T,
              dynamic_route_configs: [
                {
                  route_config: {
                    name: '80',
                    virtual_hosts: hosts.map(([name, domains]) => ({ name, domains })),
                  },
                },
              ],
            },
          ],
        }).replace('\\\\u0062', '\\u0062'),
      ),
    );

  it('chooses what reading every host’s domains chooses, looking first where an exact domain may be', () => {
    const rc = dump().routeConfigs()[0]!;
    assert.ok(
      rc.hosts.every((h) => h.mayHaveDomain),
      'the hosts of a table read from bytes can be looked at',
    );
    const eager = rc.hosts.map((h) => ({ name: h.name, domains: [...h.domains] }));
    assert.deepEqual(eager[2]!.domains, ['b.other']);
    for (const host of [
      'a.example',
      'A.EXAMPLE:80',
      'b.other',
      'x.example',
      'd.local',
      'elsewhere',
      'b.example',
    ])
      assert.deepEqual(
        selectVirtualHost(dump().routeConfigs()[0]!.hosts, host, false),
        selectVirtualHost(eager, host, false),
        host,
      );
    assert.equal(selectVirtualHost(rc.hosts, 'b.other', false)?.index, 2, 'the escaped spelling comes first');
    const fresh = dump().routeConfigs()[0]!.hosts;
    assert.equal(fresh[3]!.mayHaveDomain!('a.example'), false);
    assert.equal(fresh[0]!.mayHaveDomain!('a.example'), true, 'domains compare lower-cased');
    assert.equal(fresh[2]!.mayHaveDomain!('anything'), true, 'escapes hide what a domain spells');
  });

  it('places a domains list that is not JSON in the dump when it is read', () => {
    const text = JSON.stringify({
      configs: [
        {
          '@type': T,
          dynamic_route_configs: [
            { route_config: { name: '80', virtual_hosts: [{ name: 'a', domains: ['a', 'MARK'] }] } },
          ],
        },
      ],
    }).replace('"MARK"', 'tru');
    const rc = parseDump('bad.json', Buffer.from(text)).routeConfigs()[0]!;
    assert.throws(
      () => rc.hosts[0]!.domains,
      (e: unknown) =>
        e instanceof ResourceDecodeError && e.source === 'bad.json' && e.line === 1 && /JSON/.test(e.message),
    );
  });
});
