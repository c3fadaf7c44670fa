// Which Istio era a proxy's config comes from (envoy-semantics.md section 6): from the bootstrap's version
// when it is believable, from the config's fingerprints otherwise. Explanations speak of that version.
import type { ConfigDump } from '../model/config-dump.js';

export interface Version {
  readonly major: number;
  readonly minor: number;
}

export interface Era {
  /** `Istio 1.9`, `Istio 1.0`, or `Istio (version unknown)`. */
  readonly label: string;
  readonly istio: Version | undefined;
  readonly envoy: Version | undefined;
  /** How meshctl knows: `ISTIO_VERSION 1.9.5 in the bootstrap`, or the fingerprint it used. */
  readonly evidence: string;
  /** Inbound traffic is redirected to 15006 (virtualInbound, >= 1.3) or to 15001 (<= 1.2). */
  readonly inboundCapturePort: 15001 | 15006;
  /** Where the inbound cluster sends traffic: 127.0.0.1 (< 1.10) or the pod IP from 127.0.0.6 (>= 1.10). */
  readonly inboundTarget: 'loopback' | 'pod-ip' | 'unknown';
  /** Envoy >= 1.18 logs NC for a missing cluster; older Envoys say NR. */
  readonly clusterNotFoundFlag: 'NC' | 'NR';
  /** Envoy <= 1.16 adds a tls_inspector by itself when chains match on TLS fields. */
  readonly implicitTlsInspector: boolean;
  /** Unknown ports are sniffed (>= 1.3) or treated as TCP (<= 1.2). */
  readonly sniffsUnknownPorts: boolean;
}

export function parseVersion(v: string | undefined): Version | undefined {
  if (!v) return undefined;
  const m = /(?:^|[^\d])(\d+)\.(\d+)/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function atLeast(v: Version | undefined, major: number, minor: number): boolean | undefined {
  if (!v) return undefined;
  return v.major > major || (v.major === major && v.minor >= minor);
}

function fingerprint(dump: ConfigDump): { min: Version; max: Version; what: string } | undefined {
  const names = new Set(dump.entries('listener').map((e) => e.name));
  if (names.has('virtual'))
    return {
      min: { major: 1, minor: 0 },
      max: { major: 1, minor: 2 },
      what: 'the capture listener is named "virtual" (Istio 1.0-1.2)',
    };
  if (names.has('virtualInbound') || names.has('virtualOutbound'))
    return {
      min: { major: 1, minor: 3 },
      max: { major: 99, minor: 0 },
      what: 'virtualOutbound/virtualInbound listeners (Istio >= 1.3)',
    };
  return undefined;
}

function inboundTargetFromClusters(dump: ConfigDump): Era['inboundTarget'] {
  for (const e of dump.entries('cluster')) {
    if (!e.name.startsWith('inbound|')) continue; // decode only the inbound clusters
    const c = dump.clusterAt(e);
    if (c.type === 'ORIGINAL_DST') return 'pod-ip';
    if (c.type === 'STATIC') return 'loopback';
  }
  return 'unknown';
}

export function eraOf(dump: ConfigDump): Era {
  const id = dump.identity();
  let istio = parseVersion(id.istioVersion);
  let evidence = id.istioVersion ? `${id.istioVersionSource} ${id.istioVersion} in the bootstrap` : '';
  const fp = fingerprint(dump);
  if (
    fp &&
    istio &&
    (atLeast(istio, fp.min.major, fp.min.minor) === false ||
      atLeast(istio, fp.max.major, fp.max.minor + 1) === true)
  ) {
    // e.g. a development build that reports "1.0-dev": the config's shape wins
    evidence = `${fp.what}; the bootstrap says ${id.istioVersion}, which does not fit`;
    istio = undefined;
  } else if (!istio && fp) evidence = fp.what;
  const envoy = parseVersion(id.envoyVersion);
  const target = inboundTargetFromClusters(dump);
  const inboundTarget =
    target !== 'unknown' ? target : istio ? (atLeast(istio, 1, 10) ? 'pod-ip' : 'loopback') : 'unknown';
  const modern = istio ? atLeast(istio, 1, 3)! : fp ? fp.min.minor >= 3 : true;
  return {
    label: istio
      ? `Istio ${istio.major}.${istio.minor}`
      : fp
        ? `Istio ${fp.min.major}.${fp.min.minor}${fp.max.major < 99 ? `-${fp.max.major}.${fp.max.minor}` : '+'}`
        : 'Istio (version unknown)',
    istio,
    envoy,
    evidence: evidence || 'no version in the bootstrap and no era fingerprint',
    inboundCapturePort: modern ? 15006 : 15001,
    inboundTarget,
    clusterNotFoundFlag: envoy
      ? atLeast(envoy, 1, 18)
        ? 'NC'
        : 'NR'
      : istio && atLeast(istio, 1, 10)
        ? 'NC'
        : istio
          ? 'NR'
          : 'NC',
    implicitTlsInspector: envoy ? !atLeast(envoy, 1, 17) : istio ? !atLeast(istio, 1, 9) : false,
    sniffsUnknownPorts: modern,
  };
}
