// Clusters and TLS (a stage of bootstrapFor): EDS made STATIC with the endpoints explain uses, SDS and
// certificate files replaced by the run's test certificates, istio-proxy's upstream filters removed, and
// istio.alpn emulated as the upstream TLS ALPN.
import { endpointsOf } from '../engine/upstream.js';
import { decodeCluster } from '../model/cluster.js';
import { obj, str } from '../model/fields.js';
import { emptyInventory } from '../model/k8s.js';
import { isObject, type Json, type JsonObject } from '../model/normalize.js';
import { clone, ISTIO_ALPN_DEFAULT, serving, T, type Conversion } from './conversion.js';
import { extensionType } from './extensions.js';
import type { TestCertificates } from './types.js';

// --- clusters --------------------------------------------------------------------------------------------

export function cluster(cv: Conversion, c: JsonObject, dnsClusters: string[]): JsonObject {
  const name = str(c, 'name') ?? '';
  const at = `clusters[${name}]`;
  const out = clone(c);
  if (str(out, 'lb_policy') === 'ORIGINAL_DST_LB') {
    out.lb_policy = 'CLUSTER_PROVIDED';
    cv.adapt('renamed lb_policy ORIGINAL_DST_LB to CLUSTER_PROVIDED', at, 'The v2 value is gone from v3.');
  }
  if (str(out, 'type') === 'ORIGINAL_DST' && !out.lb_policy) out.lb_policy = 'CLUSTER_PROVIDED';
  if ('extension_protocol_options' in out) {
    delete out.extension_protocol_options;
    cv.adapt('dropped extension_protocol_options', at, 'The v2 untyped form is gone from v3.');
  }
  if (str(out, 'type') === 'EDS' || isObject(out.eds_cluster_config)) staticFromEds(cv, out, c, at);
  const type = str(out, 'type') ?? 'STATIC';
  if ((type === 'STRICT_DNS' || type === 'LOGICAL_DNS') && hasHostnames(out)) {
    dnsClusters.push(name);
    // Envoy is ready only once every cluster has warmed, and a DNS cluster warms at its first answer, which
    // never comes here: not waiting keeps /ready (and the replay) from hanging on it (cluster.proto
    // wait_for_warm_on_init)
    out.wait_for_warm_on_init = false;
  }
  if (isObject(out.transport_socket))
    out.transport_socket = transportSocket(cv, out.transport_socket, `${at}.transport_socket`, name);
  for (const [i, m] of (Array.isArray(out.transport_socket_matches)
    ? out.transport_socket_matches.filter(isObject)
    : []
  ).entries())
    if (isObject(m.transport_socket))
      m.transport_socket = transportSocket(
        cv,
        m.transport_socket,
        `${at}.transport_socket_matches[${i}]`,
        name,
      );
  if (Array.isArray(out.filters)) {
    const kept: JsonObject[] = [];
    for (const [i, f] of out.filters.filter(isObject).entries()) {
      const k = cv.filter(f, 'upstream network filter', `${at}.filters[${i}]`);
      if (k) kept.push(k);
    }
    if (kept.length) out.filters = kept;
    else delete out.filters;
  }
  return out;
}

