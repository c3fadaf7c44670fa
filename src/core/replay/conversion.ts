// The state of one dump's conversion to a replay bootstrap: the adaptations made so far, the secrets and
// clusters later stages need, and the rules every stage shares (which extensions are removed, how a filter
// named the v2 way becomes typed). The stages are convert-listener.ts, convert-http.ts and convert-cluster.ts.
import type { ConfigDump } from '../model/config-dump.js';
import type { IndexEntry } from '../model/dump-index.js';
import { eraOf } from '../engine/era.js';
import { str } from '../model/fields.js';
import { isObject, TYPE_URL_PREFIX, type Json, type JsonObject } from '../model/normalize.js';
import { accessLogFormat } from './replay-log.js';
import { BY_NAME, extensionType, ISTIO_NAMES, upgradeExtensionType } from './extensions.js';
import type { Adaptation, BootstrapOptions } from './types.js';

export const T = TYPE_URL_PREFIX;

interface Place {
  what: string;
  why: string;
  where: string[];
}

export function clone<T extends Json>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function serving(e: IndexEntry): boolean {
  return e.state === 'active' || e.state === 'static';
}

/** Istio's defaults for istio.alpn (pilot/pkg/networking/core/ ALPN override: mtlsHTTP10ALPN, mtlsHTTP11ALPN, mtlsHTTP2ALPN). */
export const ISTIO_ALPN_DEFAULT: Record<string, string[]> = {
  HTTP10: ['istio-http/1.0', 'istio', 'http/1.0'],
  HTTP11: ['istio-http/1.1', 'istio', 'http/1.1'],
  HTTP2: ['istio-h2', 'istio', 'h2'],
};

export class Conversion {
  private readonly places = new Map<string, Place>();
  readonly certNames = new Set<string>();
  readonly validationNames = new Set<string>();
  /** Cluster names → ALPN list istio.alpn would have set, per the HCMs that route to them. */
  readonly alpnFor = new Map<string, { protocols: Record<string, string[]>; where: string }>();
  readonly tcpClusters = new Set<string>();
  skipped: string | undefined;
  readonly routes = new Map<string, JsonObject>();
  private readonly unsupported: Set<string>;
  readonly implicitTlsInspector: boolean;

  constructor(
    readonly dump: ConfigDump,
    readonly o: BootstrapOptions,
  ) {
    this.unsupported = new Set(o.unsupported ?? []);
    for (const e of dump.entries('routeConfig'))
      if (serving(e) && !this.routes.has(e.name)) this.routes.set(e.name, dump.resource(e));
    this.implicitTlsInspector = eraOf(dump).implicitTlsInspector;
  }

  adapt(what: string, where: string, why: string): void {
    const key = `${what}\u0000${why}`;
    const p = this.places.get(key);
    if (p) p.where.push(where);
    else this.places.set(key, { what, why, where: [where] });
  }

  adaptations(): Adaptation[] {
    return [...this.places.values()].map((p) => ({
      what: p.what,
      where:
        p.where.length === 1
          ? p.where[0]!
          : `${p.where.length} places: ${p.where.slice(0, 3).join(', ')}${p.where.length > 3 ? ', …' : ''}`,
      why: p.why,
    }));
  }

  skip(reason: string): void {
    this.skipped ??= reason;
  }

  /** Why an extension cannot stay, or undefined when upstream Envoy has it. */
  removal(f: JsonObject): string | undefined {
    const name = str(f, 'name') ?? '';
    const type = extensionType(f);
    if (this.unsupported.has(name) || (type && this.unsupported.has(type)))
      return 'this Envoy build does not have it (its --mode validate rejected it)';
    if (type && /^(istio\.|io\.istio\.|envoy\.tcp\.metadataexchange\.)/.test(type))
      return "it is one of istio-proxy's own extensions, which upstream Envoy does not have";
    if (type && /\.wasm\.v3\.Wasm$/.test(type))
      return "a Wasm plugin: Istio's run in istio-proxy's built-in (null) VM, which upstream Envoy does not have";
    if (ISTIO_NAMES.has(name))
      return "it is one of istio-proxy's own extensions, which upstream Envoy does not have";
    return undefined;
  }

