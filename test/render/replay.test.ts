// The replay text: a balanced pick shows the set meshctl says Envoy picks from beside the walk's host, so an
// agreeing row with two different hosts reads as what it is; data from dumps is escaped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReplay } from '../../src/render/replay.js';
import type { Replay } from '../../src/core/replay/schema.js';

test('an upstreamHost agreed by the balanced set names the set; control characters are escaped', () => {
  const r = {
    args: ['request', 'a', 'http://b'],
    skipped: null,
    envoy: null,
    adaptations: [],
    differences: [],
    comparison: [
      {
        field: 'upstreamHost',
        proxy: 'a.default',
        meshctl: '10.0.0.2:80',
        envoy: '10.0.0.3:80',
        acceptable: ['10.0.0.2:80', '10.0.0.3:80\u001b[2J'],
        verdict: 'agree',
      },
    ],
  } as unknown as Replay;
  const out = renderReplay(r, { color: false });
  assert.match(
    out,
    /✓ upstreamHost @ a\.default\s+10\.0\.0\.2:80 \(one of 10\.0\.0\.2:80, 10\.0\.0\.3:80\\x1b\[2J\)\s+10\.0\.0\.3:80/,
  );
  assert.ok(!out.includes('\u001b'), 'no raw escape reaches the terminal');
});
