// The shipped Mosquitto configuration (install/mosquitto/) on a real broker: TLS verified
// against the hospital CA, one password per agent, and an ACL that lets an agent publish only
// under its own id and read nothing; the correlator reads everything. Mutual TLS refuses a
// client without a certificate from the CA.

import t from 'tap';
import mqtt, { type IClientOptions } from 'mqtt';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../common/log.js';
import { resolveCorrelatorConfig } from '../../correlator/config/load.js';
import { startCorrelator } from '../../correlator/main.js';
import { encode } from '../../protocol/encode.js';
import { topicFor } from '../../protocol/topics.js';
import { metrics, cpu } from '../helpers/messages.js';
import { MOSQUITTO_DIR, startSecureBroker } from '../helpers/secure-broker.js';
import { eventually, sleep, tmpDir } from '../helpers/tmp.js';

const connect = (url: string, opts: IClientOptions) => mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5_000, ...opts });

/** The error a connection attempt ends with, or undefined if it connected. */
async function refusal(url: string, opts: IClientOptions): Promise<(Error & { code?: number | string }) | undefined> {
  try {
    const c = await connect(url, opts);
    await c.endAsync();
    return undefined;
  } catch (err) {
    return err as Error & { code?: number | string };
  }
}

t.test('shipped config: plain MQTT only on loopback', async (t) => {
  const conf = readFileSync(join(MOSQUITTO_DIR, 'mosquitto.conf'), 'utf8');
  const listeners = conf.split(/^listener /m).slice(1).map((block) => block.split('\n\n')[0] ?? '');
  t.equal(listeners.length, 2);
  for (const l of listeners) {
    const tls = /^certfile /m.test(l);
    t.ok(tls || /^\d+ 127\.0\.0\.1\b/.test(l), `listener ${l.split('\n')[0]}: ${tls ? 'TLS' : 'loopback only'}`);
  }
  t.match(conf, /^allow_anonymous false$/m);
  t.match(conf, /^persistence true$/m);
});

t.test('TLS, passwords and the ACL on a real broker', async (t) => {
  const sb = await startSecureBroker(t);
  sb.addUser('correlator', 'corr-S3cret-pw');
  sb.addUser('ws-001', 'ws1-S3cret-pw');
  sb.addUser('ws-002', 'ws2-S3cret-pw');
  // mosquitto_passwd replaced the file: give it back to the broker's group, then reload.
  execFileSync('bash', ['-c', `chgrp mosquitto ${join(sb.pki, 'passwd')} 2>/dev/null; chmod 0640 ${join(sb.pki, 'passwd')}`]);
  process.kill(sb.broker.pid!, 'SIGHUP');
  await sleep(300);

  const dir = tmpDir(t);
  const config = resolveCorrelatorConfig(
    { broker: { url: sb.tlsUrl, username: 'correlator', password: 'corr-S3cret-pw', tls: { ca: join(sb.pki, 'ca.crt') }, client_id: 'correlator' }, store: { sqlite: 'w.db' }, rules: join(MOSQUITTO_DIR, '..', '..', 'rules') },
    dir,
  );
  const correlator = await startCorrelator(config, silentLogger);
  t.teardown(() => correlator.stop());
  await correlator.subscriber.ready;

  const ws1 = await connect(sb.tlsUrl, { username: 'ws-001', password: 'ws1-S3cret-pw', clientId: 'ws-001', ca: sb.ca });
  t.teardown(() => ws1.endAsync());
  const ws2 = await connect(sb.tlsUrl, { username: 'ws-002', password: 'ws2-S3cret-pw', clientId: 'ws-002', ca: sb.ca });
  t.teardown(() => ws2.endAsync());

  // An agent reads nothing, not even with a wildcard subscription the broker grants.
  const overheard: string[] = [];
  ws1.on('message', (topic) => overheard.push(topic));
  await ws1.subscribeAsync('wardwatch/v1/#', { qos: 1 });

  const T = Date.now();
  await ws1.publishAsync(topicFor('metrics', 'main', 'ws-001'), encode(metrics('ws-001', 1, T, [cpu(10)])), { qos: 1 });
  await ws2.publishAsync(topicFor('metrics', 'main', 'ws-002'), encode(metrics('ws-002', 1, T, [cpu(10)])), { qos: 1 });
  // ws-001 pretends to be ws-002: MQTT 5 PUBACK 0x87 Not authorized.
  const forged = await ws1.publishAsync(topicFor('metrics', 'main', 'ws-002'), encode(metrics('ws-002', 99, T, [cpu(99)])), { qos: 1 }).then(
    () => undefined,
    (err: Error & { code?: number }) => err,
  );
  t.equal(forged?.code, 0x87, 'publishing under another agent\'s id: PUBACK 0x87 Not authorized');
  await eventually(async () => correlator.engine.fleet.get('ws-001') && correlator.engine.fleet.get('ws-002'), 5_000, 'both genuine messages at the correlator');
  await sleep(500);
  t.equal(correlator.engine.fleet.get('ws-002')?.lastSeq, 1, 'the correlator never saw the forged message');
  t.same(overheard, [], 'an agent reads nothing');

  // Refusals.
  const wrong = await refusal(sb.tlsUrl, { username: 'ws-001', password: 'guess', clientId: 'ws-001', ca: sb.ca });
  t.ok(wrong, 'wrong password refused');
  t.match(String(wrong?.message), /Not authorized|Bad User Name or Password/i);
  const anonymous = await refusal(sb.tlsUrl, { clientId: 'nobody', ca: sb.ca });
  t.ok(anonymous, 'no credentials refused');
  const untrusted = await refusal(sb.tlsUrl, { username: 'ws-001', password: 'ws1-S3cret-pw', clientId: 'ws-001' });
  t.match(String(untrusted?.message), /self[- ]signed|unable to (get|verify)|certificate/i, 'a broker certificate not from a trusted CA is refused by the client');
  const plainOnTls = await refusal(sb.tlsUrl.replace('mqtts:', 'mqtt:'), { username: 'ws-001', password: 'ws1-S3cret-pw', clientId: 'ws-001', connectTimeout: 2_000 });
  t.ok(plainOnTls, 'no plain MQTT on the TLS port');
});

