// The conformance corpus's own parts: the seeded generator is stable, the aim check can fail, the closing
// line is the plain one issue 13 asks for, and argsFromExplanation gives back the golden's call.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Explanation } from '../../../src/core/engine/types.js';
import { realDump } from '../../helpers/dumps.js';
import {
  argsFromExplanation,
  checkExpect,
  closingLine,
  deriveCases,
  duplicateIds,
  generatedWorlds,
  reportMarkdown,
  rng,
  stepIdentity,
  tally,
  type CaseResult,
} from '../../../src/core/replay/corpus/index.js';

const golden = (p: string) => JSON.parse(readFileSync(`fixtures/golden/${p}`, 'utf8')) as Explanation;

describe('conformance corpus', () => {
  it('generates the same worlds from the same seed, every family present, ids unique', () => {
    const a = generatedWorlds();
    const b = generatedWorlds();
    assert.deepEqual(
      a.map((w) => [w.id, w.cases.map((c) => c.args)]),
      b.map((w) => [w.id, w.cases.map((c) => c.args)]),
    );
    const families = new Set(a.map((w) => w.family));
    for (const f of ['routes', 'domains', 'chains', 'capture', 'bind', 'mtls']) assert.ok(families.has(f), f);
    assert.deepEqual(duplicateIds(a.flatMap((w) => w.cases)), []);
    assert.notDeepEqual(
      generatedWorlds(1).map((w) => w.id),
      a.map((w) => w.id),
      'another seed, other route tables',
    );
    const r = rng(7);
    assert.ok([r(), r(), r()].every((x) => x >= 0 && x < 1));
  });

  it('every generated world is a snapshot whose dumps are JSON config dumps', () => {
    for (const w of generatedWorlds()) {
      const files = w.files ?? {};
      const index = JSON.parse(files['meshctl-snapshot.json']!) as { pods: { dump: string | null }[] };
      for (const p of index.pods)
        if (p.dump) assert.ok(Array.isArray((JSON.parse(files[p.dump]!) as { configs: unknown[] }).configs));
    }
  });

  it('checkExpect reports a route, cluster or result other than the aim, and nothing when they agree', () => {
    const e = golden('story2-bookinfo-before/request-reviews.json');
    assert.deepEqual(
      checkExpect(e, {
        result: 'delivered',
        cluster: 'outbound|9080||reviews.default.svc.cluster.local',
        steps: [
          { stage: 'listener', result: 'matched', name: '0.0.0.0_9080' },
          { stage: 'route', result: 'matched', name: 'default', index: 0 },
        ],
      }),
      [],
    );
    const wrong = checkExpect(e, {
      result: 'failed',
      cluster: 'outbound|9080|v1|reviews.default.svc.cluster.local',
      steps: [
        { stage: 'route', result: 'matched', index: 1 },
        { stage: 'virtualHost', name: 'reviews.default.svc.cluster.local:9080', absent: true },
      ],
    });
    assert.equal(wrong.length, 4, wrong.join('\n'));
    assert.match(wrong[0]!, /result is delivered, expected failed/);
    assert.match(wrong[3]!, /must just miss/);
    // a step is told apart by its position too (unnamed ones by nothing else): both indexes are shown
    assert.match(
      wrong[2]!,
      /no step route matched \[1\] in order; the trace has route matched "default" \[0\]/,
    );
    // steps in trace order: the route comes after the listener, not before
    assert.equal(checkExpect(e, { steps: [{ stage: 'route' }, { stage: 'listener' }] }).length, 1);
  });

  it('reads a step position from index or from a name that still carries it', () => {
    assert.deepEqual(
      stepIdentity({
        stage: 'route',
        proxy: 'p',
        result: 'matched',
        name: 'default (#3)',
        index: null,
        detail: '',
      }),
      { name: 'default', index: 3 },
    );
    assert.deepEqual(
      stepIdentity({
        stage: 'filterChain',
        proxy: 'p',
        result: 'matched',
        name: '#2',
        index: null,
        detail: '',
      }),
      { name: null, index: 2 },
    );
    assert.deepEqual(
      stepIdentity({
        stage: 'filterChain',
        proxy: 'p',
        result: 'matched',
        name: 'sni-exact #0',
        index: null,
        detail: '',
      }),
      { name: 'sni-exact', index: 0 },
    );
    assert.deepEqual(
      stepIdentity({
        stage: 'route',
        proxy: 'p',
        result: 'matched',
        name: 'r1',
        detail: '',
        index: 1,
      } as never),
      { name: 'r1', index: 1 },
    );
  });

  it('aims plaintext at a chain that terminates TLS as taken and refused, a plaintext chain as taken', () => {
    // Istio 1.4 STRICT: the chain for 172.30.144.174:9080 has a DownstreamTlsContext and no transport_protocol.
    // A FilterChainMatch without transport_protocol accepts any transport, so Envoy picks it for plaintext
    // (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/listener/v3/listener_components.proto
    // #config-listener-v3-filterchainmatch) and the handshake resets the connection; Envoy 1.40 logged
    // filter_chain_name filter_chains[2] with the client seeing ECONNRESET.
    const dir = 'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe';
    const inboundChainCases = (pod: string) =>
      deriveCases('w', realDump(`${dir}/${pod}.json`)).filter((c) =>
        /^w\/inbound\/[^/]+\/chain\//.test(c.id),
      );
    const strict = inboundChainCases('productpage-v1-c7765c886-v99jb');
    assert.deepEqual(
      strict.map((c) => [c.id, c.args.slice(-2), c.expect.steps]),
      [
        [
          'w/inbound/virtualInbound/chain/2/hit',
          ['--protocol', 'http'],
          [{ stage: 'filterChain', result: 'failed', index: 2 }],
        ],
      ],
    );
    assert.match(strict[0]!.aim, /terminates TLS: plaintext is refused in the handshake/);
    const permissive = inboundChainCases('productpage-v1-7bbd79f8fd-k6j79');
    assert.deepEqual(
      permissive.map((c) => c.expect.steps),
      [[{ stage: 'filterChain', result: 'matched', index: 5 }]],
    );
  });

  it('rebuilds the call of a golden as explain arguments', () => {
    assert.deepEqual(argsFromExplanation(golden('story2-bookinfo-before/request-reviews.json')), [
      'pod-to-pod',
      'productpage-v1-76474f6fb7-pmglr.default',
      '172.21.152.34',
      '--port',
      '9080',
      '--protocol',
      'http',
      '--host',
      'reviews:9080',
    ]);
    assert.deepEqual(argsFromExplanation(golden('story3-tcp-echo-gateway/gateway-31400.json')).slice(0, 4), [
      'gateway',
      'istio-ingressgateway-5d9c6b8f7c-x2k4q.istio-system',
      '--port',
      '31400',
    ]);
  });

  it('closes with the plain line and lists every skip with its reason and every difference with both sides', () => {
    const base = {
      world: 'w',
      family: 'f',
      args: ['pod-to-pod', 'a', 'b'],
      aim: 'x',
      aimProblems: [],
      ms: 1,
    };
    const results: CaseResult[] = [
      { ...base, id: 'w/1', verdict: 'passed', differences: [] },
      {
        ...base,
        id: 'w/2',
        verdict: 'failed',
        reason: 'Envoy did not do what meshctl said',
        differences: [{ field: 'route', meshctl: 'r1', envoy: 'r2|x' }],
      },
      {
        ...base,
        id: 'w/3',
        verdict: 'skipped',
        reason: 'ALPN cannot be chosen by the client',
        differences: [],
      },
    ];
    assert.equal(closingLine(tally(results)), '1 passed, 1 failed, 1 skipped');
    const md = reportMarkdown(
      {
        envoyVersion: '1.40.0',
        seed: 1,
        startedAt: 't',
        seconds: 1,
        worlds: 1,
        mode: 'replay',
        excluded: [],
        worldSeconds: [],
      },
      results,
    );
    assert.match(md, /\| route \| {2}\| r1 \| r2\\\|x \|/);
    assert.match(md, /\*\*ALPN cannot be chosen by the client\*\* \(1\): w\/3/);
  });
});
