// A real Net-SNMP agent (Debian's snmpd) for tests: its own config and persistent directory, a
// free UDP port on 127.0.0.1, a v2c community and a v3 user (SHA/AES, authPriv) created with
// createUser in the persistent directory, as on a real install. Stopped when the test ends.

import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import snmp from 'net-snmp';
import { eventually, tmpDir } from './tmp.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export interface Snmpd {
  port: number;
  community: string;
  sysName: string;
  v3: { user: string; authPassword: string; privPassword: string };
  log(): string;
}

export function snmpdBinary(): string {
  for (const p of ['/usr/sbin/snmpd', '/usr/bin/snmpd']) if (existsSync(p)) return p;
  return 'snmpd';
}

/** A UDP port that was free on 127.0.0.1 a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Answers a v2c get of sysUpTime, or rejects. */
function answers(port: number, community: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const session = snmp.createSession('127.0.0.1', community, { port, version: snmp.Version2c, retries: 0, timeout: 300 });
    session.on('error', () => undefined);
    session.get(['1.3.6.1.2.1.1.3.0'], (err) => {
      session.close();
      if (err) reject(err);
      else resolve(true);
    });
  });
}

export async function startSnmpd(t: Teardown): Promise<Snmpd> {
  const dir = tmpDir(t, 'wardwatch-snmpd-');
  const persist = join(dir, 'persist');
  mkdirSync(persist);
  const port = await freeUdpPort();
  const d: Snmpd = {
    port,
    community: 'ww-test-community',
    sysName: 'ward-test-switch',
    v3: { user: 'wwprobe', authPassword: 'auth-pass-123', privPassword: 'priv-pass-456' },
    log: () => output,
  };
  writeFileSync(join(dir, 'snmpd.conf'), [`rocommunity ${d.community} 127.0.0.1`, `rouser ${d.v3.user} priv`, `sysName ${d.sysName}`, 'sysLocation test', 'sysContact test', ''].join('\n'));
  // createUser belongs in the persistent file: snmpd turns it into a localized key on start.
  writeFileSync(join(persist, 'snmpd.conf'), `createUser ${d.v3.user} SHA "${d.v3.authPassword}" AES "${d.v3.privPassword}"\n`);
  let output = '';
  // The config path is ours alone (never /etc/snmp) and, like snmpd's default path, ends with
  // the persistent directory, which is where snmpd reads createUser from.
  const proc: ChildProcess = spawn(snmpdBinary(), ['-f', '-Lo', '-m', '', '-p', join(dir, 'snmpd.pid'), `udp:127.0.0.1:${port}`], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: persist, SNMPCONFPATH: `${dir}:${persist}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  });
  await eventually(() => {
    if (proc.exitCode !== null) throw new Error(`snmpd exited: ${output}`);
    return answers(port, d.community);
  }, 10_000, 'snmpd to answer', 100);
  return d;
}
