// Certificates for TLS tests, made by the real openssl: self-signed ones valid for N days, a
// CA-signed leaf whose CA expires first, and already-expired ones (through `openssl ca` with
// explicit dates, since `req -days` cannot go back in time).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certFile: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function selfSigned(dir: string, name: string, cn: string, days: number): Pem {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  openssl(['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`], dir);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), certFile: cert };
}

const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

/** A leaf signed by `ca`, valid between two dates (in the past for an expired certificate). */
export function signed(dir: string, ca: Pem, name: string, cn: string, from: Date, to: Date): Pem {
  const db = join(dir, `${name}-db`);
  mkdirSync(db, { recursive: true });
  writeFileSync(join(db, 'index.txt'), '');
  writeFileSync(join(db, 'serial'), '01\n');
  writeFileSync(
    join(db, 'ca.cnf'),
    `[ca]\ndefault_ca = local\n[local]\ndatabase = ${db}/index.txt\nnew_certs_dir = ${db}\nserial = ${db}/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = copy\n[any]\ncommonName = supplied\n`,
  );
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const caKey = join(dir, `${name}-ca.key`);
  writeFileSync(caKey, ca.key);
  openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`], dir);
  openssl(['ca', '-batch', '-config', join(db, 'ca.cnf'), '-cert', ca.certFile, '-keyfile', caKey, '-startdate', stamp(from), '-enddate', stamp(to), '-in', csr, '-out', cert, '-notext'], dir);
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), certFile: cert };
}

export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}
