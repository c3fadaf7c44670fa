// meshctl lint end to end: every output format on the Istio samples (goldens), SARIF valid against the
// SARIF 2.1.0 schema, --fail-on exit codes, stdin, positions in multi-document and List input, errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { meshctl } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import { real } from '../helpers/paths.js';

const SAMPLES = ['fixtures/real/k8s/istio-samples', 'fixtures/real/k8s/zookeeper'];

describe('meshctl lint', () => {
  for (const [format, ext] of [
    ['text', 'txt'],
    ['json', 'json'],
    ['sarif', 'sarif'],
    ['junit', 'junit.xml'],
    ['github', 'github.txt'],
  ] as const) {
    it(`the Istio samples, -o ${format} (golden)`, () => {
      const r = meshctl(['lint', ...SAMPLES, '-o', format]);
      assert.equal(r.code, 1, r.stderr); // warnings fail at the default --fail-on warning
      golden(`fixtures/golden/lint/istio-samples.${ext}`, r.stdout);
    });
  }

  it('the JSON report follows the contract', () => {
    const report = JSON.parse(meshctl(['lint', ...SAMPLES, '-o', 'json']).stdout) as {
      apiVersion: string;
      kind: string;
      findings: Array<Record<string, unknown>>;
      summary: Record<string, number>;
    };
    assert.equal(report.apiVersion, 'meshctl/v1');
    assert.equal(report.kind, 'LintReport');
    assert.deepEqual(
      Object.keys(report.findings[0]!),
      ['rule', 'name', 'severity', 'resource', 'field', 'file', 'line', 'message', 'fix'].flatMap((k) =>
        k === 'line' ? ['line', 'column'] : [k],
      ),
    );
    assert.deepEqual(report.summary, { error: 0, warning: 4, info: 0 });
  });

  it('SARIF output validates against the SARIF 2.1.0 schema', async () => {
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv-draft-04') as new (o: object) => {
      compile(s: object): ((d: unknown) => boolean) & { errors?: unknown };
    };
    const schema = JSON.parse(readFileSync(real('sarif/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const sarif = JSON.parse(meshctl(['lint', ...SAMPLES, '-o', 'sarif']).stdout) as {
      runs: Array<{ results: unknown[]; tool: { driver: { rules: unknown[] } } }>;
    };
    assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 1));
    assert.equal(sarif.runs[0]!.results.length, 4);
    assert.equal(sarif.runs[0]!.tool.driver.rules.length, 10);
  });

  it('--fail-on decides the exit code in every format', () => {
    for (const o of ['text', 'json', 'sarif', 'junit', 'github']) {
      assert.equal(meshctl(['lint', ...SAMPLES, '-o', o, '--fail-on', 'error']).code, 0, o);
      assert.equal(meshctl(['lint', ...SAMPLES, '-o', o, '--fail-on', 'warning']).code, 1, o);
      assert.equal(meshctl(['lint', ...SAMPLES, '-o', o, '--fail-on', 'none']).code, 0, o);
    }
  });

  it('--ignore drops a rule', () => {
    const r = meshctl(['lint', ...SAMPLES, '--ignore', 'MESH0001', '--ignore', 'http-port-on-headless']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /✓ no problems in \d+ resources/);
  });

  it('reads stdin (helm template | meshctl lint -) with exact positions in a multi-document stream', () => {
    const yaml = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector:\n    app: db\n  ports:\n  - name: client\n    port: 4222\n',
    ].join('---\n');
    const r = meshctl(['lint', '-', '-o', 'json'], yaml);
    const [f] = (
      JSON.parse(r.stdout) as {
        findings: Array<{ file: string; line: number; column: number; severity: string }>;
      }
    ).findings;
    assert.deepEqual([f?.file, f?.line, f?.column, f?.severity], ['-', 14, 11, 'error']);
  });

  it('reads JSON List output (kubectl get svc -o json) with positions inside items', () => {
    const list = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'a', namespace: 'x' },
            spec: { ports: [{ port: 8080 }] },
          },
        ],
      },
      null,
      2,
    );
    const r = meshctl(['lint', '-', '-o', 'json'], list);
    const [f] = (
      JSON.parse(r.stdout) as { findings: Array<{ resource: string; line: number; field: string }> }
    ).findings;
    assert.deepEqual([f?.resource, f?.field, f?.line], ['Service x/a', 'spec.ports[0]', 14]);
  });

  it('github annotations escape what the runner would misread', () => {
    const r = meshctl(['lint', 'fixtures/real/k8s/zookeeper', '-o', 'github']);
    assert.match(
      r.stdout,
      /^::warning file=fixtures\/real\/k8s\/zookeeper\/kubernetes-website-zookeeper\.yaml,line=10,col=11,title=MESH0001 port-name-protocol::port 2888 \(server\) names no protocol/m,
    );
  });

  const errors: Array<[string, string[], string | undefined, RegExp]> = [
    [
      'YAML with a tab',
      ['lint', '-'],
      'kind: Service\nmetadata:\n\tname: x\n',
      /^error: -: line 3, column 1: invalid YAML: Tabs are not allowed as indentation/,
    ],
    [
      'a document without kind',
      ['lint', '-'],
      'foo: bar\n',
      /^error: -: line 1: expected a Kubernetes object with "kind"/,
    ],
    [
      'nothing to lint',
      ['lint'],
      undefined,
      /^error: nothing to lint: give files, directories or - for stdin\nhint: for example: helm template \. \| meshctl lint -\n$/,
    ],
    [
      'an unknown rule to ignore',
      ['lint', ...SAMPLES, '--ignore', 'MESH9999'],
      undefined,
      /^error: --ignore MESH9999: no such rule\n/,
    ],
    ['a missing path', ['lint', 'nope/'], undefined, /^error: nope\/: no such file or directory\n$/],
    [
      '--cluster with no cluster configured',
      ['lint', '--cluster'],
      undefined,
      /^error: no cluster is configured/,
    ],
  ];
  for (const [name, args, input, stderr] of errors)
    it(`${name}: exit 2, a clear message`, () => {
      const r = meshctl(args, input, { KUBECONFIG: '/nonexistent/kubeconfig', KUBERNETES_SERVICE_HOST: '' });
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, stderr);
    });

  it('with a snapshot, flags StatefulSet peers bound where their Istio version does not forward', () => {
    const r = meshctl([
      'lint',
      '--snapshot',
      'fixtures/snapshots/story4-zookeeper-istio-1.9',
      '-o',
      'json',
      '--ignore',
      'MESH0001',
    ]);
    const findings = (
      JSON.parse(r.stdout) as { findings: Array<{ rule: string; message: string }> }
    ).findings.filter((f) => f.rule === 'MESH0010');
    assert.ok(
      findings.some((f) =>
        /On Istio 1\.9, pod my-release-zookeeper-0's sidecar connects to 127\.0\.0\.1:3888/.test(f.message),
      ),
    );
    const ok = meshctl([
      'lint',
      '--snapshot',
      'fixtures/snapshots/story4-zookeeper-istio-1.10',
      '-o',
      'json',
    ]);
    assert.ok(
      !(JSON.parse(ok.stdout) as { findings: Array<{ rule: string }> }).findings.some(
        (f) => f.rule === 'MESH0010',
      ),
    );
  });
});
