// envoy.type.matcher.v3.StringMatcher: exact, prefix, suffix, contains (optionally ignore_case) and
// safe_regex (RE2, full match). RE2 and JavaScript agree on the syntax Istio and Envoy configs use; an inline
// `(?i)` becomes the `i` flag, and a pattern JavaScript cannot compile is reported, never guessed.
import type { StringMatch } from '../../model/route.js';

export class UnsupportedRegexError extends Error {}

export function compileRe2(pattern: string): RegExp {
  let flags = 'u';
  let body = pattern;
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    if (inline[1]!.includes('i')) flags += 'i';
    if (inline[1]!.includes('s')) flags += 's';
    body = body.slice(inline[0].length);
  }
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch {
    try {
      return new RegExp(`^(?:${body})$`, flags.replace('u', ''));
    } catch (e) {
      throw new UnsupportedRegexError(
        `regex ${JSON.stringify(pattern)} cannot be evaluated here: ${(e as Error).message}`,
      );
    }
  }
}

export class StringMatcher {
  private readonly re: RegExp | undefined;
  constructor(readonly spec: StringMatch) {
    this.re = spec.kind === 'safe_regex' ? compileRe2(spec.value) : undefined;
  }

  matches(value: string): boolean {
    const s = this.spec;
    if (s.kind === 'safe_regex') return this.re!.test(value);
    const v = s.ignoreCase ? value.toLowerCase() : value;
    const want = s.ignoreCase ? s.value.toLowerCase() : s.value;
    switch (s.kind) {
      case 'exact':
        return v === want;
      case 'prefix':
        return v.startsWith(want);
      case 'suffix':
        return v.endsWith(want);
      case 'contains':
        return v.includes(want);
    }
  }

  describe(): string {
    const s = this.spec;
    const ic = s.ignoreCase ? ' (any case)' : '';
    switch (s.kind) {
      case 'exact':
        return `= ${JSON.stringify(s.value)}${ic}`;
      case 'prefix':
        return `starts with ${JSON.stringify(s.value)}${ic}`;
      case 'suffix':
        return `ends with ${JSON.stringify(s.value)}${ic}`;
      case 'contains':
        return `contains ${JSON.stringify(s.value)}${ic}`;
      case 'safe_regex':
        return `matches /${s.value}/`;
    }
  }
}