  /**
   * A filter (network, HTTP or listener) as Envoy 1.40 reads it: typed, v3, or undefined when it is removed.
   * `kind` names it in messages.
   */
  filter(f: JsonObject, kind: string, where: string): JsonObject | undefined {
    const name = str(f, 'name') ?? '(unnamed)';
    const why = this.removal(f);
    if (why) {
      const effect =
        name === 'istio.alpn'
          ? 'its effect, the upstream ALPN, is emulated on the clusters it routes to'
          : 'it does not choose listeners, chains, routes or clusters';
      this.adapt(`removed ${kind} ${name}`, where, `${why[0]!.toUpperCase()}${why.slice(1)}; ${effect}.`);
      return undefined;
    }
    const out: JsonObject = { ...f };
    if (!('typed_config' in out)) {
      const type = BY_NAME[name];
      if (type) {
        const config = isObject(out.config) ? out.config : {};
        delete out.config;
        out.typed_config = { '@type': T + type, ...config };
        this.adapt(
          `typed the v2 config of ${kind} ${name}`,
          where,
          'Envoy 1.40 finds an extension by its typed_config only; its name (and v2 config, if any) says which v3 type it is.',
        );
        if (type.endsWith('.RBAC')) this.v2StringMatchers(out.typed_config as JsonObject, where);
      } else if (isObject(out.config))
        this.skip(
          `${where}: ${kind} ${name} has an untyped config that cannot be converted to a typed_config`,
        );
      return out;
    } else if (isObject(out.typed_config)) {
      const url = str(out.typed_config, '@type');
      if (url?.startsWith(T)) {
        const v3 = upgradeExtensionType(url.slice(T.length));
        if (v3 !== url.slice(T.length)) {
          out.typed_config = { ...out.typed_config, '@type': T + v3 };
          if (v3.endsWith('.RBAC')) this.v2StringMatchers(out.typed_config as JsonObject, where);
          this.adapt(
            `upgraded ${kind} ${name} to ${v3}`,
            where,
            'Envoy 1.40 has no v2 API; the v3 message has the same fields.',
          );
        }
      }
    }
    return out;
  }

  /** v2 StringMatcher `regex` (std::regex) → v3 `safe_regex`, anywhere in a v2 config; in place. */
  v2StringMatchers(v: Json, at: string): void {
    if (Array.isArray(v)) for (const x of v) this.v2StringMatchers(x, at);
    if (!isObject(v)) return;
    if (
      typeof v.regex === 'string' &&
      !['exact', 'prefix', 'suffix', 'contains', 'safe_regex'].some((k) => k in v)
    ) {
      v.safe_regex = { regex: v.regex };
      delete v.regex;
      this.adapt(
        'made v2 string matcher regex safe_regex',
        at,
        'The v2 field is gone from the v3 StringMatcher.',
      );
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'safe_regex') this.v2StringMatchers(x, at);
  }

  accessLog(kind: 'listener' | 'http' | 'tcp'): JsonObject {
    return {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
        path: this.o.accessLogPath,
        log_format: { json_format: accessLogFormat(kind) },
      },
    };
  }

  replaceAccessLog(tc: JsonObject): void {
    // Istio's own access logs (stdout, the gRPC access-log service) would print where nobody reads them
    if (Array.isArray(tc.access_log) && tc.access_log.length)
      this.adapt(
        "replaced the dump's access logs",
        'every listener, HCM and tcp_proxy',
        'Replay reads one JSON log per proxy, with the fields it compares (accessLogFormat in src/core/replay/bootstrap.ts).',
      );
  }
}
