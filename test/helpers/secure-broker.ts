// A real Mosquitto running the shipped install/mosquitto/ configuration: its own CA and broker
// certificate from make-certs.sh, the shipped ACL, the shipped mosquitto.conf with only the
// paths and ports replaced (both listeners on loopback, free ports), and optionally mutual TLS
// switched on the way the file's comment says.

import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { startMosquitto, type Mosquitto } from './mosquitto.js';
import { freePort } from './ports.js';
import { tmpDir } from './tmp.js';

export interface SecureBroker {
  broker: Mosquitto;
  pki: string;
  /** mqtt://127.0.0.1:<port>, the loopback plain listener. */
  plainUrl: string;
  /** mqtts://127.0.0.1:<port>, the TLS listener. */
  tlsUrl: string;
  ca: Buffer;
  /** Adds a password entry the way an admin would, with mosquitto_passwd. */
  addUser(user: string, password: string): void;
}

export const MOSQUITTO_DIR = join(ROOT, 'install', 'mosquitto');

function mosquittoOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    return { uid: Number(execFileSync('id', ['-u', 'mosquitto']).toString()), gid: Number(execFileSync('id', ['-g', 'mosquitto']).toString()) };
  } catch {
    return undefined;
  }
}

export async function startSecureBroker(t: { teardown(fn: () => void | Promise<void>): void }, opts: { mtls?: boolean; pki?: string } = {}): Promise<SecureBroker> {
  const pki = opts.pki ?? join(tmpDir(t, 'wardwatch-pki-'), 'pki');
  mkdirSync(pki, { recursive: true });
  execFileSync('bash', [join(MOSQUITTO_DIR, 'make-certs.sh'), pki, 'localhost', '127.0.0.1'], { stdio: 'pipe' });
  copyFileSync(join(MOSQUITTO_DIR, 'acl'), join(pki, 'acl'));
  const owner = mosquittoOwner();
  const passwd = join(pki, 'passwd');
  execFileSync('touch', [passwd]);
  if (owner) {
    for (const f of [pki, passwd, join(pki, 'acl')]) chownSync(f, 0, owner.gid);
    // mkdtemp made the parent 0700: the broker's user must be able to walk into it.
    execFileSync('chmod', ['0750', join(pki, '..')]);
    chownSync(join(pki, '..'), 0, owner.gid);
    execFileSync('chmod', ['0640', passwd, join(pki, 'acl')]);
  }
  const [plain, tls] = [await freePort(), await freePort()];
  const shipped = readFileSync(join(MOSQUITTO_DIR, 'mosquitto.conf'), 'utf8');
  const broker = await startMosquitto(t, {
    port: plain,
    configFor: (dir) => {
      let conf = shipped
        .replaceAll('/etc/mosquitto/wardwatch', pki)
        .replace('persistence_location /var/lib/mosquitto/', `persistence_location ${dir}/`)
        .replace('listener 1883 127.0.0.1', `listener ${plain} 127.0.0.1`)
        .replace(/^listener 8883$/m, `listener ${tls} 127.0.0.1`);
      if (opts.mtls) conf = conf.replace('require_certificate false', 'require_certificate true').replace('use_identity_as_username false', 'use_identity_as_username true');
      return `${conf}\nlog_dest file ${dir}/mosquitto.log\nlog_type all\n`;
    },
  });
  return {
    broker,
    pki,
    plainUrl: `mqtt://127.0.0.1:${plain}`,
    tlsUrl: `mqtts://127.0.0.1:${tls}`,
    ca: readFileSync(join(pki, 'ca.crt')),
    addUser(user, password) {
      execFileSync('mosquitto_passwd', ['-b', passwd, user, password]);
    },
  };
}
