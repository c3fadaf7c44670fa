// MESH0009: UDP ports are not proxied by the sidecar: mesh policies and telemetry do not apply.
import { defineRule } from './define-rule.js';
import { notIstioOwned, portLabel, portsOfServices } from './workloads.js';
import type { RuleResult } from './types.js';

export default defineRule({
  id: 'udp-port',
  code: 'MESH0009',
  name: 'udp-port',
  severity: 'info',
  description:
    'A Service port is UDP; the sidecar proxies only TCP (and DNS when DNS proxying is on), so mTLS, routing and telemetry do not apply to it.',
  fix: 'Nothing to change if plain UDP is intended; protect it by other means (NetworkPolicy).',
  docs: 'docs/rules/MESH0009.md',
  inputs: ['Service'],
  istioCodes: [],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    for (const { svc, p } of portsOfServices(resources, notIstioOwned))
      if (p.resolved.protocol === 'UDP')
        out.push({
          resource: svc,
          path: [...p.path, 'protocol'],
          message: `${portLabel(p)} is UDP: it bypasses the sidecar.`,
        });
    return out;
  },
});
