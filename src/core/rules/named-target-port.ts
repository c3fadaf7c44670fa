// MESH0005: a named targetPort that no container of the selected pods declares.
import { defineRule } from './define-rule.js';
import { kindIs, serviceIndex, servicePorts, selectorOf, workloadOf, type Workload } from './workloads.js';
import type { LintResource, RuleResult } from './types.js';

export default defineRule({
  id: 'named-target-port',
  code: 'MESH0005',
  name: 'named-target-port',
  severity: 'warning',
  description:
    'A Service port targets a named container port that no container of the pods it selects declares, so the Service has no endpoints on that port.',
  fix: 'Declare the named port on the container (ports[].name), or target the container port by number.',
  docs: 'docs/rules/MESH0005.md',
  inputs: ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'],
  istioCodes: [],
  check: ({ resources }) => {
    // which workloads each Service selects, through the Service index (one pass over the workloads)
    const index = serviceIndex(resources);
    const selectedBy = new Map<LintResource, Workload[]>();
    for (const r of resources) {
      const w = workloadOf(r);
      if (!w) continue;
      for (const svc of index.selecting(w.resource.namespace, w.labels))
        selectedBy.set(svc, [...(selectedBy.get(svc) ?? []), w]);
    }
    const out: RuleResult[] = [];
    for (const svc of resources.filter(kindIs('Service'))) {
      if (!selectorOf(svc)) continue;
      const selected = selectedBy.get(svc) ?? [];
      if (selected.length === 0) continue; // the pods are not among the inputs: nothing to check against
      for (const p of servicePorts(svc)) {
        if (typeof p.targetPort !== 'string') continue;
        const declared = selected.some((w) =>
          w.containers.some((c) => c.ports.some((cp) => cp.name === p.targetPort)),
        );
        if (!declared)
          out.push({
            resource: svc,
            path: [...p.path, 'targetPort'],
            message: `Port ${p.port} targets the named port ${JSON.stringify(p.targetPort)}, which no container of ${selected.map((w) => `${w.resource.kind} ${w.resource.name}`).join(', ')} declares.`,
          });
      }
    }
    return out;
  },
});
