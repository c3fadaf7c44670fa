// Reading listening sockets as people copy them from a pod: /proc/net/tcp and tcp6, `ss -ltn`, `netstat -ltn`
// or `netstat -natp`. Only LISTEN sockets are kept; they are the evidence for "connection refused". Apart from
// sockets.ts because of zod (docs/performance.md): the simulator uses the evidence, only `--sockets` reads it.
import { z } from 'zod';

/**
 * A socket as parsed, checked before it becomes evidence: the line formats' regexes take any digits and any
 * text before the colon, so `ss` output with a port of 99999 or an address like 10.0.0.256 would otherwise
 * be believed.
 */
export const ListeningSocketSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' }),
  port: z.number().int().min(0).max(65535, { error: 'expected a port number (0-65535)' }),
  family: z.union([z.literal(4), z.literal(6)]),
});

export type ListeningSocket = z.infer<typeof ListeningSocketSchema>;

export type SocketParse =
  { ok: true; sockets: ListeningSocket[]; format: string } | { ok: false; line: number; message: string };

function hexV4(hex: string): string {
  // /proc/net/tcp prints the address as a little-endian 32-bit word
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

function hexV6(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 3; b >= 0; b--) bytes.push(parseInt(word.slice(b * 2, b * 2 + 2), 16));
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12).join('.'); // v4-mapped
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const joined = groups.join(':');
  if (joined === '0:0:0:0:0:0:0:0') return '::';
  if (joined === '0:0:0:0:0:0:0:1') return '::1';
  return joined.replace(/(^|:)0(:0)+(:|$)/, '::');
}

function splitHostPort(s: string): { ip: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(s.replace(/%\S+?(?=\]?:\d+$)/, ''));
  if (!m) return undefined;
  let ip = m[1]!;
  if (ip === '*' || ip === '') ip = '0.0.0.0';
  return { ip, port: Number(m[2]) };
}

export function parseSockets(text: string): SocketParse {
  const lines = text.split('\n');
  const sockets: ListeningSocket[] = [];
  let format = '';
  let bad: { line: number; message: string } | undefined;
  const add = (line: number, socket: ListeningSocket) => {
    const r = ListeningSocketSchema.safeParse(socket);
    if (r.success) sockets.push(socket);
    else
      bad ??= {
        line,
        message: `${r.error.issues[0]!.path.join('.')} ${JSON.stringify(socket[r.error.issues[0]!.path[0] as keyof ListeningSocket])}: ${r.error.issues[0]!.message}`,
      };
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const proc =
      /^\d+:\s+([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{2})\b/.exec(
        line,
      );
    if (proc) {
      format = '/proc/net/tcp';
      if (proc[3]!.toUpperCase() !== '0A') continue; // 0A = TCP_LISTEN
      const v6 = proc[1]!.length === 32;
      add(i + 1, {
        ip: v6 ? hexV6(proc[1]!) : hexV4(proc[1]!),
        port: parseInt(proc[2]!, 16),
        family: v6 ? 6 : 4,
      });
      continue;
    }
    if (/^sl\s+local_address/.test(line) || /^(Netid|State|Proto|Active)\b/.test(line)) continue;
    const cols = line.split(/\s+/);
    // ss -ltn: State Recv-Q Send-Q Local Peer  (or with Netid first)
    const ssAt = cols[0] === 'LISTEN' ? 3 : cols[1] === 'LISTEN' ? 4 : -1;
    if (ssAt >= 0 && cols[ssAt]) {
      const hp = splitHostPort(cols[ssAt]!);
      if (hp) {
        format = 'ss';
        add(i + 1, { ...hp, family: hp.ip.includes(':') ? 6 : 4 });
        continue;
      }
    }
    // netstat: Proto Recv-Q Send-Q Local Foreign State [PID/Program]
    if (/^tcp6?$/.test(cols[0] ?? '') && cols.length >= 6) {
      format = 'netstat';
      if (cols[5] !== 'LISTEN') continue;
      const hp = splitHostPort(cols[3]!.replace(/^:::/, '[::]:'));
      if (hp) add(i + 1, { ...hp, family: cols[0] === 'tcp6' || hp.ip.includes(':') ? 6 : 4 });
      continue;
    }
    if (/^(udp6?|unix|raw)\b/.test(cols[0] ?? '')) continue;
    return {
      ok: false,
      line: i + 1,
      message: `not a /proc/net/tcp, ss or netstat line: ${JSON.stringify(line.slice(0, 80))}`,
    };
  }
  if (bad) return { ok: false, ...bad };
  if (!format)
    return {
      ok: false,
      line: 1,
      message: 'no socket lines found (expected /proc/net/tcp, ss -ltn or netstat -ltn output)',
    };
  return { ok: true, sockets, format };
}
