// Terminal safety (cli-contract.md): strings from dumps, manifests and the command line reach text and table
// output with control characters escaped (ESC, CR, backspace, the bidi overrides), and -o json/yaml carry them
// exactly. The hostile strings are put into a real dump and a real manifest, and the binary is run on them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Explanation } from '../../src/core/engine/types.js';
import { meshctl } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { renderExplanation } from '../../src/render/explanation.js';
import { renderLintText, renderGithub, renderJunit } from '../../src/render/lint.js';
import { escapeControls, terminalSafe } from '../../src/render/terminal-safe.js';
import type { Finding } from '../../src/core/rules/types.js';

/** ESC with a clear-screen and an OSC title write, CR, backspace, a right-to-left override and a bidi isolate. */
const EVIL = '\u001b[2J\u001b]0;pwned\u0007\r\b\u202e\u2066x';
const EVIL_SHOWN = '\\x1b[2J\\x1b]0;pwned\\x07\\r\\b\\u202e\\u2066x';
/** Anything a terminal acts on, except the line breaks the renderers write themselves. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const STORY = 'fixtures/snapshots/story2-bookinfo-with-dr';
const PP = `${STORY}/dumps/default/productpage-v1-76474f6fb7-pmglr.json`;
const V1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';
const HOSTILE_CLUSTER = `outbound|9080|v1|reviews${EVIL}.default.svc.cluster.local`;

const dir = mkdtempSync(join(tmpdir(), 'meshctl-terminal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// the v1 cluster renamed everywhere it is named (cluster, route action, EDS), as JSON would escape it
const hostileDump = join(dir, 'productpage.json');
writeFileSync(
  hostileDump,
  readFileSync(join(REPO_ROOT, PP), 'utf8').replaceAll(V1, JSON.stringify(HOSTILE_CLUSTER).slice(1, -1)),
);
const hostileService = join(dir, 'svc.yaml');
writeFileSync(
  hostileService,
  [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    `  name: ledger`,
    '  namespace: default',
    'spec:',
    '  selector: {app: ledger}',
    '  ports:',
    `  - name: ${JSON.stringify(`web${EVIL}`)}`,
    '    port: 8080',
  ].join('\n') + '\n',
);

function assertEscaped(text: string, what: string): void {
  assert.doesNotMatch(text, RAW, `${what} prints a raw control character`);
  assert.ok(text.includes(EVIL_SHOWN), `${what} shows the escaped string:\n${text}`);
}

describe('terminal safety: control characters in data are escaped in text, exact in JSON', () => {
  const explain = ['explain', 'request', 'productpage-v1-76474f6fb7-pmglr', 'http://reviews:9080/'];
  const inputs = ['--dump', hostileDump, '-f', `${STORY}/k8s/objects.yaml`];

  it('explain text escapes a cluster name; -o json and -o yaml keep it exact', () => {
    const text = meshctl([...explain, ...inputs]);
    assert.equal(text.code, 2, text.stderr); // no destination dump given: unknown
    assertEscaped(text.stdout, 'explain');
    const json = meshctl([...explain, ...inputs, '-o', 'json']);
    assert.equal((JSON.parse(json.stdout) as Explanation).outcome.cluster, HOSTILE_CLUSTER);
    const yaml = meshctl([...explain, ...inputs, '-o', 'yaml']);
    assert.ok(yaml.stdout.includes('\\e[2J'), 'YAML writes ESC in its own double-quoted escape form');
  });

  it('a header value given on the command line is escaped too', () => {
    const r = meshctl([...explain, ...inputs, '-H', `x-user: ${EVIL}`, '--host', `reviews${EVIL}`]);
    assert.doesNotMatch(r.stdout, RAW);
  });

  it('get tables (table and wide) escape every cell; get -o json keeps the name', () => {
    for (const o of ['table', 'wide']) {
      const r = meshctl(['get', 'clusters', '--dump', hostileDump, '-o', o]);
      assert.equal(r.code, 0, r.stderr);
      assertEscaped(r.stdout, `get clusters -o ${o}`);
    }
    const e = meshctl(['get', 'endpoints', '--dump', hostileDump]);
    assertEscaped(e.stdout, 'get endpoints');
    const json = JSON.parse(
      meshctl(['get', 'clusters', '--dump', hostileDump, '-o', 'json']).stdout,
    ) as Array<{
      name: string;
    }>;
    assert.ok(json.some((c) => c.name === HOSTILE_CLUSTER));
  });

  it('diff text escapes names from either side', () => {
    const r = meshctl(['diff', PP, hostileDump]);
    assertEscaped(r.stdout, 'diff');
  });

  it('lint text, github and junit output escape a port name; -o json keeps it', () => {
    // JUnit is XML: ESC and the other C0 controls are characters XML 1.0 does not have, so written raw they
    // make the whole report unreadable to a CI's JUnit reader (https://www.w3.org/TR/xml/#charsets)
    for (const o of ['text', 'github', 'junit']) {
      const r = meshctl(['lint', hostileService, '-o', o]);
      assert.equal(r.code, 1, r.stderr);
      assertEscaped(r.stdout, `lint -o ${o}`);
    }
    const json = JSON.parse(meshctl(['lint', hostileService, '-o', 'json']).stdout) as {
      findings: Finding[];
    };
    assert.ok(json.findings.some((f) => f.message.includes(`web${EVIL}`)));
  });

  it('an error that quotes its input escapes it', () => {
    const r = meshctl(['get', 'clusters', '--dump', hostileDump, `nopod${EVIL}`]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assertEscaped(r.stderr, 'the error');
  });
});

describe('terminal safety: every string of every golden report', () => {
  /** Every string in the value (keys included) with EVIL appended: no field can be missed by a renderer. */
  const poison = (v: unknown): unknown =>
    typeof v === 'string'
      ? v + EVIL
      : Array.isArray(v)
        ? v.map(poison)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k + EVIL, poison(x)]))
          : v;
  /** The same for values only, except the enumerations the renderers switch on. */
  const ENUMS = new Set(['apiVersion', 'kind', 'mode', 'protocol', 'type', 'result', 'stage', 'severity']);
  const poisonValues = (v: unknown): unknown =>
    typeof v === 'string'
      ? v + EVIL
      : Array.isArray(v)
        ? v.map(poisonValues)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ENUMS.has(k) ? x : poisonValues(x)]))
          : v;

  it('the explanation renderer escapes every field of every story golden', () => {
    const root = join(REPO_ROOT, 'fixtures/golden');
    let n = 0;
    for (const story of readdirSync(root).filter((s) => s.startsWith('story'))) {
      for (const f of readdirSync(join(root, story)).filter((x) => x.endsWith('.json'))) {
        const e = JSON.parse(readFileSync(join(root, story, f), 'utf8')) as { kind?: string };
        if (e.kind !== 'Explanation') continue;
        const text = renderExplanation(poisonValues(e) as Explanation, { color: true });
        // colour on: chalk's own SGR sequences are the only ESC left
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(text.replace(/\u001b\[\d+m/g, ''), RAW, `${story}/${f}`);
        n++;
      }
    }
    assert.ok(n >= 10, `${n} explanations`);
  });

  it('lint text and github escape every field of the lint golden', () => {
    const report = JSON.parse(
      readFileSync(join(REPO_ROOT, 'fixtures/golden/lint/istio-samples.json'), 'utf8'),
    ) as { findings: Finding[] };
    const findings = poisonValues(report.findings) as Finding[];
    const text = renderLintText(findings, { color: false, rules: [], version: '0', resources: [] });
    assert.doesNotMatch(text, RAW);
    assert.doesNotMatch(renderGithub(findings), RAW);
    const opts = { color: false, rules: [], version: '0', resources: [] };
    assert.doesNotMatch(renderJunit(findings, opts), RAW);
  });

  it('junit writes no character XML 1.0 lacks: lone surrogates and U+FFFE/U+FFFF become escapes too', () => {
    const report = JSON.parse(
      readFileSync(join(REPO_ROOT, 'fixtures/golden/lint/istio-samples.json'), 'utf8'),
    ) as { findings: Finding[] };
    const f = { ...report.findings[0]!, resource: `Service default/a\ud800b\ufffe${EVIL}<&>"` };
    const xml = renderJunit([f], {
      color: false,
      rules: [],
      version: '0',
      resources: [{ file: f.file, resource: f.resource }],
    });
    // eslint-disable-next-line no-control-regex
    const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff\ud800-\udfff]/;
    assert.doesNotMatch(xml, NOT_XML);
    assert.ok(xml.includes(`name="Service default/a\\ud800b\\ufffe${EVIL_SHOWN}&lt;&amp;&gt;&quot;"`), xml);
    // one test case: the resource with the finding, keyed by its escaped name like its finding
    assert.equal(xml.match(/<testcase /g)?.length, 1, xml);
  });

  it('terminalSafe escapes keys and values, copies only what changes, and is idempotent', () => {
    const clean = { a: ['x', { b: 1 }] };
    assert.equal(terminalSafe(clean), clean);
    const dirty = poison({ h: { 'x-a': 'v' }, list: ['ok', 'b'] });
    const safe = terminalSafe(dirty);
    assert.doesNotMatch(JSON.stringify(safe).replace(/\\\\/g, ''), /\\u00|\\[rbt]/);
    assert.deepEqual(terminalSafe(safe), safe);
    assert.equal(escapeControls('a\nb\tc\u0085\u202e'), 'a\\nb\\tc\\x85\\u202e');
    assert.equal(escapeControls('naïve → ✓'), 'naïve → ✓', 'printable Unicode is kept');
  });
});
