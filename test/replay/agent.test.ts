// The replay agent's app and client on loopback (no namespace needed): the app answers HTTP/1.1, h2c and gRPC
// like an app, recording each request (also a second one on a kept-alive connection, as a proxy's pooled
// upstream connection sends it), a TCP app answers a banner; the client reports the status and its own
// address (how replay tells this call's access-log records from another call's).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent as HttpAgent, request } from 'node:http';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import type { AppRecord, ClientRecord } from '../../src/replay/agent.js';

const AGENT = join(REPO_ROOT, 'dist/src/replay/agent.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

describe('replay agent', () => {
  let child: ChildProcess;
  let next = 1;
  const waiting = new Map<number, (v: { ok: boolean; value?: unknown; error?: string }) => void>();
  const ask = (r: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, (m) => (m.ok ? resolve(m.value) : reject(new Error(m.error))));
      child.stdin!.write(JSON.stringify({ ...r, id }) + '\n');
    });
  let port = 0;

  before(async () => {
    child = spawn(process.execPath, [AGENT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve) => waiting.set(0, () => resolve()));
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = JSON.parse(l) as { id: number; ok: boolean; value?: unknown; error?: string };
      waiting.get(m.id)?.(m);
      waiting.delete(m.id);
    });
    await ready;
    port = await freePort();
    await ask({ op: 'listen', address: '127.0.0.1', port });
  });
  after(() => {
    child.stdin!.end();
  });

  const call = (r: Record<string, unknown>) =>
    ask({ op: 'call', address: '127.0.0.1', port, timeoutMs: 3000, ...r }) as Promise<ClientRecord>;
  const records = async () => ((await ask({ op: 'records' })) as { records: AppRecord[] }).records;

  it('HTTP/1.1: a 200 with content-length from the app, the request recorded, the client address given', async () => {
    await records();
    const c = await call({ kind: 'http', method: 'GET', path: '/x?y=1', headers: { host: 'web:8080' } });
    assert.equal(c.status, 200);
    assert.equal(c.headers?.['content-length'], String(Buffer.byteLength(c.reply ?? '')));
    assert.equal(c.headers?.['x-meshctl-app'], 'yes');
    assert.match(c.reply ?? '', new RegExp(`^meshctl-replay-app 127\\.0\\.0\\.1:${port} GET /x\\?y=1\\n$`));
    assert.match(c.local ?? '', /^127\.0\.0\.1:\d+$/);
    const r = await records();
    assert.deepEqual(
      r.map((x) => [x.requestLine, x.host, x.remote]),
      [['GET /x?y=1 HTTP/1.1', 'web:8080', c.local]],
    );
  });

  it('two requests on one kept-alive connection are two records (a pooled upstream connection)', async () => {
    await records();
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await get('/one'), 200);
    assert.equal(await get('/two'), 200);
    agent.destroy();
    const r = await records();
    assert.deepEqual(
      r.map((x) => x.requestLine),
      ['GET /one HTTP/1.1', 'GET /two HTTP/1.1'],
    );
    assert.equal(r[0]!.remote, r[1]!.remote, 'one connection');
  });

  it('h2c and gRPC: the app answers over HTTP/2 (gRPC with its framing and grpc-status 0)', async () => {
    await records();
    const h2 = await call({ kind: 'http2', method: 'GET', path: '/h2', headers: { host: 'web' } });
    assert.equal(h2.status, 200);
    assert.match(h2.reply ?? '', /meshctl-replay-app .* GET \/h2/);
    const grpc = await call({
      kind: 'http2',
      method: 'POST',
      path: '/pkg.Svc/Call',
      headers: { host: 'web', 'content-type': 'application/grpc' },
    });
    assert.equal(grpc.status, 200);
    // a length-prefixed message: flag 0, 4-byte length, then the banner
    assert.match(grpc.reply ?? '', /meshctl-replay-app .* POST \/pkg\.Svc\/Call/);
    assert.deepEqual(
      (await records()).map((x) => [x.requestLine, x.host]),
      [
        ['GET /h2 HTTP/2', 'web'],
        ['POST /pkg.Svc/Call HTTP/2', 'web'],
      ],
    );
  });

  it('TCP: a banner back and one record for the connection', async () => {
    await records();
    const c = await call({ kind: 'tcp' });
    assert.equal(c.error, undefined);
    assert.match(c.reply ?? '', new RegExp(`^meshctl-replay-app 127\\.0\\.0\\.1:${port}\\n`));
    const r = await records();
    assert.equal(r.length, 1);
    assert.equal(r[0]!.requestLine, undefined);
    assert.equal(r[0]!.remote, c.local);
  });
});
