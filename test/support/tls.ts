import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** PEM texts of a self-signed certificate (its own CA) and its key. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
}

let cached: Promise<SelfSignedCertificate> | undefined;

/**
 * A self-signed certificate for `localhost` and `127.0.0.1` (both in subjectAltName, so clients that check the host
 * name accept either), made once per test process with Debian's openssl. Only the PEM texts are kept: whoever needs
 * files writes them into a directory it removes itself, because vitest's workers end without an `exit` event.
 */
export function selfSignedCertificate(): Promise<SelfSignedCertificate> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wecas-tls-'));
  try {
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    // A new key each run; the 2048-bit RSA key takes ~100 ms.
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
