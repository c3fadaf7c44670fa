// The URL of `meshctl explain request SRC URL`, read as a client reads it (cli-contract.md: "the URL's path
// and query are the request's; its port is the destination port, default 80 for http, 443 for https").
//
// The WHATWG URL parser is the one browsers and Node's fetch use, so the request meshctl simulates is the
// request such a client sends: dot segments removed and spaces/non-ASCII percent-encoded in http(s) paths,
// existing %XX escapes kept as they are (Envoy matches routes on the :path as sent; it decodes nothing unless
// the mesh asks for path normalisation), the fragment never sent, user:password@ never part of Host. The
// scheme only chooses the protocol: tcp://, tls://, grpc:// and h2c:// name a port because they have no
// default one.
import { InputError } from '../diagnostics/errors.js';
import type { Protocol } from './types.js';

interface Scheme {
  readonly protocol: Protocol;
  readonly port?: number;
}

const SCHEMES: Readonly<Record<string, Scheme>> = {
  http: { protocol: 'http', port: 80 },
  https: { protocol: 'tls', port: 443 },
  grpc: { protocol: 'grpc' },
  h2c: { protocol: 'http2' },
  tcp: { protocol: 'tcp' },
  tls: { protocol: 'tls' },
};

export interface RequestUrl {
  readonly scheme: string;
  readonly protocol: Protocol;
  /** The host as a name or IP, without IPv6 brackets. */
  readonly host: string;
  /** The destination port: the URL's, else --port, else the scheme's default. */
  readonly port: number;
  /** The Host / :authority a client sends: host[:port], the port left out when it is the scheme's default. */
  readonly authority: string;
  /** Path and query as sent (`/` when the URL has none). */
  readonly path: string;
  /** The TLS server name a client sends for https:// and tls://: the host, unless it is an IP (RFC 6066 §3). */
  readonly sni: string | undefined;
}

const EXAMPLE = 'http://reviews:9080/path or tcp://10.0.0.5:3306';

/** `--port` as given when the URL has none (validated by the caller's port rule). */
export function parseRequestUrl(url: string, fallbackPort?: number): RequestUrl {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m) throw new InputError(`${url} is not a URL like ${EXAMPLE}`);
  const scheme = m[1]!.toLowerCase();
  const def = SCHEMES[scheme];
  if (!def)
    throw new InputError(
      `URL scheme ${scheme}:// is not one of ${Object.keys(SCHEMES)
        .map((s) => `${s}://`)
        .join(', ')}`,
    );
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(
      `${url} is not a valid URL (check the host and the port, 1-65535)`,
      `write it like ${EXAMPLE}`,
    );
  }
  const bracketed = u.hostname;
  const host = bracketed.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new InputError(`${url} has no host`, `write it like ${EXAMPLE}`);
  // new URL() leaves out a special scheme's default port (http://x:80 has port ''), so take it from the text
  const given = u.port !== '' ? Number(u.port) : explicitDefaultPort(url, def);
  const port = given ?? fallbackPort ?? def.port;
  if (port === undefined)
    throw new InputError(`${url} has no port`, `add one, e.g. ${scheme}://${bracketed}:50051`);
  if (port < 1 || port > 65535) throw new InputError(`${url}: port ${port} is not a port number (1-65535)`);
  const authority = def.port === port ? bracketed : `${bracketed}:${port}`;
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  return {
    scheme,
    protocol: def.protocol,
    host,
    port,
    authority,
    // non-special schemes (grpc://, h2c://) have an empty pathname when the URL has no path
    path: (u.pathname || '/') + u.search,
    sni: def.protocol === 'tls' && !isIp ? host : undefined,
  };
}

/** http://reviews:80/ written with its default port: new URL() drops it, but the port is still given. */
function explicitDefaultPort(url: string, def: Scheme): number | undefined {
  if (def.port === undefined) return undefined;
  return /^[a-z0-9+.-]+:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):0*(\d+)(?:[/?#]|$)/i.test(url)
    ? def.port
    : undefined;
}

/** The namespace a Service host names (`reviews.bookinfo`, `reviews.bookinfo.svc.cluster.local`), if any. */
export function urlNamespaces(url: string): string[] {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return [];
  }
  const parts = host.split('.');
  return parts.length >= 2 && !/^\d+$/.test(parts[1]!) ? [parts[1]!] : [];
}
