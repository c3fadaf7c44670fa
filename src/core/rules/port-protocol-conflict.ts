// MESH0003: one port number, different protocols, across Services selecting the same pods (IST0116 class).
import { defineRule } from './define-rule.js';
import { groupSelectedPorts, workloadOf } from './workloads.js';
import type { RuleResult } from './types.js';

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
    for (const r of resources) {
      const w = workloadOf(r);
      if (!w || !w.inMesh) continue;
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
    return out;
  },
});
