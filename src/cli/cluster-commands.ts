// meshctl snapshot and meshctl check: the commands that only exist against a live cluster.
import { InputError } from '../core/diagnostics/errors.js';
import { EXIT_FAIL, EXIT_OK } from './errors.js';
import type { CliIo } from './io.js';
import type { GlobalOptions } from './live.js';

export interface SnapshotCliOptions {
  readonly out?: string;
  readonly allNamespaces?: boolean;
  readonly selector?: string;
  readonly includeEds?: boolean;
  readonly sockets?: boolean;
  readonly concurrency: string;
}

export async function runSnapshot(g: GlobalOptions, o: SnapshotCliOptions, io: CliIo): Promise<number> {
  if (!o.out)
    throw new InputError(
      'snapshot needs --out DIR',
      'for example: meshctl snapshot -n bookinfo --out ./snap',
    );
  if (o.out.endsWith('.tar.gz') || o.out.endsWith('.tgz'))
    throw new InputError(
      '--out FILE.tar.gz is not available in this version',
      'write a directory (--out DIR), then: tar czf snap.tar.gz -C DIR .',
    );
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new InputError(`--concurrency ${o.concurrency} is not between 1 and 64`);
  const [{ connect }, { writeSnapshot }] = await Promise.all([
    import('../sources/kube/cluster.js'),
    import('../sources/kube/snapshot-writer.js'),
  ]);
  const c = await connect(g);
  const tty = Boolean(io.stderr.isTTY);
  const result = await writeSnapshot(c, {
    out: o.out,
    allNamespaces: Boolean(o.allNamespaces),
    labelSelector: o.selector,
    includeEds: Boolean(o.includeEds),
    concurrency,
    sockets: Boolean(o.sockets),
    ...(tty
      ? {
          progress: (done: number, total: number, pod: string) =>
            io.stderr.write(`\r${done}/${total} ${pod}\x1b[K`),
        }
      : {}),
  });
  if (tty) io.stderr.write('\n');
  for (const p of result.pods.filter((x) => x.error))
    io.stderr.write(`warning: ${p.namespace}/${p.name}: ${p.error}\n`);
  io.stdout.write(
    `snapshot written to ${o.out}: ${result.pods.length - result.failed} of ${result.pods.length} meshed pods captured\n`,
  );
  return EXIT_OK;
}

export async function runCheck(g: GlobalOptions, io: CliIo): Promise<number> {
  const [{ connect }, { checkAccess, grantYaml }] = await Promise.all([
    import('../sources/kube/cluster.js'),
    import('../sources/kube/access-check.js'),
  ]);
  const c = await connect(g);
  const results = await checkAccess(c, c.namespace);
  io.stdout.write(`context ${c.context}, namespace ${c.namespace}\n`);
  for (const r of results) {
    const p = r.permission;
    const what = `${p.verb} ${p.subresource ? `${p.resource}/${p.subresource}` : p.resource}${p.group ? `.${p.group}` : ''}`;
    io.stdout.write(
      `  ${r.allowed ? '✓' : p.optIn ? '–' : '✗'} ${what.padEnd(46)} ${p.why}${p.optIn && !r.allowed ? ' (not granted; optional)' : ''}\n`,
    );
  }
  // port-forward is allowed if either verb is (the API server checks get before 1.35, create from 1.35)
  const pf = results.filter((r) => r.permission.subresource === 'portforward');
  const missing = results.filter(
    (r) =>
      !r.allowed &&
      !r.permission.optIn &&
      !(r.permission.subresource === 'portforward' && pf.some((x) => x.allowed)),
  );
  if (missing.length === 0) {
    io.stdout.write('meshctl has every permission it needs here\n');
    return EXIT_OK;
  }
  io.stdout.write(
    `\nmissing ${missing.length} permission${missing.length === 1 ? '' : 's'}; this Role grants them (or apply docs/rbac.yaml):\n\n${grantYaml(
      missing.map((m) => m.permission),
      c.namespace,
    )}`,
  );
  return EXIT_FAIL;
}
