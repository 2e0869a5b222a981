/**
 * A self-signed ECDSA P-256 certificate like LND's tls.cert (CA:TRUE, SANs localhost and 127.0.0.1):
 * made with openssl at test time when it exists, else the committed pair under test/fixtures/lnd-tls/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestCertificate {
  key: string;
  cert: string;
}

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function selfSignedCertificate(fixture: 'a' | 'b'): TestCertificate {
  if (!haveOpenssl()) {
    const dir = fileURLToPath(new URL('../fixtures/lnd-tls/', import.meta.url));
    return { key: readFileSync(join(dir, `${fixture}.key`), 'utf8'), cert: readFileSync(join(dir, `${fixture}.cert`), 'utf8') };
  }
  const dir = mkdtempSync(join(tmpdir(), 'satchel-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
        '-subj', `/O=satchel test lnd ${fixture}/CN=localhost`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
