// The receiving side: the traffic reaches the destination's IP, and what handles it there depends on what that
// address is: a pod with a sidecar (its capture and inbound listener, when its dump was given), a pod without
// one (the app itself), an address outside the inputs, or a pod whose sidecar was not dumped (unknown)
// (envoy-semantics.md section 6; https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/).
// Evidence read: the dumps (by bootstrap node IP) and the pods of the manifests (by pod IP, istio-proxy present).
import { eraOf } from './era.js';
import { isIp } from './resolve.js';
import { delivered, fail, isHttp, label, type Evidence, type Stop } from './trace.js';
import { podByIp, type Arrival, type AtApplication, type Receiving } from './traffic.js';
import { endpointLabel } from './upstream.js';

/** Stage: who receives the traffic at the destination address. */
export function receiver(
  ev: Evidence,
  a: Arrival,
): { readonly sidecar: Receiving } | { readonly app: AtApplication } | Stop {
  const { dst, sender } = a;
  const { dump, pod } = podByIp(ev.world, dst.ip);
  const name = dump ? label(dump) : pod ? `${pod.name}.${pod.namespace}` : dst.ip;
  const app = (): { app: AtApplication } => ({
    app: { dump: undefined, pod, proxy: name, dst, target: dst, traffic: a.traffic },
  });
  // the app calls its own pod IP over lo: nothing but the app's socket is involved
  if (sender && a.bypassed && sender.identity().ip === dst.ip) return app();
  if (dump) return { sidecar: { ...a, dump, pod, era: eraOf(dump), proxy: label(dump) } };
  if (pod && !pod.hasSidecar) return withoutSidecar(ev, a, name) ?? app();
  if (!pod && (a.passthrough || !isIp(dst.ip))) {
    // An address outside the inputs: the original destination of a passthrough, or a DNS name Envoy resolves.
    const what = isIp(dst.ip)
      ? `${dst.ip} is not a pod of the inputs (no dump, no manifest)`
      : `Envoy resolves ${dst.ip} by DNS`;
    ev.trace.add('inbound', name, 'skipped', null, `${what}: the connection leaves what meshctl can see`);
    return ev.trace.decide(
      delivered(`sent to ${endpointLabel(dst)}, outside the mesh as far as the inputs show`),
    );
  }
  const known = ev.world.dumps.length > 0 && !pod;
  ev.trace.add(
    'inbound',
    name,
    'unknown',
    null,
    `${known ? `${dst.ip} is not the IP of any proxy whose dump was given` : `no config dump of ${name} was given`}, so its sidecar's handling is not known`,
  );
  ev.trace.need(`the config dump of the destination ${name} (${dst.ip}) to follow the receiving sidecar`);
  return ev.trace.decide({
    result: 'unknown',
    flag: null,
    status: null,
    summary: `the source's sidecar sends it to ${endpointLabel(dst)} (${a.security.detail}); what the destination does is unknown without its dump`,
  });
}

/** A pod without istio-proxy: the app gets the connection, and cannot answer a TLS handshake meant for a sidecar. */
function withoutSidecar(ev: Evidence, a: Arrival, name: string): Stop | undefined {
  ev.trace.add(
    'inbound',
    name,
    'skipped',
    null,
    `${name} has no istio-proxy container: the connection reaches the app directly`,
  );
  if (a.security.kind === 'plaintext') return undefined;
  ev.trace.add(
    'inbound',
    name,
    'failed',
    null,
    `the source sends ${a.security.detail}, but ${name} has no sidecar to terminate it: the handshake fails`,
  );
  return ev.trace.decide(
    fail(
      'UF',
      isHttp(a.traffic.protocol) ? 503 : null,
      `TLS from the source into ${name}, which has no sidecar: the handshake fails (UF)`,
    ),
  );
}
