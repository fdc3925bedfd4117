// `wardwatch enroll` end to end against a real Mosquitto running the shipped configuration:
// an enrolled agent (the real agent process, with the config enroll wrote) connects; a
// rotated one needs the new secret; a revoked one is refused after the broker reloads. The
// same for client certificates under mutual TLS, where revocation goes through the CRL.

import t from 'tap';
import mqtt from 'mqtt';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { startSecureBroker } from '../helpers/secure-broker.js';
import { sleep, tmpDir } from '../helpers/tmp.js';

async function connects(url: string, opts: mqtt.IClientOptions): Promise<boolean> {
  try {
    const c = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 4_000, ...opts });
    await c.endAsync();
    return true;
  } catch {
    return false;
  }
}

t.test('password credentials: enroll, rotate, revoke', async (t) => {
  const sb = await startSecureBroker(t);
  const out = join(tmpDir(t), 'ws-010');
  const base = ['enroll', 'ws-010', '--pki', sb.pki, '--broker', sb.tlsUrl, '--site', 'main', '--role', 'terminal', '--out', out, '--reload', String(sb.broker.pid)];
  const first = runCli(base);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /enrolled\s+ws-010/);
  t.match(first.stdout, /broker\s+reloaded/);
  const secret = readFileSync(join(out, 'agent.secret'), 'utf8');
  t.equal(statSync(join(out, 'agent.secret')).mode & 0o777, 0o600, 'the secret is private');
  t.notMatch(first.stdout + first.stderr + readFileSync(join(out, 'agent.yaml'), 'utf8') + readFileSync(join(sb.pki, 'passwd'), 'utf8'), secret, 'the password is printed nowhere and stored only hashed');
  t.match(readFileSync(join(sb.pki, 'passwd'), 'utf8'), /^ws-010:\$7\$/m, 'hashed by mosquitto_passwd');

  // The real agent with the config enroll wrote.
  const agent = startCli(t, ['agent', '--config', join(out, 'agent.yaml')], { cwd: out });
  await agent.waitFor(/connected to broker/, 60_000);
  t.equal(await agent.kill('SIGTERM'), 0);

  const again = runCli(base);
  t.equal(again.status, 2);
  t.match(again.stderr, /ws-010 is already enrolled/);
  t.match(again.stderr, /--rotate/);

  const rotated = runCli([...base, '--rotate']);
  t.equal(rotated.status, 0, rotated.stderr);
  const newSecret = readFileSync(join(out, 'agent.secret'), 'utf8');
  t.not(newSecret, secret);
  await sleep(300);
  const opts = { username: 'ws-010', clientId: 'ws-010', ca: sb.ca };
  t.notOk(await connects(sb.tlsUrl, { ...opts, password: secret }), 'the old password no longer works');
  t.ok(await connects(sb.tlsUrl, { ...opts, password: newSecret }), 'the new one does');

  const revoked = runCli(['enroll', 'ws-010', '--pki', sb.pki, '--revoke', '--reload', String(sb.broker.pid)]);
  t.equal(revoked.status, 0, revoked.stderr);
  t.match(revoked.stdout, /password\s+removed/);
  await sleep(300);
  t.notOk(await connects(sb.tlsUrl, { ...opts, password: newSecret }), 'revoked: refused after the reload');
  t.notMatch(readFileSync(join(sb.pki, 'passwd'), 'utf8'), /^ws-010:/m);

  const bad = runCli(['enroll', 'WS 010!', '--pki', sb.pki, '--broker', sb.tlsUrl, '--site', 'main', '--role', 'terminal']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /agent id "WS 010!": expected lowercase/);
  t.notMatch(bad.stderr, /^\s+at /m, 'no stack trace');
});

t.test('certificate credentials under mutual TLS: enroll, revoke through the CRL', async (t) => {
  const sb = await startSecureBroker(t, { mtls: true });
  const out = join(tmpDir(t), 'pacs-01');
  const r = runCli(['enroll', 'pacs-01', '--pki', sb.pki, '--broker', sb.tlsUrl, '--site', 'main', '--role', 'server', '--cert', '--no-password', '--out', out, '--reload', String(sb.broker.pid)]);
  t.equal(r.status, 0, r.stderr);
  t.equal(statSync(join(out, 'agent.key')).mode & 0o777, 0o600, 'the key is private');
  const agent = startCli(t, ['agent', '--config', join(out, 'agent.yaml')], { cwd: out });
  await agent.waitFor(/connected to broker/, 60_000);
  t.equal(await agent.kill('SIGTERM'), 0);
  const creds = { clientId: 'pacs-01', ca: sb.ca, cert: readFileSync(join(out, 'agent.crt')), key: readFileSync(join(out, 'agent.key')) };
  t.ok(await connects(sb.tlsUrl, creds), 'the issued certificate is accepted');

  const revoked = runCli(['enroll', 'pacs-01', '--pki', sb.pki, '--revoke', '--reload', String(sb.broker.pid)]);
  t.equal(revoked.status, 0, revoked.stderr);
  t.match(revoked.stdout, /certificates\s+1 revoked/);
  await sleep(500);
  t.notOk(await connects(sb.tlsUrl, creds), 'revoked certificate refused after the reload');
});
