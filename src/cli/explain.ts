// meshctl explain pod-to-pod | request | gateway | inbound: builds the query from the command line and the
// inputs, runs the simulator, prints the trace (or -o json|yaml), and returns 0 delivered / 1 fails /
// 2 could not explain (cli-contract.md).
import { InputError } from '../core/diagnostics/errors.js';
import { formatIssue } from '../core/diagnostics/issue.js';
import {
  explainLog,
  logQuery,
  parseAccessLog,
  splitAddress,
  type AccessLogLine,
} from '../core/engine/access-log.js';
import { explain, type Query, type World } from '../core/engine/explain.js';
import type { Explanation } from '../core/engine/types.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import { selectProxy } from '../core/model/select-proxy.js';
import { renderAs } from './output.js';
import {
  gatewayQuery,
  inboundQuery,
  podToPodQuery,
  requestQuery,
  type CallOptions,
} from '../core/engine/query.js';
import { renderExplanation } from '../render/explanation.js';
import { renderLogExplanation } from '../render/log-explanation.js';
import { messageLine } from '../core/diagnostics/escape.js';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';

export interface ExplainOptions extends CallOptions {
  readonly output: string;
}

// The query builders are the core's (src/core/engine/query.ts); main.ts reaches them through this module,
// which it loads only for explain.
export { gatewayQuery, inboundQuery, podToPodQuery, requestQuery };

const OUTPUTS = ['text', 'json', 'yaml'];

export function runExplain(world: World, build: (w: World) => Query, o: ExplainOptions, io: CliIo): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  const query = build(world);
  for (const d of world.dumps as ConfigDump[])
    for (const issue of d.issues.filter((i) => i.severity === 'error' || i.severity === 'warning'))
      io.stderr.write(messageLine(`${issue.severity}: ${d.source}: ${formatIssue(issue)}`));
  const e: Explanation = explain(world, query);
  io.stdout.write(renderAs(o.output, e, () => renderExplanation(e, { color: useColor(io) })));
  return e.outcome.result === 'delivered' ? EXIT_OK : e.outcome.result === 'failed' ? EXIT_FAIL : EXIT_ERROR;
}

/**
 * The proxy that wrote an access-log line: --pod, the only dump given, or the dump whose pod IP is the
 * line's local address (inbound) or remote address (outbound).
 */
function logProxy(world: World, pod: string | undefined, line: AccessLogLine): ConfigDump {
  const dumps = [...world.dumps] as ConfigDump[];
  if (pod !== undefined || dumps.length === 1) return selectProxy(dumps, pod);
  // an inbound cluster means the receiving proxy wrote it (its own address is local), an outbound one the
  // sending proxy (its own address is the remote one)
  const c = line.upstreamCluster ?? '';
  const sides = /^inbound\|/.test(c)
    ? [line.downstreamLocalAddress]
    : /^outbound\|/.test(c)
      ? [line.downstreamRemoteAddress]
      : [line.downstreamLocalAddress, line.downstreamRemoteAddress];
  const ips = sides.map((a) => splitAddress(a)?.ip);
  const byIp = dumps.filter((d) => d.identity().ips.some((ip) => ips.includes(ip)));
  if (byIp.length === 1) return byIp[0]!;
  throw new InputError(
    `which proxy wrote this line? ${byIp.length ? 'several' : 'none'} of the ${dumps.length} proxies given ${byIp.length ? 'have' : 'has'} its local or remote address`,
    'name it with --pod',
  );
}

/** For main.ts, which loads this module lazily: the line is read before inputs are. */
export { parseAccessLog };

export function logQueryFor(world: World, pod: string | undefined, line: AccessLogLine): Query {
  return logQuery(world, logProxy(world, pod, line), line);
}

export function runExplainLog(
  world: World,
  pod: string | undefined,
  line: AccessLogLine,
  o: ExplainOptions,
  io: CliIo,
): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  const proxy = logProxy(world, pod, line);
  const e = explainLog(world, proxy, line);
  io.stdout.write(renderAs(o.output, e, () => renderLogExplanation(e, { color: useColor(io) })));
  const r = e.explanation.outcome.result;
  return r === 'delivered' ? EXIT_OK : r === 'failed' ? EXIT_FAIL : EXIT_ERROR;
}
