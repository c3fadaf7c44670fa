// The conformance corpus as worlds to open (issue 13): the story snapshots with their goldens and pod
// matrix, the real dumps of fixtures/real with the requests derived from each, and the seeded generated
// families, written to a scratch directory. Case generation is pure (src/core/replay/corpus/); this file
// only reads the fixtures and writes the generated worlds' files.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Explanation } from '../core/engine/types.js';
import {
  deriveCases,
  generatedWorlds,
  goldenCase,
  pairCases,
  type CorpusCase,
  type CorpusWorld,
} from '../core/replay/corpus/index.js';
import { loadDumps } from '../sources/dump/read-dump.js';
import { readSnapshot } from '../sources/snapshot/read-snapshot.js';

export interface Excluded {
  readonly input: string;
  readonly reason: string;
}

export interface Corpus {
  readonly worlds: CorpusWorld[];
  /** Inputs that give no case, with why. */
  readonly excluded: Excluded[];
}

/** The inputs of a world as ReplayInputs take them (absolute paths). */
export interface WorldInputs {
  snapshot?: string;
  dumps?: string[];
  manifests?: string[];
  sockets?: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

async function storyWorlds(root: string): Promise<CorpusWorld[]> {
  const worlds: CorpusWorld[] = [];
  const snapRoot = join(root, 'fixtures/snapshots');
  for (const story of readdirSync(snapRoot).sort()) {
    const dir = join(snapRoot, story);
    if (!existsSync(join(dir, 'meshctl-snapshot.json'))) continue;
    const id = `stories/${story}`;
    const cases: CorpusCase[] = [];
    const goldenDir = join(root, 'fixtures/golden', story);
    if (existsSync(goldenDir))
      for (const f of readdirSync(goldenDir).sort()) {
        if (!f.endsWith('.json')) continue;
        const doc = JSON.parse(readFileSync(join(goldenDir, f), 'utf8')) as {
          kind?: string;
          explanation?: Explanation;
        };
        // explain goldens, and the call an `explain log` golden replays
        const e =
          doc.kind === 'Explanation'
            ? (doc as Explanation)
            : doc.kind === 'LogExplanation'
              ? doc.explanation
              : undefined;
        if (e) cases.push(goldenCase(id, f.replace(/\.json$/, ''), e));
      }
    const snap = await readSnapshot(dir);
    const proxies = snap.dumps.map((d) => {
      const who = d.identity();
      return { label: `${who.pod}.${who.namespace}`, ip: who.ip, type: who.type };
    });
    cases.push(...pairCases(id, proxies, snap.inventory));
    worlds.push({
      id,
      family: 'stories',
      description: `story snapshot ${story}: its goldens and its pod matrix`,
      inputs: { snapshot: relative(root, dir) },
      inRepo: true,
      cases,
    });
  }
  return worlds;
}

async function realWorlds(root: string, excluded: Excluded[]): Promise<CorpusWorld[]> {
  const worlds: CorpusWorld[] = [];
  const seen = new Map<string, string>();
  // v3 captures first: where the same config was captured as v2alpha too, the v3 one is replayed (the
  // v2alpha form goes through the same v3 normal form and would only repeat the same requests)
  const paths = walk(join(root, 'fixtures/real'))
    .filter((p) => /\.(json|ya?ml)$/.test(p))
    .sort((a, b) => Number(/v2alpha/.test(a)) - Number(/v2alpha/.test(b)) || a.localeCompare(b));
  for (const path of paths) {
    const rel = relative(root, path);
    const text = readFileSync(path, 'utf8');
    if (!/config_dump|ConfigDump|"configs"|^configs:/m.test(text) || /expectations|sarif|golden/i.test(rel))
      continue;
    let dump;
    try {
      [dump] = await loadDumps([path]);
    } catch (e) {
      excluded.push({ input: rel, reason: `not a config dump meshctl reads: ${(e as Error).message}` });
      continue;
    }
    if (!dump) continue;
    const who = dump.identity();
    if (!who.pod || !who.ip) {
      excluded.push({ input: rel, reason: 'no bootstrap node id, so no pod and pod IP to replay it as' });
      continue;
    }
    const id = `real/${rel.replace(/^fixtures\/real\//, '').replace(/\.(json|ya?ml)$/, '')}`;
    const cases = deriveCases(id, dump);
    if (!cases.length) {
      excluded.push({
        input: rel,
        reason:
          'no listener that a captured or gateway connection reaches (no 15001/15006 capture, no bound listener)',
      });
      continue;
    }
    const key = JSON.stringify(cases.map((c) => c.args));
    const same = seen.get(key);
    if (same) {
      excluded.push({ input: rel, reason: `derives exactly the cases of ${same} (the same config)` });
      continue;
    }
    seen.set(key, rel);
    worlds.push({
      id,
      family: 'real',
      description: `real dump ${rel}`,
      inputs: { dumps: [rel] },
      inRepo: true,
      cases,
    });
  }
  return worlds;
}

/** Every world of the corpus, in a fixed order: stories, real dumps, generated families. */
export async function corpusWorlds(root: string): Promise<Corpus> {
  const excluded: Excluded[] = [];
  const worlds = [...(await storyWorlds(root)), ...(await realWorlds(root, excluded)), ...generatedWorlds()];
  return { worlds, excluded };
}

/** Writes a generated world's files under `scratch`; returns its inputs as absolute paths. */
export function materialise(w: CorpusWorld, root: string, scratch: string): WorldInputs {
  const base = w.inRepo ? root : join(scratch, w.id.replace(/[^\w.-]+/g, '_'));
  if (!w.inRepo)
    for (const [rel, text] of Object.entries(w.files ?? {})) {
      mkdirSync(dirname(join(base, rel)), { recursive: true });
      writeFileSync(join(base, rel), text);
    }
  const abs = (p: string) => resolve(base, p);
  const i = w.inputs;
  return {
    ...(i.snapshot !== undefined ? { snapshot: abs(i.snapshot) } : {}),
    ...(i.dumps ? { dumps: i.dumps.map(abs) } : {}),
    ...(i.manifests ? { manifests: i.manifests.map(abs) } : {}),
    ...(i.sockets
      ? { sockets: i.sockets.map((s) => s.replace(/=(.*)$/, (_, f: string) => `=${abs(f)}`)) }
      : {}),
  };
}

/** The inputs as `meshctl explain` flags. */
export function inputArgs(inputs: WorldInputs): string[] {
  return [
    ...(inputs.snapshot ? ['--snapshot', inputs.snapshot] : []),
    ...(inputs.dumps ?? []).flatMap((d) => ['--dump', d]),
    ...(inputs.manifests ?? []).flatMap((m) => ['-f', m]),
    ...(inputs.sockets ?? []).flatMap((s) => ['--sockets', s]),
  ];
}
