// The story part of the corpus: every explain golden in fixtures/golden (their Explanation names the call
// exactly: source proxy, mode, address, port, protocol, Host, path, method, headers, SNI), and in each story
// snapshot every sidecar to every other pod on every port its containers and Services declare.
import type { Explanation } from '../../engine/types.js';
import type { MeshInventory } from '../../model/k8s.js';
import type { CorpusCase } from './types.js';

/** The `meshctl explain` arguments of the call an Explanation describes (the same call, whatever command made it). */
export function argsFromExplanation(e: Explanation): string[] {
  const c = e.call;
  const http = c.protocol === 'http' || c.protocol === 'http2' || c.protocol === 'grpc';
  const request: string[] = ['--protocol', c.protocol];
  if (http && c.host !== null && !Object.keys(c.headers).includes('host')) request.push('--host', c.host);
  if (http && c.path !== null && c.path !== '/') request.push('--path', c.path);
  const defaultMethod = c.protocol === 'grpc' ? 'POST' : 'GET';
  if (http && c.method !== null && c.method !== defaultMethod) request.push('--method', c.method);
  for (const [k, v] of Object.entries(c.headers).sort(([a], [b]) => a.localeCompare(b)))
    request.push('-H', `${k}: ${v}`);
  if (c.sni !== null && !(c.protocol === 'tls' && c.sni === c.host)) request.push('--sni', c.sni);
  const port = ['--port', String(c.port)];
  if (c.mode === 'gateway') return ['gateway', e.source.proxy, ...port, ...request];
  if (c.mode === 'inbound') return ['inbound', e.source.proxy, ...port, ...request];
  return ['pod-to-pod', e.source.proxy, c.address, ...port, ...request];
}

/** A golden's case: the same call, expected to end as the golden says. */
export function goldenCase(worldId: string, file: string, golden: Explanation): CorpusCase {
  const o = golden.outcome;
  return {
    id: `${worldId}/${file}`,
    args: argsFromExplanation(golden),
    aim: `golden ${file}: ${o.summary}`,
    expect: { result: o.result, via: o.via, responseFlag: o.responseFlag, cluster: o.cluster },
  };
}

export interface ProxyPod {
  readonly label: string; // pod.namespace
  readonly ip: string | undefined;
  readonly type: string;
}

/**
 * Every sidecar of a snapshot to every other pod, on each port the pod's containers or its Services declare:
 * the matrix a person would check. No aim beyond the call itself: Envoy judges meshctl's answer.
 */
export function pairCases(worldId: string, proxies: readonly ProxyPod[], inv: MeshInventory): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const s of proxies) {
    if (s.type !== 'sidecar') continue;
    for (const p of inv.pods) {
      const label = `${p.name}.${p.namespace}`;
      if (label === s.label || !p.ip) continue;
      const ports = new Set<number>();
      for (const c of p.containers)
        for (const cp of c.ports) if (cp.protocol === 'TCP') ports.add(cp.containerPort);
      for (const svc of inv.services)
        if (
          svc.namespace === p.namespace &&
          Object.entries(svc.selector ?? {}).length &&
          Object.entries(svc.selector ?? {}).every(([k, v]) => p.labels[k] === v)
        )
          for (const sp of svc.ports) if (typeof sp.targetPort === 'number') ports.add(sp.targetPort);
      for (const port of [...ports].sort((a, b) => a - b))
        cases.push({
          id: `${worldId}/pair/${s.label}->${label}:${port}`,
          args: ['pod-to-pod', s.label, label, '--port', String(port)],
          aim: `${s.label} to ${label} on ${port} (the story's matrix)`,
          expect: {},
        });
    }
  }
  return cases;
}
