import { readFileSync } from 'node:fs';
import type { ConfigDump } from '../../src/core/model/config-dump.js';
import { parseDump } from '../../src/sources/dump/read-dump.js';
import { real } from './paths.js';

/** A dump from fixtures/real, by its realdata path. */
export function realDump(path: string): ConfigDump {
  return parseDump(path, readFileSync(real(path)));
}
