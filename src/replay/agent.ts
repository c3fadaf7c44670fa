// The replay world's hands inside one network namespace (issue 13): started by world.ts as
// `ip netns exec <ns> node agent.js`, it takes one JSON request per line on stdin and answers one JSON line on
// stdout. It binds the pod's application sockets where the socket evidence says and records what reaches them
// (connection accepted, bytes, the HTTP request line and Host), and plays the client: TCP bytes, an HTTP/1.1
// or h2c request, or TLS with SNI, recording what came back (status, bytes, reset, timeout). Node cannot enter a
// namespace itself, so this runs as its own process there. Never imported by the rest of meshctl.
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect as h2Connect, performServerHandshake } from 'node:http2';
import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';

/** What an app socket saw of one connection. */
export interface AppRecord {
  readonly listen: string;
  readonly remote: string;
  readonly bytes: number;
  /** `GET /path HTTP/1.1` when the bytes were HTTP. */
  readonly requestLine?: string;
  readonly host?: string;
  readonly tls?: boolean;
}

/** What the client saw. */
export interface ClientRecord {
  readonly connected: boolean;
  /** ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... when the connection failed or was reset. */
  readonly error?: string;
  readonly timedOut: boolean;
  readonly status?: number;
  readonly bytesBack: number;
  /** The first bytes that came back, as text (the app echoes `meshctl-replay-app <ip>:<port>`). */
  readonly reply?: string;
  readonly headers?: Record<string, string>;
  /**
   * The client's own address and port (`10.200.0.10:33754`): the first proxy logs it as
   * downstream_remote_address, which is how this call's access-log records are told from another's.
   */
  readonly local?: string;
}

export type AgentRequest =
  | { id: number; op: 'listen'; address: string; port: number }
  | { id: number; op: 'records' }
  | {
      id: number;
      op: 'call';
      kind: 'tcp' | 'http' | 'http2' | 'tls';
      address: string;
      port: number;
      timeoutMs: number;
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      sni?: string;
      alpn?: string[];
    };

const records: AppRecord[] = [];
const servers: Server[] = [];
const APP_BANNER = 'meshctl-replay-app';

/**
 * The app answers like an app: a plain-text 200 with its content-length for HTTP/1 and h2, and for gRPC (a
 * request whose content-type is application/grpc) a unary reply with `grpc-status: 0` in the trailers, which
 * is how a gRPC server says OK (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). The body
 * names the socket that answered, so the client knows the app, not a proxy, replied.
 */
function appBody(listen: string, method: string | undefined, url: string | undefined): string {
  return `${APP_BANNER} ${listen} ${method ?? '-'} ${url ?? '-'}\n`;
}

/** An app connection handed to an HTTP server: where it came in, and its bytes so far. */
interface Conn {
  readonly listen: string;
  readonly remote: string;
  bytes: number;
  /** Bytes already put on an earlier request's record. */
  counted: number;
}
const conns = new WeakMap<object, Conn>();

/**
 * One record per request, not per connection: a proxy keeps its upstream HTTP connections to the app open
 * and sends a later call's request on one an earlier call opened, which must still count as reaching the app.
 */
function requestRecord(c: Conn | undefined, requestLine: string, host: string | undefined): void {
  if (!c) return;
  records.push({
    listen: c.listen,
    remote: c.remote,
    bytes: c.bytes - c.counted,
    requestLine,
    ...(host ? { host } : {}),
  });
  c.counted = c.bytes;
}

const http1 = createHttpServer((req, res) => {
  const c = conns.get(req.socket);
  requestRecord(c, `${req.method} ${req.url} HTTP/${req.httpVersion}`, req.headers.host);
  const body = appBody(c?.listen ?? '-', req.method, req.url);
  res.writeHead(200, {
    'content-type': 'text/plain',
    'content-length': Buffer.byteLength(body),
    'x-meshctl-app': 'yes',
  });
  res.end(body);
});

