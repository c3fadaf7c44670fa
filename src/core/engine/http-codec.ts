// The HTTP connection manager's codec: which parser reads the first bytes, and what Envoy does when they are
// not the protocol it expects. `codec_type` AUTO (Istio's choice) takes HTTP/2 only when the first bytes are
// the HTTP/2 connection preface and HTTP/1 otherwise (Envoy 1.12 release notes: "AUTO codec protocol
// inference now requires the H2 magic bytes to be the first bytes"); HTTP1/HTTP2 force one codec
// (https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#enum-extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-codectype).
// A parse failure is a codec error: the connection manager marks the connection DownstreamProtocolError (DPE)
// and closes it; the HTTP/1 codec has already answered 400 (details http1.codec_error), the HTTP/2 codec
// sends GOAWAY and no response (envoy source/common/http/conn_manager_impl.cc, handleCodecError). Envoy logs
// the DPE flag from 1.12 on (Envoy 1.12.0 release notes: "access log: added a new flag for downstream
// protocol error"); older Envoys close the same way with no flag.
import type { HttpConnectionManager } from '../model/listener.js';
import { obj } from '../model/fields.js';
import { atLeast, type Era } from './era.js';
import { isHttp, type Evidence } from './trace.js';
import type { Protocol } from './types.js';

export type CodecType = 'AUTO' | 'HTTP1' | 'HTTP2' | 'HTTP3';

export function codecType(hcm: HttpConnectionManager): CodecType {
  const cfg = obj(hcm.raw, 'typed_config') ?? obj(hcm.raw, 'config');
  const c = cfg?.codec_type;
  // the enum printed by name or by number (AUTO = 0, HTTP1 = 1, HTTP2 = 2, HTTP3 = 3)
  if (c === 'HTTP1' || c === 1) return 'HTTP1';
  if (c === 'HTTP2' || c === 2) return 'HTTP2';
  if (c === 'HTTP3' || c === 3) return 'HTTP3';
  return 'AUTO';
}

export interface CodecError {
  /** The codec that read the bytes. */
  readonly codec: 'HTTP/1' | 'HTTP/2';
  /** 400 from the HTTP/1 codec; the HTTP/2 codec answers nothing (GOAWAY). */
  readonly status: 400 | null;
  /** %RESPONSE_CODE_DETAILS% Envoy 1.40 logs for it. */
  readonly details: string | undefined;
  /** What went wrong, for a person. */
  readonly why: string;
}

/** Whether the client's first bytes fail the HCM's codec; undefined when the codec can read them. */
export function codecRejects(hcm: HttpConnectionManager, protocol: Protocol): CodecError | undefined {
  const codec = codecType(hcm);
  if (codec === 'HTTP3') return undefined; // QUIC listeners: not reached over TCP
  if (!isHttp(protocol)) {
    // not the HTTP/2 preface, so AUTO picks the HTTP/1 codec, which fails on the first line
    if (codec === 'HTTP2')
      return {
        codec: 'HTTP/2',
        status: null,
        details: undefined,
        why: `${protocol.toUpperCase()} bytes are not the HTTP/2 connection preface the HTTP2 codec requires`,
      };
    return {
      codec: 'HTTP/1',
      status: 400,
      details: 'http1.codec_error',
      why: `${protocol.toUpperCase()} bytes are no HTTP/1 request line`,
    };
  }
  if (protocol === 'http' && codec === 'HTTP2')
    return {
      codec: 'HTTP/2',
      status: null,
      details: undefined,
      why: 'an HTTP/1.1 request is not the HTTP/2 connection preface the HTTP2 codec (codec_type HTTP2) requires',
    };
  return undefined;
}

/**
 * The flag a codec error is logged with: DPE from Envoy 1.12, none before. The Envoy is the one the
 * explanation models: the world's (replay runs one Envoy on configs of every era), else the dump's own.
 */
export function codecErrorFlag(ev: Evidence, era: Era): 'DPE' | null {
  const envoy = ev.world.envoyVersion ?? era.envoy;
  return envoy ? (atLeast(envoy, 1, 12) ? 'DPE' : null) : 'DPE';
}
