// envoy.config.route.v3.HeaderMatcher, evaluated as Envoy's HeaderUtility::matchHeaders does: the value is
// every occurrence joined with ","; an absent header matches only `present_match: false` (or an inverted
// `present_match: true`) unless treat_missing_header_as_empty; otherwise the match, XOR invert_match.
import type { HeaderMatcher as HeaderMatcherSpec } from '../../model/route.js';
import { StringMatcher } from './string-matcher.js';

export type HeaderMap = ReadonlyMap<string, readonly string[]>;

export class HeaderMatcher {
  private readonly string: StringMatcher | undefined;
  constructor(readonly spec: HeaderMatcherSpec) {
    this.string = spec.value.kind === 'string' ? new StringMatcher(spec.value.match) : undefined;
  }

  matches(headers: HeaderMap): boolean {
    const s = this.spec;
    const values = headers.get(s.name.toLowerCase());
    if (values === undefined && !s.treatMissingAsEmpty) {
      if (s.value.kind === 'present') return s.value.present === s.invert ? true : false;
      return false;
    }
    const value = (values ?? ['']).join(',');
    let ok: boolean;
    switch (s.value.kind) {
      case 'string':
        ok = this.string!.matches(value);
        break;
      case 'present':
        ok = s.value.present;
        break;
      case 'range': {
        ok = /^-?\d+$/.test(value) && Number(value) >= s.value.start && Number(value) < s.value.end;
        break;
      }
      case 'any':
        ok = true;
        break;
    }
    return ok !== s.invert;
  }

  describe(): string {
    const s = this.spec;
    let what: string;
    switch (s.value.kind) {
      case 'string':
        what = this.string!.describe();
        break;
      case 'present':
        what = s.value.present ? 'is present' : 'is absent';
        break;
      case 'range':
        what = `in [${s.value.start}, ${s.value.end})`;
        break;
      case 'any':
        what = 'is present';
        break;
    }
    return `header ${s.name} ${s.invert ? 'NOT ' : ''}${what}`;
  }
}
