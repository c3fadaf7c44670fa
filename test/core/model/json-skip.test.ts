// The structure scanner's two skip loops, WebAssembly (json-skip.wat) and JavaScript, give the same index on
// every real dump, on random documents built to put escapes, quotes, brackets and names across the 16-byte
// blocks and the chunk boundaries, and when two scanners take turns with the one WebAssembly instance.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { JsonScanError } from '../../../src/core/model/json-scan.js';
import { scanDocument, StructureScanner, type ScannedValue } from '../../../src/core/model/json-structure.js';
import { useWasmSkip } from '../../../src/core/model/json-skip.js';
import { REAL, REPO_ROOT } from '../../helpers/paths.js';

/**
 * Scans `doc` pushed in chunks the way a streamed dump is: every chunk read into the same Buffer, so anything
 * the scanner keeps of a chunk must be a copy (a Buffer's slice is a view: names that straddled two chunks
 * were once captured with bytes of the next read).
 */
function scan(doc: Uint8Array, depth: number, chunk: number, wasm: boolean): ScannedValue {
  useWasmSkip(wasm);
  try {
    const scanner = new StructureScanner(depth);
    const reused = Buffer.alloc(chunk);
    for (let at = 0; at < doc.length; at += chunk) {
      const piece = doc.subarray(at, at + chunk);
      reused.set(piece);
      scanner.push(reused.subarray(0, piece.length));
      reused.fill(0x21);
    }
    return scanner.end().root;
  } finally {
    useWasmSkip(true);
  }
}

function scanError(doc: Uint8Array, depth: number, chunk: number, wasm: boolean): string {
  try {
    scan(doc, depth, chunk, wasm);
    return 'no error';
  } catch (e) {
    assert.ok(e instanceof JsonScanError, String(e));
    return `${e.message} at ${e.offset}`;
  }
}

/** A small deterministic generator (mulberry32), so a failure names a seed that reproduces it. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text made of what the skip must get right: quotes, backslashes, brackets, braces, colons, commas. */
const TRICKY = ['"', '\\', '{', '}', '[', ']', ':', ',', 'name', 'é', ' ', 'x', '\\\\', '\\"'];

function randomDocument(next: () => number): string {
  const text = (): string => {
    let s = '';
    const n = Math.floor(next() * 40);
    for (let i = 0; i < n; i++) s += TRICKY[Math.floor(next() * TRICKY.length)];
    return JSON.stringify(s);
  };
  const keys = [
    ...['name', 'cluster_name', 'clusterName', 'domains'],
    ...['nam', 'names', 'cluster_nam', 'a', 'clusterNamE', 'domain', 'domainss', 'Domains'],
  ];
  const value = (depth: number): string => {
    const r = next();
    if (depth > 6 || r < 0.3) return r < 0.1 ? String(Math.floor(next() * 1e6) - 5e5) : text();
    if (r < 0.45)
      return `[${Array.from({ length: Math.floor(next() * 5) }, () => value(depth + 1)).join(', ')}]`;
    const members = Array.from({ length: Math.floor(next() * 6) }, () => {
      const key = next() < 0.6 ? keys[Math.floor(next() * keys.length)]! : JSON.parse(text());
      return `${JSON.stringify(key)}:${next() < 0.3 ? ' ' : ''}${value(depth + 1)}`;
    });
    return `{${members.join(',')}}`;
  };
  return `{"configs": [${Array.from({ length: 3 }, () => `{"entries": [${Array.from({ length: 8 }, () => `{"resource": ${value(0)}}`).join(',')}]}`).join(',')}]}`;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('json-structure: the WebAssembly skip', () => {
  afterEach(() => useWasmSkip(true));

  it('is available here (Node 20 has WebAssembly SIMD), so the tests below compare two paths', () => {
    const doc = new TextEncoder().encode('{"a": {"name": "x"}}');
    const scanner = new StructureScanner(1) as unknown as { wasm: unknown };
    assert.ok(scanner.wasm, 'the scanner took the WebAssembly path');
    assert.deepEqual(scan(doc, 1, 64, true), scan(doc, 1, 64, false));
  });

  it('indexes every real JSON dump as the JavaScript skip does, whole and in odd chunks', () => {
    const dumps = walk(REAL).filter((p) => p.endsWith('.json'));
    assert.ok(dumps.length >= 40, `found ${dumps.length}`);
    for (const path of dumps) {
      const doc = readFileSync(path);
      for (const depth of [3, 5])
        for (const chunk of [doc.length, 4099, 61]) {
          const what = `${path} depth ${depth} chunks of ${chunk}`;
          // router_check's golden has a trailing comma: both paths must stop at it alike
          const error = scanError(doc, depth, chunk, false);
          if (error !== 'no error') assert.equal(scanError(doc, depth, chunk, true), error, what);
          else assert.deepEqual(scan(doc, depth, chunk, true), scan(doc, depth, chunk, false), what);
        }
    }
  });

  it('indexes random documents full of escapes, quotes, brackets and look-alike names as the JavaScript skip', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const next = random(seed);
      const doc = new TextEncoder().encode(randomDocument(next));
      JSON.parse(new TextDecoder().decode(doc)); // the generator makes valid JSON
      // both paths, in chunks of any size, give what the JavaScript path gives on the whole document
      const whole = scan(doc, 4, doc.length, false);
      for (const chunk of [doc.length, 1 + Math.floor(next() * 40), 16, 17])
        for (const wasm of [true, false])
          assert.deepEqual(
            scan(doc, 4, chunk, wasm),
            whole,
            `seed ${seed}, chunks of ${chunk}, wasm ${wasm}`,
          );
      // and truncated anywhere, the same error at the same offset
      const cut = Math.floor(next() * doc.length);
      const truncated = doc.subarray(0, cut);
      assert.equal(
        scanError(truncated, 4, 23, true),
        scanError(truncated, 4, 23, false),
        `seed ${seed} cut at ${cut}`,
      );
    }
  });

  it('keeps each scanner’s state when two scanners take turns with the one instance', () => {
    const a = new TextEncoder().encode(randomDocument(random(7)));
    const b = new TextEncoder().encode(randomDocument(random(8)));
    const first = new StructureScanner(4);
    const second = new StructureScanner(4);
    for (let at = 0; at < Math.max(a.length, b.length); at += 13) {
      if (at < a.length) first.push(a.subarray(at, at + 13));
      if (at < b.length) second.push(b.subarray(at, at + 13));
    }
    assert.deepEqual(first.end().root, scanDocument(a, 4).root);
    assert.deepEqual(second.end().root, scanDocument(b, 4).root);
  });

  it('is not needed: without WebAssembly (node --jitless) the binary answers the same', () => {
    const dump =
      'fixtures/real/istio/historical/v3-2020-05/istioctl/pkg/writer/envoy/configdump/testdata/configdump.json';
    const run = (flags: string[]) =>
      spawnSync(
        process.execPath,
        [...flags, 'bin/meshctl.js', 'get', 'listeners', '--dump', dump, '-o', 'json'],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
        },
      );
    const plain = run([]);
    const jitless = run(['--jitless']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(jitless.status, 0, jitless.stderr);
    assert.ok(plain.stdout.length > 1000);
    assert.equal(jitless.stdout, plain.stdout);
  });

  it('is the .wat assembled (json-skip-wasm.ts is regenerated when json-skip.wat changes)', () => {
    const check = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    assert.equal(check.status, 0, check.stderr);
  });
});
