// iptables interception (envoy-semantics.md section 7; istio-iptables run.go): whether a connection from the
// app is redirected to the sidecar (outbound, 15001) and whether one arriving at a pod is (inbound, 15006 or
// 15001). Pod annotations come from manifests or the bootstrap's ANNOTATIONS; otherwise Istio's defaults,
// said as an assumption.
// Evidence read: the pod's annotations (manifests, else the bootstrap's ANNOTATIONS), its IP and declared
// container ports. The two stage functions at the end write the capture steps of the walk (explain.ts).
import type { ConfigDump } from '../model/config-dump.js';
import type { PodInfo } from '../model/k8s.js';
import { cidrContains, parseCidr } from './match/cidr.js';
import { eraOf } from './era.js';
import { fail, label, isHttp, type Evidence, type Stop } from './trace.js';
import type { Arrival, AtApplication, Departure, OnProxy, Receiving } from './traffic.js';
import { endpointLabel } from './upstream.js';

export interface CaptureSettings {
  readonly annotations: Readonly<Record<string, string>>;
  /** Where the annotations came from (`manifest pod.yaml:12`, `bootstrap ANNOTATIONS`), or undefined. */
  readonly source: string | undefined;
  readonly podIp: string | undefined;
  /** Ports the pod's containers declare: Istio <= 1.2 redirected only those inbound. */
  readonly declaredPorts: readonly number[] | undefined;
}

export interface CaptureDecision {
  readonly captured: boolean;
  readonly detail: string;
  readonly assumption: string | undefined;
}

/** The pod annotations istio-iptables reads (injection-template.yaml); replay writes the same rules from them. */
export const CAPTURE_ANNOTATIONS = {
  includeOutIps: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
  excludeOutIps: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  includeOutPorts: 'traffic.sidecar.istio.io/includeOutboundPorts',
  excludeOutPorts: 'traffic.sidecar.istio.io/excludeOutboundPorts',
  includeInPorts: 'traffic.sidecar.istio.io/includeInboundPorts',
  excludeInPorts: 'traffic.sidecar.istio.io/excludeInboundPorts',
  mode: 'sidecar.istio.io/interceptionMode',
};

const A = CAPTURE_ANNOTATIONS;

/** The injector always keeps these out of inbound capture (injection-template.yaml). */
export const ALWAYS_EXCLUDED_INBOUND = [15090, 15021, 15020];

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const ports = (v: string | undefined) =>
  list(v)
    .map(Number)
    .filter((n) => Number.isInteger(n));

function assumption(s: CaptureSettings): string | undefined {
  return s.source
    ? undefined
    : "the source pod's annotations are unknown, so Istio's default capture rules are assumed";
}

/** The first of the annotation's CIDRs that holds `ip`. */
function rangeHolding(ranges: readonly string[], ip: string): string | undefined {
  return ranges.find((c) => {
    const cidr = parseCidr(c);
    return cidr !== undefined && cidrContains(cidr, ip);
  });
}

export function captureOutbound(s: CaptureSettings, ip: string, port: number, udp: boolean): CaptureDecision {
  const a = s.annotations;
  const from = s.source ? ` (${s.source})` : '';
  const base = { assumption: assumption(s) };
  if (udp)
    return { ...base, captured: false, detail: 'UDP is not redirected to the sidecar (only DNS may be)' };
  if (ports(a[A.excludeOutPorts]).includes(port))
    return {
      ...base,
      captured: false,
      detail: `port ${port} is in ${A.excludeOutPorts}${from}, so iptables lets it bypass the sidecar`,
    };
  if (ip === '127.0.0.1' || ip === '::1')
    return { ...base, captured: false, detail: `${ip} is localhost: never redirected` };
  if (s.podIp && ip === s.podIp)
    return {
      ...base,
      captured: false,
      detail: `${ip} is the pod's own IP: the app reaches itself over lo without the sidecar`,
    };
  const excluded = rangeHolding(list(a[A.excludeOutIps]), ip);
  if (excluded)
    return {
      ...base,
      captured: false,
      detail: `${ip} is in ${A.excludeOutIps} ${excluded}${from}: it bypasses the sidecar`,
    };
  const include = a[A.includeOutIps] ?? '*';
  const included = include.trim() === '*' || rangeHolding(list(include), ip) !== undefined;
  if (included)
    return {
      ...base,
      captured: true,
      detail: `iptables redirects ${ip}:${port} to the sidecar's port 15001 (includeOutboundIPRanges ${include}${a[A.includeOutIps] ? from : ', the default'})`,
    };
  if (ports(a[A.includeOutPorts]).includes(port))
    return {
      ...base,
      captured: true,
      detail: `port ${port} is in ${A.includeOutPorts}${from}: redirected to 15001`,
    };
  return {
    ...base,
    captured: false,
    detail: `${ip} is outside includeOutboundIPRanges ${include}${from}: it bypasses the sidecar`,
  };
}

