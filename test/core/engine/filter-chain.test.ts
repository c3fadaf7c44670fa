// FilterChainMatch selection, level by level (envoy-semantics.md section 2), table-driven.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectFilterChain, type ConnectionFacts } from '../../../src/core/engine/filter-chain.js';
import { decodeListener } from '../../../src/core/model/listener.js';
import { normalizeResource, type JsonObject } from '../../../src/core/model/normalize.js';
import { tcp } from '../../helpers/mini-mesh.js';

function listenerWith(chains: Array<{ name: string; match?: Record<string, unknown> }>, withDefault = false) {
  const raw = normalizeResource({
    name: 'l',
    address: { socket_address: { address: '0.0.0.0', port_value: 15006 } },
    filter_chains: chains.map((c) => ({
      name: c.name,
      filter_chain_match: c.match ?? {},
      filters: [tcp(c.name)],
    })),
    ...(withDefault ? { default_filter_chain: { name: 'default', filters: [tcp('default')] } } : {}),
  }) as JsonObject;
  return decodeListener(raw, 'active', []);
}

const base: ConnectionFacts = {
  destinationIp: '10.0.0.2',
  destinationPort: 9080,
  sourceIp: '10.0.0.1',
  sourcePort: 40000,
  serverName: undefined,
  transportProtocol: 'raw_buffer',
  applicationProtocols: [],
};

const cidr = (a: string, len: number) => ({ address_prefix: a, prefix_len: len });

interface Case {
  readonly name: string;
  readonly chains: Array<{ name: string; match?: Record<string, unknown> }>;
  readonly facts?: Partial<ConnectionFacts>;
  readonly withDefault?: boolean;
  /** The chain's name, 'default', or undefined for no match. */
  readonly want: string | undefined;
}

const CASES: Case[] = [
  {
    name: 'an exact destination port beats an unset one',
    chains: [{ name: 'any' }, { name: 'p9080', match: { destination_port: 9080 } }],
    want: 'p9080',
  },
  {
    name: 'unset port survives when no chain names the port',
    chains: [{ name: 'any' }, { name: 'p80', match: { destination_port: 80 } }],
    want: 'any',
  },
  {
    name: 'longest destination prefix wins',
    chains: [
      { name: 'wide', match: { prefix_ranges: [cidr('10.0.0.0', 8)] } },
      { name: 'narrow', match: { prefix_ranges: [cidr('10.0.0.2', 32)] } },
    ],
    want: 'narrow',
  },
  {
    name: 'no backtracking: the port-specific chain fails a later level, so nothing matches',
    chains: [
      { name: 'any' },
      { name: 'p9080-tls', match: { destination_port: 9080, transport_protocol: 'tls' } },
    ],
    want: undefined,
  },
  {
    name: 'no backtracking falls to the default chain when there is one',
    chains: [
      { name: 'any' },
      { name: 'p9080-tls', match: { destination_port: 9080, transport_protocol: 'tls' } },
    ],
    withDefault: true,
    want: 'default',
  },
  {
    name: 'exact SNI beats a wildcard',
    chains: [
      { name: 'wild', match: { server_names: ['*.example.com'] } },
      { name: 'exact', match: { server_names: ['www.example.com'] } },
    ],
    facts: { serverName: 'www.example.com', transportProtocol: 'tls' },
    want: 'exact',
  },
  {
    name: 'the longest SNI wildcard wins',
    chains: [
      { name: 'short', match: { server_names: ['*.com'] } },
      { name: 'long', match: { server_names: ['*.example.com'] } },
    ],
    facts: { serverName: 'a.example.com', transportProtocol: 'tls' },
    want: 'long',
  },
  {
    name: 'without SNI only chains without server_names survive',
    chains: [{ name: 'named', match: { server_names: ['a.b'] } }, { name: 'plain' }],
    want: 'plain',
  },
  {
    name: 'transport protocol tls',
    chains: [
      { name: 'raw', match: { transport_protocol: 'raw_buffer' } },
      { name: 'tls', match: { transport_protocol: 'tls' } },
    ],
    facts: { transportProtocol: 'tls' },
    want: 'tls',
  },
  {
    name: "ALPN: the connection's first protocol any chain names wins",
    chains: [
      { name: 'h2', match: { application_protocols: ['h2'] } },
      { name: 'istio', match: { application_protocols: ['istio-http/1.1'] } },
    ],
    facts: { applicationProtocols: ['istio-http/1.1', 'h2'] },
    want: 'istio',
  },
  {
    name: 'source type SAME_IP_OR_LOOPBACK',
    chains: [{ name: 'local', match: { source_type: 'SAME_IP_OR_LOOPBACK' } }, { name: 'any' }],
    facts: { sourceIp: '127.0.0.6' },
    want: 'local',
  },
  {
    name: 'longest source prefix',
    chains: [
      { name: 'all', match: { source_prefix_ranges: [cidr('0.0.0.0', 0)] } },
      { name: 'pod', match: { source_prefix_ranges: [cidr('10.0.0.1', 32)] } },
    ],
    want: 'pod',
  },
  {
    name: 'source port',
    chains: [{ name: 'sp', match: { source_ports: [40000] } }, { name: 'any' }],
    want: 'sp',
  },
  {
    name: 'IPv6 destination prefix',
    chains: [
      { name: 'v6', match: { prefix_ranges: [cidr('fd00::', 8)] } },
      { name: 'v4', match: { prefix_ranges: [cidr('10.0.0.0', 8)] } },
    ],
    facts: { destinationIp: 'fd00::5' },
    want: 'v6',
  },
];

