// Agent credentials on the broker host: a password entry in Mosquitto's password file (hashed
// by mosquitto_passwd itself, so our code never has to match its format), a client
// certificate signed by the broker CA made by install/mosquitto/make-certs.sh, revocation
// through the CA's CRL, and SIGHUP to Mosquitto so it reads the files again.
//
// The plain password never appears on a command line (where `ps` would show it): it goes
// into a 0600 temporary file that `mosquitto_passwd -U` hashes in place.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../common/errors.js';

export interface Pki {
  dir: string;
  passwd: string;
}

export function pkiAt(dir: string): Pki {
  if (!existsSync(dir)) throw new UserError(`no broker directory ${dir}`, ['create it with install/mosquitto/make-certs.sh <dir> <broker host name>']);
  return { dir, passwd: join(dir, 'passwd') };
}

export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new UserError(`${cmd} is not installed`, [cmd.startsWith('mosquitto') ? 'install the mosquitto package' : 'install openssl']);
    throw new UserError(`${cmd} failed`, [(e.stderr ?? '').trim().split('\n').slice(-2).join(' ') || 'no message']);
  }
}

/** Writes through a temporary file and a rename, keeping the old file's owner and mode. */
function replaceFile(path: string, text: string, fallbackMode: number): void {
  const old = existsSync(path) ? statSync(path) : undefined;
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, old ? old.mode & 0o777 : fallbackMode);
  if (old && process.getuid?.() === 0) chownSync(tmp, old.uid, old.gid);
  renameSync(tmp, path);
}

function passwdLines(pki: Pki): string[] {
  return existsSync(pki.passwd) ? readFileSync(pki.passwd, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
}

export function hasPassword(pki: Pki, user: string): boolean {
  return passwdLines(pki).some((l) => l.startsWith(`${user}:`));
}

/** Sets (adds or replaces) the user's password entry. */
export function setPassword(pki: Pki, user: string, password: string): void {
  const tmp = join(pki.dir, `.enroll-${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, `${user}:${password}\n`, { mode: 0o600 });
  try {
    run('mosquitto_passwd', ['-U', tmp], pki.dir);
    const hashed = readFileSync(tmp, 'utf8').trim();
    if (!hashed.startsWith(`${user}:$`)) throw new UserError('mosquitto_passwd did not hash the password');
    replaceFile(pki.passwd, [...passwdLines(pki).filter((l) => !l.startsWith(`${user}:`)), hashed].join('\n') + '\n', 0o640);
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function removePassword(pki: Pki, user: string): boolean {
  const lines = passwdLines(pki);
  const kept = lines.filter((l) => !l.startsWith(`${user}:`));
  if (kept.length === lines.length) return false;
  replaceFile(pki.passwd, kept.map((l) => l + '\n').join(''), 0o640);
  return true;
}

function requireCa(pki: Pki): void {
  for (const f of ['ca.crt', 'ca.key', 'ca.cnf', 'index.txt']) {
    if (!existsSync(join(pki.dir, f))) throw new UserError(`${join(pki.dir, f)} is missing`, ['certificates need the CA made by install/mosquitto/make-certs.sh']);
  }
}

/** Serial numbers of the valid certificates issued to this agent id. */
export function validCertificates(pki: Pki, user: string): string[] {
  const index = join(pki.dir, 'index.txt');
  if (!existsSync(index)) return [];
  return readFileSync(index, 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f[0] === 'V' && (f[5] ?? '').split('/').includes(`CN=${user}`))
    .map((f) => f[3] ?? '');
}

/** A new key and a certificate with CN = agent id, signed by the CA; returns both as PEM. */
export function issueCertificate(pki: Pki, user: string): { cert: string; key: string } {
  requireCa(pki);
  const work = join(pki.dir, `.enroll-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    run('openssl', ['req', '-newkey', 'rsa:2048', '-sha256', '-nodes', '-keyout', `${work}.key`, '-out', `${work}.csr`, '-subj', `/O=Wardwatch/CN=${user}`], pki.dir);
    run('openssl', ['ca', '-batch', '-config', 'ca.cnf', '-extensions', 'agent', '-notext', '-in', `${work}.csr`, '-out', `${work}.crt`], pki.dir);
    return { cert: readFileSync(`${work}.crt`, 'utf8'), key: readFileSync(`${work}.key`, 'utf8') };
  } finally {
    for (const ext of ['key', 'csr', 'crt']) rmSync(`${work}.${ext}`, { force: true });
  }
}

/** Revokes every valid certificate of the agent and writes a new CRL; returns how many. */
export function revokeCertificates(pki: Pki, user: string): number {
  const serials = validCertificates(pki, user);
  if (serials.length === 0) return 0;
  requireCa(pki);
  for (const serial of serials) run('openssl', ['ca', '-config', 'ca.cnf', '-revoke', `${serial}.pem`], pki.dir);
  const crl = run('openssl', ['ca', '-config', 'ca.cnf', '-gencrl'], pki.dir);
  replaceFile(join(pki.dir, 'crl.pem'), crl, 0o644);
  return serials.length;
}

/** Tells Mosquitto to read its password file, ACL and CRL again. */
export function reloadBroker(target: string): number {
  const text = /^\d+$/.test(target) ? target : existsSync(target) ? readFileSync(target, 'utf8').trim() : '';
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 1) throw new UserError(`--reload: expected Mosquitto's pid or pid file, got "${target}"`);
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    throw new UserError(`--reload: cannot signal process ${pid}`, [(err as Error).message]);
  }
  return pid;
}
