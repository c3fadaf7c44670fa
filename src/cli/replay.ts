// meshctl replay <explain args> [inputs]: opens a replay world, runs the call through real Envoy, prints both
// verdicts (text, or -o json|yaml: kind Replay) and closes the world, also on SIGINT/SIGTERM. Exit 0 when Envoy
// agrees, 1 when it differs, 2 when the call cannot be replayed (skipped, no Envoy, no namespaces, bad input).
import { InputError } from '../core/diagnostics/errors.js';
import type { Replay } from '../core/replay/schema.js';
import { renderReplay } from '../render/replay.js';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';
import { renderAs } from './output.js';

export interface ReplayCliOptions {
  readonly output: string;
  readonly snapshot?: string;
  readonly dump?: string[];
  readonly filename?: string[];
  readonly sockets?: string[];
  readonly envoy?: string;
  readonly timeout?: string;
}

/** The exit code of a replay: 0 agree, 1 differ, 2 not replayed. */
export function replayExitCode(r: Replay): number {
  return r.skipped ? EXIT_ERROR : r.differences.length ? EXIT_FAIL : EXIT_OK;
}

export function printReplay(r: Replay, output: string, io: CliIo): number {
  io.stdout.write(renderAs(output, r, () => renderReplay(r, { color: useColor(io) })));
  if (r.skipped) io.stderr.write(`error: cannot replay this call: ${r.skipped.reason}\n`);
  return replayExitCode(r);
}

export async function runReplay(explainArgs: string[], o: ReplayCliOptions, io: CliIo): Promise<number> {
  if (!['text', 'json', 'yaml'].includes(o.output))
    throw new InputError(`-o ${o.output} is not one of text, json, yaml`);
  const seconds = o.timeout === undefined ? 60 : Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InputError(`--timeout ${o.timeout} is not a number of seconds`);
  const { openReplayWorld, closeAllReplayWorlds } = await import('../replay/index.js');
  const world = await openReplayWorld(
    {
      ...(o.snapshot ? { snapshot: o.snapshot } : {}),
      ...(o.dump ? { dumps: o.dump } : {}),
      ...(o.filename ? { manifests: o.filename } : {}),
      ...(o.sockets ? { sockets: o.sockets } : {}),
      ...(o.envoy ? { envoy: o.envoy } : {}),
    },
    { timeoutMs: Math.min(20_000, seconds * 1000) },
  );
  // Ctrl-C or a kill mid-replay: tear the world down (namespaces, Envoys, files), then leave as signals do
  const onSignal = (sig: NodeJS.Signals) => {
    io.stderr.write(`meshctl replay: ${sig}, tearing the replay world down\n`);
    void closeAllReplayWorlds().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      world.replay(explainArgs),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new InputError(`the replay did not finish in ${seconds} s`, 'give more time with --timeout S'),
            ),
          seconds * 1000,
        );
      }),
    ]);
    return printReplay(r, o.output, io);
  } finally {
    clearTimeout(timer);
    await world.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
