// Envoy access-log lines as Istio writes them, read back into fields, and the meaning of response flags.
// Formats recognised (envoy-semantics.md section 8; Istio's mesh config defaults):
// - Istio 1.9+: ... %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
//   "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% ... %ROUTE_NAME%
// - Istio 1.1-1.8: ... %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ...
// - Istio 1.0 and Envoy's own default: ... %RESPONSE_FLAGS% %BYTES_RECEIVED% ... "%UPSTREAM_HOST%" [%UPSTREAM_CLUSTER% ...]
// - JSON encoding (accessLogEncoding: JSON), with Istio's field names (`response_flags`, `upstream_cluster`, ...).
import type { z } from 'zod';
import { InputError } from '../diagnostics/errors.js';
import { formatAddress } from '../model/address.js';
import type { ConfigDump } from '../model/config-dump.js';
import { describeRef } from '../model/istio.js';
import { explain, trafficOf, type Query, type Traffic, type World } from './explain.js';
import { resolveHost } from './resolve.js';
import type {
  AccessLogLineSchema,
  LogExplanationSchema,
  LogPlacementSchema,
  ResponseFlagSchema,
} from '../schema/log-explanation.js';
import type { Explanation, Step } from './types.js';

// The printed types are inferred from core/schema/log-explanation.ts, the contract's single source.
export type AccessLogLine = z.infer<typeof AccessLogLineSchema>;

export type ResponseFlag = z.infer<typeof ResponseFlagSchema>;

// Envoy's response flags (docs/root/configuration/observability/access_log/usage.rst), in our words.
const FLAGS: ResponseFlag[] = [
  { short: 'UH', long: 'NoHealthyUpstream', meaning: 'the cluster had no healthy endpoint to send to (503)' },
  {
    short: 'UF',
    long: 'UpstreamConnectionFailure',
    meaning: 'connecting to the upstream endpoint failed (503)',
  },
  { short: 'UO', long: 'UpstreamOverflow', meaning: 'a circuit breaker of the cluster was full (503)' },
  {
    short: 'NR',
    long: 'NoRouteFound',
    meaning: 'no route matched the request (404), or no filter chain matched the connection',
  },
  {
    short: 'URX',
    long: 'UpstreamRetryLimitExceeded',
    meaning: 'the retries (HTTP) or connect attempts (TCP) allowed were all used',
  },
  {
    short: 'NC',
    long: 'NoClusterFound',
    meaning: 'the route or tcp_proxy named a cluster the proxy does not have',
  },
  {
    short: 'DT',
    long: 'DurationTimeout',
    meaning: 'the request or connection outlived its maximum duration',
  },
  { short: 'DC', long: 'DownstreamConnectionTermination', meaning: 'the client closed the connection' },
  { short: 'LH', long: 'FailedLocalHealthCheck', meaning: 'the local health check failed (503)' },
  {
    short: 'UT',
    long: 'UpstreamRequestTimeout',
    meaning: 'the upstream did not answer within the route timeout (504)',
  },
  { short: 'LR', long: 'LocalReset', meaning: 'the proxy reset the connection itself' },
  { short: 'UR', long: 'UpstreamRemoteReset', meaning: 'the upstream reset the connection' },
  {
    short: 'UC',
    long: 'UpstreamConnectionTermination',
    meaning: 'the upstream closed the connection before answering (503)',
  },
  { short: 'DI', long: 'DelayInjected', meaning: 'a fault-injection delay was applied' },
  { short: 'FI', long: 'FaultInjected', meaning: 'a fault-injection abort answered the request' },
  { short: 'RL', long: 'RateLimited', meaning: 'the local or global rate limit rejected the request (429)' },
  {
    short: 'UAEX',
    long: 'UnauthorizedExternalService',
    meaning: 'the external authorization service denied it',
  },
  { short: 'RLSE', long: 'RateLimitServiceError', meaning: 'the rate limit service failed' },
  {
    short: 'IH',
    long: 'InvalidEnvoyRequestHeaders',
    meaning: 'an x-envoy-* request header had an invalid value',
  },
  { short: 'SI', long: 'StreamIdleTimeout', meaning: 'the stream was idle longer than its idle timeout' },
  {
    short: 'DPE',
    long: 'DownstreamProtocolError',
    meaning: 'the client sent bytes that are not valid HTTP to an HTTP listener',
  },
  {
    short: 'UPE',
    long: 'UpstreamProtocolError',
    meaning: 'the upstream answered with bytes that are not valid HTTP',
  },
  {
    short: 'UMSDR',
    long: 'UpstreamMaxStreamDurationReached',
    meaning: 'the upstream stream hit its maximum duration',
  },
  {
    short: 'OM',
    long: 'OverloadManagerTerminated',
    meaning: "the proxy's overload manager shed the request",
  },
  { short: 'DF', long: 'DnsResolutionFailed', meaning: 'resolving the upstream host name failed' },
  { short: 'DO', long: 'DropOverload', meaning: 'the cluster dropped the request to shed load' },
  { short: 'DR', long: 'DownstreamRemoteReset', meaning: 'the client reset the stream' },
  {
    short: 'UDO',
    long: 'UnconditionalDropOverload',
    meaning: 'the cluster drops every request (drop_overload 100%)',
  },
];

