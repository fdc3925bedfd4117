// The generic webhook (Standard Webhooks signature) and the SMS gateway template against local
// receivers; retries, no retry after a 4xx, dead letters in the store; the rate limit.

import t from 'tap';
import { createHmac } from 'node:crypto';
import { must, startReceiver } from '../helpers/http-receiver.js';
import { LI, request, setup, until, ZHANG } from '../helpers/notify.js';

const SECRET = `whsec_${Buffer.from('a-32-byte-key-for-the-webhook!!!').toString('base64')}`;

t.test('webhook: Standard Webhooks headers verify; 5xx retried, 4xx becomes a dead letter', async (t) => {
  const ids: string[] = [];
  const hook = await startReceiver(t, (req, n) => {
    must(req.method === 'POST' && req.path === '/hooks/wardwatch', 'POST to the configured path');
    const id = String(req.headers['webhook-id']);
    const ts = String(req.headers['webhook-timestamp']);
    must(/^msg_[0-9a-f]{24}$/.test(id), 'webhook-id');
    must(/^\d{10}$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) < 300, 'webhook-timestamp in seconds, fresh');
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const sig = createHmac('sha256', key).update(`${id}.${ts}.${req.body}`).digest('base64');
    must(String(req.headers['webhook-signature']).split(' ').includes(`v1,${sig}`), 'webhook-signature v1 over id.timestamp.body');
    const b = req.json as { type: string; data: { tickets: number[]; priority: string; text: string; url: string; recipients: Array<{ id: string }> } };
    must(b.type.startsWith('ticket.') && Array.isArray(b.data.tickets) && typeof b.data.text === 'string', 'event body');
    ids.push(id);
    if (n === 1) return { status: 503 };
    if (n === 3) return { status: 400, body: { error: 'unknown receiver' } };
    return { status: 204 };
  });
  const { notifier, recorded, store } = setup(t, { hook: { type: 'webhook', url: `${hook.url}/hooks/wardwatch`, secret: SECRET } });
  notifier.notify(request({ ticketId: 7 }));
  await until(() => recorded.length === 1);
  t.same(recorded.map((r) => r.status), ['sent'], 'sent on the second attempt');
  t.equal(ids[0], ids[1], 'a retry keeps the webhook-id, so the receiver can drop a duplicate');
  notifier.notify(request({ ticketId: 8, kind: 'resolved' }));
  await until(() => recorded.length === 2);
  await new Promise((r) => setTimeout(r, 250));
  t.equal(hook.requests.length, 3, 'no retry after a 400');
  t.same(hook.violations, []);
  const dead = await store.notifications({ status: 'dead' });
  t.match(dead, [{ ticketId: 8, channel: 'hook', kind: 'resolved', detail: /http-4xx/ }]);
  t.match(dead[0]?.payload, /【P1】已恢复 INC-3/);
  t.notMatch(JSON.stringify(dead), /whsec_|a-32-byte/, 'the secret is in no record');
});

t.test('SMS: URL and body templates, escaping, success predicate', async (t) => {
  const sms = await startReceiver(t, (req, n) => {
    must(req.method === 'POST' && req.path === '/sms/send', 'POST /sms/send');
    must(req.query.get('sign') === '某院信息科', 'URL placeholder filled and URL-encoded');
    must(req.headers['x-api-key'] === 'gw-key', 'configured header');
    const b = req.json as { to: string; msg: string; ref: string };
    must(b.to === '13800001111,13900002222', '{{phones}}: every recipient with a phone');
    must([...b.msg].length <= 40, '{{text}} cut to max_length');
    must(b.ref === 'T-7', '{{ticket}}');
    if (n === 1) return { status: 502 };
    return { body: { result: { code: n === 2 ? 'OK' : 'ERR_QUOTA' } } };
  });
  const { notifier, recorded } = setup(t, {
    sms: {
      type: 'sms',
      url: `${sms.url}/sms/send?sign=某院信息科`,
      headers: { 'x-api-key': 'gw-key' },
      body: '{"to":"{{phones}}","msg":"{{text}}","ref":"{{ticket}}"}',
      max_length: 40,
      success: { json_path: 'result.code', equals: 'OK' },
    },
  });
  // A title with a quote and a backslash must still make valid JSON.
  const report = { ...request().report, what: '挂号"接口"超时 \\ 检查网关' };
  notifier.notify(request({ recipients: [ZHANG, LI], report }));
  await until(() => recorded.length === 1);
  t.same(recorded.map((r) => r.status), ['sent'], '502 retried, then OK');
  notifier.notify(request({ recipients: [ZHANG, LI], ticketId: 7, kind: 'escalated', step: 2 }));
  await until(() => recorded.length === 2);
  t.same(recorded.map((r) => r.status), ['sent', 'dead'], 'a gateway that says ERR_QUOTA is not retried');
  t.match(recorded[1]?.detail, /result\.code is "ERR_QUOTA", not "OK"/);
  t.same(sms.violations, []);
  // Updates do not go to personal channels.
  notifier.notify(request({ kind: 'update' }));
  await new Promise((r) => setTimeout(r, 500));
  t.equal(sms.requests.length, 3);
});