/** EDS → STATIC: the dumped ClusterLoadAssignment, else the manifests' endpoints (as explain), else none. */
export function staticFromEds(cv: Conversion, out: JsonObject, original: JsonObject, at: string): void {
  const name = str(out, 'name') ?? '';
  const service = str(obj(out, 'eds_cluster_config'), 'service_name');
  delete out.eds_cluster_config;
  out.type = 'STATIC';
  const e = cv.dump.entries('endpoints').find((x) => serving(x) && (x.name === service || x.name === name));
  if (e) {
    const la = clone(cv.dump.resource(e));
    out.load_assignment = { ...la, cluster_name: name };
    cv.adapt(
      'made EDS clusters STATIC with the dumped endpoints',
      at,
      'No xDS server exists in the replay world; the ClusterLoadAssignment is the one the dump holds.',
    );
    return;
  }
  const set = endpointsOf(
    decodeCluster(original, 'active', []),
    cv.dump,
    cv.o.inventory ?? emptyInventory(),
    { ip: '0.0.0.0', port: 0 },
  );
  out.load_assignment = {
    cluster_name: name,
    endpoints: set.endpoints.length
      ? [
          {
            lb_endpoints: set.endpoints.map((x) => ({
              endpoint: { address: { socket_address: { address: x.ip, port_value: x.port } } },
              health_status: x.healthy ? 'HEALTHY' : 'UNHEALTHY',
            })),
          },
        ]
      : [],
  };
  if (set.source === 'kubernetes')
    cv.adapt(
      'made EDS clusters STATIC with endpoints from the manifests',
      at,
      `The dump holds no EDS for it; explain reads the same endpoints (${set.detail}).`,
    );
  else
    cv.adapt(
      'made EDS clusters STATIC with no endpoints',
      at,
      'Neither the dump (saved without ?include_eds) nor the manifests give its endpoints; explain says the same (503 UH).',
    );
}

// --- TLS -------------------------------------------------------------------------------------------------

export function transportSocket(cv: Conversion, ts: JsonObject, at: string, cluster?: string): JsonObject {
  // a v2 TLS transport socket with an untyped config: its direction is where it sits
  const v2 =
    !('typed_config' in ts) && isObject(ts.config) && str(ts, 'name') === 'envoy.transport_sockets.tls'
      ? {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': `${T}envoy.extensions.transport_sockets.tls.v3.${cluster !== undefined ? 'Upstream' : 'Downstream'}TlsContext`,
            ...ts.config,
          },
        }
      : ts;
  const typed = cv.filter(v2, 'transport socket', at) ?? v2;
  const tc = obj(typed, 'typed_config');
  const type = extensionType(typed);
  if (!tc || !type?.endsWith('TlsContext')) return typed;
  const ctx = clone(tc);
  // a v2 tls_context carried no @type: decide by where it sits
  if (!str(ctx, '@type'))
    ctx['@type'] =
      `${T}envoy.extensions.transport_sockets.tls.v3.${cluster !== undefined ? 'Upstream' : 'Downstream'}TlsContext`;
  tlsContext(cv, ctx, at);
  return { ...typed, typed_config: ctx };
}

/** SDS → static secret names, files → the run's certificates; in place. */
export function tlsContext(cv: Conversion, ctx: JsonObject, at: string): void {
  const common = obj(ctx, 'common_tls_context');
  if (!common) return;
  const sdsRefs = (v: Json | undefined, role: 'cert' | 'validation'): void => {
    for (const ref of Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []) {
      if ('sds_config' in ref) {
        delete ref.sds_config;
        cv.adapt(
          "made SDS secrets static, from the run's test CA",
          at,
          'No SDS server exists in the replay world; every proxy gets a certificate for its own SPIFFE identity from one per-run CA, so mTLS really handshakes.',
        );
      }
      const name = str(ref, 'name');
      if (name) (role === 'cert' ? cv.certNames : cv.validationNames).add(name);
    }
  };
  sdsRefs(common.tls_certificate_sds_secret_configs, 'cert');
  sdsRefs(common.validation_context_sds_secret_config, 'validation');
  const combined = obj(common, 'combined_validation_context');
  if (combined) {
    sdsRefs(combined.validation_context_sds_secret_config, 'validation');
    const dvc = obj(combined, 'default_validation_context');
    if (dvc) validationContext(cv, dvc, at);
    // Envoy 1.40 requires it (tls.proto CombinedCertificateValidationContext: default_validation_context required)
    else combined.default_validation_context = {};
  }
  for (const cert of Array.isArray(common.tls_certificates) ? common.tls_certificates.filter(isObject) : []) {
    if (isObject(cert.certificate_chain))
      cert.certificate_chain = pem(cv, 'certChain', cert.certificate_chain, at);
    if (isObject(cert.private_key)) cert.private_key = pem(cv, 'privateKey', cert.private_key, at);
  }
  const vc = obj(common, 'validation_context');
  if (vc) validationContext(cv, vc, at);
}