t.test('mutual TLS: no certificate from the CA, no connection', async (t) => {
  const sb = await startSecureBroker(t, { mtls: true });
  const dir = tmpDir(t);
  // A client certificate from the broker's CA, CN = agent id, as `wardwatch enroll --cert` makes it.
  execFileSync('bash', ['-c', `cd ${sb.pki} && openssl req -newkey rsa:2048 -nodes -keyout ${dir}/a.key -out ${dir}/a.csr -subj /CN=ws-003 2>/dev/null && openssl ca -batch -config ca.cnf -extensions agent -notext -in ${dir}/a.csr -out ${dir}/a.crt 2>/dev/null`]);
  // And one from a CA nobody trusts.
  execFileSync('bash', ['-c', `cd ${dir} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout rogue.key -out rogue.crt -subj /CN=ws-003 2>/dev/null`]);
  const cert = readFileSync(join(dir, 'a.crt'));
  const key = readFileSync(join(dir, 'a.key'));
  const ok = await connect(sb.tlsUrl, { clientId: 'ws-003', ca: sb.ca, cert, key });
  await ok.publishAsync(topicFor('metrics', 'main', 'ws-003'), encode(metrics('ws-003', 1, Date.now(), [cpu(1)])), { qos: 1 });
  const foreign = await ok.publishAsync(topicFor('metrics', 'main', 'ws-004'), Buffer.from('{}'), { qos: 1 }).then(() => undefined, (e: Error & { code?: number }) => e);
  t.equal(foreign?.code, 0x87, 'the certificate\'s CN is the identity the ACL confines');
  await ok.endAsync();
  t.ok(await refusal(sb.tlsUrl, { clientId: 'ws-003', ca: sb.ca, connectTimeout: 3_000 }), 'no client certificate: refused');
  t.ok(await refusal(sb.tlsUrl, { clientId: 'ws-003', ca: sb.ca, cert: readFileSync(join(dir, 'rogue.crt')), key: readFileSync(join(dir, 'rogue.key')), connectTimeout: 3_000 }), 'a certificate from another CA: refused');
});

t.test('a correlator refused by the broker keeps trying and connects once its password is set', async (t) => {
  const sb = await startSecureBroker(t);
  const dir = tmpDir(t);
  const config = resolveCorrelatorConfig(
    { broker: { url: sb.tlsUrl, username: 'correlator', password: 'not-yet-set-pw', tls: { ca: join(sb.pki, 'ca.crt') }, client_id: 'correlator' }, store: { sqlite: 'w.db' }, rules: join(MOSQUITTO_DIR, '..', '..', 'rules') },
    dir,
  );
  const lines: string[] = [];
  const { createLogger } = await import('../../common/log.js');
  const correlator = await startCorrelator(config, createLogger({ write: (l) => lines.push(l) }));
  t.teardown(() => correlator.stop());
  await eventually(() => lines.some((l) => /Not authorized/.test(l)), 10_000, 'refused');
  sb.addUser('correlator', 'not-yet-set-pw');
  execFileSync('bash', ['-c', `chgrp mosquitto ${join(sb.pki, 'passwd')} 2>/dev/null; chmod 0640 ${join(sb.pki, 'passwd')}`]);
  process.kill(sb.broker.pid!, 'SIGHUP');
  await correlator.subscriber.ready;
  t.ok(correlator.subscriber.client.connected, 'connected after the refusal');
  t.ok(lines.filter((l) => /Not authorized/.test(l)).length >= 1);
});
