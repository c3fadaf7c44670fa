// The rule registry, sorted by code. Invariants (unique ids and codes, order, docs pages, tests) are tests.
import appProtocol from './app-protocol.js';
import externalNamePortName from './external-name-port-name.js';
import httpPortOnHeadless from './http-port-on-headless.js';
import namedTargetPort from './named-target-port.js';
import portNameProtocol from './port-name-protocol.js';
import portProtocolConflict from './port-protocol-conflict.js';
import reservedSidecarPort from './reserved-sidecar-port.js';
import statefulPeerBindAddress from './stateful-peer-bind-address.js';
import targetPortConflict from './target-port-conflict.js';
import udpPort from './udp-port.js';
import type { Rule } from './types.js';

export const RULES: readonly Rule[] = [
  portNameProtocol,
  appProtocol,
  portProtocolConflict,
  targetPortConflict,
  namedTargetPort,
  externalNamePortName,
  httpPortOnHeadless,
  reservedSidecarPort,
  udpPort,
  statefulPeerBindAddress,
];

/** Retired codes stay reserved so a code never means two things. */
export const RETIRED_CODES: readonly string[] = [];
