// The shapes bootstrapFor takes and gives (issue 13): shared by the conversion's stages and by src/replay.
import type { MeshInventory } from '../model/k8s.js';
import type { JsonObject } from '../model/normalize.js';

/** One change made to the dump's config so that upstream Envoy runs it. */
export interface Adaptation {
  /** What was changed: `removed HTTP filter istio.stats`. */
  readonly what: string;
  /** Where, as a path of names: `listeners[0.0.0.0_9080].filter_chains[0]`, or `3 places: …`. */
  readonly where: string;
  /** Why, in one sentence. */
  readonly why: string;
}

/** PEM texts made by the effectful layer (src/replay/certs.ts) from the run's test CA. */
export interface TestCertificates {
  /** The run's root: every proxy trusts it (one trust domain). */
  readonly rootCert: string;
  /** This proxy's workload certificate (SAN spiffe://<trust domain>/ns/<ns>/sa/<sa>), then the root. */
  readonly certChain: string;
  readonly privateKey: string;
}

export type AdminAddress = { readonly address: string; readonly port: number } | { readonly pipe: string };

export interface BootstrapOptions {
  readonly certificates: TestCertificates;
  /** The file every access log of this proxy writes to (JSON lines, ACCESS_LOG_FORMAT). */
  readonly accessLogPath: string;
  /** Kubernetes objects: endpoints of EDS clusters the dump holds none for, as explain uses them. */
  readonly inventory?: MeshInventory;
  /** Default 127.0.0.1:15000, where Istio's own bootstrap puts it (its 15090 stats listener points there). */
  readonly admin?: AdminAddress;
  /**
   * More extension type URLs (or names) to remove, beyond those known to be Istio's: what a `--mode
   * validate` of an earlier attempt rejected as unknown to this Envoy build.
   */
  readonly unsupported?: readonly string[];
}

export interface ServedListener {
  readonly name: string;
  readonly address: string | undefined;
  readonly port: number | undefined;
  /** false for Istio's per-port listeners that only receive hand-offs (bind_to_port false). */
  readonly bound: boolean;
}

export interface ReplayBootstrap {
  /** envoy.config.bootstrap.v3.Bootstrap, JSON as Envoy reads it. */
  readonly bootstrap: JsonObject;
  readonly adaptations: Adaptation[];
  /** Set when the dump cannot be replayed faithfully; the bootstrap is then what could be made. */
  readonly skipped?: string;
  readonly listeners: ServedListener[];
  /** Clusters whose hosts are DNS names: nothing in the replay world resolves them. */
  readonly dnsClusters: string[];
}
