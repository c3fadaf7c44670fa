// Secrets never leave meshctl: private keys, passwords and tokens are replaced wherever they appear in
// output. Envoy already prints "[redacted]" for private keys; dumps saved by other tools may not.
import { arrayElements, objectMembers, skipWhitespace, type Span } from './json-scan.js';
import { isObject, type Json } from './normalize.js';

export const REDACTED = '[redacted]';

const SECRET_KEYS = new Set([
  'private_key',
  'password',
  'access_token',
  'token',
  'session_ticket_keys',
  'generic_secret',
  'hmac_secret',
  'client_secret',
  'api_key',
  'oauth2_client_secret',
]);

export function redactSecrets(value: Json): Json {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isObject(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEYS.has(k) && v !== null ? REDACTED : redactSecrets(v);
  return out;
}

/**
 * Where secrets sit in a dump still held as bytes: the value spans of secret-named members that are not
 * already "[redacted]". Lets snapshot redact a dump streamed to disk without building its tree.
 */
export function secretSpans(bytes: Uint8Array): Span[] {
  const out: Span[] = [];
  const redacted = new TextEncoder().encode(JSON.stringify(REDACTED));
  const isRedacted = (s: Span) =>
    s.end - s.start === redacted.length && redacted.every((b, i) => bytes[s.start + i] === b);
  const walk = (pos: number): void => {
    const c = bytes[pos];
    if (c === 0x7b) {
      for (const m of objectMembers(bytes, pos)) {
        if (SECRET_KEYS.has(m.key) && bytes[m.start] !== 0x6e /* null */ && !isRedacted(m))
          out.push({ start: m.start, end: m.end });
        else walk(m.start);
      }
    } else if (c === 0x5b) for (const e of arrayElements(bytes, pos)) walk(e.start);
  };
  walk(skipWhitespace(bytes, 0));
  return out;
}
