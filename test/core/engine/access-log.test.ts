import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logQuery, parseAccessLog, responseFlag } from '../../../src/core/engine/access-log.js';
import { parseDumpBytes } from '../../../src/core/index.js';
import { emptyInventory } from '../../../src/core/model/k8s.js';
import { InputError } from '../../../src/core/diagnostics/errors.js';

const ISTIO_19 =
  '[2026-11-21T02:14:07.118Z] "GET /reviews/0 HTTP/1.1" 503 UF,URX upstream_reset_before_response_started{connection_failure} - "delayed connect error: 111" 0 91 3 - "-" "curl/8.1" "6c1d4f0e" "reviews:9080" "172.30.104.38:9080" outbound|9080||reviews.default.svc.cluster.local - 172.21.152.34:9080 172.30.135.40:51234 - default';
const ISTIO_15 =
  '[2020-03-02T10:11:12.000Z] "GET /ratings/0 HTTP/1.1" 404 NR "-" "-" 0 0 0 - "-" "Go-http-client/1.1" "abc" "ratings:9080" "-" - - 10.0.0.7:9080 10.1.1.1:40000 - -';
const ENVOY =
  '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0" "locations" "tcp://10.0.2.1:80"';

describe('access-log lines', () => {
  it('reads Istio 1.9+ text lines: details, termination, failure reason and every address', () => {
    const l = parseAccessLog(ISTIO_19);
    assert.equal(l.format, 'istio-1.9+');
    assert.deepEqual(
      [l.method, l.path, l.protocol, l.responseCode, l.responseFlags],
      ['GET', '/reviews/0', 'HTTP/1.1', 503, ['UF', 'URX']],
    );
    assert.equal(l.responseCodeDetails, 'upstream_reset_before_response_started{connection_failure}');
    assert.equal(l.connectionTerminationDetails, null);
    assert.equal(l.upstreamTransportFailureReason, 'delayed connect error: 111');
    assert.deepEqual(
      [l.authority, l.upstreamHost, l.upstreamCluster, l.upstreamLocalAddress],
      ['reviews:9080', '172.30.104.38:9080', 'outbound|9080||reviews.default.svc.cluster.local', null],
    );
    assert.deepEqual(
      [l.downstreamLocalAddress, l.downstreamRemoteAddress, l.requestedServerName, l.routeName],
      ['172.21.152.34:9080', '172.30.135.40:51234', null, 'default'],
    );
  });

  it('reads the Istio 1.1-1.8 format (quoted mixer status) and Envoy’s own default format', () => {
    const old = parseAccessLog(ISTIO_15);
    assert.equal(old.format, 'istio-1.1-1.8');
    assert.deepEqual([old.responseCode, old.responseFlags, old.authority], [404, ['NR'], 'ratings:9080']);
    assert.equal(old.downstreamLocalAddress, '10.0.0.7:9080');
    const envoy = parseAccessLog(ENVOY);
    assert.equal(envoy.format, 'envoy-default');
    assert.deepEqual([envoy.protocol, envoy.responseCode, envoy.responseFlags], ['HTTP/2', 204, []]);
    assert.deepEqual(
      [envoy.authority, envoy.upstreamHost, envoy.upstreamCluster],
      ['locations', 'tcp://10.0.2.1:80', null],
    );
  });

  it('reads TCP lines ("- - -", code 0) and the JSON encoding, long flag names included', () => {
    const tcp = parseAccessLog(
      '[2026-11-21T02:14:07.118Z] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "127.0.0.1:3888" inbound|3888|| - 10.96.8.10:3888 10.96.7.7:50012 outbound_.3888_._.zk-hs.default.svc.cluster.local -',
    );
    assert.deepEqual(
      [tcp.method, tcp.responseCode, tcp.responseFlags, tcp.upstreamCluster],
      [null, null, ['UF'], 'inbound|3888||'],
    );
    const json = parseAccessLog(
      JSON.stringify({
        response_code: 503,
        response_flags: 'NoClusterFound',
        response_code_details: 'cluster_not_found',
        authority: 'reviews:9080',
        upstream_cluster: 'outbound|9080|v1|reviews.default.svc.cluster.local',
        downstream_local_address: '172.21.152.34:9080',
        route_name: '-',
      }),
    );
    assert.deepEqual(
      [json.format, json.responseCode, json.responseFlags, json.responseCodeDetails, json.routeName],
      ['json', 503, ['NC'], 'cluster_not_found', null],
    );
    assert.equal(responseFlag('UpstreamRetryLimitExceeded')?.short, 'URX');
  });

  it('says what is wrong with a line that is not an access-log line', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['2026-11-21 ERROR something failed', /not an access-log line/],
      ['[x] "GET / HTTP/1.1" 503 ZZ - - "-" 0 0 0', /ZZ is not an Envoy response flag/],
      ['{"response_code": 503,', /looks like JSON but is not/],
      ['{"level": "info"}', /no response_code or response_flags/],
    ];
    for (const [line, message] of cases)
      assert.throws(
        () => parseAccessLog(line),
        (e: unknown) => e instanceof InputError && message.test(e.message),
        line,
      );
  });

  it("a line whose local address is any of the pod's addresses (IPv6 too) was written on the way in", () => {
    const bootstrap = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
          bootstrap: {
            node: {
              id: 'sidecar~10.0.0.5~web-0.ns~ns.svc.cluster.local',
              metadata: { INSTANCE_IPS: '10.0.0.5,fd00::5', NAME: 'web-0', NAMESPACE: 'ns' },
            },
          },
        },
      ],
    };
    const proxy = parseDumpBytes('web-0.json', new TextEncoder().encode(JSON.stringify(bootstrap)));
    const world = { dumps: [proxy], inventory: emptyInventory(), sockets: [] };
    const line = (local: string) =>
      parseAccessLog(`[t] "- - -" 0 UF - - "-" 0 0 1 - "-" "-" "-" "-" "-" - - ${local} [fd00::9]:5000 - -`);
    assert.equal(logQuery(world, proxy, line('[fd00::5]:8080')).mode, 'inbound');
    assert.equal(logQuery(world, proxy, line('10.0.0.5:8080')).mode, 'inbound');
    assert.equal(logQuery(world, proxy, line('10.0.0.9:8080')).mode, 'outbound');
  });
});
