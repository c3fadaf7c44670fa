// Terminal safety (cli-contract.md, "Every string taken from a dump, a manifest or the API ... is printed with
// control characters escaped"): a cluster name, host, path or header value is attacker-controlled data (anyone
// who can write a VirtualService or a Service port name chooses it), and a terminal obeys what it prints:
// ESC starts a CSI/OSC sequence (move the cursor, rewrite lines, set the title, OSC 52 clipboard writes), CR
// and backspace overwrite what came before on the line, and the Unicode bidi overrides and isolates reorder
// the rest of it (the "Trojan Source" class, CVE-2021-42574). Text and table renderers therefore see only
// escaped strings; -o json and -o yaml carry the data unchanged (renderers in data.ts never come here).
//
// The escape is one-way and for reading: a backslash itself is left as it is (regexes in route matches are
// full of them, and doubling them would make every one harder to read), so `\x1b` in output is either the
// escape of ESC or those four characters in the data; -o json tells them apart.

import { escapeControls, hasControls } from '../core/diagnostics/escape.js';

export { escapeControls, hasControls, messageLine } from '../core/diagnostics/escape.js';

function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The value with every string in it escaped, through plain objects and arrays (the reports renderers take:
 * Explanation, findings, diffs, the matrix are all JSON-shaped). Copy on write: a value without control
 * characters is returned as it is, so the common case allocates nothing. Objects that are not plain (class
 * instances, Maps) are returned unchanged: a renderer that prints from one escapes at its own sink, as the
 * table does for every cell.
 */
export function terminalSafe<T>(value: T): T {
  return safe(value, new Map()) as T;
}

function safe(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v === 'string') return escapeControls(v);
  if (typeof v !== 'object' || v === null || !(Array.isArray(v) || isPlain(v))) return v;
  const done = seen.get(v);
  if (done !== undefined) return done;
  seen.set(v, v); // a cycle sees the original until the copy (if any) is made
  let out: unknown;
  if (Array.isArray(v)) {
    let copy: unknown[] | undefined;
    v.forEach((item: unknown, i) => {
      const s = safe(item, seen);
      if (s !== item) (copy ??= [...(v as unknown[])])[i] = s;
    });
    out = copy ?? v;
  } else {
    const o = v as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const k of Object.keys(o)) {
      const s = safe(o[k], seen);
      if (s !== o[k]) (copy ??= { ...o })[k] = s;
    }
    // keys are data too (header names, names used as keys)
    if (Object.keys(o).some(hasControls))
      copy = Object.fromEntries(Object.entries(copy ?? o).map(([k, x]) => [escapeControls(k), x]));
    out = copy ?? v;
  }
  seen.set(v, out);
  return out;
}

/**
 * A text renderer whose data is escaped before it sees it: every renderer that prints data to a person is
 * declared through this, so no field can be forgotten at a call site.
 */
export function textRenderer<T, O, R extends unknown[] = []>(
  render: (data: T, options: O, ...rest: R) => string,
): (data: T, options: O, ...rest: R) => string {
  return (data, options, ...rest) => render(terminalSafe(data), options, ...rest);
}
