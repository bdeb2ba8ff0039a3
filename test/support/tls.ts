import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export interface SelfSignedCertificate {
  /** PEM certificate, also the CA file a client must trust (it is its own issuer). */
  certFile: string;
  keyFile: string;
}

let cached: Promise<SelfSignedCertificate> | undefined;

/**
 * A self-signed certificate for `localhost` and `127.0.0.1`, made once per test process with Debian's openssl
 * and removed when the process exits. Clients that check the host name (phpCAS with CN validation, Node) accept
 * it for both names because both are in subjectAltName.
 */
export function selfSignedCertificate(): Promise<SelfSignedCertificate> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<SelfSignedCertificate> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wecas-tls-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  // A new key each run; the 2048-bit RSA key takes ~100 ms.
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyFile, '-out', certFile,
  ]);
  return { certFile, keyFile };
}
