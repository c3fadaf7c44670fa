// Seeded generated families of the conformance corpus (issue 13): route tables with every match kind,
// domain sets, filter-chain matchers, capture annotations, app bind addresses × era, and mTLS modes. Each
// world is a small snapshot (a client sidecar, the pods it calls) written in Istio's shapes by istio-dump.ts;
// each case says what it must hit, or just miss, so that a case also checks the generator. One file per
// family under families/, each citing the Envoy behaviour its expected decisions follow.
import type { CorpusWorld } from './types.js';
import { rng } from './families/common.js';
import { bindWorld } from './families/bind.js';
import { captureWorlds } from './families/capture.js';
import { chainsWorld, inboundWorld } from './families/chains.js';
import { domainsWorld } from './families/domains.js';
import { mtlsWorld } from './families/mtls.js';
import { routesWorld } from './families/routes.js';

export { rng };

export const CORPUS_SEED = 20261207;

/** Every generated world, in a fixed order (the seed makes them the same on every run). */
export function generatedWorlds(seed = CORPUS_SEED): CorpusWorld[] {
  const r = rng(seed);
  const s = () => Math.floor(r() * 1_000_000);
  return [
    routesWorld(s(), '1.9.5', true),
    routesWorld(s(), '1.10.0', false),
    routesWorld(s(), '1.16.0', true),
    routesWorld(s(), '1.20.0', false),
    domainsWorld(s(), '1.10.0', true),
    domainsWorld(s(), '1.16.0', false),
    chainsWorld('1.16.0'),
    inboundWorld('1.9.5'),
    inboundWorld('1.16.0'),
    ...captureWorlds(),
    bindWorld('1.9.5'),
    bindWorld('1.10.0'),
    bindWorld('1.20.0'),
    mtlsWorld('1.10.0'),
    mtlsWorld('1.20.0'),
  ];
}
