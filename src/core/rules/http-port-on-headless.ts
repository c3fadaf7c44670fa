// MESH0007: HTTP-family ports on headless Services: peers dial pod IPs, which are never virtual-host domains.
import { isHttpProtocol } from '../model/protocol.js';
import { defineRule } from './define-rule.js';
import { isIstioOwned, isHeadless, portLabel, portsOfServices } from './workloads.js';
import type { LintResource, RuleResult } from './types.js';

export default defineRule({
  id: 'http-port-on-headless',
  code: 'MESH0007',
  name: 'http-port-on-headless',
  severity: 'warning',
  description:
    'A headless Service (StatefulSet peers) has an HTTP or gRPC port; clients that connect by pod IP send Host values Istio never lists as domains, so they get 404 NR on Istio <= 1.1.2, 502 under REGISTRY_ONLY, and otherwise pass through unrouted, and non-HTTP peer protocols fail in the HTTP codec.',
  fix: 'Name the port tcp-<name> when peers connect by pod IP or speak a non-HTTP protocol; keep http- only for clients that use the pod DNS names.',
  docs: 'docs/rules/MESH0007.md',
  inputs: ['Service'],
  istioCodes: [],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    const headless = (svc: LintResource) => isHeadless(svc) && !isIstioOwned(svc);
    for (const { svc, p } of portsOfServices(resources, headless))
      if (isHttpProtocol(p.resolved.protocol))
        out.push({
          resource: svc,
          path: [...p.path, p.appProtocol !== undefined ? 'appProtocol' : 'name'],
          message: `${portLabel(p)} of headless Service ${svc.name} is ${p.resolved.protocol}; peers that dial pod IPs get no virtual host.`,
        });
    return out;
  },
});
