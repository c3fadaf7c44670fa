// Lint at scale: N generated Services + Deployments, meshctl lint against a baseline measured in the same run
// on the same file (reading it and parsing every document with the `yaml` package, nothing else).
// Usage: npm run build && node bench/lint-bench.mjs [N=10000] [RUNS=5]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bench as benchOnce } from './measure.mjs';

const N = Number(process.argv[2] ?? 10000);
const RUNS = Number(process.argv[3] ?? 5);
const out = join('bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `lint-${N}.yaml`);

const docs = [];
for (let i = 0; i < N; i++) {
  const app = `app-${i}`;
  // a realistic mix: most ports named, some unnamed (MESH0001), a few UDP (MESH0009)
  const portName =
    i % 10 === 0
      ? ''
      : i % 97 === 0
        ? '    protocol: UDP\n    name: dns\n'
        : `    name: http-${i % 7 === 0 ? 'metrics' : 'web'}\n`;
  docs.push(
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${app}\n  namespace: ns-${i % 50}\n  labels:\n    app: ${app}\nspec:\n  selector:\n    app: ${app}\n  ports:\n  - port: 8080\n    targetPort: 8080\n${portName}`,
  );
  docs.push(
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\n  namespace: ns-${i % 50}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: ${app}\n  template:\n    metadata:\n      labels:\n        app: ${app}\n        version: v1\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/${app}:1.0\n        ports:\n        - containerPort: 8080\n          name: web\n        resources:\n          requests:\n            cpu: 100m\n            memory: 64Mi\n`,
  );
}
writeFileSync(file, docs.join('---\n'));

const bench = (name, cmd, args) => benchOnce(name, cmd, args, RUNS);

// two baselines: parsing alone with js-yaml (what lint parses values with) and with the yaml package's CST
// (what gives positions, built by lint only for documents with findings)
const jsYamlScript = `const fs=require('fs');const y=require('js-yaml');console.log(y.loadAll(fs.readFileSync(${JSON.stringify(file)},'utf8'),null,{json:true}).length)`;
const yamlScript = `const fs=require('fs');const y=require('yaml');const d=y.parseAllDocuments(fs.readFileSync(${JSON.stringify(file)},'utf8'));let n=0;for(const x of d){if(x.toJS())n++}console.log(n)`;
const jsYaml = bench('baseline: read + js-yaml loadAll', process.execPath, ['-e', jsYamlScript]);
const yamlCst = bench('baseline: read + yaml.parseAllDocuments + toJS', process.execPath, ['-e', yamlScript]);
const lint = bench('meshctl lint -o json', process.execPath, [
  'bin/meshctl.js',
  'lint',
  file,
  '-o',
  'json',
  '--fail-on',
  'none',
]);

console.log(
  `lint bench: ${N} Services + ${N} Deployments (${docs.length} documents), median of ${RUNS} runs`,
);
for (const b of [jsYaml, yamlCst, lint])
  console.log(`  ${b.name.padEnd(48)} ${b.wall.toFixed(2)} s   peak RSS ${b.rssMb.toFixed(0)} MB`);
console.log(
  `  lint / js-yaml parse: time ${(lint.wall / jsYaml.wall).toFixed(2)}x, memory ${(lint.rssMb / jsYaml.rssMb).toFixed(2)}x`,
);
console.log(
  `  lint / yaml CST parse: time ${(lint.wall / yamlCst.wall).toFixed(2)}x, memory ${(lint.rssMb / yamlCst.rssMb).toFixed(2)}x`,
);
