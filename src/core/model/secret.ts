// SDS secrets from SecretsConfigDump: what each one is (certificate chain, CA bundle, generic), its state and
// the certificates' serial numbers and validity. Key material is never kept in the model.
import { obj, objects, str } from './fields.js';
import type { JsonObject } from './normalize.js';
import type { ResourceState } from './dump-index.js';
import { certificatesInPem, pemFromDataSource, type CertificateInfo } from './x509.js';

export type SecretType = 'Cert Chain' | 'CA' | 'Generic' | 'Session Ticket' | '';

export interface SecretCertificate {
  readonly info: CertificateInfo | undefined;
  /** SPIFFE trust domain when the CA comes from a SPIFFE validator's bundle map. */
  readonly trustDomain: string | undefined;
}

/** `spiffe://east.local/ns/default/sa/x` -> `east.local`. */
export function spiffeTrustDomain(info: CertificateInfo | undefined): string | undefined {
  const uri = info?.uris.find((u) => u.startsWith('spiffe://'));
  return uri ? /^spiffe:\/\/([^/]+)/.exec(uri)?.[1] : undefined;
}

export interface Secret {
  readonly name: string;
  readonly state: ResourceState;
  readonly type: SecretType;
  /** One row per certificate istioctl would show: the leaf of a chain, the first CA of each trust domain. */
  readonly certificates: SecretCertificate[];
  readonly lastUpdated: string | undefined;
}

function firstCert(ds: JsonObject | undefined): CertificateInfo | undefined {
  return certificatesInPem(pemFromDataSource(str(ds, 'inline_bytes'), str(ds, 'inline_string')))[0];
}

/** A SecretsConfigDump entry: `{name, version_info, last_updated, secret: {...}}`. */
export function decodeSecret(entry: JsonObject, state: ResourceState): Secret {
  const secret =
    obj(entry, 'secret') ??
    (obj(entry, 'tls_certificate') || obj(entry, 'validation_context') ? entry : undefined);
  const name = str(entry, 'name') ?? str(secret, 'name') ?? '';
  const lastUpdated = str(entry, 'last_updated');
  const base = { name, state, lastUpdated };
  const tls = obj(secret, 'tls_certificate');
  if (tls)
    return {
      ...base,
      type: 'Cert Chain',
      certificates: [{ info: firstCert(obj(tls, 'certificate_chain')), trustDomain: undefined }],
    };
  const vc = obj(secret, 'validation_context');
  if (vc) {
    const domains = objects(obj(obj(vc, 'custom_validator_config'), 'typed_config'), 'trust_domains');
    if (domains.length > 0) {
      return {
        ...base,
        type: 'CA',
        certificates: domains.map((d) => ({
          info: firstCert(obj(d, 'trust_bundle')),
          trustDomain: str(d, 'name'),
        })),
      };
    }
    return {
      ...base,
      type: 'CA',
      certificates: [{ info: firstCert(obj(vc, 'trusted_ca')), trustDomain: undefined }],
    };
  }
  if (obj(secret, 'generic_secret')) return { ...base, type: 'Generic', certificates: [] };
  if (obj(secret, 'session_ticket_keys')) return { ...base, type: 'Session Ticket', certificates: [] };
  return { ...base, type: '', certificates: [] };
}
