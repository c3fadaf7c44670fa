// Small readers over normalised (v3 snake_case) JSON. protojson prints 64-bit integers as strings and
// wrapper types (UInt32Value, BoolValue) as bare values; these readers accept both.
import { isObject, type Json, type JsonObject } from './normalize.js';

export function obj(o: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}

export function arr(o: JsonObject | undefined, key: string): Json[] {
  const v = o?.[key];
  return Array.isArray(v) ? v : [];
}

export function objects(o: JsonObject | undefined, key: string): JsonObject[] {
  return arr(o, key).filter(isObject);
}

export function str(o: JsonObject | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === 'string' ? v : undefined;
}

export function strings(o: JsonObject | undefined, key: string): string[] {
  return stringsIn(arr(o, key));
}

/** The strings of `v` if it is an array (other elements dropped); none otherwise. */
export function stringsIn(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : [];
}

export function num(o: JsonObject | undefined, key: string): number | undefined {
  const v = o?.[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  // UInt32Value printed as an object by some old dumps: {"value": 80}
  if (isObject(v) && typeof v.value === 'number') return v.value;
  return undefined;
}

export function bool(o: JsonObject | undefined, key: string): boolean | undefined {
  const v = o?.[key];
  if (typeof v === 'boolean') return v;
  if (isObject(v) && typeof v.value === 'boolean') return v.value;
  return undefined;
}

/** The message name of an Any's type URL: `envoy.config.listener.v3.Listener` -> `Listener`. */
export function typeName(typeUrl: string | undefined): string | undefined {
  if (!typeUrl) return undefined;
  const dot = typeUrl.lastIndexOf('.');
  return dot >= 0 ? typeUrl.slice(dot + 1) : typeUrl;
}

export function typedConfig(o: JsonObject | undefined): JsonObject | undefined {
  return obj(o, 'typed_config') ?? obj(o, 'config');
}

export function typeUrlOf(o: JsonObject | undefined): string | undefined {
  return str(typedConfig(o), '@type');
}
