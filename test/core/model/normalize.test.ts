import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { camelToSnake, normalizeResource } from '../../../src/core/model/normalize.js';
import { redactSecrets, secretSpans } from '../../../src/core/model/redact.js';

describe('normalize', () => {
  it('turns protojson camelCase into snake_case, leaving constants and dotted names alone', () => {
    assert.equal(camelToSnake('filterChainMatch'), 'filter_chain_match');
    assert.equal(camelToSnake('portValue'), 'port_value');
    assert.equal(camelToSnake('ISTIO_VERSION'), 'ISTIO_VERSION');
    assert.equal(camelToSnake('envoy.lb'), 'envoy.lb');
    assert.equal(camelToSnake('@type'), '@type');
  });

  it('copies Struct contents verbatim: node metadata, filter_metadata, labels', () => {
    const n = normalizeResource({
      node: { metadata: { appVersion: 'x', LABELS: { appVersion: 'v1' } } },
      metadata: { filterMetadata: { istio: { config: '/apis/x', someKey: 1 } } },
    });
    assert.deepEqual(n, {
      node: { metadata: { appVersion: 'x', LABELS: { appVersion: 'v1' } } },
      metadata: { filter_metadata: { istio: { config: '/apis/x', someKey: 1 } } },
    });
  });

  it('upgrades v2 type URLs, untyped filter config, tls_context, hosts and deprecated_v1.bind_to_port', () => {
    const listener = normalizeResource({
      name: 'virtual',
      deprecatedV1: { bindToPort: false },
      filterChains: [
        {
          tls_context: { require_client_certificate: true },
          filters: [
            {
              name: 'envoy.tcp_proxy',
              config: { cluster: 'BlackHoleCluster', stat_prefix: 'BlackHoleCluster' },
            },
          ],
        },
      ],
    });
    assert.deepEqual(listener, {
      name: 'virtual',
      deprecated_v1: { bind_to_port: false },
      bind_to_port: false,
      filter_chains: [
        {
          filters: [
            {
              name: 'envoy.tcp_proxy',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                cluster: 'BlackHoleCluster',
                stat_prefix: 'BlackHoleCluster',
              },
            },
          ],
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              require_client_certificate: true,
            },
          },
        },
      ],
    });
    const cluster = normalizeResource({
      '@type': 'type.googleapis.com/envoy.api.v2.Cluster',
      name: 'c',
      type: 'STATIC',
      hosts: [{ socketAddress: { address: '127.0.0.1', portValue: 80 } }],
    });
    assert.deepEqual(cluster, {
      '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      name: 'c',
      type: 'STATIC',
      load_assignment: {
        cluster_name: 'c',
        endpoints: [
          {
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 80 } } } },
            ],
          },
        ],
      },
    });
  });

  it('redacts private keys, passwords and tokens wherever they are', () => {
    assert.deepEqual(
      redactSecrets({
        tls_certificate: {
          certificate_chain: { inline_bytes: 'Y2VydA==' },
          private_key: { inline_bytes: 'a2V5' },
        },
        call_credentials: [{ access_token: 'abc' }],
        generic_secret: { secret: { inline_string: 'hunter2' } },
      }),
      {
        tls_certificate: { certificate_chain: { inline_bytes: 'Y2VydA==' }, private_key: '[redacted]' },
        call_credentials: [{ access_token: '[redacted]' }],
        generic_secret: '[redacted]',
      },
    );
  });

  it('finds secret values in dump bytes without building the tree (for snapshots streamed to disk)', () => {
    const text =
      '{"a":{"private_key":{"inline_bytes":"a2V5"},"b":[{"password":"p"}],"c":{"private_key":"[redacted]"},"token":null}}';
    const spans = secretSpans(new TextEncoder().encode(text));
    assert.deepEqual(
      spans.map((s) => text.slice(s.start, s.end)),
      ['{"inline_bytes":"a2V5"}', '"p"'],
    );
  });
});
