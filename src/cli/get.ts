// meshctl get listeners|routes|clusters|endpoints|secrets|bootstrap [POD]: istioctl proxy-config, offline.
import { InputError } from '../core/diagnostics/errors.js';
import { formatIssue } from '../core/diagnostics/issue.js';
import type { ConfigDump } from '../core/model/config-dump.js';
import {
  bootstrapResources,
  clusterResources,
  endpointResources,
  listenerResources,
  routeResources,
  secretResources,
} from '../core/model/resources.js';
import { selectProxy } from '../core/model/select-proxy.js';
import {
  hasEdsEndpoints,
  summarizeClusters,
  summarizeEndpoints,
  summarizeListeners,
  summarizeRoutes,
  summarizeSecrets,
} from '../core/model/summary.js';
import { renderAs } from './output.js';
import {
  renderBootstrap,
  renderClusters,
  renderEndpoints,
  renderListeners,
  renderRoutes,
  renderSecrets,
  type GetRenderOptions,
} from '../render/proxy-config.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './errors.js';
import { messageLine } from '../core/diagnostics/escape.js';

export type ResourceType = 'listeners' | 'routes' | 'clusters' | 'endpoints' | 'secrets' | 'bootstrap';

/** istioctl's names and their singular/short forms. */
const ALIASES: Record<string, ResourceType> = {
  listeners: 'listeners',
  listener: 'listeners',
  l: 'listeners',
  routes: 'routes',
  route: 'routes',
  r: 'routes',
  clusters: 'clusters',
  cluster: 'clusters',
  c: 'clusters',
  endpoints: 'endpoints',
  endpoint: 'endpoints',
  ep: 'endpoints',
  secrets: 'secrets',
  secret: 'secrets',
  s: 'secrets',
  bootstrap: 'bootstrap',
  b: 'bootstrap',
};

export interface GetOptions {
  readonly output: string;
  readonly address?: string;
  readonly port?: string;
  readonly type?: string;
  readonly name?: string;
  readonly fqdn?: string;
  readonly subset?: string;
  readonly direction?: string;
  readonly cluster?: string;
  readonly status?: string;
}

/** Which filters each resource type takes (istioctl proxy-config's flags). */
const FILTERS: Record<ResourceType, ReadonlyArray<keyof GetOptions>> = {
  listeners: ['address', 'port', 'type'],
  routes: ['name'],
  clusters: ['fqdn', 'port', 'subset', 'direction'],
  endpoints: ['address', 'port', 'cluster', 'status'],
  secrets: [],
  bootstrap: [],
};

const FILTER_NAMES: ReadonlyArray<keyof GetOptions> = [
  'address',
  'port',
  'type',
  'name',
  'fqdn',
  'subset',
  'direction',
  'cluster',
  'status',
];

export function resourceType(arg: string): ResourceType {
  const t = ALIASES[arg.toLowerCase()];
  if (!t)
    throw new InputError(
      `unknown resource type "${arg}"`,
      'one of: listeners, routes, clusters, endpoints, secrets, bootstrap',
    );
  return t;
}

function parsePort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65535)
    throw new InputError(`--port ${v} is not a port number (0-65535)`);
  return Number(v);
}

function checkFilters(type: ResourceType, o: GetOptions): void {
  for (const f of FILTER_NAMES) {
    if (o[f] !== undefined && !FILTERS[type].includes(f)) {
      const takers = (Object.keys(FILTERS) as ResourceType[]).filter((t) => FILTERS[t].includes(f));
      throw new InputError(`--${f} does not apply to ${type}`, `--${f} filters ${takers.join(' and ')}`);
    }
  }
  if (o.direction !== undefined && !['inbound', 'outbound', 'inbound-vip'].includes(o.direction))
    throw new InputError(`--direction ${o.direction} is not inbound, outbound or inbound-vip`);
  if (o.type !== undefined && !['HTTP', 'TCP', 'HTTP+TCP', 'UNKNOWN'].includes(o.type.toUpperCase()))
    throw new InputError(`--type ${o.type} is not HTTP, TCP, HTTP+TCP or UNKNOWN`);
}

const OUTPUTS = ['table', 'wide', 'json', 'yaml'];

export function runGet(
  type: ResourceType,
  dumps: ConfigDump[],
  pod: string | undefined,
  o: GetOptions,
  io: CliIo,
): number {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  checkFilters(type, o);
  const port = parsePort(o.port);
  const dump = selectProxy(dumps, pod);
  for (const issue of dump.issues.filter((i) => i.severity !== 'info'))
    io.stderr.write(messageLine(`${issue.severity}: ${dump.source}: ${formatIssue(issue)}`));
  const data = o.output === 'json' || o.output === 'yaml';
  const render: GetRenderOptions = {
    wide: o.output === 'wide',
    width: io.stdout.isTTY ? (io.stdout.columns ?? 100) : undefined,
  };
  let text: string;
  switch (type) {
    case 'listeners': {
      const f = {
        ...(o.address !== undefined ? { address: o.address } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(o.type !== undefined ? { type: o.type } : {}),
      };
      text = data
        ? emit(listenerResources(dump, f), o.output)
        : renderListeners(summarizeListeners(dump, f), render);
      break;
    }
    case 'routes': {
      const f = o.name !== undefined ? { name: o.name } : {};
      text = data ? emit(routeResources(dump, f), o.output) : renderRoutes(summarizeRoutes(dump, f), render);
      break;
    }
    case 'clusters': {
      const f = {
        ...(o.fqdn !== undefined ? { fqdn: o.fqdn } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(o.subset !== undefined ? { subset: o.subset } : {}),
        ...(o.direction !== undefined ? { direction: o.direction } : {}),
      };
      text = data
        ? emit(clusterResources(dump, f), o.output)
        : renderClusters(summarizeClusters(dump, f), render);
      break;
    }
    case 'endpoints': {
      const f = {
        ...(o.address !== undefined ? { address: o.address } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
        ...(o.status !== undefined ? { status: o.status } : {}),
      };
      if (!hasEdsEndpoints(dump))
        io.stderr.write(
          messageLine(
            `note: ${dump.source} has no EDS endpoints (it was saved without ?include_eds); only endpoints written in cluster configs are shown`,
          ),
        );
      text = data
        ? emit(endpointResources(dump, f), o.output)
        : renderEndpoints(summarizeEndpoints(dump, f), render);
      break;
    }
    case 'secrets':
      text = data
        ? emit(secretResources(dump), o.output)
        : renderSecrets(summarizeSecrets(dump, io.now()), render);
      break;
    case 'bootstrap':
      if (!dump.has('bootstrap')) throw new InputError(`${dump.source} has no bootstrap section`);
      text = data ? emit(bootstrapResources(dump), o.output) : renderBootstrap(dump.identity());
      break;
  }
  io.stdout.write(text);
  return EXIT_OK;
}

function emit(resources: unknown[], output: string): string {
  return renderAs(output === 'yaml' ? 'yaml' : 'json', resources, () => '');
}