export function responseFlag(name: string): ResponseFlag | undefined {
  return FLAGS.find((f) => f.short === name || f.long === name);
}

const dash = (v: string | undefined): string | null => (v === undefined || v === '-' || v === '' ? null : v);

function flagsOf(v: string | undefined, line: string): string[] {
  const raw = dash(v);
  if (raw === null) return [];
  return raw.split(',').map((f) => {
    const known = responseFlag(f.trim());
    if (!known)
      throw new InputError(
        `the access-log line has response flags "${raw}", and ${f.trim()} is not an Envoy response flag`,
        `is this an Istio access-log line? ${line.slice(0, 80)}`,
      );
    return known.short;
  });
}

/** Tokens of a text line: the [bracketed] start time, "quoted" fields (may hold spaces) and bare words. */
function tokens(line: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    // [START_TIME] opens the line; later brackets belong to IPv6 addresses ([fd00::5]:8080)
    if (c === '"' || (c === '[' && out.length === 0)) {
      const close = line.indexOf(c === '"' ? '"' : ']', i + 1);
      const end = close < 0 ? line.length : close;
      out.push({ text: line.slice(i + 1, end), quoted: c === '"' });
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
    out.push({ text: line.slice(i, end), quoted: false });
    i = end;
  }
  return out;
}

const NOT_A_LOG =
  'expected an Envoy access-log line as Istio writes it ([START_TIME] "METHOD PATH PROTOCOL" CODE FLAGS ...) or its JSON form';

/** A line's fields by Istio's JSON names (`response_flags`, ...), whichever encoding it came in. */
type Fields = Partial<Record<string, string | null>>;

function lineFrom(format: AccessLogLine['format'], f: Fields, line: string): AccessLogLine {
  const s = (k: string) => dash(f[k] ?? undefined);
  return {
    format,
    startTime: s('start_time'),
    method: s('method'),
    path: s('path'),
    protocol: s('protocol'),
    responseCode: Number(s('response_code')) || null,
    responseFlags: flagsOf(s('response_flags') ?? undefined, line),
    responseCodeDetails: s('response_code_details'),
    connectionTerminationDetails: s('connection_termination_details'),
    upstreamTransportFailureReason: s('upstream_transport_failure_reason'),
    authority: s('authority'),
    upstreamHost: s('upstream_host'),
    upstreamCluster: s('upstream_cluster'),
    upstreamLocalAddress: s('upstream_local_address'),
    downstreamLocalAddress: s('downstream_local_address'),
    downstreamRemoteAddress: s('downstream_remote_address'),
    requestedServerName: s('requested_server_name'),
    routeName: s('route_name'),
  };
}

/** The fields after the response flags and the format's own ones, in the order every format writes them. */
const TAIL = [
  'bytes_received',
  'bytes_sent',
  'duration',
  'upstream_service_time',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'authority',
  'upstream_host',
  'upstream_cluster',
  'upstream_local_address',
  'downstream_local_address',
  'downstream_remote_address',
  'requested_server_name',
  'route_name',
];

