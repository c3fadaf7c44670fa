// Control characters written as escapes (`\x1b`, `\n`, `\u202e`) for text a person reads on a terminal: the
// one function behind the renderers' escaping (src/render/terminal-safe.ts explains why) and the CLI's error
// lines. Here, in core, so that printing an error loads no renderer.

/** C0 controls, DEL, C1 controls, and the bidi embeddings/overrides (U+202A–202E) and isolates (U+2066–2069). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const SHORT: Readonly<Record<string, string>> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
  '\v': '\\v',
  '\0': '\\0',
};

function escapeOne(c: string): string {
  const short = SHORT[c];
  if (short) return short;
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The string with every control character written as an escape (`\x1b`, `\n`, `\u202e`); others unchanged. */
export function escapeControls(s: string): string {
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE, escapeOne) : s;
}

/** Whether a string would be changed by escapeControls (tests and callers that must not print it raw). */
export function hasControls(s: string): boolean {
  return HAS_UNSAFE.test(s);
}

/** One line for stderr (an error, a warning, a note quoting input): escaped, then ended with a newline. */
export function messageLine(s: string): string {
  return escapeControls(s) + '\n';
}