/** An h2c connection: each stream is answered (and recorded) as its own request. */
function serveH2(d: Duplex, c: Conn): void {
  const session = performServerHandshake(d);
  session.on('error', () => undefined);
  session.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    const method = String(headers[':method']);
    const path = String(headers[':path']);
    const authority = headers[':authority'];
    requestRecord(c, `${method} ${path} HTTP/2`, typeof authority === 'string' ? authority : undefined);
    const grpc = String(headers['content-type'] ?? '').startsWith('application/grpc');
    // the request body is read and dropped, so the stream can end in both directions
    stream.resume();
    const body = appBody(c.listen, method, path);
    if (grpc) {
      // one length-prefixed message: a zero compression flag and a 4-byte big-endian length, then the bytes
      const msg = Buffer.from(body);
      const frame = Buffer.alloc(5 + msg.length);
      frame.writeUInt32BE(msg.length, 1);
      msg.copy(frame, 5);
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'x-meshctl-app': 'yes' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
      return;
    }
    stream.respond({
      ':status': 200,
      'content-type': 'text/plain',
      'content-length': String(Buffer.byteLength(body)),
      'x-meshctl-app': 'yes',
    });
    stream.end(body);
  });
}

/**
 * A stream over a socket whose first bytes were already read: Node's HTTP servers read a real socket's
 * handle directly, past any bytes put back with unshift(), so a sniffed connection is handed to them as a
 * plain Duplex fed from the socket (the way `server.emit('connection', duplex)` is meant for other streams).
 */
function replayed(socket: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  d.push(first);
  socket.on('data', (b: Buffer) => {
    if (!d.push(b)) socket.pause();
  });
  socket.on('end', () => d.push(null));
  socket.on('close', () => d.destroy());
  // the HTTP servers read these from the connection they are given
  Object.assign(d, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    setTimeout: (ms: number, f?: () => void) => (socket.setTimeout(ms, f), d),
    setNoDelay: () => d,
    setKeepAlive: () => d,
  });
  return d;
}

/**
 * Answers one connection: HTTP/1 and h2c (by its preface) as an HTTP app, one record per request; other
 * bytes (TCP, TLS) get a banner and a close, one record for the connection.
 */
function serve(listen: string, socket: Socket): void {
  socket.once('data', (first: Buffer) => {
    const text = first.toString('latin1');
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const h1 = /^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(text);
    if (h1 || text.startsWith('PRI * HTTP/2.0')) {
      const c: Conn = { listen, remote, bytes: first.length, counted: 0 };
      socket.on('data', (b: Buffer) => (c.bytes += b.length));
      const d = replayed(socket, first);
      conns.set(d, c);
      if (h1) http1.emit('connection', d);
      else serveH2(d, c);
      return;
    }
    const rec: { -readonly [K in keyof AppRecord]: AppRecord[K] } = { listen, remote, bytes: first.length };
    if (first[0] === 0x16) rec.tls = true;
    records.push(rec);
    socket.on('data', (d: Buffer) => (rec.bytes += d.length));
    socket.write(`${APP_BANNER} ${listen}\n`);
    socket.end();
  });
  socket.on('error', () => undefined);
  socket.setTimeout(15_000, () => socket.destroy());
}

function listen(address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const name = `${address}:${port}`;
    const s = createServer((sock) => serve(name, sock));
    s.once('error', reject);
    s.listen({ host: address, port, exclusive: true }, () => {
      servers.push(s);
      resolve();
    });
  });
}

function localOf(s: {
  localAddress?: string | undefined;
  localPort?: number | undefined;
}): string | undefined {
  return s.localAddress && s.localPort ? `${s.localAddress}:${s.localPort}` : undefined;
}

function tcpCall(r: Extract<AgentRequest, { op: 'call' }>): Promise<ClientRecord> {
  return new Promise((resolve) => {
    let connected = false;
    let bytesBack = 0;
    let reply = '';
    let done = false;
    const finish = (extra: Partial<ClientRecord> = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({
        connected,
        timedOut: false,
        bytesBack,
        ...(reply ? { reply } : {}),
        ...(local ? { local } : {}),
        ...extra,
      });
    };
    let local: string | undefined;
    const onConnect = () => {
      connected = true;
      local = localOf(sock);
      sock.write('meshctl-replay client\n');
    };
    const sock =
      r.kind === 'tls'
        ? tlsConnect({
            host: r.address,
            port: r.port,
            rejectUnauthorized: false,
            ...(r.sni ? { servername: r.sni } : {}),
            ...(r.alpn ? { ALPNProtocols: r.alpn } : {}),
          })
        : netConnect({ host: r.address, port: r.port });
    sock.once(r.kind === 'tls' ? 'secureConnect' : 'connect', onConnect);
    if (r.kind === 'tls')
      sock.once('connect', () => {
        connected = true;
        local = localOf(sock);
      });
    sock.on('data', (d: Buffer) => {
      bytesBack += d.length;
      if (reply.length < 200) reply += d.toString('utf8').slice(0, 200 - reply.length);
    });
    // a graceful close in turn (FIN, not a reset), so each proxy ends the connection and writes its log line
    sock.on('end', () => sock.end());
    sock.on('close', () => finish());
    sock.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    const timer = setTimeout(() => finish({ timedOut: true }), r.timeoutMs);
  });
}

