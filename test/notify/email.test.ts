// E-mail against a real SMTP server started by the test (smtp-server), over STARTTLS or
// implicit TLS, with a certificate from a CA the test makes: recipients, subject and a UTF-8
// Chinese body arrive intact; a permanent refusal (5xx) is a dead letter, a temporary one (4xx)
// is retried; a server the CA did not sign gets nothing.

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../helpers/ports.js';
import { tmpDir } from '../helpers/tmp.js';
import { request, setup, until, LI, ZHANG } from '../helpers/notify.js';

/** RFC 2047 encoded words ("=?UTF-8?B?…?=") in a header, decoded. */
function decodeWords(header: string): string {
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
    enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

function parseMail(raw: string): { headers: Record<string, string>; text: string } {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = rest.join('\n\n');
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const text =
    cte === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : cte === 'quoted-printable'
        ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
        : body;
  return { headers, text };
}

function makeCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key, cert };
}

t.test('e-mail over STARTTLS with an own CA: recipients, subject, Chinese body', async (t) => {
  const dir = tmpDir(t);
  const { key, cert } = makeCertificate(dir);
  const mails: Array<{ from: string; to: string[]; raw: string; secure: boolean; user?: string }> = [];
  let refuse: number | undefined;
  let refusals = 0;
  let refuseOnce = false;
  const server = new SMTPServer({
    key: readFileSync(key),
    cert: readFileSync(cert),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'wardwatch' && auth.password === 'mail-secret') return cb(null, { user: auth.username });
      return cb(new Error('bad credentials'));
    },
    onRcptTo(_address, _session, cb) {
      if (refuseOnce) {
        refuseOnce = false;
        refuse = 451;
      } else if (refuse === 451) refuse = undefined;
      if (refuse !== undefined) {
        refusals++;
        const e = new Error(refuse >= 500 ? 'mailbox unavailable' : 'try again later') as Error & { responseCode: number };
        e.responseCode = refuse;
        return cb(e);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8'), secure: session.secure, ...(session.user ? { user: String(session.user) } : {}) });
        cb();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));

  const { notifier, recorded, store } = setup(t, {
    mail: { type: 'email', host: '127.0.0.1', port, tls: 'starttls', ca: cert, username: 'wardwatch', password: 'mail-secret', from: 'Wardwatch <wardwatch@hospital.local>' },
  });
  notifier.notify(request({ recipients: [ZHANG, LI] }));
  await until(() => recorded.length === 1, 10_000);
  t.same(recorded.map((r) => r.status), ['sent']);
  const mail = mails[0];
  t.ok(mail?.secure, 'upgraded with STARTTLS and verified against the CA');
  t.equal(mail?.user, 'wardwatch', 'authenticated');
  t.equal(mail?.from, 'wardwatch@hospital.local');
  t.same(mail?.to, ['zhang.wei@hospital.local', 'li.na@hospital.local']);
  const parsed = parseMail(mail?.raw ?? '');
  t.equal(decodeWords(parsed.headers.subject ?? ''), '【P1】新故障 INC-3 门诊挂号接口超时');
  t.match(parsed.headers['content-type'], /text\/plain; charset=utf-8/i);
  t.match(parsed.text, /故障点：his-app-01 \(his\)/);
  t.match(parsed.text, /实测：registration：平均响应 5\.2 秒/);
  t.match(parsed.text, /https:\/\/wardwatch\.hospital\.local\/tickets\/7/);

  refuse = 550;
  notifier.notify(request({ ticketId: 8, recipients: [ZHANG] }));
  await until(() => recorded.length === 2, 10_000);
  t.equal(recorded[1]?.status, 'dead', '5xx: permanent, not retried');
  t.match(recorded[1]?.detail, /smtp-permanent: 127\.0\.0\.1: SMTP 550/);
  t.notMatch(JSON.stringify(await store.notifications({})), /mail-secret/, 'the password is in no record');

  refuse = undefined;
  refuseOnce = true;
  const before = refusals;
  notifier.notify(request({ ticketId: 9, recipients: [ZHANG] }));
  await until(() => recorded.length === 3, 10_000);
  t.equal(refusals - before, 1, 'refused once with 451');
  t.equal(recorded[2]?.status, 'sent', '4xx: temporary, retried until accepted');
});

t.test('e-mail over implicit TLS (port 465 style); a certificate from another CA is refused', async (t) => {
  const dir = tmpDir(t);
  const { key, cert } = makeCertificate(dir);
  const other = makeCertificate(tmpDir(t));
  const mails: Array<{ to: string[]; secure: boolean }> = [];
  const server = new SMTPServer({
    secure: true,
    key: readFileSync(key),
    cert: readFileSync(cert),
    authOptional: true,
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), secure: session.secure });
        cb();
      });
    },
  });
  // The client that does not trust the certificate hangs up during the handshake.
  const handshakeErrors: string[] = [];
  server.on('error', (err) => void handshakeErrors.push(err.message));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));

  const { notifier, recorded } = setup(t, {
    mail: { type: 'email', host: '127.0.0.1', port, tls: 'implicit', ca: cert, from: 'wardwatch@hospital.local' },
    wrong: { type: 'email', host: '127.0.0.1', port, tls: 'implicit', ca: other.cert, from: 'wardwatch@hospital.local' },
  });
  notifier.notify(request({ channels: ['mail'], recipients: [ZHANG] }));
  await until(() => recorded.length === 1, 10_000);
  t.equal(recorded[0]?.status, 'sent');
  t.same(mails, [{ to: ['zhang.wei@hospital.local'], secure: true }], 'TLS from the first byte');

  notifier.notify(request({ ticketId: 8, channels: ['wrong'], recipients: [ZHANG] }));
  await until(() => recorded.some((r) => r.channel === 'wrong' && r.status !== 'sent'), 30_000);
  t.equal(mails.length, 1, 'nothing delivered to a server the configured CA did not sign');
  t.ok(handshakeErrors.length > 0, 'the client broke off the handshake');
  t.match(recorded.find((r) => r.channel === 'wrong')?.detail, /^tls: 127\.0\.0\.1: ESOCKET: .*certificate/, 'the record says it is the certificate');
});

t.test('nobody with an address: recorded, not retried', async (t) => {
  const { notifier, recorded } = setup(t, { mail: { type: 'email', host: '127.0.0.1', port: 9, from: 'w@h.local', tls: 'none' } });
  notifier.notify(request({ recipients: [{ id: 'x', name: '值班' }] }));
  await until(() => recorded.length === 1);
  t.match(recorded[0], { status: 'dead', detail: /no-recipients/ });
});
