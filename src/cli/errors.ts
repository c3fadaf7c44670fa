// Typed errors -> one clear sentence on stderr (plus a hint) and an exit code (cli-contract.md "Exit codes").
import { MeshctlError } from '../core/diagnostics/errors.js';
import { ResourceDecodeError } from '../core/model/config-dump.js';
import type { CliIo } from './io.js';
import { messageLine } from '../core/diagnostics/escape.js';

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_ERROR = 2;

export function reportError(e: unknown, io: CliIo, debug: boolean): number {
  if (e instanceof MeshctlError) {
    // messages quote input (a file name, a pod, a JSON path with names from the dump): escaped for the terminal
    io.stderr.write(messageLine(`error: ${e.message}`));
    if (e.hint) io.stderr.write(messageLine(`hint: ${e.hint}`));
  } else if (e instanceof ResourceDecodeError) {
    const where = e.line !== undefined ? ` line ${e.line},` : '';
    io.stderr.write(messageLine(`error: ${e.source}:${where} ${e.location}: ${e.message}`));
  } else {
    io.stderr.write(messageLine(`error: ${e instanceof Error ? e.message : String(e)}`));
    if (!debug)
      io.stderr.write('hint: this is a bug in meshctl; run again with --debug and report the stack trace\n');
  }
  if (debug && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
  return e instanceof MeshctlError ? e.exitCode : EXIT_ERROR;
}
