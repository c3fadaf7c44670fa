// Who a proxy is to its mTLS peers in the replay world: the SPIFFE identity its test certificate carries, and
// the identities its clusters accept from upstreams.
import type { ConfigDump } from '../model/config-dump.js';
import { obj, str } from '../model/fields.js';
import { isObject, type Json } from '../model/normalize.js';
import { serving } from './conversion.js';

/** The SPIFFE identity a proxy's certificate carries, as Istio's CA would issue it. */
export interface WorkloadIdentity {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly spiffe: string;
}

/**
 * Who the proxy is to mTLS peers: namespace and service account from the bootstrap's node metadata
 * (NAMESPACE, SERVICE_ACCOUNT), the trust domain from the SANs its clusters expect of their peers, else
 * Istio's default `cluster.local`.
 */
export function workloadIdentity(dump: ConfigDump, trustDomain?: string): WorkloadIdentity {
  const id = dump.identity();
  const md = obj(obj(dump.bootstrap(), 'node'), 'metadata');
  const namespace = id.namespace ?? 'default';
  const serviceAccount = str(md, 'SERVICE_ACCOUNT') ?? 'default';
  const td = trustDomain ?? trustDomainOf(dump) ?? 'cluster.local';
  return {
    trustDomain: td,
    namespace,
    serviceAccount,
    spiffe: `spiffe://${td}/ns/${namespace}/sa/${serviceAccount}`,
  };
}

/**
 * The peer identities a cluster's upstream TLS accepts (match_subject_alt_names, exact, of its
 * transport_socket and transport_socket_matches): a stand-in for the upstream's sidecar needs a certificate
 * naming one of them, as Istio's would.
 */
export function expectedPeerSans(dump: ConfigDump, clusterName: string): string[] {
  const e = dump.entries('cluster').find((x) => serving(x) && x.name === clusterName);
  if (!e) return [];
  const out = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) {
      for (const m of Array.isArray(v.match_subject_alt_names)
        ? v.match_subject_alt_names.filter(isObject)
        : [])
        if (typeof m.exact === 'string') out.add(m.exact);
      for (const s of Array.isArray(v.verify_subject_alt_name) ? v.verify_subject_alt_name : [])
        if (typeof s === 'string') out.add(s);
      Object.values(v).forEach(walk);
    }
  };
  walk(dump.resource(e));
  return [...out].sort();
}

/** The trust domain of the first SPIFFE SAN the proxy's clusters verify, if any. */
export function trustDomainOf(dump: ConfigDump): string | undefined {
  for (const e of dump.entries('cluster')) {
    if (e.state !== 'active' && e.state !== 'static') continue;
    const m = /spiffe:\/\/([^/"]+)\/ns\//.exec(JSON.stringify(dump.resource(e)));
    if (m) return m[1];
  }
  return undefined;
}
