// meshctl lint through the binary on what Istio writes itself and on Services whose pods are not in the files:
// no finding on Istio-managed gateway/waypoint Services (upstream's own data), and a protocol conflict found
// from two Services' selectors alone.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/core/rules/types.js';
import { meshctl } from '../helpers/cli.js';
import { real } from '../helpers/paths.js';

const GOLDENS = real('istio/current/pilot/pkg/config/kube/gatewaycommon/testdata/deployment');
const WAYPOINT_AND_GATEWAY = real('istio/analyzer/testdata/service-port-name.yaml');

const dir = mkdtempSync(join(tmpdir(), 'meshctl-lint-managed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const lintJson = (...args: string[]) => {
  const r = meshctl(['lint', ...args, '-o', 'json']);
  return {
    code: r.code,
    findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings,
    stderr: r.stderr,
  };
};

describe('lint: Services Istio manages itself', () => {
  it("the gateway, waypoint and east-west Services Istio's controllers write get no finding", () => {
    const r = lintJson(GOLDENS, WAYPOINT_AND_GATEWAY);
    assert.deepEqual(
      r.findings.map((f) => `${f.rule} ${f.resource} ${f.field}`),
      [],
    );
    assert.equal(r.code, 0, r.stderr);
    const text = meshctl(['lint', GOLDENS, WAYPOINT_AND_GATEWAY]);
    assert.match(text.stdout, /✓ no problems in \d+ resources/);
  });

  it('the same ports on a Service a user wrote are still errors', () => {
    const file = join(dir, 'mine.yaml');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Service\nmetadata: {name: mine, namespace: app}\nspec:\n  selector: {app: mine}\n' +
        '  ports:\n  - {name: status-port, port: 15021, appProtocol: tcp}\n  - {name: mesh, port: 15008, appProtocol: hbone}\n',
    );
    const r = lintJson(file);
    assert.equal(r.code, 1);
    assert.deepEqual(r.findings.map((f) => `${f.rule} ${f.field}`).sort(), [
      'MESH0002 spec.ports[1].appProtocol',
      'MESH0008 spec.ports[0].port',
      'MESH0008 spec.ports[1].port',
    ]);
  });
});

describe('lint: a protocol conflict from the Services alone', () => {
  const services =
    'apiVersion: v1\nkind: Service\nmetadata: {name: ledger-http, namespace: shop}\nspec:\n  selector: {app: ledger}\n' +
    '  ports:\n  - {name: http-api, port: 80, targetPort: 8080}\n---\n' +
    'apiVersion: v1\nkind: Service\nmetadata: {name: ledger-raw, namespace: shop}\nspec:\n  selector: {app: ledger, version: v1}\n' +
    '  ports:\n  - {name: tcp-raw, port: 9000, targetPort: 8080}\n';

  it('two Services whose selectors share pods and give target port 8080 two protocols: found without a workload', () => {
    const file = join(dir, 'services.yaml');
    writeFileSync(file, services);
    const r = lintJson(file);
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.findings.map((f) => [f.rule, f.resource, f.field, f.line]),
      [['MESH0003', 'Service shop/ledger-raw', 'spec.selector', 13]],
    );
    assert.match(
      r.findings[0]!.message,
      /target port 8080 different protocols: HTTP \(ledger-http\) vs TCP \(ledger-raw\)/,
    );
  });

  it('with the pods in the files, the workload carries the finding (once)', () => {
    const file = join(dir, 'with-pods.yaml');
    writeFileSync(
      file,
      services +
        '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ledger, namespace: shop}\nspec:\n  template:\n' +
        '    metadata: {labels: {app: ledger, version: v1}}\n    spec:\n      containers: [{name: app, image: x}]\n',
    );
    const r = lintJson(file);
    assert.deepEqual(
      r.findings
        .filter((f) => f.rule === 'MESH0003' || f.rule === 'MESH0004')
        .map((f) => `${f.rule} ${f.resource}`),
      ['MESH0004 Deployment shop/ledger'],
    );
  });
});
