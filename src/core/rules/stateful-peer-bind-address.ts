// MESH0010 (needs a snapshot or a cluster): peers of a headless Service whose app binds an address the
// sidecar of that Istio version does not connect to: the pod IP before 1.10 (the sidecar uses 127.0.0.1),
// localhost only from 1.10 (the sidecar uses the pod IP from 127.0.0.6).
import { obj, str } from '../model/fields.js';
import { atLeast, parseVersion } from '../engine/era.js';
import { defineRule } from './define-rule.js';
import { isHeadless, kindIs, selectorOf, servicePorts } from './workloads.js';
import type { RuleResult } from './types.js';

export default defineRule({
  id: 'stateful-peer-bind-address',
  code: 'MESH0010',
  name: 'stateful-peer-bind-address',
  severity: 'error',
  description:
    'A pod behind a headless Service listens only on an address its sidecar does not forward to: Istio < 1.10 forwards inbound traffic to 127.0.0.1, so an app bound to the pod IP refuses it; Istio >= 1.10 forwards to the pod IP, so an app bound to localhost refuses it.',
  fix: 'Make the app listen on 0.0.0.0 (ZooKeeper: quorumListenOnAllIPs=true), or exclude the port from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts), or move to an Istio version whose forwarding matches the bind address.',
  docs: 'docs/rules/MESH0010.md',
  inputs: ['Service', 'Pod', 'snapshot: proxy versions and listening sockets'],
  istioCodes: ['IST0143'],
  check: ({ resources, evidence }) => {
    if (!evidence) return [];
    const out: RuleResult[] = [];
    const pods = resources.filter(kindIs('Pod'));
    for (const svc of resources.filter(kindIs('Service'))) {
      const sel = selectorOf(svc);
      if (!isHeadless(svc) || !sel) continue;
      for (const pod of pods) {
        const labels = (obj(obj(pod.raw, 'metadata'), 'labels') ?? {}) as Record<string, unknown>;
        if (pod.namespace !== svc.namespace || !Object.entries(sel).every(([k, v]) => labels[k] === v))
          continue;
        const key = `${pod.name}.${pod.namespace}`;
        const version = parseVersion(evidence.istioVersions.get(key));
        const sockets = evidence.sockets.get(key);
        const ip = str(obj(pod.raw, 'status'), 'podIP');
        if (!version || !sockets || !ip) continue;
        const modern = atLeast(version, 1, 10);
        for (const p of servicePorts(svc)) {
          const port = typeof p.targetPort === 'number' ? p.targetPort : p.port;
          const bound = sockets.filter((s) => s.port === port);
          if (bound.length === 0) continue; // nothing listens at all: not a bind-address problem
          const target = modern ? ip : '127.0.0.1';
          const accepts = bound.some((s) => s.ip === target || s.ip === '0.0.0.0' || s.ip === '::');
          if (accepts) continue;
          out.push({
            resource: svc,
            path: [...p.path, 'port'],
            message: `On Istio ${version.major}.${version.minor}, pod ${pod.name}'s sidecar connects to ${target}:${port}, but the app listens only on ${bound.map((s) => `${s.ip}:${s.port}`).join(', ')}: peer connections are refused.`,
          });
        }
      }
    }
    return out;
  },
});
