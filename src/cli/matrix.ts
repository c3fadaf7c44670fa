// meshctl matrix: which pod reaches which service port and pod port, one simulation per cell.
// Exit 0 when every cell is delivered (or the pod itself), 1 when one fails, 2 when one cannot be decided.
import { InputError } from '../core/diagnostics/errors.js';
import { buildMatrix, planMatrix, type MatrixOptions } from '../core/engine/matrix.js';
import type { World } from '../core/engine/explain.js';
import { renderJson } from '../render/data.js';
import { renderMatrixHtml, renderMatrixText } from '../render/matrix.js';
import { EXIT_ERROR, EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';

export interface MatrixCliOptions {
  readonly output: string;
  readonly port?: string;
  readonly namespace?: string[];
  readonly via?: string;
}

export function matrixOptions(o: MatrixCliOptions): MatrixOptions {
  if (o.port !== undefined && (!/^\d+$/.test(o.port) || Number(o.port) < 1 || Number(o.port) > 65535))
    throw new InputError(`--port ${o.port} is not a port number (1-65535)`);
  return {
    ...(o.namespace?.length ? { namespaces: o.namespace } : {}),
    ...(o.port !== undefined ? { port: Number(o.port) } : {}),
  };
}

/** Cells beyond which the wait is worth a note (a few ms each). */
export const LARGE_MATRIX = 2000;

export function runMatrix(world: World, o: MatrixCliOptions, io: CliIo, large = LARGE_MATRIX): number {
  const options = matrixOptions(o);
  const plan = planMatrix(world, options);
  const calls = plan.rows.length * plan.columns.length;
  // one simulation per cell: say so before a long wait, and how to make it shorter
  if (calls > large)
    io.stderr.write(
      `note: simulating ${calls} calls (${plan.rows.length} proxies x ${plan.columns.length} targets); -n NAMESPACE and --port PORT narrow it\n`,
    );
  const m = buildMatrix(world, options, plan);
  if (o.output === 'json') io.stdout.write(renderJson(m));
  else if (o.output === 'html') io.stdout.write(renderMatrixHtml(m));
  else io.stdout.write(renderMatrixText(m, { color: useColor(io) }));
  const cells = m.cells.flat();
  if (cells.some((c) => c.result === 'failed')) return EXIT_FAIL;
  return cells.some((c) => c.result === 'unknown') ? EXIT_ERROR : EXIT_OK;
}
