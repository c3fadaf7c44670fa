// meshctl lint [PATH...|-] [--snapshot DIR] [-o text|json|sarif|junit|github] [--fail-on LEVEL] [--ignore CODE]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/diagnostics/errors.js';
import type { Severity } from '../core/diagnostics/issue.js';
import { resourceLabel } from '../core/model/manifest.js';
import { RULES } from '../core/rules/index.js';
import { failsAt, lint } from '../core/rules/lint.js';
import type { LintEvidence, LintResource } from '../core/rules/types.js';
import { renderGithub, renderJunit, renderLintJson, renderLintText, renderSarif } from '../render/lint.js';
import { loadLintResources, lintResourcesFromText } from '../sources/manifests/lint-input.js';
import { readSnapshot } from '../sources/snapshot/read-snapshot.js';
import { EXIT_FAIL, EXIT_OK } from './errors.js';
import { useColor, type CliIo } from './io.js';
import type { GlobalOptions } from './live.js';

export interface LintCliOptions {
  readonly output: string;
  readonly failOn: string;
  readonly ignore?: string[];
  readonly snapshot?: string;
  readonly cluster?: boolean;
  readonly allNamespaces?: boolean;
}

const FAIL_ON = ['error', 'warning', 'info', 'none'];
const OUTPUTS = ['text', 'json', 'sarif', 'junit', 'github'];

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function fromSnapshot(dir: string): Promise<{ resources: LintResource[]; evidence: LintEvidence }> {
  const snap = await readSnapshot(dir);
  const resources: LintResource[] = [];
  const k8s = join(dir, 'k8s');
  const files = [
    ...new Set(
      [...snap.inventory.pods, ...snap.inventory.services]
        .map((x) => x.location?.file)
        .filter((f): f is string => !!f && f.startsWith(k8s)),
    ),
  ];
  for (const f of files.sort()) resources.push(...lintResourcesFromText(f, readFileSync(f, 'utf8')));
  const istioVersions = new Map<string, string>();
  for (const d of snap.dumps) {
    const id = d.identity();
    if (id.pod && id.namespace && id.istioVersion)
      istioVersions.set(`${id.pod}.${id.namespace}`, id.istioVersion);
  }
  const sockets = new Map(snap.sockets.map((s) => [s.pod, s.sockets]));
  return { resources, evidence: { istioVersions, sockets } };
}

export async function runLint(
  paths: string[],
  o: LintCliOptions,
  io: CliIo,
  g: GlobalOptions = {},
): Promise<number> {
  if (!OUTPUTS.includes(o.output)) throw new InputError(`-o ${o.output} is not one of ${OUTPUTS.join(', ')}`);
  if (!FAIL_ON.includes(o.failOn))
    throw new InputError(`--fail-on ${o.failOn} is not one of ${FAIL_ON.join(', ')}`);
  for (const code of o.ignore ?? [])
    if (!RULES.some((r) => r.code === code || r.id === code))
      throw new InputError(`--ignore ${code}: no such rule`, `rules: ${RULES.map((r) => r.code).join(', ')}`);
  if (paths.length === 0 && !o.snapshot && !o.cluster)
    throw new InputError(
      'nothing to lint: give files, directories or - for stdin',
      'for example: helm template . | meshctl lint -',
    );
  let resources = await loadLintResources(paths, io.stdin);
  if (o.cluster) {
    const [{ connect }, { liveLintResources }] = await Promise.all([
      import('../sources/kube/cluster.js'),
      import('../sources/kube/live.js'),
    ]);
    resources = [...resources, ...(await liveLintResources(await connect(g), Boolean(o.allNamespaces)))];
  }
  let evidence: LintEvidence | undefined;
  if (o.snapshot) {
    const s = await fromSnapshot(o.snapshot);
    resources = [...resources, ...s.resources];
    evidence = s.evidence;
  }
  const findings = lint(resources, { ignore: o.ignore ?? [], ...(evidence ? { evidence } : {}) });
  const render = {
    color: useColor(io),
    rules: RULES,
    version: version(),
    resources: resources.map((r) => ({ file: r.file, resource: resourceLabel(r) })),
  };
  const text =
    o.output === 'json'
      ? renderLintJson(findings)
      : o.output === 'sarif'
        ? renderSarif(findings, render)
        : o.output === 'junit'
          ? renderJunit(findings, render)
          : o.output === 'github'
            ? renderGithub(findings)
            : renderLintText(findings, render);
  io.stdout.write(text);
  return failsAt(findings, o.failOn as Severity | 'none') ? EXIT_FAIL : EXIT_OK;
}