export function validationContext(cv: Conversion, vc: JsonObject, at: string): void {
  if (isObject(vc.trusted_ca)) vc.trusted_ca = pem(cv, 'rootCert', vc.trusted_ca, at);
  if (Array.isArray(vc.verify_subject_alt_name)) {
    vc.match_subject_alt_names = [
      ...(Array.isArray(vc.match_subject_alt_names) ? vc.match_subject_alt_names : []),
      ...vc.verify_subject_alt_name
        .filter((s): s is string => typeof s === 'string')
        .map((exact) => ({ exact })),
    ];
    delete vc.verify_subject_alt_name;
    cv.adapt(
      'made verify_subject_alt_name match_subject_alt_names',
      at,
      'The v2 field is gone from v3; exact matches say the same.',
    );
  }
  const custom = obj(vc, 'custom_validator_config');
  const spiffe = obj(custom, 'typed_config');
  for (const d of Array.isArray(spiffe?.trust_domains) ? spiffe.trust_domains.filter(isObject) : [])
    if (isObject(d.trust_bundle)) d.trust_bundle = pem(cv, 'rootCert', d.trust_bundle, at);
}

/** A DataSource (file, inline) replaced by the run's PEM of that role. */
export function pem(cv: Conversion, role: keyof TestCertificates, ds: JsonObject, at: string): JsonObject {
  if ('filename' in ds)
    cv.adapt(
      "replaced certificate files with the run's test certificates",
      at,
      "The files (e.g. /etc/certs/*.pem of Istio <= 1.5) exist only in the pod; the run's CA stands in for Istio's.",
    );
  return { inline_string: cv.o.certificates[role] };
}

/** istio.alpn's override as the clusters' upstream TLS alpn_protocols (the filter sets it per request). */
export function applyAlpn(cv: Conversion, clusters: JsonObject[]): void {
  for (const c of clusters) {
    const name = str(c, 'name') ?? '';
    const a = cv.alpnFor.get(name);
    if (!a) continue;
    if (str(obj(obj(obj(c, 'metadata'), 'filter_metadata'), 'istio'), 'alpn_override') === 'false') continue;
    const protocol = isHttp2(c) ? 'HTTP2' : 'HTTP11';
    const list = a.protocols[protocol] ?? ISTIO_ALPN_DEFAULT[protocol]!;
    let changed = false;
    const sockets = [
      obj(c, 'transport_socket'),
      ...(Array.isArray(c.transport_socket_matches)
        ? c.transport_socket_matches.filter(isObject).map((m) => obj(m, 'transport_socket'))
        : []),
    ];
    for (const ts of sockets) {
      const common = obj(obj(ts, 'typed_config'), 'common_tls_context');
      if (!common || !str(obj(ts, 'typed_config'), '@type')?.endsWith('UpstreamTlsContext')) continue;
      common.alpn_protocols = [...list];
      changed = true;
    }
    if (changed)
      cv.adapt(
        `emulated istio.alpn: upstream TLS ALPN ${list.join(',')}`,
        `clusters[${name}]`,
        `istio.alpn (removed from ${a.where}) sets this ALPN on every ${protocol === 'HTTP2' ? 'HTTP/2' : 'HTTP/1.1'} request to the cluster, and the destination's inbound chains match on it${cv.tcpClusters.has(name) ? '; tcp_proxy connections to this cluster now send it too' : ''}.`,
      );
  }
}

function isHttp2(c: JsonObject): boolean {
  if ('http2_protocol_options' in c) return true;
  const opts = obj(
    obj(c, 'typed_extension_protocol_options'),
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  );
  return isObject(obj(opts, 'explicit_http_config')?.http2_protocol_options);
}

function hasHostnames(c: JsonObject): boolean {
  const text = JSON.stringify(obj(c, 'load_assignment') ?? {});
  return [...text.matchAll(/"address":"([^"]+)"/g)].some((m) => !/^[\d.:a-fA-F]+$/.test(m[1]!));
}
