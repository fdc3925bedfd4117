// WeCom, DingTalk and Feishu robots against local receivers that check the documented request
// format and signatures, and answer with their errors and throttling.

import t from 'tap';
import { createHmac } from 'node:crypto';
import { must, startReceiver } from '../helpers/http-receiver.js';
import { request, setup, until, ZHANG } from '../helpers/notify.js';

t.test('DingTalk: signed URL, markdown with @mobile, throttling merges what waits', async (t) => {
  const secret = 'SECabc123';
  let throttled = false;
  const dd = await startReceiver(t, (req) => {
    must(req.method === 'POST' && req.path === '/robot/send', 'POST /robot/send');
    must(req.query.get('access_token') === 'tok-1', 'access_token in the query');
    const ts = Number(req.query.get('timestamp'));
    must(Math.abs(Date.now() - ts) < 3_600_000, 'timestamp in ms within one hour');
    const want = createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64');
    // URLSearchParams has decoded the one layer of URL-encoding the signature carries.
    must(req.query.get('sign') === want, `sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret"))`);
    must(req.raw.includes(`&sign=${encodeURIComponent(want)}`), 'sign is URL-encoded in the raw query');
    const body = req.json as { msgtype: string; markdown: { title: string; text: string }; at: { atMobiles: string[] } };
    must(req.headers['content-type']?.startsWith('application/json'), 'JSON body');
    must(body.msgtype === 'markdown' && typeof body.markdown.title === 'string' && typeof body.markdown.text === 'string', 'markdown message');
    must(body.at.atMobiles.includes('13800001111') && body.markdown.text.includes('@13800001111'), '@mobile in at and in the text');
    if (!throttled) {
      throttled = true;
      return { body: { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' } };
    }
    return { body: { errcode: 0, errmsg: 'ok' } };
  });
  const { notifier, recorded } = setup(t, { dd: { type: 'dingtalk', url: `${dd.url}/robot/send`, access_token: 'tok-1', secret } });
  notifier.notify(request({ ticketId: 7 }));
  await dd.waitFor(1);
  // While the robot is throttled, two more tickets open: all three go out as one message.
  notifier.notify(request({ ticketId: 8, report: { ...request().report, incident: 'INC-4', what: '检验系统 LIS 数据库连接失败' } }));
  notifier.notify(request({ ticketId: 9, report: { ...request().report, incident: 'INC-5', what: 'PACS 影像归档存储将满', priority: 'P2' }, priority: 'P2' }));
  const [first, second] = await dd.waitFor(2);
  t.same(dd.violations, []);
  t.match((first?.json as { markdown: { text: string } }).markdown.text, /【P1】新故障 INC-3 门诊挂号接口超时/);
  const merged = (second?.json as { markdown: { title: string; text: string } }).markdown;
  t.match(merged.title, /3 条故障通知合并/);
  for (const what of ['门诊挂号接口超时', '检验系统 LIS 数据库连接失败', 'PACS 影像归档存储将满']) t.match(merged.text, what);
  t.ok((second?.at ?? 0) - (first?.at ?? 0) >= 350, 'waited out the throttle pause');
  await until(() => recorded.length >= 1);
  t.same(recorded.map((r) => [r.status, r.kind, [...r.ticketIds].sort()]), [['sent', 'digest', [7, 8, 9]]], 'one digest recorded for all three tickets');
  t.equal(dd.requests.length, 2, 'one request per send, none per alert');
});

t.test('Feishu: timestamp and sign in the body; a signature failure is not retried', async (t) => {
  const secret = 'fs-secret';
  const fs = await startReceiver(t, (req, n) => {
    must(req.method === 'POST' && req.path === '/open-apis/bot/v2/hook/hook-id-1', 'POST to the hook URL');
    const b = req.json as { timestamp: string; sign: string; msg_type: string; content: { text: string } };
    const ts = Number(b.timestamp);
    must(/^\d{10}$/.test(b.timestamp) && Math.abs(Date.now() / 1000 - ts) < 3600, 'timestamp in seconds, as a string');
    must(b.sign === createHmac('sha256', `${ts}\n${secret}`).update('').digest('base64'), 'sign = base64(HMAC-SHA256(key "timestamp\\nsecret", ""))');
    must(b.msg_type === 'text' && b.content.text.includes('<at user_id="ou_zhangwei">张伟</at>'), 'text with an @mention');
    return n === 1 ? { body: { code: 0, msg: 'success', data: {} } } : { body: { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' } };
  });
  const { notifier, recorded, store } = setup(t, { fs: { type: 'feishu', url: `${fs.url}/open-apis/bot/v2/hook/hook-id-1`, secret } });
  notifier.notify(request({ ticketId: 7 }));
  await until(() => recorded.length === 1);
  notifier.notify(request({ ticketId: 8, kind: 'escalated', step: 2 }));
  await until(() => recorded.length === 2);
  await new Promise((r) => setTimeout(r, 300));
  t.same(fs.violations, []);
  t.equal(fs.requests.length, 2, 'the rejected signature was not retried');
  t.same(recorded.map((r) => r.status), ['sent', 'dead']);
  const dead = await store.notifications({ status: 'dead' });
  t.equal(dead.length, 1);
  t.match(dead[0]?.detail, /rejected: code 19021/);
  t.match(dead[0]?.payload, /【P1】升级 INC-3/, 'the dead letter keeps the message');
});

t.test('WeCom: key in the URL, errcode checked, HTTP 500 retried with backoff', async (t) => {
  const wc = await startReceiver(t, (req, n) => {
    must(req.method === 'POST' && req.path === '/cgi-bin/webhook/send', 'POST /cgi-bin/webhook/send');
    must(req.query.get('key') === 'robot-key-1', 'key in the query');
    const b = req.json as { msgtype: string; markdown: { content: string } };
    must(b.msgtype === 'markdown' && Buffer.byteLength(b.markdown.content) <= 4096, 'markdown ≤ 4096 bytes');
    must(b.markdown.content.includes('<@zhangwei>'), '<@userid> mention');
    if (n === 1) return { status: 500, body: 'oops' };
    if (n === 2) return { body: { errcode: 45009, errmsg: 'api freq out of limit' } };
    return { body: { errcode: 0, errmsg: 'ok' } };
  });
  const { notifier, recorded } = setup(t, { wc: { type: 'wecom', url: `${wc.url}/cgi-bin/webhook/send`, key: 'robot-key-1' } }, { language: 'en' });
  notifier.notify(request({ recipients: [ZHANG] }));
  await until(() => recorded.length === 1);
  t.same(wc.violations, []);
  t.equal(wc.requests.length, 3, '500, then throttled (45009), then accepted');
  t.same(recorded.map((r) => r.status), ['sent']);
  t.match((wc.requests[2]?.json as { markdown: { content: string } }).markdown.content, /【P1】New fault INC-3/);
  t.ok((wc.requests[2]?.at ?? 0) - (wc.requests[1]?.at ?? 0) >= 350, 'paused after the errcode said "too often"');
});