function parseText(line: string): AccessLogLine {
  const t = tokens(line);
  const request = t[1];
  if (!line.startsWith('[') || !request?.quoted || t.length < 4 || !/^\d+$/.test(t[2]?.text ?? ''))
    throw new InputError(`this is not an access-log line: ${NOT_A_LOG}`, `got: ${line.slice(0, 120)}`);
  const [method, path, protocol] = request.text.split(' ');
  const f: Fields = {
    start_time: t[0]?.text,
    method,
    path,
    protocol,
    response_code: t[2]!.text,
    response_flags: t[3]?.text,
  };
  let at = 4;
  let format: AccessLogLine['format'];
  if (t[at]?.quoted && t[at + 1]?.quoted) {
    format = 'istio-1.1-1.8';
    f.upstream_transport_failure_reason = t[at + 1]!.text;
    at += 2;
  } else if (t[at] && !t[at]!.quoted && !/^\d+$/.test(t[at]!.text) && t[at + 2]?.quoted) {
    format = 'istio-1.9+';
    f.response_code_details = t[at]!.text;
    f.connection_termination_details = t[at + 1]!.text;
    f.upstream_transport_failure_reason = t[at + 2]!.text;
    at += 3;
  } else format = 'envoy-default';
  TAIL.forEach((k, i) => (f[k] = t[at + i]?.text));
  return lineFrom(format, f, line);
}

function parseJsonLine(line: string): AccessLogLine {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new InputError(`the access-log line looks like JSON but is not: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(NOT_A_LOG);
  const o = v as Record<string, unknown>;
  if (!('response_code' in o) && !('response_flags' in o))
    throw new InputError(`this JSON has no response_code or response_flags: ${NOT_A_LOG}`);
  const f: Fields = {};
  for (const [k, x] of Object.entries(o))
    f[k] = typeof x === 'number' ? String(x) : typeof x === 'string' ? x : null;
  return lineFrom('json', f, line);
}

/** Reads one access-log line (text or JSON). `kubectl logs` prefixes such as a timestamp are not expected. */
export function parseAccessLog(line: string): AccessLogLine {
  const l = line.trim();
  if (l === '') throw new InputError(`the access-log line is empty: ${NOT_A_LOG}`);
  return l.startsWith('{') ? parseJsonLine(l) : parseText(l);
}

/** `10.1.2.3:80` / `[fd00::1]:80` into its parts. */
export function splitAddress(a: string | null): { ip: string; port: number } | undefined {
  if (!a) return undefined;
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(a);
  return m ? { ip: m[1]!, port: Number(m[2]) } : undefined;
}

export type LogPlacement = z.infer<typeof LogPlacementSchema>;

export type LogExplanation = z.infer<typeof LogExplanationSchema>;

const INBOUND_CLUSTERS = /^(inbound\||InboundPassthroughCluster)/;

function direction(line: AccessLogLine, proxy: ConfigDump): 'outbound' | 'inbound' {
  const c = line.upstreamCluster ?? '';
  if (INBOUND_CLUSTERS.test(c)) return 'inbound';
  if (/^outbound\||^(PassthroughCluster|BlackHoleCluster)$/.test(c)) return 'outbound';
  const local = splitAddress(line.downstreamLocalAddress);
  return local && proxy.identity().ips.includes(local.ip) ? 'inbound' : 'outbound';
}

function logTraffic(line: AccessLogLine): Traffic {
  if (line.method)
    return trafficOf({
      protocol: line.protocol === 'HTTP/2' ? 'http2' : 'http',
      host: line.authority ?? undefined,
      path: line.path ?? '/',
      method: line.method,
    });
  // Istio's own mTLS between sidecars carries SNI outbound_.<port>_.<subset>_.<host>: the app's bytes inside
  // are plain TCP; any other SNI is TLS the app itself sent
  const sni = line.requestedServerName ?? undefined;
  const appTls = sni !== undefined && !sni.startsWith('outbound_.');
  return trafficOf({ protocol: appTls ? 'tls' : 'tcp', sni: appTls ? sni : undefined });
}

/** The query that replays the line's call through the proxy that logged it. */
export function logQuery(world: World, proxy: ConfigDump, line: AccessLogLine): Query {
  const traffic = logTraffic(line);
  const local = splitAddress(line.downstreamLocalAddress);
  if (direction(line, proxy) === 'inbound') {
    if (!local)
      throw new InputError(
        'the line has no %DOWNSTREAM_LOCAL_ADDRESS%, so the port the connection arrived on is unknown',
      );
    return {
      mode: 'inbound',
      destination: proxy,
      port: local.port,
      fromIp: splitAddress(line.downstreamRemoteAddress)?.ip,
      traffic,
    };
  }
  if (proxy.identity().type === 'router') {
    if (!local)
      throw new InputError('the line has no %DOWNSTREAM_LOCAL_ADDRESS%: the gateway port is unknown');
    return { mode: 'gateway', gateway: proxy, port: local.port, traffic };
  }
  if (local) return { mode: 'outbound', source: proxy, ip: local.ip, port: local.port, traffic };
  const authority = line.authority?.match(/^(.*?)(?::(\d+))?$/);
  const host = authority?.[1];
  const port = authority?.[2] ? Number(authority[2]) : 80;
  const r = host ? resolveHost(proxy, world.inventory, host, port) : undefined;
  if (!r)
    throw new InputError(
      'the line has neither %DOWNSTREAM_LOCAL_ADDRESS% nor an authority meshctl can resolve, so where the app connected is unknown',
    );
  return { mode: 'outbound', source: proxy, ip: r.ip, port, traffic };
}

function stepNamed(e: Explanation, stage: Step['stage'], proxy: string): Step | undefined {
  return e.steps.find((s) => s.stage === stage && s.proxy === proxy);
}

function placeRoute(proxy: ConfigDump, e: Explanation, label: string, route: string): LogPlacement {
  const rcName = stepNamed(e, 'routeConfig', label)?.name;
  const vhName = stepNamed(e, 'virtualHost', label)?.name;
  const entry = proxy.entries('routeConfig').find((x) => x.name === rcName);
  if (entry) {
    const rc = proxy.routeConfigAt(entry);
    // the virtual host the simulation chose first; the others only when the route is not there
    const chosen = rc.hosts.findIndex((h) => h.name === vhName);
    const others = rc.hosts.map((_, i) => i).filter((i) => i !== chosen);
    const order = chosen >= 0 ? [chosen, ...others] : others;
    for (const i of order) {
      const vh = rc.virtualHost(i);
      const index = vh.routes.findIndex((r) => r.name === route);
      if (index >= 0)
        return {
          what: 'route',
          name: route,
          found: true,
          detail: `route #${index} of virtual host ${vh.name} in route configuration ${rc.name}${vh.routes[index]!.origin ? ` (from ${describeRef(vh.routes[index]!.origin!)})` : ''}`,
        };
    }
  }
  return {
    what: 'route',
    name: route,
    found: false,
    detail: rcName
      ? `no route named ${route} in route configuration ${rcName}, which this proxy uses for the call: the routes changed since the line was written, or another proxy wrote it`
      : `this proxy routes the call without a route table, so no route named ${route} applies`,
  };
}

