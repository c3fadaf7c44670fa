// One proxy's config dump as a bootstrap upstream Envoy (1.40) runs by itself, for `meshctl replay` (issue 13,
// ../shared/design/replay.md "A bootstrap per proxy"). Everything is static: no xDS server exists in the replay
// world, so what the proxy had received over ADS is written into `static_resources`:
// - listeners: the serving ones (static, and dynamic active; warming and draining are not serving:
//   envoy-semantics.md section 0), each HCM's `rds` inlined as its `route_config`;
// - clusters: static and dynamic active; EDS becomes STATIC with the dumped ClusterLoadAssignment (or the
//   manifests' endpoints, exactly where explain takes them from: engine/upstream.ts endpointsOf);
// - SDS over ADS becomes static secrets holding the run's test certificates;
// - extensions only istio-proxy has (mixer, istio_authn, istio.alpn, metadata exchange, stats, Wasm plugins)
//   are removed, and istio.alpn, which changes the path, is emulated;
// - v2-era fields that Envoy 1.40's v3 API no longer has are converted or dropped.
// Every change is an adaptation the replay report lists, so a reader knows what was not replayed verbatim.
// Pure: the certificates and file paths come in as arguments.
import type { ConfigDump } from '../model/config-dump.js';
import { obj, str } from '../model/fields.js';
import { isObject, type JsonObject } from '../model/normalize.js';
import { applyAlpn, cluster } from './convert-cluster.js';
import { listener, listenerAddress } from './convert-listener.js';
import { clone, Conversion, serving, T } from './conversion.js';
import type { BootstrapOptions, ReplayBootstrap, ServedListener } from './types.js';

export type * from './types.js';
export {
  accessLogFormat,
  callRecords,
  connectionRecords,
  parseReplayLog,
  upstreamLocalAddress,
  type ReplayLogRecord,
} from './replay-log.js';
export { expectedPeerSans, trustDomainOf, workloadIdentity, type WorkloadIdentity } from './identity.js';
export { extensionType } from './extensions.js';

/** The serving listeners (static and active; warming and draining are not serving), converted. */
function servedListeners(
  cv: Conversion,
  dump: ConfigDump,
): { listeners: JsonObject[]; served: ServedListener[] } {
  const listeners: JsonObject[] = [];
  const served: ServedListener[] = [];
  const seen = new Set<string>();
  for (const e of dump.entries('listener')) {
    if (!serving(e) || seen.has(e.name)) continue;
    seen.add(e.name);
    const l = listener(cv, clone(dump.resource(e)));
    listeners.push(l);
    served.push({ name: e.name, ...listenerAddress(l), bound: l.bind_to_port !== false });
  }
  return { listeners, served };
}

/** The serving clusters, converted, with istio.alpn's override applied (every HCM is read by then). */
function servedClusters(cv: Conversion, dump: ConfigDump): { clusters: JsonObject[]; dnsClusters: string[] } {
  const dnsClusters: string[] = [];
  const clusters: JsonObject[] = [];
  const seen = new Set<string>();
  for (const e of dump.entries('cluster')) {
    if (!serving(e) || seen.has(e.name)) continue;
    seen.add(e.name);
    clusters.push(cluster(cv, dump.resource(e), dnsClusters));
  }
  applyAlpn(cv, clusters);
  if (dnsClusters.length)
    cv.adapt(
      'kept DNS clusters, which resolve nothing here',
      dnsClusters
        .slice(0, 3)
        .map((n) => `clusters[${n}]`)
        .join(', ') + (dnsClusters.length > 3 ? ', …' : ''),
      'The replay world has no DNS server (they resolve at 127.0.0.1:53, where nothing answers, and Envoy does not wait for them to warm); a request routed to them finds no host (UH) where the real mesh would resolve it.',
    );
  return { clusters, dnsClusters };
}

