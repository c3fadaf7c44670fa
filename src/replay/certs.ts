// The replay world's test CA (issue 13): one root per run and one workload certificate per proxy, whose SAN is
// the SPIFFE identity Istio's CA would give it (spiffe://<trust domain>/ns/<ns>/sa/<sa>), so the source's
// upstream TLS context (match_subject_alt_names) and the destination's STRICT chains handshake for real.
// Made with the openssl command line (serials random, so certificates are issued in parallel); the keys live in the run's directory only for the run.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InputError } from '../core/diagnostics/errors.js';
import type { TestCertificates } from '../core/replay/bootstrap.js';

const run = promisify(execFile);
const TIMEOUT_MS = 15_000;

export interface TestCa {
  readonly dir: string;
  readonly rootCert: string;
  readonly certPath: string;
  readonly keyPath: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: TIMEOUT_MS });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new InputError(
        'replay needs the openssl command to make its test certificates',
        'install openssl (Debian: apt-get install openssl)',
      );
    const why = (err.stderr ?? err.message).trim().split('\n').pop() ?? '';
    throw new InputError(`openssl ${args[0]} failed while making the replay test CA: ${why}`);
  }
}

/** A fresh root CA in `dir` (EC P-256, valid for a day: a run lasts minutes). */
export async function makeTestCa(dir: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certPath = join(dir, 'root-cert.pem');
  const keyPath = join(dir, 'root-key.pem');
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/O=meshctl replay/CN=meshctl replay root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { dir, rootCert: await readFile(certPath, 'utf8'), certPath, keyPath };
}

/** File-system-safe name for a SPIFFE id. */
function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 120);
}

/**
 * A workload certificate for `spiffe` (URI SANs, as Istio issues: security/pkg/pki/util/generate_cert.go; several
 * for a stand-in upstream that must pass every identity a client's cluster accepts),
 * usable as server and client, plus DNS SANs for gateways' server certificates. Chain = leaf + root.
 */
export async function issueWorkloadCert(
  ca: TestCa,
  spiffe: string | readonly string[],
  dnsNames: readonly string[] = [],
): Promise<TestCertificates> {
  const uris = typeof spiffe === 'string' ? [spiffe] : [...spiffe];
  const base = join(ca.dir, `${slug(uris[0] ?? 'workload')}-${randomBytes(4).toString('hex')}`);
  const ext = `${base}.ext`;
  const sans = [...uris.map((u) => `URI:${u}`), ...dnsNames.map((d) => `DNS:${d}`)].join(',');
  await writeFile(
    ext,
    `subjectAltName=critical,${sans}\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=critical,CA:FALSE\n`,
    { mode: 0o600 },
  );
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      '/O=meshctl replay',
    ],
    ca.dir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      ca.certPath,
      '-CAkey',
      ca.keyPath,
      '-set_serial',
      `0x${randomBytes(12).toString('hex')}`,
      '-days',
      '1',
      '-extfile',
      ext,
      '-out',
      `${base}.pem`,
    ],
    ca.dir,
  );
  const leaf = await readFile(`${base}.pem`, 'utf8');
  return {
    rootCert: ca.rootCert,
    certChain: leaf + ca.rootCert,
    privateKey: await readFile(`${base}.key`, 'utf8'),
  };
}