function placeCluster(proxy: ConfigDump, name: string): LogPlacement {
  const entry = proxy.entries('cluster').find((x) => x.name === name && x.state !== 'error');
  if (!entry)
    return {
      what: 'cluster',
      name,
      found: false,
      detail: `not among the ${proxy.entries('cluster').length} clusters of this proxy's CDS`,
    };
  const c = proxy.clusterAt(entry);
  const warming = entry.state === 'warming' ? ', still warming (not serving)' : '';
  return {
    what: 'cluster',
    name,
    found: true,
    detail: `${c.type} cluster${warming}${c.origin ? `, from ${describeRef(c.origin)}` : ''}`,
  };
}

function placeEndpoint(proxy: ConfigDump, line: AccessLogLine, host: string): LogPlacement {
  const cluster = line.upstreamCluster;
  const c = cluster ? proxy.entries('cluster').find((x) => x.name === cluster) : undefined;
  const decoded = c ? proxy.clusterAt(c) : undefined;
  if (decoded?.type === 'ORIGINAL_DST') {
    // ORIGINAL_DST connects to the address the connection was going to: %DOWNSTREAM_LOCAL_ADDRESS%
    const original = line.downstreamLocalAddress;
    return {
      what: 'endpoint',
      name: host,
      found: original ? host === original : null,
      detail: !original
        ? `${cluster} is ORIGINAL_DST: the endpoint is whatever address the connection was going to`
        : host === original
          ? `${cluster} is ORIGINAL_DST and ${host} is where the connection was going`
          : `${cluster} is ORIGINAL_DST: this config connects to ${original}, where the connection was going, not to ${host}: a proxy with other config (an older Istio, or before a change) wrote the line`,
    };
  }
  const la =
    decoded?.loadAssignment ??
    (cluster
      ? proxy.loadAssignmentFor([cluster, ...(decoded?.edsServiceName ? [decoded.edsServiceName] : [])])
      : undefined);
  if (!la)
    return {
      what: 'endpoint',
      name: host,
      found: null,
      detail:
        'the dump has no endpoints for this cluster (save it with ?include_eds, or meshctl snapshot --include-eds)',
    };
  const ep = la.endpoints.find((x) => formatAddress(x.address) === host);
  return {
    what: 'endpoint',
    name: host,
    found: ep !== undefined,
    detail: ep
      ? `an endpoint of ${la.clusterName}, health ${ep.health}`
      : `not among the ${la.endpoints.length} endpoints of ${la.clusterName} now: the endpoints changed since the line was written`,
  };
}

