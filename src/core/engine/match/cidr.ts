// CIDR containment for IPv4 and IPv6 (prefix_ranges, source_prefix_ranges, capture IP ranges).
import type { Cidr } from '../../model/address.js';

export function isIpv6(ip: string): boolean {
  return ip.includes(':');
}

function v4Bytes(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.map(Number);
}

function v6Bytes(ip: string): number[] | undefined {
  let s = ip.replace(/^\[|\]$/g, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: number[] = [];
  if (v4) {
    const b = v4Bytes(v4[1]!);
    if (!b) return undefined;
    tail = b;
    s = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h ? h.split(':') : []).map((x) => parseInt(x, 16));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  if (groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function ipBytes(ip: string): number[] | undefined {
  return isIpv6(ip) ? v6Bytes(ip) : v4Bytes(ip);
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const a = ipBytes(cidr.address);
  const b = ipBytes(ip);
  if (!a || !b || a.length !== b.length) return false;
  let bits = Math.min(cidr.prefixLen, a.length * 8);
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

export function parseCidr(text: string): Cidr | undefined {
  const [address, len] = text.trim().split('/');
  if (!address || !ipBytes(address)) return undefined;
  const max = isIpv6(address) ? 128 : 32;
  const prefixLen = len === undefined ? max : Number(len);
  if (!Number.isInteger(prefixLen) || prefixLen < 0 || prefixLen > max) return undefined;
  return { address, prefixLen };
}
