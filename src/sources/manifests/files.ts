// What every YAML/JSON reader here shares: finding manifest files under a path, and YAML errors as one
// sentence with the line and column.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { YAMLError } from 'yaml';
import { InputError } from '../../core/diagnostics/errors.js';

/** The file itself, or every .yaml/.yml/.json file under a directory (recursed, sorted). */
export async function manifestFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    if ((await stat(p)).isDirectory()) out.push(...(await manifestFiles(p)));
    else if (/\.(ya?ml|json)$/i.test(name)) out.push(p);
  }
  return out;
}

/** `file: line 2, column 1: invalid YAML: Tabs are not allowed as indentation` */
export function yamlInputError(file: string, err: YAMLError): InputError {
  const pos = err.linePos?.[0];
  const what = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return new InputError(
    `${file}: ${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}invalid YAML: ${what}`,
    'YAML indents with spaces, never tabs',
  );
}