t.test('SMS one request per recipient: a retry after a partial failure spares who already got it', async (t) => {
  const WANG = { id: 'wang.fang', name: '王芳', phone: '13700003333' };
  let liFailures = 0;
  const sms = await startReceiver(t, (req) => {
    must(req.method === 'GET' && req.path === '/send', 'GET /send');
    must(/^1\d{10}$/.test(req.query.get('mobile') ?? ''), '{{phone}}: one number per request');
    if (req.query.get('mobile') === LI.phone && liFailures++ < 2) return { status: 503 };
    return { body: 'OK' };
  });
  const { notifier, recorded } = setup(t, { sms: { type: 'sms', method: 'GET', url: `${sms.url}/send?mobile={{phone}}&text={{text}}`, per_recipient: true, success: { contains: 'OK' } } }, { attempts: 4 });
  notifier.notify(request({ recipients: [ZHANG, LI, WANG] }));
  await until(() => recorded.length === 1, 10_000);
  t.equal(recorded[0]?.status, 'sent');
  const tried = sms.requests.map((r) => r.query.get('mobile'));
  t.same(tried, [ZHANG.phone, LI.phone, LI.phone, LI.phone, WANG.phone], 'each retry starts at the number that failed');
  t.same(tried.filter((p) => p === ZHANG.phone).length, 1, 'the first on the list gets one text, not three');
  t.same(sms.violations, []);
});

t.test('rate limit: never more than per_minute requests in a window; what waits merges', async (t) => {
  const hook = await startReceiver(t, () => ({ status: 200 }));
  // per_minute 4 in a 1.5 s window (the window is one minute in production).
  const { notifier, recorded } = setup(t, { hook: { type: 'webhook', url: hook.url, per_minute: 4 } }, { rateWindowMs: 1_500 });
  for (let i = 1; i <= 9; i++) {
    notifier.notify(request({ ticketId: i, report: { ...request().report, incident: `INC-${i}` } }));
    await new Promise((r) => setTimeout(r, 40));
  }
  await until(() => recorded.flatMap((r) => r.ticketIds).length === 9, 5_000);
  const times = hook.requests.map((r) => r.at);
  const maxInWindow = Math.max(...times.map((a) => times.filter((b) => b >= a && b < a + 1_500).length));
  t.ok(maxInWindow <= 4, `at most 4 requests in any window (saw ${maxInWindow})`);
  t.same(recorded.slice(0, 4).map((r) => r.kind), ['opened', 'opened', 'opened', 'opened'], 'the budget first goes to single messages');
  t.match(recorded[4], { kind: 'digest', ticketIds: [5, 6, 7, 8, 9] }, 'what waited for the window merged into one message');
  t.equal(hook.requests.length, 5);
});

t.test('HTTP 429 pauses the channel, then the message goes out', async (t) => {
  const hook = await startReceiver(t, (_req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
  const { notifier, recorded } = setup(t, { hook: { type: 'webhook', url: hook.url } });
  notifier.notify(request());
  await until(() => recorded.length === 1);
  t.same(recorded.map((r) => r.status), ['sent']);
  t.equal(hook.requests.length, 2);
  t.ok((hook.requests[1]?.at ?? 0) - (hook.requests[0]?.at ?? 0) >= 350, 'waited the throttle pause, not the retry backoff');
});
