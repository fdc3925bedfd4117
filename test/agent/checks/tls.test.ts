// Certificate expiry against real TLS servers on loopback, with certificates made by openssl
// for the test: long-lived, short-lived, already expired, and a chain whose CA expires before
// its leaf. cert_file reads the same certificates from disk (PEM bundle and DER).

import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { silentLogger } from '../../../common/log.js';
import { certFileCheck } from '../../../agent/checks/cert-file.js';
import { expiryOutcome, subjectName } from '../../../agent/checks/certificate.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { tlsCheck } from '../../../agent/checks/tls.js';
import { tmpDir } from '../../helpers/tmp.js';
import { daysFromNow, selfSigned, signed, type Pem } from './certs.js';

const ctx = { agentId: 'his-app-01', dataDir: '/nonexistent', log: silentLogger };
const today = (days: number) => daysFromNow(days).toISOString().slice(0, 10);

async function serve(t: { teardown(fn: () => void): void }, pem: Pem, chain = ''): Promise<number> {
  const server: Server = createServer({ key: pem.key, cert: pem.cert + chain }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  return (server.address() as { port: number }).port;
}

async function tls(port: number, extra: Record<string, unknown> = {}) {
  const spec = { name: 'his-portal-cert', type: 'tls', host: '127.0.0.1', port, ...extra };
  return runOnce(schedule(tlsCheck.create(spec as never, ctx), spec));
}

t.test('expiry thresholds: days left, warning at 30, critical at 7, expired', async (t) => {
  const dir = tmpDir(t);
  const long = await serve(t, selfSigned(dir, 'long', 'his.hospital.test', 90));
  const r = await tls(long);
  t.equal(r.outcome.status, 'ok');
  t.ok(Math.abs((r.outcome.fields?.days_left as number) - 90) <= 0.1, `days_left ${r.outcome.fields?.days_left}`);
  t.equal(r.outcome.summary, `127.0.0.1:${long}: CN=his.hospital.test expires on ${today(90)} (90 days)`);
  t.equal(r.outcome.target, `tls://127.0.0.1:${long}`);

  const soon = await serve(t, selfSigned(dir, 'soon', 'lis.hospital.test', 20));
  t.equal((await tls(soon)).outcome.status, 'warning');
  t.equal((await tls(soon, { warning_days: 10 })).outcome.status, 'ok', 'thresholds are configurable');

  const short = await serve(t, selfSigned(dir, 'short', 'pacs.hospital.test', 3));
  const s = await tls(short);
  t.equal(s.outcome.status, 'critical');
  t.match(s.outcome.summary, /CN=pacs\.hospital\.test expires on .* \(3 days\)$/);

  const ca = selfSigned(dir, 'ca-old', 'Wardwatch Test CA', 3650);
  const expired = await serve(t, signed(dir, ca, 'expired', 'old.hospital.test', new Date('2024-01-01T00:00:00Z'), new Date('2024-02-01T00:00:00Z')));
  const e = await tls(expired);
  t.equal(e.outcome.status, 'critical');
  t.match(e.outcome.summary, /: CN=old\.hospital\.test expired on 2024-02-01 \(\d+ days ago\)$/);
  t.ok((e.outcome.fields?.days_left as number) < -300);
});

t.test('the certificate in the chain that expires first decides', async (t) => {
  const dir = tmpDir(t);
  const ca = selfSigned(dir, 'ca', 'Wardwatch Test CA', 10);
  const leaf = signed(dir, ca, 'leaf', 'his.hospital.test', daysFromNow(-1), daysFromNow(200));
  const port = await serve(t, leaf, ca.cert);
  const r = await tls(port);
  t.equal(r.outcome.status, 'warning');
  t.match(r.outcome.summary, /CN=Wardwatch Test CA expires on /);
  t.ok(Math.abs((r.outcome.fields?.days_left as number) - 10) <= 0.1);
});

t.test('no server, no handshake, and a server that never answers', async (t) => {
  const dir = tmpDir(t);
  const port = await serve(t, selfSigned(dir, 'x', 'x.test', 5));
  const closed = await new Promise<number>((resolve) => {
    const s = createTcpServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const refused = await tls(closed);
  t.same(refused.outcome, { status: 'critical', summary: `no TLS handshake with 127.0.0.1:${closed}: ECONNREFUSED`, target: `tls://127.0.0.1:${closed}`, errorClass: 'refused' });
  const silent = createTcpServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => silent.close());
  const hang = await tls((silent.address() as { port: number }).port, { timeout: '300ms' });
  t.same(hang.outcome, { status: 'critical', summary: 'no answer within 300 ms', errorClass: 'timeout' });
  t.equal((await tls(port)).outcome.status, 'critical', 'the live server still answers');
});

t.test('cert_file: PEM bundles, DER, missing and unreadable files', async (t) => {
  const dir = tmpDir(t);
  const ca = selfSigned(dir, 'ca', 'Wardwatch Test CA', 400);
  const leaf = signed(dir, ca, 'leaf', 'his.hospital.test', daysFromNow(-1), daysFromNow(25));
  const bundle = join(dir, 'bundle.pem');
  writeFileSync(bundle, `# the web server's chain\n${ca.cert}${leaf.cert}`);
  const der = join(dir, 'ca.der');
  execFileSync('openssl', ['x509', '-in', ca.certFile, '-outform', 'DER', '-out', der]);
  const run = async (path: string) => {
    const spec = { name: 'his-cert-file', type: 'cert_file', path };
    return (await runOnce(schedule(certFileCheck.create(spec as never, ctx), spec))).outcome;
  };
  const b = await run(bundle);
  t.equal(b.status, 'warning', 'the leaf (25 days) decides over the CA (400 days)');
  t.equal(b.summary, `${bundle}: CN=his.hospital.test expires on ${today(25)} (25 days)`);
  t.equal(b.target, `file:${bundle}`);
  const d = await run(der);
  t.equal(d.status, 'ok');
  t.match(d.summary, /CN=Wardwatch Test CA expires on/);
  t.same(await run(join(dir, 'nope.pem')), { status: 'critical', summary: `cannot read ${join(dir, 'nope.pem')}: file not found`, target: `file:${join(dir, 'nope.pem')}` });
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
  t.equal((await run(join(dir, 'junk.pem'))).status, 'unknown');
});

t.test('expiry outcome and subject names, as data', async (t) => {
  const now = Date.parse('2025-06-01T00:00:00Z');
  const at = (iso: string) => new Date(iso);
  const cases = [
    { name: 'far', to: '2025-09-01T00:00:00Z', want: 'ok' },
    { name: 'under 30 days', to: '2025-06-20T00:00:00Z', want: 'warning' },
    { name: 'under 7 days', to: '2025-06-05T00:00:00Z', want: 'critical' },
    { name: 'hours left', to: '2025-06-01T06:00:00Z', want: 'critical', summary: 'x: CN=a expires on 2025-06-01 (less than a day)' },
    { name: 'expired', to: '2025-05-01T00:00:00Z', want: 'critical', summary: 'x: CN=a expired on 2025-05-01 (31 days ago)' },
  ];
  for (const c of cases) {
    const o = expiryOutcome([{ subject: 'CN=a', validTo: at(c.to) }], now, { warningDays: 30, criticalDays: 7 }, 'x');
    t.equal(o.status, c.want, c.name);
    if (c.summary) t.equal(o.summary, c.summary, c.name);
  }
  t.equal(subjectName('C=CN\nO=Hospital\nCN=his.local'), 'CN=his.local');
  t.equal(subjectName({ O: 'Hospital', OU: 'IT' }), 'O=Hospital');
  t.equal(subjectName(undefined), 'unnamed certificate');
});
