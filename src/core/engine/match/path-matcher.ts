// Route path specifiers (route_components.proto RouteMatch): prefix compares with the start of :path
// (query included); path compares path-without-query; safe_regex full-matches path-without-query and
// ignores case_sensitive; path_separated_prefix is the value or value + "/" (query stripped).
import type { PathMatch } from '../../model/route.js';
import { compileRe2 } from './string-matcher.js';

function withoutQuery(path: string): string {
  const q = path.search(/[?#]/);
  return q < 0 ? path : path.slice(0, q);
}

export class PathMatcher {
  private readonly re: RegExp | undefined;
  constructor(
    readonly spec: PathMatch,
    readonly caseSensitive: boolean,
  ) {
    this.re = spec.kind === 'safe_regex' ? compileRe2(spec.value) : undefined;
  }

  /** undefined when the specifier cannot be evaluated (CONNECT matcher, URI templates). */
  matches(path: string, method: string): boolean | undefined {
    const s = this.spec;
    const fold = (x: string) => (this.caseSensitive ? x : x.toLowerCase());
    switch (s.kind) {
      case 'prefix':
        return fold(path).startsWith(fold(s.value));
      case 'path':
        return fold(withoutQuery(path)) === fold(s.value);
      case 'path_separated_prefix': {
        const p = fold(withoutQuery(path));
        const v = fold(s.value);
        return p === v || p.startsWith(v + '/');
      }
      case 'safe_regex':
        return this.re!.test(withoutQuery(path));
      case 'connect':
        return method.toUpperCase() === 'CONNECT';
      case 'template':
      case 'unsupported':
        return undefined;
    }
  }

  describe(): string {
    const s = this.spec;
    const cs = this.caseSensitive ? '' : ' (any case)';
    switch (s.kind) {
      case 'prefix':
        return `path starts with ${JSON.stringify(s.value)}${cs}`;
      case 'path':
        return `path = ${JSON.stringify(s.value)}${cs}`;
      case 'path_separated_prefix':
        return `path is ${JSON.stringify(s.value)} or below it${cs}`;
      case 'safe_regex':
        return `path matches /${s.value}/`;
      case 'connect':
        return 'CONNECT request';
      case 'template':
        return `path template ${s.value} (not simulated)`;
      case 'unsupported':
        return `path specifier ${s.field} (not simulated)`;
    }
  }
}
