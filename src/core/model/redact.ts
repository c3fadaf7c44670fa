// Secrets never leave meshctl: private keys, passwords and tokens are replaced wherever they appear in
// output. Envoy already prints "[redacted]" for private keys; dumps saved by other tools may not.
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
