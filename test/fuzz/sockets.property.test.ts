// Socket tables (/proc/net/tcp and tcp6, ss -ltn, netstat -ltn), fuzzed (fast-check): whatever the text, a
// result or a refusal with its line, never a throw; and the LISTEN sockets written are the sockets read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSockets, type ListeningSocket } from '../../src/core/model/sockets-parse.js';
import { corpus, damaged, fc, property } from '../helpers/fuzz.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const socket = fc.record({ ip: ipv4, port: fc.integer({ min: 1, max: 65535 }) });

/** /proc/net/tcp writes the address as a little-endian word and the port as big-endian hex. */
function procLine(i: number, s: { ip: string; port: number }, listen: boolean): string {
  const o = s.ip.split('.').map(Number);
  const word = (((o[3]! << 24) | (o[2]! << 16) | (o[1]! << 8) | o[0]!) >>> 0)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
  const port = s.port.toString(16).toUpperCase().padStart(4, '0');
  return `  ${i}: ${word}:${port} 00000000:0000 ${listen ? '0A' : '01'} 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0`;
}

describe('socket tables (fast-check)', () => {
  it('reads back every LISTEN socket written as /proc/net/tcp, ss -ltn or netstat -ltn, and no other', () => {
    property(
      'sockets: round trip',
      fc.property(
        fc.array(fc.tuple(socket, fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('proc', 'ss', 'netstat'),
        (rows, form) => {
          const lines = rows.map(([s, listen], i) =>
            form === 'proc'
              ? procLine(i, s, listen)
              : form === 'ss'
                ? `${listen ? 'LISTEN' : 'ESTAB'}  0  128  ${s.ip}:${s.port}  0.0.0.0:*`
                : `tcp  0  0 ${s.ip}:${s.port}  0.0.0.0:*  ${listen ? 'LISTEN' : 'ESTABLISHED'}`,
          );
          const header =
            form === 'proc'
              ? '  sl  local_address rem_address   st'
              : form === 'ss'
                ? 'State Recv-Q Send-Q Local Peer'
                : 'Proto Recv-Q Send-Q Local Address Foreign Address State';
          const r = parseSockets([header, ...lines].join('\n'));
          // ss prints only listening sockets with -l: an ESTAB line there is not an ss -ltn line
          if (form === 'ss' && rows.some(([, l]) => !l)) return;
          assert.ok(r.ok, JSON.stringify(r));
          const want: ListeningSocket[] = rows.filter(([, l]) => l).map(([s]) => ({ ...s, family: 4 }));
          assert.deepEqual(r.sockets, want);
        },
      ),
      300,
    );
  });

  it('never throws on arbitrary or damaged text: a result or a located refusal', () => {
    const sample = [
      'State Recv-Q Send-Q Local Peer',
      'LISTEN 0 128 10.96.8.10:3888 0.0.0.0:*',
      procLine(0, { ip: '10.0.0.1', port: 80 }, true),
    ].join('\n');
    property(
      'sockets: arbitrary text',
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), damaged(sample)), (text) => {
        const r = parseSockets(text);
        if (!r.ok) assert.ok(r.line >= 1 && r.line <= text.split('\n').length, `line ${r.line}`);
        else for (const s of r.sockets) assert.ok(s.port >= 0 && s.port <= 65535);
      }),
      500,
    );
    for (const text of corpus('sockets')) parseSockets(text);
  });
});