export function captureInbound(s: CaptureSettings, port: number, modern: boolean): CaptureDecision {
  const a = s.annotations;
  const from = s.source ? ` (${s.source})` : '';
  const base = {
    assumption: s.source
      ? undefined
      : "the destination pod's annotations are unknown, so Istio's default capture rules are assumed",
  };
  const excluded = [...ALWAYS_EXCLUDED_INBOUND, ...ports(a[A.excludeInPorts])];
  if (excluded.includes(port))
    return {
      ...base,
      captured: false,
      detail: `port ${port} is excluded from inbound capture${ports(a[A.excludeInPorts]).includes(port) ? ` by ${A.excludeInPorts}${from}` : ' (sidecar ports)'}: it reaches the app directly`,
    };
  const include = a[A.includeInPorts] ?? (modern ? '*' : undefined);
  if (include === undefined) {
    // Istio <= 1.2: the injector listed the pod's declared containerPorts
    if (!s.declaredPorts)
      return {
        ...base,
        captured: true,
        detail: `assumed redirected (Istio <= 1.2 redirects the pod's declared container ports; they are unknown)`,
      };
    return s.declaredPorts.includes(port)
      ? {
          ...base,
          captured: true,
          detail: `port ${port} is a declared container port: redirected to the sidecar (Istio <= 1.2)`,
        }
      : {
          ...base,
          captured: false,
          detail: `port ${port} is not a declared container port: Istio <= 1.2 does not redirect it`,
        };
  }
  if (include.trim() === '*')
    return {
      ...base,
      captured: true,
      detail: `inbound capture takes every port (includeInboundPorts "*"${a[A.includeInPorts] ? from : ', the default'})`,
    };
  return ports(include).includes(port)
    ? { ...base, captured: true, detail: `port ${port} is in ${A.includeInPorts}${from}` }
    : {
        ...base,
        captured: false,
        detail: `port ${port} is not in ${A.includeInPorts} "${include}"${from}: it reaches the app directly`,
      };
}

function declared(pod: PodInfo): number[] {
  return pod.containers
    .filter((c) => c.name !== 'istio-proxy')
    .flatMap((c) => c.ports.map((p) => p.containerPort));
}

/** The capture rules of a pod: its manifest's annotations first, else those its sidecar's bootstrap carries. */
export function captureSettings(dump: ConfigDump | undefined, pod: PodInfo | undefined): CaptureSettings {
  if (pod && Object.keys(pod.annotations).length)
    return {
      annotations: pod.annotations,
      source: pod.location
        ? `pod ${pod.namespace}/${pod.name} in ${pod.location.file}:${pod.location.line}`
        : `pod ${pod.namespace}/${pod.name}`,
      podIp: pod.ip ?? dump?.identity().ip,
      declaredPorts: declared(pod),
    };
  const id = dump?.identity();
  if (id && Object.keys(id.annotations).length)
    return {
      annotations: id.annotations,
      source: 'the bootstrap node metadata ANNOTATIONS',
      podIp: id.ip,
      declaredPorts: undefined,
    };
  return {
    annotations: {},
    source: undefined,
    podIp: pod?.ip ?? id?.ip,
    declaredPorts: pod ? declared(pod) : undefined,
  };
}

/** Stage: the source pod's iptables (ISTIO_OUTPUT) either redirects the connection to 15001 or lets it go. */
export function outboundCapture(
  ev: Evidence,
  d: Departure,
): { readonly captured: OnProxy } | { readonly bypass: Arrival } {
  const { src, dst, traffic } = d;
  const proxy = label(src);
  const srcPod = ev.world.inventory.pods.find((p) => p.ip && p.ip === src.identity().ip);
  const cap = captureOutbound(captureSettings(src, srcPod), dst.ip, dst.port, false);
  ev.trace.add(
    'capture',
    proxy,
    cap.captured ? 'matched' : 'skipped',
    null, // an iptables rule, not a config object of the dump
    `${cap.captured ? 'iptables ISTIO_OUTPUT -> 15001' : 'iptables RETURN'}: ${cap.detail}${cap.assumption ? `; ${cap.assumption}` : ''}`,
    cap.captured ? {} : { handsTo: 'bypass' },
  );
  if (cap.captured) return { captured: { dump: src, era: eraOf(src), proxy, dst, traffic } };
  ev.trace.endpoint = endpointLabel(dst);
  const security = { kind: 'plaintext', detail: 'the app connects directly, without its sidecar' } as const;
  return {
    bypass: { sender: src, srcIp: src.identity().ip ?? '10.0.0.1', dst, security, traffic, bypassed: true },
  };
}

/** Stage: the receiving pod's iptables (ISTIO_INBOUND) redirects the port to the sidecar, or the app gets it. */
export function inboundCapture(
  ev: Evidence,
  r: Receiving,
): { readonly sidecar: Receiving } | { readonly app: AtApplication } | Stop {
  const { era, proxy, dst, security, traffic } = r;
  const cap = captureInbound(captureSettings(r.dump, r.pod), dst.port, era.inboundCapturePort === 15006);
  ev.trace.add(
    'capture',
    proxy,
    cap.captured ? 'matched' : 'skipped',
    null,
    `${cap.captured ? `iptables ISTIO_INBOUND -> ${era.inboundCapturePort}` : 'iptables RETURN'}: ${cap.detail} (${era.label}: ${era.evidence})${cap.assumption ? `; ${cap.assumption}` : ''}`,
    cap.captured ? {} : { handsTo: 'bypass' },
  );
  if (cap.captured) return { sidecar: r };
  if (security.kind !== 'plaintext') {
    ev.trace.add(
      'inbound',
      proxy,
      'failed',
      null,
      `the source sends ${security.detail}, but port ${dst.port} bypasses ${proxy}'s sidecar: the app receives a TLS handshake it cannot answer`,
    );
    return ev.trace.decide(
      fail(
        'UF',
        isHttp(traffic.protocol) ? 503 : null,
        `mTLS into port ${dst.port}, which the destination does not capture: the handshake fails (UF)`,
      ),
    );
  }
  return { app: { dump: r.dump, pod: r.pod, proxy, dst, target: dst, traffic } };
}
