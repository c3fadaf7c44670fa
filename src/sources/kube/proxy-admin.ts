// The Envoy admin API of a sidecar or gateway, through a port-forward to 15000 (the admin port is bound to
// 127.0.0.1, so the pods/proxy subresource cannot reach it). One HTTP/1.0 request per forward; the response is
// read until the stream ends. client-node's pitfalls handled here: the output stream is never ended when the
// WebSocket closes (we listen to the socket), the error channel sends empty chunks (ignored), and a refused
// connection inside the pod can hang silently (an idle timeout ends it with a clear message).
import { PassThrough } from 'node:stream';
import { ApiError } from '../../core/diagnostics/errors.js';
import type { Cluster } from './cluster.js';
import { networkError } from './cluster.js';

export const ENVOY_ADMIN_PORT = 15000;

export interface AdminRequest {
  readonly namespace: string;
  readonly pod: string;
  /** e.g. `/config_dump?include_eds` */
  readonly path: string;
  /** No bytes for this long ends the transfer with an error. */
  readonly idleTimeoutMs?: number;
  /** Receives the body as it arrives (streamed to disk by snapshot); when absent the body is returned. */
  readonly sink?: (chunk: Buffer) => void;
}

interface ParsedHead {
  readonly status: number;
  readonly headerEnd: number;
  readonly chunked: boolean;
  readonly contentLength: number | undefined;
}

function parseHead(buf: Buffer): ParsedHead | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
  return {
    status,
    headerEnd: end + 4,
    chunked: /\r\ntransfer-encoding:\s*chunked/i.test(head),
    contentLength: length ? Number(length) : undefined,
  };
}

/** Decodes an HTTP/1.1 chunked body (Envoy's admin answers chunked to HTTP/1.1 clients). */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    const lineEnd = body.indexOf('\r\n', i);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(i, lineEnd).toString('latin1'), 16);
    if (!size) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

export async function adminGet(c: Cluster, r: AdminRequest): Promise<Buffer> {
  const { PortForward } = await import('@kubernetes/client-node');
  const output = new PassThrough();
  const errors = new PassThrough();
  // HTTP/1.0 with Connection: close: the admin server closes after the body, which ends the forward. The
  // input stays open: client-node closes the WebSocket when its input stream ends (v4 has no half-close).
  const input = new PassThrough();
  input.write(Buffer.from(`GET ${r.path} HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
  const where = `${r.namespace}/${r.pod}`;
  const idle = r.idleTimeoutMs ?? 20_000;
  let ws: { close(): void; on(ev: string, fn: (...a: unknown[]) => void): void } | undefined;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let head: ParsedHead | undefined;
    let pending = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    let received = 0;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      input.end();
      try {
        ws?.close();
      } catch {
        /* already closed */
      }
      if (e) return reject(e);
      if (!head)
        return reject(
          new ApiError(
            `port-forward to ${where}:${ENVOY_ADMIN_PORT} closed before Envoy answered`,
            'is the sidecar running? kubectl get pod ' + r.pod + ' -n ' + r.namespace,
          ),
        );
      if (head.status !== 200)
        return reject(new ApiError(`Envoy admin in ${where} answered ${head.status} to GET ${r.path}`));
      if (head.contentLength !== undefined && received < head.contentLength)
        return reject(
          new ApiError(
            `port-forward to ${where} closed mid-stream: ${received} of ${head.contentLength} bytes of ${r.path} arrived (truncated)`,
            'retry; if it repeats, check the pod and the network to the node',
          ),
        );
      const body = Buffer.concat(chunks);
      resolve(head.chunked ? dechunk(body) : body);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () =>
          finish(
            new ApiError(
              `port-forward to ${where}:${ENVOY_ADMIN_PORT}: no data for ${idle / 1000} s`,
              'the sidecar may not be ready, or nothing listens on 15000 (kubectl logs ' +
                r.pod +
                ' -c istio-proxy)',
            ),
          ),
        idle,
      );
    };
    output.on('data', (d: Buffer) => {
      arm();
      if (!head) {
        pending = Buffer.concat([pending, d]);
        head = parseHead(pending);
        if (!head) return;
        d = pending.subarray(head.headerEnd);
        pending = Buffer.alloc(0);
      }
      received += d.length;
      if (r.sink && !head.chunked && head.status === 200) r.sink(d);
      else chunks.push(d);
    });
    errors.on('data', (d: Buffer) => {
      const text = d.toString('utf8').trim();
      if (!text) return; // client-node passes empty error chunks through
      finish(
        /refused/.test(text)
          ? new ApiError(
              `nothing listens on port ${ENVOY_ADMIN_PORT} in pod ${where}: ${text}`,
              'the pod has no Envoy admin on 15000: is istio-proxy injected and ready?',
            )
          : new ApiError(`port-forward to ${where}: ${text}`),
      );
    });
    arm();
    new PortForward(c.kc, true)
      .portForward(r.namespace, r.pod, [ENVOY_ADMIN_PORT], output, errors, input)
      .then((socket) => {
        ws = socket as unknown as typeof ws;
        // the output stream is not ended when the socket closes: the socket's close is the end of the body
        ws?.on('close', (code) =>
          setImmediate(() =>
            // 1006: the connection dropped without a close frame (node, network or API server went away)
            code === 1006
              ? finish(
                  new ApiError(
                    `port-forward to ${where} closed mid-stream (connection dropped, ${received} bytes received)`,
                    'retry; if it repeats, check the pod and the network to the node',
                  ),
                )
              : finish(),
          ),
        );
        ws?.on('error', (e) => finish(networkError(c, e, `port-forward to ${where}`)));
      })
      .catch((e: unknown) => {
        const status = (e as { statusCode?: number; code?: number }).statusCode;
        const msg = (e as Error).message ?? String(e);
        if (status === 403 || /403/.test(msg))
          finish(
            new ApiError(
              `forbidden: cannot create pods/portforward in namespace ${r.namespace} (403, context ${c.context})`,
              'grant get and create on pods/portforward (docs/rbac.yaml); Kubernetes >= 1.35 checks create',
            ),
          );
        else if (status === 404 || /404/.test(msg))
          finish(new ApiError(`pod ${where} not found for port-forward (404)`));
        else finish(networkError(c, e, `port-forward to ${where}`));
      });
  });
}
