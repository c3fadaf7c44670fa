// An access-log line explained: where its listener, route, cluster and upstream host are in the proxy's
// config (placement), and the same call replayed through the config, so the logged result can be compared with
// the predicted one (envoy-semantics.md section 8). The line itself is read by access-log-line.ts.
import type { z } from 'zod';
import { InputError } from '../diagnostics/errors.js';
import { formatAddress } from '../model/address.js';
import type { ConfigDump } from '../model/config-dump.js';
import { describeRef } from '../model/istio.js';
import { responseFlag, splitAddress, type AccessLogLine } from './access-log-line.js';
import { explain, trafficOf, type Query, type Traffic, type World } from './explain.js';
import { resolveHost } from './resolve.js';
import type { LogExplanationSchema, LogPlacementSchema } from '../schema/log-explanation.js';
import type { Explanation, Step } from './types.js';

export {
  parseAccessLog,
  responseFlag,
  splitAddress,
  type AccessLogLine,
  type ResponseFlag,
} from './access-log-line.js';

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
    return {
      mode: 'gateway',
      gateway: proxy,
      port: local.port,
      // %DOWNSTREAM_REMOTE_ADDRESS%: the client as the gateway saw it, which its chains may match on
      fromIp: splitAddress(line.downstreamRemoteAddress)?.ip,
      traffic,
    };
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
      // a listener the config does not have is named by the address the line says was connected to
      name: listener.name ?? line.downstreamLocalAddress ?? '',
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
