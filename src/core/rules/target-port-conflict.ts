// MESH0004: two Service ports target one container port through different service ports (IST0137 class).
import { defineRule } from './define-rule.js';
import { groupSelectedPorts, isIstioManaged, workloadOf } from './workloads.js';
import type { RuleResult } from './types.js';

export default defineRule({
  id: 'target-port-conflict',
  code: 'MESH0004',
  name: 'target-port-conflict',
  severity: 'warning',
  description:
    'Services selecting the same pods send different service ports to one targetPort; Istio requires them to use the same port, and the inbound listener takes the settings of only one.',
  fix: 'Use one service port number for a given targetPort in every Service that selects these pods.',
  docs: 'docs/rules/MESH0004.md',
  inputs: ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'],
  istioCodes: ['IST0137'],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    for (const r of resources) {
      const w = workloadOf(r);
      if (!w || !w.inMesh || isIstioManaged(r)) continue;
      const byTarget = groupSelectedPorts(
        w,
        resources,
        (p) => String(p.targetPort),
        (p) => p.port,
        (svc, p) => `${svc.name}:${p.port}/${p.resolved.protocol}`,
      );
      for (const [target, ports] of byTarget) {
        if (ports.size < 2) continue;
        out.push({
          resource: r,
          path: ['metadata', 'name'],
          message: `${r.kind} ${r.name} is selected by Services that send different ports to targetPort ${target}: ${[...ports.values()].flat().join(', ')}.`,
        });
      }
    }
    return out;
  },
});
