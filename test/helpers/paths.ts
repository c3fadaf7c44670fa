// Paths from the compiled test file (dist/test/helpers/paths.js) back to the repository.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const REAL = join(REPO_ROOT, 'fixtures', 'real');
export const BIN = join(REPO_ROOT, 'bin', 'meshctl.js');

export function real(path: string): string {
  return join(REAL, path);
}

/** Story 4's question, the README's first command: can ZooKeeper peer 1 reach peer 0's election port? */
export const ZK_ELECTION_PORT = [
  'explain',
  'pod-to-pod',
  'my-release-zookeeper-1',
  'my-release-zookeeper-0',
  '--port',
  '3888',
];
