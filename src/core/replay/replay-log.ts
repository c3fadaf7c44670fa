// The access log every replay bootstrap writes (one JSON line per connection or request, on every listener,
// HCM and tcp_proxy), and its records read back by replay's observation.
import { isObject, type JsonObject } from '../model/normalize.js';

/**
 * The access-log format on every listener, HCM and tcp_proxy: JSON lines whose values are Envoy's command
 * operators (https://www.envoyproxy.io/docs/envoy/v1.40.0/configuration/observability/access_log/usage).
 * `log` says which kind of log wrote the line; the rest are named after the operator they hold.
 */
export function accessLogFormat(kind: 'listener' | 'http' | 'tcp'): JsonObject {
  return {
    log: kind,
    access_log_type: '%ACCESS_LOG_TYPE%',
    listener_name: '%LISTENER_NAME%',
    filter_chain_name: '%FILTER_CHAIN_NAME%',
    route_name: '%ROUTE_NAME%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    upstream_host: '%UPSTREAM_HOST%',
    upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
    upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
    response_flags: '%RESPONSE_FLAGS%',
    response_code: '%RESPONSE_CODE%',
    response_code_details: '%RESPONSE_CODE_DETAILS%',
    connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
    downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
    downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
    // the connection's own peer: an HCM that trusts x-forwarded-for (use_remote_address false) logs the XFF
    // address as DOWNSTREAM_REMOTE_ADDRESS, which is not the connection a previous proxy opened
    downstream_direct_remote_address: '%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%',
    requested_server_name: '%REQUESTED_SERVER_NAME%',
    downstream_tls_version: '%DOWNSTREAM_TLS_VERSION%',
    downstream_peer_uri_san: '%DOWNSTREAM_PEER_URI_SAN%',
    upstream_peer_uri_san: '%UPSTREAM_PEER_URI_SAN%',
    protocol: '%PROTOCOL%',
    method: '%REQ(:METHOD)%',
    authority: '%REQ(:AUTHORITY)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    bytes_received: '%BYTES_RECEIVED%',
    bytes_sent: '%BYTES_SENT%',
    connection_id: '%CONNECTION_ID%',
    // the HCM's x-request-id, which the router forwards upstream: it tells this call's request from another
    // one on the same pooled upstream connection at the next proxy (callRecords)
    request_id: '%REQ(X-REQUEST-ID)%',
    start_time: '%START_TIME%',
  };
}

/** One line of the replay access log, read back. Absent values ("-" or null) are left out. */
export interface ReplayLogRecord {
  readonly log: 'listener' | 'http' | 'tcp';
  readonly fields: Readonly<Record<string, string | number>>;
}

/** The JSON lines an Envoy running a replay bootstrap wrote; lines that are not such records are skipped. */
export function parseReplayLog(text: string): ReplayLogRecord[] {
  const out: ReplayLogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(v) || (v.log !== 'listener' && v.log !== 'http' && v.log !== 'tcp')) continue;
    const fields: Record<string, string | number> = {};
    for (const [k, x] of Object.entries(v))
      if (k !== 'log' && x !== null && x !== '-' && (typeof x === 'string' || typeof x === 'number'))
        fields[k] = x;
    out.push({ log: v.log, fields });
  }
  return out;
}

/**
 * The records of one connection, and of what it led to downstream: a proxy's records whose
 * downstream (direct) remote address is `remote` (the client's own address and port, or the previous proxy's
 * upstream_local_address). A connection of an earlier call that closes late logs in the middle of a later
 * one; matching on the connection's address keeps its records out of the later call's verdict.
 */
export function connectionRecords(records: readonly ReplayLogRecord[], remote: string): ReplayLogRecord[] {
  return records.filter((r) => peerOf(r) === remote);
}

/** The downstream connection's peer: the direct address where the log has it. */
function peerOf(r: ReplayLogRecord): string | number | undefined {
  return r.fields.downstream_direct_remote_address ?? r.fields.downstream_remote_address;
}

/** The address the proxy connected upstream from: the next proxy's downstream_remote_address. */
export function upstreamLocalAddress(records: readonly ReplayLogRecord[]): string | undefined {
  for (const r of records) {
    const a = r.fields.upstream_local_address;
    if (typeof a === 'string') return a;
  }
  return undefined;
}

/**
 * One call's records on every proxy of the world, following the call from the client's own address
 * (`client`, the first proxy's downstream_remote_address) through each upstream_local_address to the
 * connection it opened on the next proxy (or on the same one again, when a passthrough is captured anew).
 * HTTP upstream connections are pooled, so a later call may reuse an earlier call's connection: at a hop
 * whose HTTP records carry this call's x-request-id, the HTTP records of other requests are left out.
 * `proxies[i]` are proxy i's records since the call began; the answer has the same shape, each proxy's
 * records in the order the call reached them.
 */
export function callRecords(
  proxies: readonly (readonly ReplayLogRecord[])[],
  first: number,
  client: string,
): ReplayLogRecord[][] {
  const out: ReplayLogRecord[][] = proxies.map(() => []);
  const taken = new Set<ReplayLogRecord>();
  const ids = new Set<string>();
  let hop: Array<{ proxy: number; remote: string }> = [{ proxy: first, remote: client }];
  const seenRemote = new Set<string>();
  // a passthrough captured again loops until Envoy runs out of connections (1,024): a few hops say it all
  for (let depth = 0; depth < 16 && hop.length; depth++) {
    const next: Array<{ proxy: number; remote: string }> = [];
    for (const h of hop) {
      let recs = connectionRecords(proxies[h.proxy] ?? [], h.remote).filter((r) => !taken.has(r));
      const http = recs.filter((r) => r.log === 'http' && typeof r.fields.request_id === 'string');
      if (ids.size && http.some((r) => ids.has(String(r.fields.request_id))))
        recs = recs.filter(
          (r) =>
            r.log !== 'http' || r.fields.request_id === undefined || ids.has(String(r.fields.request_id)),
        );
      for (const r of recs) {
        taken.add(r);
        out[h.proxy]!.push(r);
        if (r.log === 'http' && typeof r.fields.request_id === 'string') ids.add(r.fields.request_id);
      }
      const up = new Set<string>();
      for (const r of recs)
        if (typeof r.fields.upstream_local_address === 'string') up.add(r.fields.upstream_local_address);
      for (const remote of up) {
        if (seenRemote.has(remote)) continue;
        seenRemote.add(remote);
        for (const [i, list] of proxies.entries())
          if (list.some((r) => peerOf(r) === remote)) next.push({ proxy: i, remote });
      }
      // An upstream attempt that failed after connecting (the next proxy reset the TLS handshake: UF with
      // upstream_transport_failure_reason) logs its upstream_host but no upstream_local_address, so the next
      // proxy's record of that connection (NR filter_chain_not_found, seen replaying mtls-1.10.0/disable-mtls)
      // cannot be followed by address: it is the untaken record whose local address is that upstream host.
      if (!up.size)
        for (const r of recs) {
          const host = r.fields.upstream_host;
          if (typeof host !== 'string') continue;
          for (const [i, list] of proxies.entries()) {
            if (i === h.proxy) continue;
            for (const x of list)
              if (!taken.has(x) && x.fields.downstream_local_address === host && peerOf(x) !== undefined) {
                taken.add(x);
                out[i]!.push(x);
              }
          }
        }
    }
    hop = next;
  }
  // each proxy's records in the order the call reached them: a proxy the call passes twice (its own pod IP
  // picked as an endpoint, captured again) has the first pass's records first
  return out;
}
