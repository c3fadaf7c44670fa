// Listening sockets of a pod as evidence for "connection refused": which one accepts a connection. Reading
// them from /proc/net/tcp, ss or netstat is sockets-parse.ts (with zod, loaded only when --sockets is given).
import type { ListeningSocket } from './sockets-parse.js';

export type { ListeningSocket, SocketParse } from './sockets-parse.js';

/** The socket that would accept a connection to ip:port, if any (wildcards accept every local address). */
export function acceptingSocket(
  sockets: readonly ListeningSocket[],
  ip: string,
  port: number,
): ListeningSocket | undefined {
  const v6 = ip.includes(':');
  return (
    sockets.find((s) => s.port === port && s.ip === ip) ??
    sockets.find((s) => s.port === port && (s.ip === '0.0.0.0' ? !v6 : s.ip === '::'))
  );
}

export function formatSocket(s: ListeningSocket): string {
  return s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`;
}

/** A pod's listening sockets, with where they came from (`--sockets`, a snapshot). */
export interface SocketEvidence {
  /** Pod name, pod.namespace, namespace/pod or IP, as given on the command line or in the snapshot. */
  readonly pod: string;
  readonly sockets: ListeningSocket[];
  readonly source: string;
}
