// MESH0003: one port, different protocols, across Services selecting the same pods (IST0116 class). Found
// for each workload in the files, and from the Services' selectors alone when the pods are not in the files.
import { defineRule } from './define-rule.js';
import {
  groupPorts,
  groupSelectedPorts,
  isIstioManaged,
  isIstioOwned,
  kindIs,
  selectorOf,
  serviceIndex,
  workloadOf,
  type Workload,
} from './workloads.js';
import type { LintResource, RuleResult } from './types.js';

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Without the pods: every pod that Service S selects is also selected by each Service of its namespace
 * whose selector is a subset of S's, so those Services share S's pods whatever pods exist. The sidecar builds
 * one inbound filter chain per target (container) port of those pods (Istio's inbound listener is keyed by
 * targetPort), so two protocols for one target port means one Service's protocol loses. Reported on S, once
 * per distinct selector, and only where S itself names that target port.
 */
function fromSelectors(resources: readonly LintResource[], workloads: readonly Workload[]): RuleResult[] {
  const out: RuleResult[] = [];
  const index = serviceIndex(resources);
  const seen = new Set<string>();
  for (const svc of resources.filter(kindIs('Service'))) {
    const selector = selectorOf(svc);
    if (!selector || isIstioOwned(svc)) continue;
    const key = `${svc.namespace}\u0000${JSON.stringify(Object.entries(selector).sort())}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // the pods are in the files: the workload pass speaks for them
    if (workloads.some((w) => w.resource.namespace === svc.namespace && matches(selector, w.labels)))
      continue;
    const sharing = index.selecting(svc.namespace, selector).filter((s) => !isIstioOwned(s));
    if (sharing.length < 2) continue;
    const byTarget = groupPorts(
      sharing,
      (p) => String(p.targetPort),
      (p) => p.resolved.protocol,
      (s) => s.name,
    );
    for (const [target, protocols] of byTarget) {
      if (protocols.size < 2 || ![...protocols.values()].some((names) => names.includes(svc.name))) continue;
      const list = [...protocols]
        .map(([proto, svcs]) => `${proto} (${[...new Set(svcs)].join(', ')})`)
        .join(' vs ');
      const labels = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.push({
        resource: svc,
        path: ['spec', 'selector'],
        message: `Services selecting the same pods (every pod with ${labels}) give target port ${target} different protocols: ${list}.`,
      });
    }
  }
  return out;
}

export default defineRule({
  id: 'port-protocol-conflict',
  code: 'MESH0003',
  name: 'port-protocol-conflict',
  severity: 'warning',
  description:
    "Services selecting the same pods use one port number with different protocols; the sidecar builds one inbound listener per port, so one Service's protocol loses.",
  fix: 'Give the port the same protocol (name or appProtocol) in every Service that selects these pods, or use different port numbers.',
  docs: 'docs/rules/MESH0003.md',
  inputs: ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'],
  istioCodes: ['IST0116'],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    const workloads: Workload[] = [];
    for (const r of resources) {
      const w = workloadOf(r);
      if (w) workloads.push(w);
      // a waypoint's Deployment is Istio's (istio analyzers/deployment/services.go skips it too)
      if (!w || !w.inMesh || isIstioManaged(r)) continue;
      const byPort = groupSelectedPorts(
        w,
        resources,
        (p) => p.port,
        (p) => p.resolved.protocol,
        (svc) => svc.name,
      );
      for (const [port, protocols] of byPort) {
        if (protocols.size < 2) continue;
        const list = [...protocols].map(([proto, svcs]) => `${proto} (${svcs.join(', ')})`).join(' vs ');
        out.push({
          resource: r,
          path: ['metadata', 'name'],
          message: `${r.kind} ${r.name} is selected by Services that give port ${port} different protocols: ${list}.`,
        });
      }
    }
    return [...out, ...fromSelectors(resources, workloads)];
  },
});
