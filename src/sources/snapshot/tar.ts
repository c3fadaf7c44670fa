// A snapshot's portable form, FILE.tar.gz: minimal ustar (regular files and directories, pax paths read),
// gzip from node:zlib. Enough for what meshctl writes and for archives made with `tar czf`.
import { gunzipSync, gzipSync } from 'node:zlib';
import { InputError } from '../../core/diagnostics/errors.js';

export interface TarEntry {
  readonly path: string;
  readonly data: Buffer;
  readonly mode: number;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, size: number, mode: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', 154);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
  }
  h.write(name, 0, 100);
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  h.write('        ', 148); // checksum placeholder
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

export function packTarGz(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const e of entries) {
    const segs = e.path.split('/');
    for (let i = 1; i < segs.length; i++) {
      const d = segs.slice(0, i).join('/') + '/';
      if (!dirs.has(d)) {
        dirs.add(d);
        parts.push(header(d, 0, 0o700, '5'));
      }
    }
    parts.push(
      header(e.path, e.data.length, e.mode, '0'),
      e.data,
      Buffer.alloc((512 - (e.data.length % 512)) % 512),
    );
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

export function unpackTarGz(file: string, gz: Buffer): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new InputError(
      `${file} is not a gzip file (${(e as Error).message})`,
      'a snapshot archive is made with: tar czf snap.tar.gz -C DIR .',
    );
  }
  const out: TarEntry[] = [];
  let pax: string | undefined;
  for (let i = 0; i + 512 <= tar.length;) {
    const h = tar.subarray(i, i + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const name = (str(257, 6).startsWith('ustar') && str(345, 155) ? `${str(345, 155)}/` : '') + str(0, 100);
    const data = tar.subarray(i + 512, i + 512 + size);
    if (type === 'x') pax = /\d+ path=([^\n]+)\n/.exec(data.toString('utf8'))?.[1];
    else if (type === '0' || type === '\0') {
      out.push({
        path: (pax ?? name).replace(/^\.\//, ''),
        data: Buffer.from(data),
        mode: parseInt(str(100, 8).trim() || '600', 8),
      });
      pax = undefined;
    } else pax = undefined;
    i += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}
