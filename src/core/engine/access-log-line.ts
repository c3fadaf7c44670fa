// Envoy access-log lines as Istio writes them, read back into fields, and the meaning of response flags.
// Formats recognised (envoy-semantics.md section 8; Istio's mesh config defaults):
// - Istio 1.9+: ... %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
//   "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% ... %ROUTE_NAME%
// - Istio 1.1-1.8: ... %RESPONSE_FLAGS% "%DYNAMIC_METADATA(istio.mixer:status)%" "%UPSTREAM_TRANSPORT_FAILURE_REASON%" ...
// - Istio 1.0 and Envoy's own default: ... %RESPONSE_FLAGS% %BYTES_RECEIVED% ... "%UPSTREAM_HOST%" [%UPSTREAM_CLUSTER% ...]
// - JSON encoding (accessLogEncoding: JSON), with Istio's field names (`response_flags`, `upstream_cluster`, ...).
// This file reads a line into fields; access-log.ts places the line in the proxy's config and replays it.
import type { z } from 'zod';
import { InputError } from '../diagnostics/errors.js';
import type { AccessLogLineSchema, ResponseFlagSchema } from '../schema/log-explanation.js';

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
