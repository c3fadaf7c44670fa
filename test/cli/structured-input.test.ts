// Structured inputs go through zod schemas (core/schema): a wrong field is refused with the file, the path
// inside it and what was expected, exit 2, one sentence, no stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { meshctl } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const STORY4 = join(REPO_ROOT, 'fixtures', 'snapshots', 'story4-zookeeper-istio-1.9');
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshctl-structured-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of story 4's snapshot whose index is changed by `edit`. */
function snapshotWith(name: string, edit: (index: { pods: Array<Record<string, unknown>> }) => void): string {
  const out = join(dir, name);
  cpSync(STORY4, out, { recursive: true });
  const file = join(out, 'meshctl-snapshot.json');
  const index = JSON.parse(readFileSync(file, 'utf8')) as { pods: Array<Record<string, unknown>> };
  edit(index);
  writeFileSync(file, JSON.stringify(index, null, 2));
  return out;
}

function assertOneSentence(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

describe('the snapshot index is read through its schema', () => {
  it('names the field of a pod that has the wrong type', () => {
    const snap = snapshotWith('dump-number', (i) => (i.pods[1]!.dump = 7));
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*dump-number\/meshctl-snapshot\.json: pods\[1\]\.dump: expected string, received number\nhint: the index is not as meshctl snapshot writes it/,
    );
  });
  it('refuses a path that leaves the snapshot directory', () => {
    const snap = snapshotWith('escape', (i) => (i.pods[0]!.sockets = '../../etc/passwd'));
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*escape\/meshctl-snapshot\.json: pods\[0\]\.sockets: a relative path inside the snapshot \(no leading \/ and no \.\.\)\n/,
    );
  });
  it('names a missing field', () => {
    const snap = snapshotWith('no-name', (i) => delete i.pods[0]!.name);
    assertOneSentence(
      meshctl(['explain', 'inbound', 'my-release-zookeeper-0', '--port', '3888', '--snapshot', snap]),
      /^error: .*no-name\/meshctl-snapshot\.json: pods\[0\]\.name: expected string, received undefined\n/,
    );
  });
});

const inbound = (...extra: string[]) => [
  'explain',
  'inbound',
  'my-release-zookeeper-0',
  '--port',
  '3888',
  '--snapshot',
  STORY4,
  ...extra,
];

function manifest(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('Kubernetes and Istio objects are read through their schemas', () => {
  it('names the file, the line of the field, the object and its path for a port that is a string', () => {
    const file = manifest(
      'svc.yaml',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: reviews\n  namespace: default\nspec:\n  ports:\n  - name: http\n    port: "9080"\n',
    );
    assertOneSentence(
      meshctl(inbound('-f', file)),
      /^error: .*svc\.yaml: line 9: Service default\/reviews: spec\.ports\[0\]\.port: expected number, received string\nhint: meshctl reads this field of a Service/,
    );
  });
  it('refuses an annotation that YAML made a boolean (it would have been read as no annotation)', () => {
    const file = manifest(
      'pod.yaml',
      '---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    sidecar.istio.io/inject: true\nspec:\n  containers:\n  - name: app\n',
    );
    assertOneSentence(
      meshctl(inbound('-f', file)),
      /^error: .*pod\.yaml: line 7: Pod web: metadata\.annotations\["sidecar\.istio\.io\/inject"\]: expected a string \(quote it in YAML\), received boolean\n/,
    );
  });
  it('finds the item of a List, and an EndpointSlice whose addresses are not a list', () => {
    const file = manifest(
      'list.json',
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ok' }, spec: { ports: [{ port: 80 }] } },
            {
              apiVersion: 'discovery.k8s.io/v1',
              kind: 'EndpointSlice',
              metadata: { name: 'bad-abc', namespace: 'shop' },
              endpoints: [{ addresses: '10.0.0.1' }],
            },
          ],
        },
        null,
        2,
      ),
    );
    assertOneSentence(
      meshctl(inbound('-f', file)),
      /^error: .*list\.json: line \d+: EndpointSlice shop\/bad-abc: endpoints\[0\]\.addresses: expected array, received string\n/,
    );
  });
  it('checks the Istio fields meshctl reads: a DestinationRule needs its host', () => {
    const file = manifest(
      'dr.yaml',
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\nspec:\n  subsets:\n  - name: v1\n',
    );
    assertOneSentence(
      meshctl(inbound('-f', file)),
      /^error: .*dr\.yaml: line \d+: DestinationRule reviews: spec\.host: expected string, received undefined\n/,
    );
  });
  it('accepts fields it does not read, of any shape', () => {
    const file = manifest(
      'extra.yaml',
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: extra\n  finalizers: [x]\nspec:\n  ports:\n  - port: 80\n    targetPort: http\n  ipFamilies: [IPv4]\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 10}}\n',
    );
    const r = meshctl(inbound('-f', file));
    assert.notEqual(r.code, 2, r.stderr);
  });
});

describe('--sockets files are checked after parsing', () => {
  it('refuses a port out of range and an address that is no IP, with the line', () => {
    const port = manifest(
      'ss-port.txt',
      'State Recv-Q Send-Q Local Peer\nLISTEN 0 128 10.96.8.10:99999 0.0.0.0:*\n',
    );
    assertOneSentence(
      meshctl(inbound('--sockets', `my-release-zookeeper-0=${port}`)),
      /^error: .*ss-port\.txt: line 2: port 99999: expected a port number \(0-65535\)\n/,
    );
    const ip = manifest(
      'ss-ip.txt',
      'State Recv-Q Send-Q Local Peer\nLISTEN 0 128 10.96.8.256:3888 0.0.0.0:*\n',
    );
    assertOneSentence(
      meshctl(inbound('--sockets', `my-release-zookeeper-0=${ip}`)),
      /^error: .*ss-ip\.txt: line 2: ip "10\.96\.8\.256": expected an IPv4 or IPv6 address\n/,
    );
  });
});
