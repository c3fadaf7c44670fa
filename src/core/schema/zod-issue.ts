// A zod failure said as one sentence a person can act on: where (the path made of names, as rule 2 of
// architecture.md writes paths: `pods[2].dump`) and what was expected.
import type { z } from 'zod';

export function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path)
    out +=
      typeof p === 'number'
        ? `[${p}]`
        : /^[A-Za-z_$][\w$-]*$/.test(String(p))
          ? `${out ? '.' : ''}${String(p)}`
          : `[${JSON.stringify(String(p))}]`;
  return out || '(top level)';
}

/** `pods[2].dump: expected string, received number` for the first issue (and how many more there are). */
export function describeZodError(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  const more = error.issues.length - 1;
  const message = first.message.replace(/^Invalid (input|option): /, '');
  return `${issuePath(first.path)}: ${message}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`;
}