function httpCall(r: Extract<AgentRequest, { op: 'call' }>): Promise<ClientRecord> {
  return new Promise((resolve) => {
    let connected = false;
    let done = false;
    const finish = (x: Omit<ClientRecord, 'connected'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ connected, ...(local ? { local } : {}), ...x });
    };
    let local: string | undefined;
    const req = httpRequest({
      host: r.address,
      port: r.port,
      method: r.method ?? 'GET',
      path: r.path ?? '/',
      headers: r.headers ?? {},
      agent: false,
      setHost: !r.headers?.host,
    });
    req.on('socket', (s) =>
      s.once('connect', () => {
        connected = true;
        local = localOf(s);
      }),
    );
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body = (body + d).slice(0, 400)));
      res.on('end', () =>
        finish({
          timedOut: false,
          status: res.statusCode ?? 0,
          bytesBack: Buffer.byteLength(body),
          reply: body,
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
          ),
        }),
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({ timedOut: false, bytesBack: 0, error: e.code ?? e.message }),
    );
    const timer = setTimeout(() => {
      finish({ timedOut: true, bytesBack: 0 });
      req.destroy();
    }, r.timeoutMs);
    req.end();
  });
}

function h2Call(r: Extract<AgentRequest, { op: 'call' }>): Promise<ClientRecord> {
  return new Promise((resolve) => {
    let connected = false;
    let done = false;
    const { host, ...rest } = r.headers ?? {};
    const session = h2Connect(`http://${r.address}:${r.port}`);
    const finish = (x: Omit<ClientRecord, 'connected'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve({ connected, ...(local ? { local } : {}), ...x });
    };
    let local: string | undefined;
    session.on('connect', () => {
      connected = true;
      local = localOf(session.socket);
    });
    session.on('error', (e: NodeJS.ErrnoException) =>
      finish({ timedOut: false, bytesBack: 0, error: e.code ?? e.message }),
    );
    const stream = session.request({
      ':method': r.method ?? 'GET',
      ':path': r.path ?? '/',
      ':authority': host ?? `${r.address}:${r.port}`,
      ...rest,
    });
    let status: number | undefined;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body = (body + d).slice(0, 400)));
    stream.on('end', () =>
      finish({
        timedOut: false,
        ...(status !== undefined ? { status } : {}),
        bytesBack: Buffer.byteLength(body),
        reply: body,
      }),
    );
    stream.on('error', (e: NodeJS.ErrnoException) =>
      finish({ timedOut: false, bytesBack: 0, error: e.code ?? e.message }),
    );
    stream.end();
    const timer = setTimeout(() => finish({ timedOut: true, bytesBack: 0 }), r.timeoutMs);
  });
}

async function handle(r: AgentRequest): Promise<unknown> {
  switch (r.op) {
    case 'listen':
      await listen(r.address, r.port);
      return {};
    case 'records':
      return { records: records.splice(0) };
    case 'call':
      return r.kind === 'http' ? httpCall(r) : r.kind === 'http2' ? h2Call(r) : tcpCall(r);
  }
}

const isMain = process.argv[1]?.endsWith('/agent.js');
if (isMain) {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let r: AgentRequest;
    try {
      r = JSON.parse(line) as AgentRequest;
    } catch {
      return;
    }
    handle(r).then(
      (v) => process.stdout.write(JSON.stringify({ id: r.id, ok: true, value: v }) + '\n'),
      (e: NodeJS.ErrnoException) =>
        process.stdout.write(
          JSON.stringify({ id: r.id, ok: false, error: `${e.code ?? ''} ${e.message}`.trim() }) + '\n',
        ),
    );
  });
  // the world closing stdin (or dying) ends the agent and its sockets
  rl.on('close', () => {
    for (const s of servers) s.close();
    process.exit(0);
  });
  process.stdout.write(JSON.stringify({ id: 0, ok: true, value: { ready: true } }) + '\n');
}
