// envoy.config.core.v3.TransportSocket: plaintext, TLS (Upstream/DownstreamTlsContext) or something else.
// Istio mTLS is TLS whose certificates come from SDS secret `default` (or /etc/certs files before SDS).
import { bool, obj, objects, str, strings, typeName, typeUrlOf } from './fields.js';
import type { JsonObject } from './normalize.js';

export interface TransportSocket {
  readonly kind: 'tls' | 'raw_buffer' | 'other';
  readonly name: string;
  readonly typeUrl: string | undefined;
  readonly sni: string | undefined;
  readonly alpn: string[];
  readonly requireClientCertificate: boolean;
  /** SDS secret names the context loads certificates from. */
  readonly sdsSecrets: string[];
  /** Looks like Istio's workload mTLS (istio ALPN, SDS `default`/`ROOTCA`, or /etc/certs files). */
  readonly istioMutual: boolean;
}

const TLS_NAMES = new Set(['envoy.transport_sockets.tls', 'tls']);
const RAW_NAMES = new Set(['envoy.transport_sockets.raw_buffer', 'raw_buffer']);

export function decodeTransportSocket(ts: JsonObject | undefined): TransportSocket | undefined {
  if (!ts) return undefined;
  const name = str(ts, 'name') ?? '';
  const typeUrl = typeUrlOf(ts);
  const t = typeName(typeUrl);
  const cfg = obj(ts, 'typed_config');
  const isTls = t === 'UpstreamTlsContext' || t === 'DownstreamTlsContext' || (!t && TLS_NAMES.has(name));
  const isRaw = t === 'RawBuffer' || (!t && RAW_NAMES.has(name));
  const common = obj(cfg, 'common_tls_context');
  const sdsSecrets = [
    ...objects(common, 'tls_certificate_sds_secret_configs').map((s) => str(s, 'name') ?? ''),
    str(obj(obj(common, 'combined_validation_context'), 'validation_context_sds_secret_config'), 'name') ??
      '',
    str(obj(common, 'validation_context_sds_secret_config'), 'name') ?? '',
  ].filter(Boolean);
  const alpn = strings(common, 'alpn_protocols');
  const certFiles = objects(common, 'tls_certificates').map(
    (c) => str(obj(c, 'certificate_chain'), 'filename') ?? '',
  );
  const istioMutual =
    isTls &&
    (alpn.some((a) => a.startsWith('istio')) ||
      sdsSecrets.includes('default') ||
      certFiles.some((f) => f.startsWith('/etc/certs/')));
  return {
    kind: isTls ? 'tls' : isRaw ? 'raw_buffer' : 'other',
    name,
    typeUrl,
    sni: str(cfg, 'sni'),
    alpn,
    requireClientCertificate: bool(cfg, 'require_client_certificate') ?? false,
    sdsSecrets,
    istioMutual,
  };
}
