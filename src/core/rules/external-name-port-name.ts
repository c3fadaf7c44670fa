// MESH0006: ports of ExternalName Services need a protocol name, and not plain `tcp` (IST0150 class).
import { defineRule } from './define-rule.js';
import { portLabel, portsOfServices, serviceType } from './workloads.js';
import type { RuleResult } from './types.js';

export default defineRule({
  id: 'external-name-port-name',
  code: 'MESH0006',
  name: 'external-name-port-name',
  severity: 'warning',
  description:
    'An ExternalName Service port is unnamed, has no recognised protocol, or is named plain tcp; Istio then proxies every connection to that port number as opaque TCP for this host, which captures traffic meant for other hosts on the same port.',
  fix: 'Name the port after the protocol the external host speaks: https-<name> or tls-<name> for TLS, http-<name> for plain HTTP.',
  docs: 'docs/rules/MESH0006.md',
  inputs: ['Service'],
  istioCodes: ['IST0150'],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    for (const { svc, p } of portsOfServices(resources, (s) => serviceType(s) === 'ExternalName')) {
      if (p.appProtocol !== undefined && !p.resolved.sniffed) continue;
      if (!p.resolved.sniffed && p.name?.toLowerCase() !== 'tcp' && p.resolved.from !== 'well-known port')
        continue;
      out.push({
        resource: svc,
        path: p.name !== undefined ? [...p.path, 'name'] : p.path,
        message: `${portLabel(p)} of ExternalName Service ${svc.name} does not tell Istio which protocol ${String(svc.raw.spec && (svc.raw.spec as Record<string, unknown>).externalName)} speaks.`,
      });
    }
    return out;
  },
});
