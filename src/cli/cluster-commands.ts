// meshctl snapshot and meshctl check: the commands that only exist against a live cluster.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from '../core/diagnostics/errors.js';
import { packTarGz } from '../sources/snapshot/tar.js';
import { EXIT_FAIL, EXIT_OK } from './errors.js';
import type { CliIo } from './io.js';
import { escapeControls, messageLine } from '../core/diagnostics/escape.js';
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
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new InputError(`--concurrency ${o.concurrency} is not between 1 and 64`);
  const [{ connect }, { writeSnapshot }] = await Promise.all([
    import('../sources/kube/cluster.js'),
    import('../sources/kube/snapshot-writer.js'),
  ]);
  const c = await connect(g);
  const tty = Boolean(io.stderr.isTTY);
  const archive = /\.(tar\.gz|tgz)$/.test(o.out);
  const dir = archive
    ? join(
        await mkdtemp(join(tmpdir(), 'meshctl-snapshot-')),
        basename(o.out).replace(/\.(tar\.gz|tgz)$/, ''),
      )
    : o.out;
  const result = await writeSnapshot(c, {
    out: dir,
    allNamespaces: Boolean(o.allNamespaces),
    labelSelector: o.selector,
    includeEds: Boolean(o.includeEds),
    concurrency,
    sockets: Boolean(o.sockets),
    ...(tty
      ? {
          progress: (done: number, total: number, pod: string) =>
            io.stderr.write(`\r${done}/${total} ${escapeControls(pod)}\x1b[K`),
        }
      : {}),
  });
  if (tty) io.stderr.write('\n');
  if (archive) {
    // one top-level directory inside, as docs/snapshot-format.md says
    const top = basename(dir);
    const files = await listFiles(dir);
    const entries = await Promise.all(
      files.map(async (f) => ({ path: `${top}/${relative(dir, f)}`, data: await readFile(f), mode: 0o600 })),
    );
    await writeFile(o.out, packTarGz(entries), { mode: 0o600 });
    await rm(dirname(dir), { recursive: true, force: true });
  }
  for (const p of result.pods.filter((x) => x.error))
    io.stderr.write(messageLine(`warning: ${p.namespace}/${p.name}: ${p.error}`));
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

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}