function outcomeText(flags: readonly string[], code: number | null): string {
  return (
    [code !== null ? String(code) : '', flags.length ? flags.join(',') : ''].filter(Boolean).join(' ') || '-'
  );
}

function verdictOf(line: AccessLogLine, e: Explanation): LogExplanation['verdict'] {
  const logged = outcomeText(line.responseFlags, line.responseCode);
  const o = e.outcome;
  const predictedFlags = o.responseFlag ? o.responseFlag.split(',') : [];
  const predicted =
    o.result === 'unknown'
      ? 'unknown'
      : o.result === 'delivered'
        ? 'delivered'
        : outcomeText(predictedFlags, o.httpStatus);
  const failedLine =
    line.responseFlags.length > 0 || (line.responseCode !== null && line.responseCode >= 500);
  if (o.result === 'unknown')
    return {
      agrees: null,
      logged,
      predicted,
      summary: `the config does not decide this call (${o.summary}); what is missing is listed below`,
    };
  if (!failedLine) {
    const agrees = o.result === 'delivered';
    return {
      agrees,
      logged,
      predicted,
      summary: agrees
        ? 'the config delivers this call, as the line shows'
        : `the line shows the call served, but this config now fails it (${predicted}): the config changed since, or the line came from another proxy`,
    };
  }
  const agrees = o.result === 'failed' && line.responseFlags.every((f) => predictedFlags.includes(f));
  return {
    agrees,
    logged,
    predicted,
    summary: agrees
      ? `the config explains the line: simulating the same call fails with ${predicted}, at the ${o.failedStage} step`
      : o.result === 'delivered'
        ? `the config delivers this call, so ${logged} came from outside the config: the app or its socket at that moment (restarts, overload), the network, or a config that has changed since`
        : `the config fails this call too, but with ${predicted}, not ${logged}: see the trace for where`,
  };
}

/** Places an access-log line in the config of the proxy that wrote it and replays its call. */
export function explainLog(world: World, proxy: ConfigDump, line: AccessLogLine): LogExplanation {
  const e = explain(world, logQuery(world, proxy, line));
  const label = e.source.proxy;
  const placement: LogPlacement[] = [];
  const listener = e.steps.find(
    (s) => (s.stage === 'listener' || s.stage === 'inbound') && s.proxy === label,
  );
  if (listener)
    placement.push({
      what: 'listener',
      name: listener.name,
      found: listener.result === 'matched',
      detail: `${line.downstreamLocalAddress ? `${line.downstreamLocalAddress} (%DOWNSTREAM_LOCAL_ADDRESS%): ` : ''}${listener.detail}`,
    });
  if (line.routeName) placement.push(placeRoute(proxy, e, label, line.routeName));
  if (line.upstreamCluster) placement.push(placeCluster(proxy, line.upstreamCluster));
  if (line.upstreamHost) placement.push(placeEndpoint(proxy, line, line.upstreamHost));
  return {
    apiVersion: 'meshctl/v1',
    kind: 'LogExplanation',
    proxy: label,
    direction: direction(line, proxy),
    line,
    flags: line.responseFlags.map((f) => responseFlag(f)!),
    placement,
    verdict: verdictOf(line, e),
    explanation: e,
  };
}
