// Manifest and YAML reading (fast-check): whatever the text, lint's reader and explain's (-f, which adds the
// zod check of the objects meshctl reads) answer or refuse with a located InputError, never another error.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/core/diagnostics/errors.js';
import { emptyInventory } from '../../src/core/model/k8s.js';
import { addManifestText } from '../../src/sources/manifests/read-manifests.js';
import { lintResourcesFromText } from '../../src/sources/manifests/lint-input.js';
import { corpus, fc, property } from '../helpers/fuzz.js';

const MANIFEST = `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: default
  labels: {app: reviews}
spec:
  selector:
    app: reviews
  ports:
  - name: http
    port: 9080
    targetPort: 9080
---
apiVersion: v1
kind: Pod
metadata:
  name: reviews-v1
  annotations:
    sidecar.istio.io/inject: "true"
spec:
  containers:
  - name: app
    ports:
    - containerPort: 9080
status:
  podIP: 10.0.0.7
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  subsets: [{name: v1, labels: {version: v1}}]
`;

/** YAML's own troublemakers, inserted anywhere. */
const TOKENS = [
  ':',
  '- ',
  '\n',
  '  ',
  '\t',
  '---\n',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '&a ',
  '*a',
  '!!binary ',
  '? ',
  '|',
  '>',
  '#',
  '%YAML 1.2\n',
  'null',
  '9080',
  'true',
  '~',
  '<<: *a',
];

const damaged = fc
  .array(fc.tuple(fc.nat({ max: MANIFEST.length }), fc.nat({ max: 6 }), fc.constantFrom(...TOKENS)), {
    minLength: 1,
    maxLength: 4,
  })
  .map((edits) => {
    let s = MANIFEST;
    for (const [at, del, tok] of edits) {
      const i = Math.min(at, s.length);
      s = s.slice(0, i) + tok + s.slice(i + del);
    }
    return s;
  });

function onlyInputErrors(text: string): void {
  for (const read of [
    () => lintResourcesFromText('m.yaml', text),
    () => addManifestText(emptyInventory(), 'm.yaml', text),
  ]) {
    try {
      read();
    } catch (e) {
      if (!(e instanceof InputError)) throw new Error(`threw ${String(e)}, not an InputError`, { cause: e });
      assert.match(e.message, /^m\.yaml/, 'the error names the file');
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    }
  }
}

describe('manifest reading (fast-check)', () => {
  it('reads the undamaged manifests', () => {
    const inv = emptyInventory();
    addManifestText(inv, 'm.yaml', MANIFEST);
    assert.deepEqual([inv.services.length, inv.pods.length, inv.istio.length], [1, 1, 1]);
  });

  it('answers or refuses damaged YAML with a located InputError, never another error', () => {
    property('manifests: damaged YAML', fc.property(damaged, onlyInputErrors), 250);
  });

  it('the same for arbitrary text and for JSON values in any shape', () => {
    property(
      'manifests: arbitrary text and JSON',
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json().map((j) => j),
          fc
            .jsonValue()
            .map((v) =>
              JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: v }),
            ),
          fc
            .jsonValue()
            .map((v) =>
              JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: v, spec: { containers: v } }),
            ),
        ),
        onlyInputErrors,
      ),
      250,
    );
    for (const text of corpus('manifests')) onlyInputErrors(text);
  });
});