describe('filter chain selection', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const sel = selectFilterChain(listenerWith(c.chains, c.withDefault), { ...base, ...c.facts });
      const got = sel.chain ? (sel.usedDefault ? 'default' : sel.chain.name) : undefined;
      assert.equal(got, c.want);
      if (c.want && c.want !== 'default') assert.ok(sel.narrowing.length > 0 || c.chains.length === 1);
    });
  }

  it('says which chains it dropped and why', () => {
    const sel = selectFilterChain(
      listenerWith([{ name: 'any' }, { name: 'p9080', match: { destination_port: 9080 } }]),
      base,
    );
    assert.deepEqual(sel.dropped, [
      // the chain's own name and its position apart, as a step's (issue 14)
      {
        name: 'any',
        index: 0,
        reason: 'leaves destination port unset, and a chain names 9080 specifically',
      },
    ]);
  });

  // chains-1.16.0/plain-local: meshctl read a gateway's own address as its client's and picked the
  // source-prefix chain; Envoy 1.40 saw the real client (198.18.0.1) and took plain-any. The source levels
  // read the downstream's address (listener_components.proto FilterChainMatch source_prefix_ranges: "the
  // source IP address of the downstream connection"), which only the caller can know.
  describe('an unknown source address', () => {
    const chains = [
      { name: 'plain-local', match: { source_prefix_ranges: [cidr('10.200.0.0', 24)] } },
      { name: 'plain-any' },
    ];
    it('leaves the choice undetermined when a chain left matches on the source', () => {
      const sel = selectFilterChain(listenerWith(chains), { ...base, sourceIp: undefined });
      assert.equal(sel.chain, undefined);
      assert.equal(sel.undetermined, 'source IP');
      assert.match(sel.narrowing.at(-1)!, /^source IP unknown: 2 chains left/);
    });
    it('decides the same chains once the address is given', () => {
      const pick = (ip: string) =>
        selectFilterChain(listenerWith(chains), { ...base, sourceIp: ip }).chain?.name;
      assert.equal(pick('10.200.0.10'), 'plain-local');
      assert.equal(pick('198.18.0.1'), 'plain-any');
    });
    it('does not matter when an earlier level already decided', () => {
      const sel = selectFilterChain(
        listenerWith([{ name: 'p9080', match: { destination_port: 9080 } }, ...chains]),
        { ...base, sourceIp: undefined },
      );
      assert.equal(sel.chain?.name, 'p9080');
      assert.equal(sel.undetermined, undefined);
    });
    it('source type is a source level too', () => {
      const sel = selectFilterChain(
        listenerWith([{ name: 'local', match: { source_type: 'SAME_IP_OR_LOOPBACK' } }, { name: 'any' }]),
        { ...base, sourceIp: undefined },
      );
      assert.equal(sel.undetermined, 'source type');
    });
  });

  it('reports a tie as a finding', () => {
    const sel = selectFilterChain(listenerWith([{ name: 'a' }, { name: 'b' }]), base);
    assert.equal(sel.tie.length, 2);
  });
});
