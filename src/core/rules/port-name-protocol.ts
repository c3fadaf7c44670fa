// MESH0001: a Service port whose protocol Istio cannot tell from its name (and no appProtocol) is sniffed.
import { defineRule } from './define-rule.js';
import { isIstioOwned, isSystemNamespace, portLabel, portsOfServices, serviceType } from './workloads.js';
import type { LintResource, RuleResult } from './types.js';

/**
 * Server-first protocols: the server speaks first, so a sniffing sidecar waits for client bytes that never
 * come (protocol detection has no timeout since Istio 1.8). Each entry is justified in docs/rules/MESH0001.md.
 */
export const SERVER_FIRST_PORTS: Readonly<Record<number, string>> = {
  21: 'FTP',
  22: 'SSH',
  110: 'POP3',
  143: 'IMAP',
  587: 'SMTP submission',
  2525: 'SMTP',
  4222: 'NATS',
  6222: 'NATS cluster',
  3307: 'MySQL (alternate port)',
  33060: 'MySQL X protocol',
};

export default defineRule({
  id: 'port-name-protocol',
  code: 'MESH0001',
  name: 'port-name-protocol',
  severity: 'warning',
  description:
    'A Service port is neither named <protocol>[-<suffix>] nor given an appProtocol, so Istio sniffs its protocol from the first bytes (Istio >= 1.3) or treats it as TCP (<= 1.2).',
  fix: 'Name the port after its protocol (tcp-, http-, http2-, grpc-, tls-, https-, mongo-, mysql-, redis-) or set appProtocol.',
  docs: 'docs/rules/MESH0001.md',
  inputs: ['Service'],
  istioCodes: ['IST0118'],
  check: ({ resources }) => {
    const out: RuleResult[] = [];
    // ExternalName ports are MESH0006's; system namespaces are not the mesh's workloads
    const meshService = (svc: LintResource) =>
      !isIstioOwned(svc) && !isSystemNamespace(svc) && serviceType(svc) !== 'ExternalName';
    for (const { svc, p } of portsOfServices(resources, meshService)) {
      if (!p.resolved.sniffed || p.appProtocol !== undefined) continue;
      const target = typeof p.targetPort === 'number' ? p.targetPort : p.port;
      const serverFirst = SERVER_FIRST_PORTS[p.port] ?? SERVER_FIRST_PORTS[target];
      out.push({
        resource: svc,
        path: p.name !== undefined ? [...p.path, 'name'] : p.path,
        severity: serverFirst ? 'error' : 'warning',
        message: serverFirst
          ? `${portLabel(p)} carries ${serverFirst}, a protocol where the server speaks first; Istio cannot classify the port and its protocol sniffing waits for client bytes that never come, so connections hang.`
          : `${portLabel(p)} names no protocol Istio knows, so Istio sniffs the protocol from the first bytes (Istio <= 1.2: plain TCP).`,
        fix: serverFirst
          ? `Name the port tcp-${p.name ?? p.port} (or set appProtocol: tcp) so Istio proxies it as TCP without waiting.`
          : `Name the port <protocol>-${p.name ?? p.port} (for example tcp-${p.name ?? p.port} or http-${p.name ?? p.port}) or set appProtocol.`,
      });
    }
    return out;
  },
});
