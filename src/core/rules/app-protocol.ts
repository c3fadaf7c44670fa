// MESH0002: appProtocol Istio does not know, or one that contradicts the port name (appProtocol wins).
import { defineRule } from './define-rule.js';
import { resolvePortProtocol } from '../model/protocol.js';
import { notIstioOwned, portLabel, portsOfServices } from './workloads.js';
import type { RuleResult } from './types.js';

export default defineRule({
  id: 'app-protocol',
  code: 'MESH0002',
  name: 'app-protocol',
  severity: 'warning',
  description:
    'A Service port sets an appProtocol Istio does not recognise, or one that contradicts the protocol its name declares; Istio uses appProtocol.',
  fix: 'Use an appProtocol Istio knows (tcp, http, http2, grpc, grpc-web, https, tls, mongo, mysql, redis, kubernetes.io/h2c|ws|wss) that agrees with the port name.',
  docs: 'docs/rules/MESH0002.md',
  inputs: ['Service'],
  istioCodes: [],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    for (const { svc, p } of portsOfServices(resources, notIstioOwned)) {
      if (p.appProtocol === undefined || p.resolved.protocol === 'UDP') continue;
      const path = [...p.path, 'appProtocol'];
      if (p.resolved.sniffed) {
        out.push({
          resource: svc,
          path,
          message: `${portLabel(p)} has appProtocol ${JSON.stringify(p.appProtocol)}, which Istio does not recognise: it sniffs the protocol instead.`,
        });
        continue;
      }
      if (!p.name) continue;
      const byName = resolvePortProtocol({ port: p.port, name: p.name, protocol: p.protocol });
      if (byName.from === 'name' && byName.protocol !== p.resolved.protocol)
        out.push({
          resource: svc,
          path,
          message: `${portLabel(p)}: the name says ${byName.protocol} but appProtocol ${JSON.stringify(p.appProtocol)} says ${p.resolved.protocol}; Istio uses ${p.resolved.protocol}.`,
          fix: `Make the port name and appProtocol agree on the protocol the port really carries.`,
        });
    }
    return out;
  },
});
