// MESH0008: application ports that collide with the sidecar's own ports.
import { defineRule } from './define-rule.js';
import { isIstioOwned, kindIs, servicePorts, workloadOf } from './workloads.js';
import type { RuleResult } from './types.js';

/** envoy-semantics.md section 7. */
export const SIDECAR_PORTS: Readonly<Record<number, string>> = {
  15000: 'Envoy admin',
  15001: 'outbound capture',
  15004: 'agent debug',
  15006: 'inbound capture',
  15008: 'HBONE tunnel',
  15020: 'merged metrics / health',
  15021: 'readiness',
  15053: 'DNS proxy',
  15090: 'Envoy Prometheus',
};

export default defineRule({
  id: 'reserved-sidecar-port',
  code: 'MESH0008',
  name: 'reserved-sidecar-port',
  severity: 'error',
  description:
    "An application port is one the sidecar uses itself (15000, 15001, 15004, 15006, 15008, 15020, 15021, 15053, 15090); the pod's network namespace is shared, so the app and the sidecar collide and iptables never captures or always bypasses it.",
  fix: 'Move the application to a port outside 15000-15090.',
  docs: 'docs/rules/MESH0008.md',
  inputs: ['Service', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'],
  istioCodes: [],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    for (const r of resources) {
      if (isIstioOwned(r)) continue;
      if (kindIs('Service')(r))
        for (const p of servicePorts(r)) {
          const target = typeof p.targetPort === 'number' ? p.targetPort : undefined;
          const hit =
            SIDECAR_PORTS[p.port] !== undefined
              ? p.port
              : target !== undefined && SIDECAR_PORTS[target] !== undefined
                ? target
                : undefined;
          if (hit !== undefined)
            out.push({
              resource: r,
              path: [...p.path, hit === p.port ? 'port' : 'targetPort'],
              message: `Port ${hit} is the sidecar's ${SIDECAR_PORTS[hit]} port.`,
            });
        }
      const w = workloadOf(r);
      for (const c of w?.inMesh ? w.containers : []) {
        if (c.name === 'istio-proxy' || c.name === 'istio-init') continue;
        for (const cp of c.ports)
          if (SIDECAR_PORTS[cp.containerPort] !== undefined)
            out.push({
              resource: r,
              path: [...cp.path, 'containerPort'],
              message: `Container ${c.name} uses port ${cp.containerPort}, the sidecar's ${SIDECAR_PORTS[cp.containerPort]} port.`,
            });
      }
    }
    return out;
  },
});
