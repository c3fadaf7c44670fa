// The sweep deletes the namespaces of replay runs that are gone, and only those.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { sweepStaleNamespaces } from '../../src/replay/sweep.js';
import { canNamespace } from '../helpers/replay.js';

const names = (): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');

describe('sweepStaleNamespaces', { skip: canNamespace ? false : 'needs root and ip netns' }, () => {
  // a pid that was just used and is gone
  const dead = spawnSync('true').pid;
  const stale = `mc-${dead}-sweeptest`;
  const live = `mc-${process.pid}-sweeptest`;
  after(() => {
    for (const n of [stale, live]) spawnSync('ip', ['netns', 'del', n]);
  });

  it("deletes a dead run's namespace and keeps a live one's", async () => {
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', live]);
    const swept = await sweepStaleNamespaces();
    assert.ok(swept.includes(stale), `swept ${swept.join(', ')}`);
    assert.ok(!names().includes(stale));
    assert.ok(names().includes(live));
  });
});
