// The http check against a local HTTP(S) server: status, latency, body assertions, redirects,
// Basic auth, certificate days for https, and credentials never in what the check reports.

import t from 'tap';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { silentLogger } from '../../../common/log.js';
import { httpCheck } from '../../../agent/checks/http.js';
import { runOnce, schedule } from '../../../agent/checks/runner.js';
import { freePort } from '../../helpers/ports.js';
import { ROOT } from '../../helpers/cli.js';
import { tmpDir } from '../../helpers/tmp.js';
import { selfSigned } from './certs.js';
import { startHis, type His } from './his-server.js';

const ctx = { agentId: 'his-app-01', dataDir: '/nonexistent', log: silentLogger };

async function check(spec: Record<string, unknown>) {
  const full = { name: 'his-portal', type: 'http', ...spec };
  return runOnce(schedule(httpCheck.create(full as never, ctx), full));
}

let his: His;
t.before(async () => {
  his = await startHis();
});
t.teardown(() => his.close());

t.test('status, latency fields and JSON assertions', async (t) => {
  const ok = await check({ url: `${his.url}/health`, expect: { status: [200], json: [{ path: '$.status', equals: 'UP' }, { path: '$.db' }] } });
  t.equal(ok.outcome.status, 'ok');
  t.match(ok.outcome.summary, /^HTTP 200 in \d+ ms$/);
  t.equal(ok.outcome.fields?.status_code, 200);
  t.ok((ok.outcome.fields?.ttfb_ms as number) > 0 && (ok.outcome.fields?.ttfb_ms as number) <= (ok.outcome.fields?.total_ms as number));
  t.equal(ok.outcome.target, `${his.url}/health`);

  const wrong = await check({ url: `${his.url}/health`, expect: { json: [{ path: '$.status', equals: 'DOWN' }] } });
  t.equal(wrong.outcome.status, 'critical');
  t.match(wrong.outcome.summary, /^HTTP 200 in \d+ ms, but \$\.status is "UP", expected "DOWN"$/);
  const missing = await check({ url: `${his.url}/health`, expect: { json: [{ path: '$.cache' }] } });
  t.match(missing.outcome.summary, /but \$\.cache is missing$/);

  const down = await check({ url: `${his.url}/down` });
  t.equal(down.outcome.status, 'critical');
  t.match(down.outcome.summary, /^HTTP 503 after \d+ ms$/);
  t.equal(down.outcome.fields?.status_code, 503);
  t.equal((await check({ url: `${his.url}/down`, expect: { status: ['5xx'] } })).outcome.status, 'ok', 'a status class can be expected');
  t.same(his.violations, []);
});

t.test('body text and regex; a huge body is read only up to the limit', async (t) => {
  t.equal((await check({ url: `${his.url}/down`, expect: { status: [503], body_contains: 'maintenance' } })).outcome.status, 'ok');
  const r = await check({ url: `${his.url}/down`, expect: { status: [503], body_regex: '^ok$' } });
  t.match(r.outcome.summary, /but body does not match \/\^ok\$\/$/);
  const big = await check({ url: `${his.url}/big`, expect: { body_contains: 'TAIL' } });
  t.match(big.outcome.summary, /body does not contain "TAIL"/, 'only the first MiB is read');
});

t.test('slow is a warning; past the timeout is critical', async (t) => {
  const slow = await check({ url: `${his.url}/slow?ms=400`, warn_after: '200ms' });
  t.equal(slow.outcome.status, 'warning');
  t.match(slow.outcome.summary, /^HTTP 200 in \d{3} ms \(slower than 200 ms\)$/);
  const hung = await check({ url: `${his.url}/slow?ms=2000`, timeout: '300ms' });
  t.same(hung.outcome, { status: 'critical', summary: 'no answer within 300 ms', errorClass: 'timeout' });
});

t.test('redirects: followed by default, or checked themselves', async (t) => {
  const followed = await check({ url: `${his.url}/old`, expect: { json: [{ path: '$.status', equals: 'UP' }] } });
  t.equal(followed.outcome.status, 'ok');
  const itself = await check({ url: `${his.url}/old`, follow_redirects: false, expect: { status: [302] } });
  t.equal(itself.outcome.status, 'ok');
  t.equal(itself.outcome.fields?.status_code, 302);
});

t.test('Basic auth from basic_auth or from the URL; the password never shows', async (t) => {
  const viaKey = await check({ url: `${his.url}/basic`, basic_auth: { username: 'nurse', password: his.password } });
  t.equal(viaKey.outcome.status, 'ok');
  const viaUrl = await check({ url: `${his.url.replace('//', `//nurse:${his.password}@`)}/basic` });
  t.equal(viaUrl.outcome.status, 'ok', 'fetch refuses user:password URLs; the check turns them into a header');
  t.equal(viaUrl.outcome.target, `${his.url}/basic`);
  const echoed = await check({ url: `${his.url.replace('//', `//nurse:${his.password}@`)}/echo`, headers: { 'X-Api-Key': 'k-123456' } });
  t.equal(echoed.outcome.status, 'critical');
  const text = JSON.stringify(echoed);
  t.notOk(text.includes(his.password), 'no password');
  t.notOk(text.includes(Buffer.from(`nurse:${his.password}`).toString('base64')), 'no Basic credentials');
  t.notOk(text.includes('k-123456'), 'no API key');
});

t.test('a refused connection is critical with a reason, not a stack', async (t) => {
  const port = await freePort();
  const r = await check({ url: `http://127.0.0.1:${port}/health` });
  t.same(r.outcome, { status: 'critical', summary: 'connection refused', target: `http://127.0.0.1:${port}/health`, errorClass: 'refused', fields: { error: 'ECONNREFUSED' } });
});

t.test('https: an untrusted certificate says so; a trusted one reports days_left', async (t) => {
  const dir = tmpDir(t);
  const pem = selfSigned(dir, 'his', 'his.hospital.test', 20);
  const https = await startHis({ tls: pem });
  t.teardown(() => https.close());
  const untrusted = await check({ url: `${https.url}/health` });
  t.equal(untrusted.outcome.status, 'critical');
  t.match(untrusted.outcome.summary, /^certificate not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\); add its CA to NODE_EXTRA_CA_CERTS$/);
  // Node reads extra CAs at start only, so the trusted case runs in a fresh process.
  const script = `import('${join(ROOT, 'dist/agent/checks/http.js')}').then(async (m) => {
    const c = m.httpCheck.create({ name: 'h', type: 'http', url: '${https.url}/health' }, {});
    console.log(JSON.stringify(await c.run(new AbortController().signal)));
  })`;
  // Not spawnSync: the server answering the child lives in this process's event loop.
  const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: pem.certFile }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  t.equal(child.status, 0, child.stderr);
  const outcome = JSON.parse(child.stdout) as { status: string; summary: string; fields: Record<string, number> };
  t.equal(outcome.status, 'warning', '20 days left is under the 30-day warning');
  t.match(outcome.summary, /^HTTP 200 in \d+ ms; certificate CN=his\.hospital\.test expires on \S+ \(20 days\)$/);
  t.ok(Math.abs(outcome.fields.days_left! - 20) < 0.1);
});
