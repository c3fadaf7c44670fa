// Exec into istio-proxy (opt-in: `--via exec`, `--sockets`): the command's stdout, collected, with the exit
// Status the API server sends on the error channel. Never used unless asked (least privilege).
import { PassThrough } from 'node:stream';
import { ApiError } from '../../core/diagnostics/errors.js';
import { networkError, type Cluster } from './cluster.js';

export async function execCapture(
  c: Cluster,
  namespace: string,
  pod: string,
  command: string[],
  idleTimeoutMs = 20_000,
): Promise<Buffer> {
  const { Exec } = await import('@kubernetes/client-node');
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const where = `${namespace}/${pod}`;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const errs: Buffer[] = [];
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) reject(e);
      else resolve(Buffer.concat(chunks));
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new ApiError(`exec in ${where}: no output for ${idleTimeoutMs / 1000} s`)),
        idleTimeoutMs,
      );
    };
    stdout.on('data', (d: Buffer) => {
      arm();
      chunks.push(d);
    });
    stderr.on('data', (d: Buffer) => errs.push(d));
    arm();
    new Exec(c.kc)
      .exec(namespace, pod, 'istio-proxy', command, stdout, stderr, null, false, (status) => {
        if (status.status === 'Success') setImmediate(() => finish());
        else
          finish(
            new ApiError(
              `exec in ${where} (${command.join(' ')}) failed: ${status.message ?? Buffer.concat(errs).toString('utf8').trim() ?? status.reason}`,
            ),
          );
      })
      .then((ws) => ws.on('close', () => setImmediate(() => finish())))
      .catch((e: unknown) => {
        const msg = (e as Error).message ?? String(e);
        if (/403/.test(msg) || (e as { statusCode?: number }).statusCode === 403)
          finish(
            new ApiError(
              `forbidden: cannot create pods/exec in namespace ${namespace} (403, context ${c.context})`,
              'exec is opt-in: grant the meshctl-exec role of docs/rbac.yaml, or drop --via exec / --sockets',
            ),
          );
        else finish(networkError(c, e, `exec in ${where}`));
      });
  });
}

/** /proc/net/tcp and tcp6 of the pod's network namespace (istio-proxy shares it with the app). */
export async function execSockets(c: Cluster, namespace: string, pod: string): Promise<string> {
  return (await execCapture(c, namespace, pod, ['cat', '/proc/net/tcp', '/proc/net/tcp6'])).toString('utf8');
}

/** The config dump through the agent, for clusters where port-forward is not allowed. */
export async function execConfigDump(
  c: Cluster,
  namespace: string,
  pod: string,
  includeEds: boolean,
): Promise<Buffer> {
  return execCapture(c, namespace, pod, [
    'pilot-agent',
    'request',
    'GET',
    includeEds ? 'config_dump?include_eds' : 'config_dump',
  ]);
}
