// A big dump through the live path: a generated ~150 MB config dump served by the local Kubernetes API
// server's port-forward (test/helpers/kube-api-server.ts) and captured with `meshctl snapshot`, next to a
// baseline measured in the same run on the same file (node reading it and JSON.parse). Peak RSS from
// /usr/bin/time -v. Usage: npm run build && node bench/portforward-bench.mjs [MB=150]
import { mkdirSync, mkdtempSync, statSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { measureAsync } from './measure.mjs';
import { fakePod, startKubeApiServer } from '../dist/test/helpers/kube-api-server.js';

const MB = Number(process.argv[2] ?? 150);
const out = join('bench', 'out');
mkdirSync(out, { recursive: true });
const file = join(out, `dump-${MB}mb.json`);

// a sidecar-shaped dump: bootstrap + many EDS clusters with metadata, written as a stream
async function generate() {
  const w = createWriteStream(file);
  const write = (s) => (w.write(s) ? undefined : once(w, 'drain'));
  await write(
    '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"sidecar~10.0.0.5~big-0.default~default.svc.cluster.local","metadata":{"ISTIO_VERSION":"1.20.0"}}}},',
  );
  await write('{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[');
  let bytes = 0;
  for (let i = 0; bytes < MB * 1024 * 1024; i++) {
    const c = `${i ? ',' : ''}{"version_info":"1","cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"outbound|8080||svc-${i}.ns-${i % 100}.svc.cluster.local","type":"EDS","eds_cluster_config":{"eds_config":{"ads":{},"resource_api_version":"V3"},"service_name":"outbound|8080||svc-${i}.ns-${i % 100}.svc.cluster.local"},"connect_timeout":"10s","circuit_breakers":{"thresholds":[{"max_connections":4294967295,"max_pending_requests":4294967295,"max_requests":4294967295,"max_retries":4294967295}]},"metadata":{"filter_metadata":{"istio":{"services":[{"host":"svc-${i}.ns-${i % 100}.svc.cluster.local","name":"svc-${i}","namespace":"ns-${i % 100}"}]}}},"transport_socket_matches":[{"name":"tlsMode-istio","match":{"tlsMode":"istio"},"transport_socket":{"name":"envoy.transport_sockets.tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"alpn_protocols":["istio-peer-exchange","istio"],"tls_certificate_sds_secret_configs":[{"name":"default"}]},"sni":"outbound_.8080_._.svc-${i}.ns-${i % 100}.svc.cluster.local"}}}]},"last_updated":"2026-01-01T00:00:00Z"}`;
    bytes += c.length;
    await write(c);
  }
  await write(']}]}\n');
  w.end();
  await once(w, 'finish');
}

await generate();
const size = statSync(file).size / 1024 / 1024;
const api = await startKubeApiServer({
  pods: [fakePod({ namespace: 'default', name: 'big-0', ip: '10.0.0.5', dump: file })],
});
try {
  const baseline = await measureAsync([
    process.execPath,
    '-e',
    `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)},'utf8'))`,
  ]);
  const snapDir = join(mkdtempSync(join(tmpdir(), 'meshctl-bench-')), 'snap');
  const snap = await measureAsync([
    process.execPath,
    'bin/meshctl.js',
    'snapshot',
    '--out',
    snapDir,
    '--kubeconfig',
    api.kubeconfig(),
  ]);
  if (snap.status !== 0) throw new Error(`snapshot failed: ${snap.err.slice(-400)}`);
  const copied = statSync(join(snapDir, 'dumps/default/big-0.json')).size / 1024 / 1024;
  console.log(`port-forward bench: a ${size.toFixed(0)} MB dump (${file})`);
  console.log(
    `  baseline: node reads + JSON.parse the file     ${baseline.wall.toFixed(2)} s   peak RSS ${baseline.rssMb.toFixed(0)} MB`,
  );
  console.log(
    `  meshctl snapshot through the port-forward       ${snap.wall.toFixed(2)} s   peak RSS ${snap.rssMb.toFixed(0)} MB   (${copied.toFixed(0)} MB written)`,
  );
  console.log(
    `  ratio: time ${(snap.wall / baseline.wall).toFixed(2)}x, memory ${(snap.rssMb / baseline.rssMb).toFixed(2)}x the baseline; peak RSS ${(snap.rssMb / size).toFixed(2)}x the dump size`,
  );
  // the bound this bench guards: the dump streams to disk; only the redaction pass holds it once. Node with
  // the Kubernetes client loaded sits near 190 MB whatever the dump, hence the floor for small sizes.
  const bound = Math.max(2.5 * size + 100, 250);
  if (snap.rssMb > bound) {
    console.error(
      `FAIL: peak RSS ${snap.rssMb.toFixed(0)} MB exceeds ${bound.toFixed(0)} MB (2.5x the dump + 100 MB, at least 250 MB)`,
    );
    process.exitCode = 1;
  }
} finally {
  await api.close();
}
