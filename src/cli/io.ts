// The process's streams and environment, passed in so commands can be run (and tested) in-process.
export interface CliIo {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly stdin: () => Promise<Buffer>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
}

/** Colour only on a terminal, and never with NO_COLOR (no-color.org). */
export function useColor(io: CliIo): boolean {
  return Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
}
