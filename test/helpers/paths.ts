// Paths from the compiled test file (dist/test/helpers/paths.js) back to the repository.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const REAL = join(REPO_ROOT, 'fixtures', 'real');
export const BIN = join(REPO_ROOT, 'bin', 'meshctl.js');

export function real(path: string): string {
  return join(REAL, path);
}
