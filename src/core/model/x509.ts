// Just enough DER to read what `proxy-config secret` shows: serial number and validity of each certificate.
// Pure (no node:crypto) so the core can run anywhere; certificate bytes are never printed.

export interface CertificateInfo {
  /** Lower-case hex, no leading zero bytes, as istioctl prints it. */
  readonly serialHex: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** URI subject alternative names: the SPIFFE identity of an Istio workload certificate. */
  readonly uris: string[];
}

interface Tlv {
  readonly tag: number;
  readonly start: number; // first content byte
  readonly end: number; // one past the last content byte
}

function readTlv(der: Uint8Array, pos: number): Tlv {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let start = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) throw new Error('truncated DER');
  return { tag, start, end: start + len };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = parent.start;
  while (pos < parent.end) {
    const t = readTlv(der, pos);
    out.push(t);
    pos = t.end;
  }
  return out;
}

function ascii(der: Uint8Array, t: Tlv): string {
  return String.fromCharCode(...der.subarray(t.start, t.end));
}

function parseTime(der: Uint8Array, t: Tlv): Date {
  const s = ascii(der, t);
  // UTCTime YYMMDDHHMMSSZ (years 1950-2049, RFC 5280 4.1.2.5.1) or GeneralizedTime YYYYMMDDHHMMSSZ
  const full = t.tag === 0x17 ? (Number(s.slice(0, 2)) >= 50 ? '19' : '20') + s : s;
  const iso = `${full.slice(0, 4)}-${full.slice(4, 6)}-${full.slice(6, 8)}T${full.slice(8, 10)}:${full.slice(10, 12)}:${full.slice(12, 14)}Z`;
  return new Date(iso);
}

export function parseCertificate(der: Uint8Array): CertificateInfo {
  const cert = readTlv(der, 0);
  const [tbsTlv] = children(der, cert);
  if (!tbsTlv) throw new Error('not a certificate');
  const tbs = children(der, tbsTlv);
  let i = tbs[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const serial = tbs[i++];
  i += 2; // signature algorithm, issuer
  const validity = tbs[i];
  if (!serial || serial.tag !== 0x02 || !validity) throw new Error('not a certificate');
  let hex = '';
  for (const b of der.subarray(serial.start, serial.end)) hex += b.toString(16).padStart(2, '0');
  hex = hex.replace(/^(00)+/, '') || '0';
  const [nb, na] = children(der, validity);
  if (!nb || !na) throw new Error('certificate without validity');
  const extensions = tbs.find((t) => t.tag === 0xa3); // [3] EXPLICIT Extensions
  return {
    serialHex: hex,
    notBefore: parseTime(der, nb),
    notAfter: parseTime(der, na),
    uris: extensions ? sanUris(der, extensions) : [],
  };
}

const SAN_OID = [0x55, 0x1d, 0x11]; // 2.5.29.17 subjectAltName

function sanUris(der: Uint8Array, explicit: Tlv): string[] {
  const [list] = children(der, explicit);
  if (!list) return [];
  for (const ext of children(der, list)) {
    const parts = children(der, ext);
    const oid = parts[0];
    if (
      !oid ||
      oid.tag !== 0x06 ||
      oid.end - oid.start !== 3 ||
      SAN_OID.some((b, i) => der[oid.start + i] !== b)
    )
      continue;
    const value = parts[parts.length - 1]; // OCTET STRING wrapping GeneralNames
    if (!value || value.tag !== 0x04) return [];
    const names = readTlv(der, value.start);
    // uniformResourceIdentifier is [6] IMPLICIT IA5String
    return children(der, names)
      .filter((n) => n.tag === 0x86)
      .map((n) => ascii(der, n));
  }
  return [];
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64.replace(/\s+/g, ''));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Every certificate in PEM text (a chain or a CA bundle), in order. Unparseable blocks are skipped. */
export function certificatesInPem(pem: string): CertificateInfo[] {
  const out: CertificateInfo[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    try {
      out.push(parseCertificate(base64ToBytes(m[1]!)));
    } catch {
      // a damaged block: the secret is still listed, without this certificate's details
    }
  }
  return out;
}

/** DataSource inline_bytes (base64 of PEM) or inline_string (PEM). */
export function pemFromDataSource(inlineBytes: string | undefined, inlineString: string | undefined): string {
  if (inlineString) return inlineString;
  if (!inlineBytes) return '';
  try {
    return new TextDecoder().decode(base64ToBytes(inlineBytes));
  } catch {
    return '';
  }
}
