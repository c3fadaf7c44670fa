// --sockets POD=FILE: a pod's listening sockets as evidence (cli-contract.md "Inputs").
import { InputError } from '../../core/diagnostics/errors.js';
import { parseSockets } from '../../core/model/sockets-parse.js';
import type { SocketEvidence } from '../../core/model/sockets.js';
import { readInput } from '../dump/read-dump.js';

export function socketEvidence(pod: string, source: string, text: string): SocketEvidence {
  const r = parseSockets(text);
  if (!r.ok)
    throw new InputError(
      `${source}: line ${r.line}: ${r.message}`,
      'give /proc/net/tcp, /proc/net/tcp6, `ss -ltn` or `netstat -ltn` output',
    );
  return { pod, sockets: r.sockets, source: `${r.format} in ${source}` };
}

export async function loadSockets(args: string[]): Promise<SocketEvidence[]> {
  const out: SocketEvidence[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1)
      throw new InputError(`--sockets ${arg} is not POD=FILE`, 'for example --sockets zk-0=zk-0-sockets.txt');
    const pod = arg.slice(0, eq);
    const file = arg.slice(eq + 1);
    out.push(socketEvidence(pod, file, (await readInput(file)).toString('utf8')));
  }
  return out;
}