/** A static secret for every SDS name the contexts referred to: the proxy's certificate, or the run's root. */
function secretsOf(cv: Conversion, o: BootstrapOptions): JsonObject[] {
  const secrets: JsonObject[] = [];
  for (const name of [...cv.certNames].sort())
    secrets.push({
      name,
      tls_certificate: {
        certificate_chain: { inline_string: o.certificates.certChain },
        private_key: { inline_string: o.certificates.privateKey },
      },
    });
  for (const name of [...cv.validationNames].sort()) {
    if (cv.certNames.has(name)) {
      cv.skip(`secret ${JSON.stringify(name)} is used both as a certificate and as a validation context`);
      continue;
    }
    secrets.push({ name, validation_context: { trusted_ca: { inline_string: o.certificates.rootCert } } });
  }
  return secrets;
}

/** The dump's own runtime (its bootstrap's static layers), with what replay needs on top. */
function runtimeOf(own: JsonObject | undefined): JsonObject {
  const runtime: JsonObject = {};
  const layers = obj(own, 'layered_runtime')?.layers;
  for (const layer of Array.isArray(layers) ? layers.filter(isObject) : [])
    if (isObject(layer.static_layer)) Object.assign(runtime, layer.static_layer);
  return Object.assign(runtime, {
    // v2-era fields that v3 still carries but deprecates (e.g. cluster http2_protocol_options) load only with
    // this (https://www.envoyproxy.io/docs/envoy/v1.40.0/configuration/operations/runtime "Using runtime overrides for deprecated features")
    'envoy.features.enable_all_deprecated_features': true,
    // Istio's bootstrap raises RE2's program-size limit the same way, for its generated regexes
    're2.max_program_size.error_level': 32768,
  });
}

/**
 * The runnable bootstrap for one proxy's dump. Never throws on a dump meshctl could read: what cannot be
 * converted is `skipped` with its reason.
 */
export function bootstrapFor(dump: ConfigDump, o: BootstrapOptions): ReplayBootstrap {
  const cv = new Conversion(dump, o);
  const { listeners, served } = servedListeners(cv, dump);
  const { clusters, dnsClusters } = servedClusters(cv, dump);
  const secrets = secretsOf(cv, o);
  const own = dump.bootstrap();
  const node = obj(own, 'node');
  if (!dump.has('bootstrap'))
    cv.adapt(
      'made a node without a bootstrap',
      'bootstrap.node',
      'The dump has no BootstrapConfigDump; the node id is made up and the Istio era unknown.',
    );
  const admin = o.admin ?? { address: '127.0.0.1', port: 15000 };
  const bootstrap: JsonObject = {
    node: {
      id: str(node, 'id') ?? 'sidecar~0.0.0.0~replay.default~default.svc.cluster.local',
      cluster: str(node, 'cluster') ?? 'replay',
      ...(isObject(node?.metadata) ? { metadata: node.metadata } : {}),
    },
    admin: {
      address:
        'pipe' in admin
          ? { pipe: { path: admin.pipe } }
          : { socket_address: { address: admin.address, port_value: admin.port } },
    },
    static_resources: { listeners, clusters, secrets },
    layered_runtime: { layers: [{ name: 'replay', static_layer: runtimeOf(own) }] },
  };
  if (dnsClusters.length)
    // the world's only resolver is none at all: queries go to the pod's own loopback and fail at once, never
    // to the host's resolver (c-ares would otherwise retry the host's for seconds)
    bootstrap.typed_dns_resolver_config = {
      name: 'envoy.network.dns_resolver.cares',
      typed_config: {
        '@type': `${T}envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig`,
        resolvers: [{ socket_address: { address: '127.0.0.1', port_value: 53 } }],
      },
    };
  if (listeners.some((l) => isObject(l.internal_listener)))
    bootstrap.bootstrap_extensions = [
      {
        name: 'envoy.bootstrap.internal_listener',
        typed_config: { '@type': `${T}envoy.extensions.bootstrap.internal_listener.v3.InternalListener` },
      },
    ];
  cv.adapt(
    'made every resource static (no ADS)',
    'bootstrap',
    'The replay world has no istiod; what the proxy had received over xDS is its static config, and warming or draining resources are left out as they were not serving.',
  );
  const result: ReplayBootstrap = {
    bootstrap,
    adaptations: cv.adaptations(),
    listeners: served,
    dnsClusters,
  };
  return cv.skipped ? { ...result, skipped: cv.skipped } : result;
}
