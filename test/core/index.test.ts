// The npm package's library API works without the CLI.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { emptyInventory, explain, parseDumpBytes, summarizeClusters } from '../../src/core/index.js';
import { real } from '../helpers/paths.js';

describe('library API', () => {
  it('parses a dump and explains a connection from it', () => {
    const dump = parseDumpBytes(
      'productpage',
      readFileSync(
        real(
          'istio/historical/v3-2020-05/istioctl/cmd/testdata/describe/productpage-v1-7bbd79f8fd-k6j79.json',
        ),
      ),
    );
    assert.ok(summarizeClusters(dump, { fqdn: 'reviews' }).length > 0);
    const e = explain(
      { dumps: [dump], inventory: emptyInventory(), sockets: [] },
      {
        mode: 'outbound',
        source: dump,
        ip: '172.21.95.172',
        port: 9080,
        traffic: {
          protocol: 'http',
          host: 'reviews:9080',
          path: '/',
          method: 'GET',
          headers: {},
          sni: undefined,
        },
      },
    );
    assert.equal(e.outcome.cluster, 'outbound|9080||reviews.default.svc.cluster.local');
  });
});
