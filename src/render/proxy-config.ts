// `meshctl get` tables (-o table and -o wide), from the summaries in core/model/summary.ts.
import type { ProxyIdentity } from '../core/model/proxy.js';
import {
  originShort,
  type ClusterSummary,
  type EndpointRow,
  type ListenerSummary,
  type RouteConfigSummary,
  type SecretRow,
} from '../core/model/summary.js';
import { renderTable, type Column, type TableOptions } from './table.js';
import { escapeControls } from './terminal-safe.js';

export interface GetRenderOptions extends TableOptions {
  readonly wide: boolean;
}

const dash = (v: string | number | undefined) => (v === undefined || v === '' ? '-' : String(v));

function stateNote(state: string): string {
  return state === 'active' || state === 'static' ? '' : ` (${state})`;
}

export function renderListeners(rows: ListenerSummary[], o: GetRenderOptions): string {
  if (o.wide) {
    const cols: Column[] = [
      { header: 'NAME', shrinkable: true },
      { header: 'ADDRESS' },
      { header: 'PORT' },
      { header: 'DIRECTION' },
      { header: 'MATCH', shrinkable: true },
      { header: 'DESTINATION', shrinkable: true },
    ];
    const body = rows.flatMap((l) =>
      (l.chains.length
        ? l.chains
        : [{ match: '-', destination: 'no filter chains', direction: l.direction }]
      ).map((c) => [
        l.name + stateNote(l.state),
        l.address,
        dash(l.port),
        c.direction === '-' ? l.direction : c.direction,
        c.match,
        c.destination,
      ]),
    );
    return renderTable(cols, body, o);
  }
  const cols: Column[] = [
    { header: 'ADDRESS', shrinkable: true },
    { header: 'PORT' },
    { header: 'TYPE' },
    { header: 'DIRECTION' },
    { header: 'CHAINS' },
    { header: 'NOTE', shrinkable: true },
  ];
  const body = rows.map((l) => {
    const notes = [
      l.state !== 'active' && l.state !== 'static' ? l.state : '',
      l.direction === 'capture' ? 'catches redirected traffic, hands off by original destination' : '',
    ].filter(Boolean);
    return [l.address, dash(l.port), l.type, l.direction, String(l.chains.length), notes.join('; ')];
  });
  return renderTable(cols, body, o);
}

function domainsCell(domains: string[], wide: boolean): string {
  if (domains.length === 0) return '-';
  if (wide || domains.length === 1) return domains.join(',');
  // The longest domain is the FQDN people recognise; the rest are its aliases.
  const first = [...domains].sort((a, b) => b.length - a.length || a.localeCompare(b))[0]!;
  return `${first} +${domains.length - 1} more`;
}

export function renderRoutes(configs: RouteConfigSummary[], o: GetRenderOptions): string {
  const cols: Column[] = [
    { header: 'NAME', shrinkable: true },
    { header: 'VHOST NAME', shrinkable: true },
    { header: 'DOMAINS', shrinkable: true },
    { header: 'MATCH', shrinkable: true },
    { header: 'VIRTUAL SERVICE', shrinkable: true },
  ];
  const body: string[][] = [];
  for (const rc of configs) {
    const name = (rc.name || '(unnamed)') + stateNote(rc.state);
    if (rc.rows.length === 0) body.push([name, '-', '-', '-', '']);
    for (const r of rc.rows)
      body.push([name, r.virtualHost, domainsCell(r.domains, o.wide), r.match, originShort(r.origin)]);
  }
  return renderTable(cols, body, o);
}

function tlsCell(c: ClusterSummary): string {
  const ts = c.cluster.transportSocket;
  const matches = c.cluster.transportSocketMatches;
  if (matches.some((m) => m.transportSocket?.istioMutual)) return 'auto-mTLS';
  if (ts?.istioMutual) return 'ISTIO_MUTUAL';
  if (ts?.kind === 'tls') return `TLS${ts.sni ? ` (sni ${ts.sni})` : ''}`;
  if (ts && ts.kind === 'other') return ts.name || 'other';
  return 'plaintext';
}

export function renderClusters(rows: ClusterSummary[], o: GetRenderOptions): string {
  const cols: Column[] = [
    ...(o.wide ? [{ header: 'NAME', shrinkable: true }] : []),
    { header: 'SERVICE FQDN', shrinkable: true },
    { header: 'PORT' },
    { header: 'SUBSET' },
    { header: 'DIRECTION' },
    { header: 'TYPE' },
    ...(o.wide ? [{ header: 'TLS' }, { header: 'STATE' }] : []),
    { header: 'DESTINATION RULE', shrinkable: true },
  ];
  const body = rows.map((c) => [
    ...(o.wide ? [c.name] : []),
    c.fqdn || '-',
    dash(c.port),
    dash(c.subset),
    c.direction,
    c.type,
    ...(o.wide ? [tlsCell(c), c.state] : []),
    originShort(c.destinationRule),
  ]);
  return renderTable(cols, body, o);
}

export function renderEndpoints(rows: EndpointRow[], o: GetRenderOptions): string {
  const outlier = rows.some((r) => r.outlierCheck !== undefined);
  const cols: Column[] = [
    { header: 'ENDPOINT', shrinkable: true },
    { header: 'STATUS' },
    ...(outlier ? [{ header: 'OUTLIER CHECK' }] : []),
    { header: 'LOCALITY' },
    { header: 'CLUSTER', shrinkable: true },
    ...(o.wide ? [{ header: 'SOURCE' }] : []),
  ];
  const body = rows.map((r) => [
    r.endpoint,
    r.status,
    ...(outlier ? [r.outlierCheck ?? '-'] : []),
    r.locality,
    r.cluster,
    ...(o.wide ? [r.source === 'eds' ? 'EDS' : r.source === 'admin' ? '/clusters' : 'cluster config'] : []),
  ]);
  return renderTable(cols, body, o);
}

export function renderSecrets(rows: SecretRow[], o: GetRenderOptions): string {
  const trust = rows.some((r) => r.trustDomain);
  const cols: Column[] = [
    { header: 'RESOURCE NAME', shrinkable: true },
    { header: 'TYPE' },
    { header: 'STATUS' },
    { header: 'VALID CERT' },
    { header: 'SERIAL NUMBER', shrinkable: true },
    { header: 'NOT AFTER' },
    { header: 'NOT BEFORE' },
    ...(trust ? [{ header: 'TRUST DOMAIN' }] : []),
  ];
  const body = rows.map((r) => [
    r.name,
    r.type,
    r.status,
    String(r.validCert),
    r.serialNumber,
    r.notAfter,
    r.notBefore,
    ...(trust ? [r.trustDomain] : []),
  ]);
  return renderTable(cols, body, o);
}

export function renderBootstrap(p: ProxyIdentity): string {
  const lines: Array<[string, string | undefined]> = [
    ['Proxy', p.pod && p.namespace ? `${p.pod}.${p.namespace}` : p.pod],
    ['Proxy Type', p.type],
    ['Node ID', p.nodeId],
    ['Pod IP', p.ip],
    ['Istio Version', p.istioVersion],
    ['Istio Proxy Version', p.istioProxySha],
    ['Envoy Version', p.envoyVersion],
    ['Interception Mode', p.interceptionMode],
    ['Cluster ID', p.clusterId],
  ];
  const width = Math.max(...lines.map(([k]) => k.length)) + 2;
  return (
    lines
      .map(([k, v]) => `${(k + ':').padEnd(width)}${v === undefined ? 'unknown' : escapeControls(v)}`)
      .join('\n') + '\n'
  );
}
