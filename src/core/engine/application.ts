// The application: the receiving sidecar (or a client that bypasses it) connects to an address in the pod, and
// the kernel accepts only if a socket listens there: 0.0.0.0/:: accepts any local address, a socket bound to
// 127.0.0.1 or to the pod IP accepts only that one; otherwise the connect is refused and the sidecar logs UF
// (envoy-semantics.md section 7; https://istio.io/latest/blog/2021/upcoming-networking-changes/ for why Istio
// 1.10 moved inbound forwarding from 127.0.0.1 to the pod IP).
// Evidence read: the pod's listening sockets (--sockets: /proc/net/tcp, ss, netstat), the Istio era.
import type { ConfigDump } from '../model/config-dump.js';
import type { PodInfo } from '../model/k8s.js';
import { acceptingSocket, formatSocket, type SocketEvidence } from '../model/sockets.js';
import { eraOf } from './era.js';
import { delivered, fail, isHttp, type Evidence, type Stop } from './trace.js';
import type { AtApplication, World } from './traffic.js';
import { endpointLabel } from './upstream.js';

/** The socket evidence given for a pod, under any of the names a person may have used for it. */
function socketsFor(
  world: World,
  dump: ConfigDump | undefined,
  pod: PodInfo | undefined,
  ip: string,
): SocketEvidence | undefined {
  const names = new Set<string>([ip]);
  const id = dump?.identity();
  for (const n of [
    id?.pod,
    id?.pod && id.namespace ? `${id.pod}.${id.namespace}` : undefined,
    id?.namespace && id.pod ? `${id.namespace}/${id.pod}` : undefined,
    pod?.name,
    pod ? `${pod.name}.${pod.namespace}` : undefined,
    pod ? `${pod.namespace}/${pod.name}` : undefined,
  ])
    if (n) names.add(n);
  return world.sockets.find((s) => names.has(s.pod));
}

/** Stage: whether the app accepts the connection, by its listening sockets. */
export function application(ev: Evidence, at: AtApplication): Stop {
  const { dump, pod, proxy, dst, target } = at;
  const sockets = socketsFor(ev.world, dump, pod, dst.ip);
  if (!sockets) {
    ev.trace.add(
      'application',
      proxy,
      'unknown',
      null, // sockets are evidence about the pod, not config objects of the dump
      `whether the app listens on ${endpointLabel(target)} is not known: no socket evidence for ${proxy}`,
    );
    const podName = pod?.name ?? dump?.identity().pod ?? 'POD';
    // istio-proxy shares the pod's network namespace, so its /proc/net/tcp lists the app's sockets too
    const container = dump || pod?.hasSidecar ? ' -c istio-proxy' : '';
    ev.trace.need(
      `listening sockets of ${proxy} to confirm the app accepts on ${endpointLabel(target)}: kubectl exec ${podName}${container} -- cat /proc/net/tcp /proc/net/tcp6 > sockets.txt, then --sockets ${podName}=sockets.txt`,
    );
    return ev.trace.decide(
      delivered(
        `delivered to ${proxy} at ${endpointLabel(target)} (whether the app accepts is not shown: no socket evidence)`,
      ),
    );
  }
  const sock = acceptingSocket(sockets.sockets, target.ip, target.port);
  if (sock) {
    ev.trace.add(
      'application',
      proxy,
      'matched',
      null,
      `the app listens on ${formatSocket(sock)} (${sockets.source}), which accepts ${endpointLabel(target)}`,
    );
    return ev.trace.decide(delivered(`delivered: ${proxy}'s app accepts on ${formatSocket(sock)}`));
  }
  return refused(ev, at, sockets);
}

function refused(ev: Evidence, at: AtApplication, sockets: SocketEvidence): Stop {
  const { dump, proxy, dst, target } = at;
  const http = isHttp(at.traffic.protocol);
  const onPort = sockets.sockets.filter((s) => s.port === target.port);
  const actually = onPort.length
    ? `the app listens only on ${onPort.map(formatSocket).join(', ')}`
    : `nothing listens on port ${target.port}`;
  ev.trace.add(
    'application',
    proxy,
    'failed',
    null,
    `${actually} (${sockets.source}): connecting to ${endpointLabel(target)} is refused (ECONNREFUSED); the sidecar logs UF`,
    {
      // a socket is evidence about the pod, not a config object: no name, its address says which
      alternatives: onPort.map((s) => ({
        name: null,
        index: null,
        address: formatSocket(s),
        reason: `bound to ${s.ip}, not ${target.ip}`,
      })),
    },
  );
  const era = dump ? eraOf(dump) : undefined;
  if (!onPort.length)
    ev.trace.hint(
      'port-not-open',
      `Nothing in ${proxy} listens on port ${target.port}, on any address: the connection is refused with or without the mesh.`,
      'Check that the app runs and which ports it opens at this moment (a ZooKeeper follower, for one, opens the quorum port 2888 only while it leads).',
    );
  else if (target.ip.startsWith('127.') && onPort.some((s) => s.ip === dst.ip))
    ev.trace.hint(
      'app-binds-pod-ip',
      `${era?.label ?? 'This Istio'} forwards inbound traffic to 127.0.0.1:${target.port}, but the app binds only the pod IP ${dst.ip}.`,
      `Make the app listen on 0.0.0.0 (ZooKeeper: quorumListenOnAllIPs=true; JGroups: bind_addr 0.0.0.0 / match-interface), or exclude the port from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts: "${target.port}"), or upgrade to Istio >= 1.10, which forwards to the pod IP.`,
    );
  else if (!target.ip.startsWith('127.') && onPort.some((s) => s.ip.startsWith('127.') || s.ip === '::1'))
    ev.trace.hint(
      'app-binds-localhost',
      `${era?.label ?? 'Istio >= 1.10'} forwards inbound traffic to the pod IP ${target.ip}:${target.port}, but the app listens only on localhost.`,
      'Make the app listen on 0.0.0.0 or the pod IP, or set meshConfig.inboundTrafficPolicy.mode LOCALHOST.',
    );
  return ev.trace.decide(
    fail(
      'UF',
      http ? 503 : null,
      `${proxy}'s sidecar cannot connect to ${endpointLabel(target)}: ${actually} (UF${http ? ', 503' : ', connection closed'})`,
    ),
  );
}
