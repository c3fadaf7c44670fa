// The nat rules istio-init (istio-iptables, REDIRECT mode) writes into a pod's network namespace, computed from
// the same capture settings the engine reads (src/core/engine/capture.ts), so a replayed pod captures exactly
// what the explanation assumes. Shape follows istio/istio tools/istio-iptables/pkg/capture/run.go: chains
// ISTIO_INBOUND (PREROUTING) -> ISTIO_IN_REDIRECT (REDIRECT to 15006, or 15001 before Istio 1.3) and ISTIO_OUTPUT
// (OUTPUT) -> ISTIO_REDIRECT (REDIRECT to 15001); the proxy's own uid/gid 1337 is returned, and traffic the
// sidecar sends to itself over lo from 127.0.0.6 (inbound passthrough, Istio >= 1.10's inbound clusters) too.
import { ALWAYS_EXCLUDED_INBOUND, CAPTURE_ANNOTATIONS, type CaptureSettings } from '../engine/capture.js';

/** The uid (and gid) Envoy runs as in an injected pod (istio-proxy's runAsUser). */
export const PROXY_UID = 1337;

export interface CaptureRuleOptions {
  /** The port inbound traffic is redirected to: 15006 (virtualInbound, Istio >= 1.3) or 15001 (<= 1.2). */
  readonly inboundPort: 15001 | 15006;
  /** The outbound capture port (15001). */
  readonly outboundPort?: number;
}

const A = CAPTURE_ANNOTATIONS;

const items = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const portsOf = (v: string | undefined) => items(v).filter((p) => /^\d+$/.test(p) && Number(p) <= 65535);
/** IPv4 CIDRs only: the replay world is IPv4 (istio-iptables splits v4 and v6 the same way). */
const v4 = (v: string | undefined) => items(v).filter((c) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(c));

/**
 * The argument lists of `iptables -t nat ...` calls, in order, for a pod with these settings. Each list is
 * given to iptables as is (no shell).
 */
export function captureRules(s: CaptureSettings, o: CaptureRuleOptions): string[][] {
  const a = s.annotations;
  const out = String(o.outboundPort ?? 15001);
  const rules: string[][] = [];
  const r = (...args: string[]) => rules.push(['-t', 'nat', ...args]);
  for (const c of ['ISTIO_INBOUND', 'ISTIO_REDIRECT', 'ISTIO_IN_REDIRECT', 'ISTIO_OUTPUT']) r('-N', c);
  r('-A', 'ISTIO_REDIRECT', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', out);
  r('-A', 'ISTIO_IN_REDIRECT', '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(o.inboundPort));

  // inbound: includeInboundPorts "*" (the default from 1.3 on) or a list; Istio <= 1.2 listed the declared ports
  const include =
    a[A.includeInPorts] ??
    (o.inboundPort === 15006 ? '*' : s.declaredPorts ? s.declaredPorts.join(',') : '*');
  if (include.trim() !== '') {
    r('-A', 'PREROUTING', '-p', 'tcp', '-j', 'ISTIO_INBOUND');
    if (include.trim() === '*') {
      for (const p of [...ALWAYS_EXCLUDED_INBOUND.map(String), ...portsOf(a[A.excludeInPorts])])
        r('-A', 'ISTIO_INBOUND', '-p', 'tcp', '--dport', p, '-j', 'RETURN');
      r('-A', 'ISTIO_INBOUND', '-p', 'tcp', '-j', 'ISTIO_IN_REDIRECT');
    } else {
      const excluded = new Set([...ALWAYS_EXCLUDED_INBOUND.map(String), ...portsOf(a[A.excludeInPorts])]);
      for (const p of portsOf(include).filter((x) => !excluded.has(x)))
        r('-A', 'ISTIO_INBOUND', '-p', 'tcp', '--dport', p, '-j', 'ISTIO_IN_REDIRECT');
    }
  }

  // outbound
  r('-A', 'OUTPUT', '-p', 'tcp', '-j', 'ISTIO_OUTPUT');
  for (const p of portsOf(a[A.excludeOutPorts]))
    r('-A', 'ISTIO_OUTPUT', '-p', 'tcp', '--dport', p, '-j', 'RETURN');
  // the sidecar's own upstream connections from 127.0.0.6 (inbound passthrough) are never captured
  r('-A', 'ISTIO_OUTPUT', '-o', 'lo', '-s', '127.0.0.6/32', '-j', 'RETURN');
  // the sidecar calling its own pod's IP over lo goes to the inbound side; the app doing so is not captured
  const uid = String(PROXY_UID);
  for (const owner of ['--uid-owner', '--gid-owner']) {
    r(
      '-A',
      'ISTIO_OUTPUT',
      '!',
      '-d',
      '127.0.0.1/32',
      '-o',
      'lo',
      '-m',
      'owner',
      owner,
      uid,
      '-j',
      'ISTIO_IN_REDIRECT',
    );
    r('-A', 'ISTIO_OUTPUT', '-o', 'lo', '-m', 'owner', '!', owner, uid, '-j', 'RETURN');
    r('-A', 'ISTIO_OUTPUT', '-m', 'owner', owner, uid, '-j', 'RETURN');
  }
  r('-A', 'ISTIO_OUTPUT', '-d', '127.0.0.1/32', '-j', 'RETURN');
  for (const c of v4(a[A.excludeOutIps])) r('-A', 'ISTIO_OUTPUT', '-d', c, '-j', 'RETURN');
  // includeOutboundPorts are redirected whatever the IP ranges say (istio-iptables puts them first)
  for (const p of portsOf(a[A.includeOutPorts]))
    r('-A', 'ISTIO_OUTPUT', '-p', 'tcp', '--dport', p, '-j', 'ISTIO_REDIRECT');
  const includeIps = a[A.includeOutIps] ?? '*';
  if (includeIps.trim() === '*') r('-A', 'ISTIO_OUTPUT', '-j', 'ISTIO_REDIRECT');
  else for (const c of v4(includeIps)) r('-A', 'ISTIO_OUTPUT', '-d', c, '-j', 'ISTIO_REDIRECT');
  return rules;
}
