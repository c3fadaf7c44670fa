// The CLI shell: parses arguments with commander, runs one command, maps errors to exit codes. Only this
// file touches process.exitCode (architecture.md rule 7).
import { Command, CommanderError, Option } from 'commander';
import { InputError } from '../core/diagnostics/errors.js';
import { EXIT_ERROR, EXIT_OK, reportError } from './errors.js';
import { messageLine } from '../core/diagnostics/escape.js';
import { urlNamespaces } from '../core/engine/request-url.js';
import type { GetOptions } from './get.js';
import type { ExplainOptions } from './explain.js';
import type { DiffOptions, Operand } from './diff.js';
import type { MatrixCliOptions } from './matrix.js';
import type { Query, World } from '../core/engine/explain.js';
import type { GlobalOptions } from './live.js';
import type { SnapshotCliOptions } from './cluster-commands.js';
import type { LintCliOptions } from './lint.js';
import type { ReplayCliOptions } from './replay.js';
import type { CliIo } from './io.js';

// Each command's modules (parsers, renderers, the Kubernetes client) load when that command runs, so
// `--help` and usage errors load only commander: start-up is part of the 3 a.m. experience.
const getCommand = () => import('./get.js');
const explainCommand = () => import('./explain.js');
type ExplainModule = Awaited<ReturnType<typeof explainCommand>>;
const liveSources = () => import('./live.js');
const readDumps = () => import('../sources/dump/read-dump.js');
const readSockets = () => import('../sources/sockets/read-sockets.js');
const readSnapshotDir = () => import('../sources/snapshot/read-snapshot.js');
const offlineWorlds = () => import('../sources/offline-world.js');

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** No offline input was given: read the cluster. */
class LiveNeeded extends Error {}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('meshctl')
    .description('Explains what Envoy sidecars and gateways in an Istio mesh do with traffic.')
    .option('--kubeconfig <path>', 'kubeconfig file (live cluster)')
    .option('--context <name>', 'kubeconfig context (live cluster)')
    .option('-n, --namespace <ns>', 'namespace (live cluster)')
    .option('--request-timeout <duration>', 'live: timeout of each API request (30s, 500ms, 1m)')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('get')
    .description(
      "List a proxy's listeners, routes, clusters, endpoints, secrets or bootstrap, like istioctl proxy-config",
    )
    .argument('<type>', 'listeners | routes | clusters | endpoints | secrets | bootstrap')
    .argument('[pod]', 'pod name, pod.namespace, namespace/pod or pod IP (optional with one dump)')
    .option(
      '--dump <file>',
      'saved /config_dump or istioctl proxy-config output, JSON or YAML (repeatable; - = stdin)',
      collect,
    )
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['table', 'wide', 'json', 'yaml'])
        .default('table'),
    )
    .option('--address <ip>', 'listeners/endpoints: only this address')
    .option('--port <port>', 'listeners/clusters/endpoints: only this port')
    .option(
      '--via <how>',
      'live: read the dump by portforward (default) or exec (opt-in, pilot-agent in istio-proxy)',
    )
    .option('--type <type>', 'listeners: HTTP, TCP, HTTP+TCP or UNKNOWN')
    .option('--name <name>', 'routes: only this route configuration')
    .option(
      '--fqdn <fqdn>',
      'clusters: service FQDN (short names like reviews or reviews.default select it too)',
    )
    .option('--subset <subset>', 'clusters: only this subset')
    .option('--direction <dir>', 'clusters: inbound or outbound')
    .option('--cluster <name>', 'endpoints: only this cluster')
    .option('--status <status>', 'endpoints: HEALTHY, UNHEALTHY, DRAINING, ...')
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl get listeners --dump productpage.json\n  meshctl get clusters --dump a.json --dump b.json reviews-v1-5b487cc689-njx5t --fqdn reviews -o json',
    )
    .action(
      async (
        typeArg: string,
        pod: string | undefined,
        opts: GetOptions & { dump?: string[]; snapshot?: string },
      ) => {
        const { resourceType, runGet } = await getCommand();
        const type = resourceType(typeArg);
        if (opts.snapshot && opts.dump?.length)
          throw new InputError('give either --snapshot or --dump, not both');
        if (!opts.snapshot && !opts.dump?.length) {
          const dump = await (
            await liveSources()
          ).liveDumpOf(
            program.opts<GlobalOptions>(),
            pod,
            type === 'endpoints',
            (opts as { via?: string }).via,
          );
          setExit(runGet(type, [dump], undefined, opts, io));
          return;
        }
        const dumps = opts.snapshot
          ? (await (await readSnapshotDir()).readSnapshot(opts.snapshot)).dumps
          : await (await readDumps()).loadDumps(opts.dump ?? [], io.stdin);
        setExit(runGet(type, dumps, pod, opts, io));
      },
    );
  program
    .command('lint')
    .description('Check Service port naming and protocol selection in manifests, for CI')
    .argument('[paths...]', 'files or directories (recursed) of YAML/JSON manifests; - reads stdin')
    .option(
      '--snapshot <dir>',
      "also lint a snapshot, with its proxies' Istio versions and sockets as evidence",
    )
    .option('--cluster', 'lint the objects of the current kubeconfig context (its namespace, or -A)')
    .option('-A, --all-namespaces', 'with --cluster: every namespace')
    .addOption(
      new Option('-o, --output <format>', 'output format')
        .choices(['text', 'json', 'sarif', 'junit', 'github'])
        .default('text'),
    )
    .addOption(
      new Option('--fail-on <level>', 'exit 1 on findings at or above this level')
        .choices(['error', 'warning', 'info', 'none'])
        .default('warning'),
    )
    .option('--ignore <code>', 'skip a rule by code or id (repeatable)', collect)
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl lint k8s/\n  helm template charts/app | meshctl lint - -o sarif > meshctl.sarif\n  meshctl lint deploy.yaml --fail-on error --ignore MESH0009',
    )
    .action(async (paths: string[], o: LintCliOptions) =>
      setExit(await (await import('./lint.js')).runLint(paths, o, io, program.opts<GlobalOptions>())),
    );

  program
    .command('snapshot')
    .description(
      'Capture the meshed pods of the cluster (dumps, objects) into a snapshot directory for offline use',
    )
    .option('-A, --all-namespaces', 'every namespace')
    .option('-l, --selector <selector>', 'only pods with these labels')
    .option('--out <dir>', 'snapshot directory to write')
    .option('--include-eds', 'include EDS endpoints in the dumps (/config_dump?include_eds)')
    .option('--sockets', "also read each pod's listening sockets (needs exec)")
    .option('--concurrency <n>', 'pods read at once', '8')
    .action(async (o: SnapshotCliOptions) =>
      setExit(
        await (await import('./cluster-commands.js')).runSnapshot(program.opts<GlobalOptions>(), o, io),
      ),
    );

  program
    .command('diff')
    .description(
      'Compare two proxies by meaning (routes, clusters, endpoints, listeners): replica vs replica, before vs after',
    )
    .argument('<a>', 'a pod (in --snapshot, or live), a dump file, or a snapshot directory')
    .argument('<b>', 'the same kind as <a>')
    .option('--snapshot <dir>', 'A and B are pods of this snapshot')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl diff reviews-v1-abc reviews-v1-def --snapshot snap/     # why does one replica differ?\n  meshctl diff before.json after.json                             # what changed at 02:14?\n  meshctl diff snap-0200/ snap-0230/                              # every pod of two snapshots',
    )
    .action(async (a: string, b: string, o: DiffOptions) => {
      const d = await import('./diff.js');
      if (o.snapshot) {
        const snap = await (await readSnapshotDir()).readSnapshot(o.snapshot);
        setExit(d.printDiff(d.podsOf(snap.dumps, o.snapshot, a, b), o, io));
        return;
      }
      const [oa, ob] = [d.operand(a), d.operand(b)];
      if (oa.kind === 'snapshot' || ob.kind === 'snapshot') {
        if (oa.kind !== ob.kind)
          throw new InputError(
            `${oa.kind === 'snapshot' ? a : b} is a snapshot: compare it with another snapshot`,
          );
        const read = (await readSnapshotDir()).readSnapshot;
        const [sa, sb] = [await read(a), await read(b)];
        setExit(d.printDiff(d.pairSnapshots(sa.dumps, sb.dumps, a, b), o, io));
        return;
      }
      const side = async (op: Exclude<Operand, { kind: 'snapshot' }>) =>
        op.kind === 'dump'
          ? { label: op.path, dump: (await (await readDumps()).loadDumps([op.path]))[0]! }
          : {
              label: 'live',
              dump: await (await liveSources()).liveDumpOf(program.opts<GlobalOptions>(), op.name, true),
            };
      setExit(d.printDiff(d.pairOf(await side(oa), await side(ob)), o, io));
    });

  program
    .command('matrix')
    .description(
      'Which pod reaches which service port and pod port through the mesh, one simulation per cell',
    )
    .option('-n, --namespace <ns>', 'only pods and services of this namespace (repeatable)', collect)
    .option('--port <port>', 'only this port')
    .option('--snapshot <dir>', 'a snapshot directory written by meshctl snapshot')
    .option('--dump <file>', "a proxy's saved config dump (repeatable)", collect)
    .option('-f, --filename <path>', 'manifests: pods, services (repeatable; dirs recursed)', collect)
    .option('--sockets <pod=file>', "a pod's listening sockets (repeatable)", collect)
    .option('--via <how>', 'live: read dumps by portforward (default) or exec (opt-in)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'html']).default('text'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl matrix --snapshot snap/ -n zookeeper\n  meshctl matrix --snapshot snap/ --port 3888 -o html > matrix.html',
    )
    .action(
      async (
        o: MatrixCliOptions & { snapshot?: string; dump?: string[]; filename?: string[]; sockets?: string[] },
      ) => {
        const g = program.opts<GlobalOptions>();
        const offline = await offlineWorldOf(o);
        let world: World;
        if (offline) world = offline;
        else
          world = await (
            await liveSources()
          ).liveMeshWorld(
            g,
            o.namespace ?? (g.namespace ? [g.namespace] : undefined),
            await (await readSockets()).loadSockets(o.sockets ?? []),
            (pod, error) =>
              io.stderr.write(messageLine(`note: could not read the proxy of ${pod}: ${error}`)),
            o.via ? { via: o.via } : {},
          );
        setExit((await import('./matrix.js')).runMatrix(world, o, io));
      },
    );

  program
    .command('schema')
    .description('Print the JSON Schema of a meshctl/v1 kind printed by -o json (no kind: list the kinds)')
    .argument('[kind]', 'Explanation, LintReport, Diff, DiffList, Matrix, LogExplanation, Snapshot')
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl schema\n  meshctl schema Explanation > explanation.schema.json',
    )
    .action(async (kind: string | undefined) => setExit((await import('./schema.js')).runSchema(kind, io)));

  program
    .command('replay')
    .description(
      'Run an explain call through real Envoy in network namespaces and compare what it did with the explanation',
    )
    .argument(
      '<call...>',
      'the explain call: pod-to-pod SRC DST --port N, request SRC URL, gateway GW --port N, inbound POD --port N, with its request flags',
    )
    .option('--snapshot <dir>', 'a snapshot directory written by meshctl snapshot')
    .option('--dump <file>', 'saved config dump of a proxy on the path (repeatable)', collect)
    .option('-f, --filename <path>', 'Kubernetes/Istio manifests (repeatable; dirs recursed)', collect)
    .option('--sockets <pod=file>', "a pod's listening sockets (repeatable)", collect)
    .option('--envoy <path>', 'the Envoy binary (else MESHCTL_ENVOY, .cache/envoy, PATH)')
    .option('--timeout <seconds>', 'bound on the whole replay (default 60)')
    .addOption(
      new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'yaml']).default('text'),
    )
    .allowUnknownOption()
    .addHelpText(
      'after',
      '\nExamples:\n  meshctl replay pod-to-pod my-release-zookeeper-1 my-release-zookeeper-0 --port 3888 --snapshot fixtures/snapshots/story4-zookeeper-istio-1.9\n  meshctl replay request productpage-v1-xxx http://reviews:9080/ --snapshot snap/ -o json',
    )
    .action(async (call: string[], o: ReplayCliOptions) =>
      setExit(await (await import('./replay.js')).runReplay(call, o, io)),
    );

  program
    .command('check')
    .description('Check that the current context has the (read-only) permissions meshctl needs')
    .action(async () =>
      setExit(await (await import('./cluster-commands.js')).runCheck(program.opts<GlobalOptions>(), io)),
    );

  /** The world of --snapshot or --dump with -f and --sockets beside them; undefined when the cluster is to be read. */
  const offlineWorldOf = async (o: {
    snapshot?: string;
    dump?: string[];
    filename?: string[];
    sockets?: string[];
  }): Promise<World | undefined> => {
    const w = await (
      await offlineWorlds()
    ).offlineWorld(
      { snapshot: o.snapshot, dumps: o.dump, manifests: o.filename, sockets: o.sockets },
      io.stdin,
    );
    for (const f of w?.notCaptured ?? [])
      io.stderr.write(messageLine(`note: the snapshot could not capture ${f.pod}: ${f.error}`));
    return w;
  };

  const explain = program
    .command('explain')
    .description('Simulate a connection or request through the mesh and say why it is or is not delivered');
  const inputs = (c: Command) =>
    c
      .option('--dump <file>', 'saved config dump of a proxy on the path (repeatable; - = stdin)', collect)
      .option(
        '--snapshot <dir>',
        'a snapshot directory written by meshctl snapshot (docs/snapshot-format.md)',
      )
      .option(
        '-f, --filename <path>',
        'Kubernetes/Istio manifests: pods, services, endpoints, Istio config (repeatable; dirs recursed)',
        collect,
      )
      .option(
        '--sockets <pod=file>',
        "a pod's listening sockets: /proc/net/tcp, ss -ltn or netstat -ltn output (repeatable)",
        collect,
      )
      .addOption(
        new Option('-o, --output <format>', 'output format')
          .choices(['text', 'json', 'yaml'])
          .default('text'),
      )
      .option('--protocol <p>', 'tcp, http, http2, grpc or tls')
      .option('--host <host>', 'HTTP Host / :authority (also for IP destinations)')
      .option('--path <path>', "HTTP path and query (default: the URL's, else /)")
      .option('--method <m>', 'HTTP method')
      .option('-H, --header <h>', "request header 'Name: value' (repeatable)", collect)
      .option('--sni <name>', 'TLS server name')
      .option('--via <how>', 'live: read dumps by portforward (default) or exec (opt-in)')
      .option('--exec-sockets', "live: read the receiving pods' listening sockets through exec (opt-in)");
  type Raw = ExplainOptions & {
    dump?: string[];
    filename?: string[];
    sockets?: string[];
    snapshot?: string;
    via?: string;
    execSockets?: boolean;
  };
  const world = async (o: Raw): Promise<World> => {
    const w = await offlineWorldOf(o);
    if (!w) throw new LiveNeeded();
    return w;
  };
  const go = async (
    o: Raw,
    buildWith: (explainModule: ExplainModule, w: World) => Query,
    live: { source: string; destination?: string; namespaces?: string[] },
    runWith: (explainModule: ExplainModule, w: World) => number = (x, w) =>
      x.runExplain(w, (v) => buildWith(x, v), o, io),
  ) => {
    const explainModule = await explainCommand();
    const build = (w: World) => buildWith(explainModule, w);
    let w: World;
    try {
      w = await world(o);
    } catch (e) {
      if (!(e instanceof LiveNeeded)) throw e;
      w = await (
        await liveSources()
      ).liveExplain(
        program.opts<GlobalOptions>(),
        live,
        live.namespaces ?? [],
        build,
        await (await readSockets()).loadSockets(o.sockets ?? []),
        {
          ...(o.via ? { via: o.via } : {}),
          ...(o.execSockets ? { execSockets: true } : {}),
        },
      );
    }
    setExit(runWith(explainModule, w));
  };
  inputs(
    explain.command('pod-to-pod').description('A connection from one pod to another pod (by name or IP)'),
  )
    .argument('<src>', 'source pod: name, pod.namespace, namespace/pod or IP')
    .argument('<dst>', 'destination pod: name, pod.namespace, namespace/pod or IP')
    .option('--port <port>', 'destination port')
    .action((src: string, dst: string, o: Raw) =>
      go(o, (x, w) => x.podToPodQuery(w, src, dst, o), { source: src, destination: dst }),
    );
  inputs(
    explain
      .command('request')
      .description('A request from a pod to a URL (http://, https://, grpc://, tcp://)'),
  )
    .argument('<src>', 'source pod')
    .argument('<url>', 'http://reviews:9080/path, tcp://10.0.0.5:3306, ...')
    .option('--port <port>', 'port when the URL has none')
    .action((src: string, url: string, o: Raw) =>
      go(o, (x, w) => x.requestQuery(w, src, url, o), { source: src, namespaces: urlNamespaces(url) }),
    );
  inputs(explain.command('gateway').description('Traffic arriving at a gateway pod on a port (no capture)'))
    .argument('<gateway>', 'gateway pod')
    .option('--port <port>', "the gateway pod's port (the Service's targetPort)")
    .option('--from <ip>', "the client's address as the gateway sees it (chains may match on it)")
    .action((gw: string, o: Raw) => go(o, (x, w) => x.gatewayQuery(w, gw, o), { source: gw }));
  inputs(
    explain
      .command('log')
      .description("An Envoy access-log line: where it sits in its proxy's config, and why it happened"),
  )
    .argument('<line>', 'the line, text or JSON as Istio writes it (quote it); - reads it from stdin')
    .option('--pod <pod>', 'the pod whose proxy wrote the line (needed when several are given, and live)')
    .addHelpText(
      'after',
      `\nExamples:\n  meshctl explain log "$(kubectl logs productpage-v1-xxx -c istio-proxy | grep ' 503 ' | tail -1)" --pod productpage-v1-xxx\n  kubectl logs zk-1 -c istio-proxy | tail -1 | meshctl explain log - --snapshot snap/`,
    )
    .action(async (lineArg: string, o: Raw & { pod?: string }) => {
      if (!o.pod && !o.snapshot && !o.dump?.length)
        throw new InputError(
          'explain log against the cluster needs --pod: the pod whose proxy wrote the line',
        );
      if (o.dump?.includes('-') && lineArg === '-')
        throw new InputError('stdin can hold the line or a dump, not both');
      // from stdin, the last line: `kubectl logs ... | tail -1` or a whole log alike
      const text = lineArg === '-' ? (await io.stdin()).toString('utf8').trim().split('\n').pop()! : lineArg;
      // read once, and before any input or cluster is touched: a line that is no access-log line is bad input
      const line = (await explainCommand()).parseAccessLog(text);
      await go(
        o,
        (x, w) => x.logQueryFor(w, o.pod, line),
        { source: o.pod ?? '' },
        (x, w) => x.runExplainLog(w, o.pod, line, o, io),
      );
    });
  inputs(explain.command('inbound').description('Only the receiving side: a connection arriving at a pod'))
    .argument('<pod>', 'destination pod')
    .option('--port <port>', 'destination port')
    .option('--from <ip>', 'source IP of the connection')
    .action((pod: string, o: Raw) => go(o, (x, w) => x.inboundQuery(w, pod, o), { source: pod }));
  return program;
}

/** Runs meshctl with these arguments (without `node` and the script) and returns the exit code. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  const debug = argv.includes('--debug');
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_OK;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with code 0; usage errors are bad input (exit 2).
      return e.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    return reportError(e, io, debug || Boolean((program.opts() as { debug?: boolean }).debug));
  }
}

const isMain =
  import.meta.url === `file://${process.argv[1] ?? ''}` || process.argv[1]?.endsWith('/bin/meshctl.js');
if (isMain) {
  const io: CliIo = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: async () => (await readDumps()).readStdin(),
    env: process.env,
    now: () => new Date(),
  };
  process.exitCode = await run(process.argv.slice(2), io);
}
