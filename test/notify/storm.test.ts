// A P1 alert storm end to end, every hop a real socket: agents' messages through Mosquitto to a
// correlator process, which opens one ticket with a complete fault report and sends one message
// per configured channel (group robots, webhook, SMS gateway, SMTP), not one per alert; nobody
// acknowledges, so it escalates after the (short) deadline. Measures the time from the
// incident opening to the first notification arriving at a receiver.

import t from 'tap';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SMTPServer } from 'smtp-server';
import { encode } from '../../protocol/decode.js';
import { topicFor } from '../../protocol/topics.js';
import type { EventsMessage } from '../../protocol/schema.js';
import { ROOT, startCli } from '../helpers/cli.js';
import { must, startReceiver } from '../helpers/http-receiver.js';
import { birth, will } from '../helpers/messages.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { eventually, tmpDir } from '../helpers/tmp.js';

const TERMINALS = 40;
const TOKEN = 'storm-test-operator-token-0123456789';

const RULES = `rules:
  - id: core-switch-down
    kind: threshold
    title: "核心交换机 {node} 不可达"
    priority: P1
    metric: check.loss_percent
    where: { type: icmp }
    op: ">="
    value: 100
    runbook: runbooks/server-down.md
  - id: terminal-offline
    kind: offline
    title: "Terminal {node} is not reporting"
    priority: P4
    where: { role: terminal }
    after: 3
`;

const TOPOLOGY = `nodes:
  - { id: core-sw-1, kind: switch, building: datacenter }
  - { id: opd-pc-(001..040), kind: terminal, building: outpatient, floor: "1", depends_on: [core-sw-1] }
  - { id: registration, kind: service, name: 门诊挂号, criticality: core, terminals: { building: outpatient } }
`;

t.test('a P1 storm: one ticket, one message per channel, escalation on time', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const http = await startReceiver(t, (req) => {
    must(req.method === 'POST', 'POST');
    if (req.path === '/wecom') return { body: { errcode: 0, errmsg: 'ok' } };
    if (req.path === '/dingtalk') return { body: { errcode: 0, errmsg: 'ok' } };
    if (req.path === '/feishu') return { body: { code: 0, msg: 'success' } };
    if (req.path === '/sms') return { body: { code: '0' } };
    must(req.path === '/hook', `known path, got ${req.path}`);
    return { status: 204 };
  });
  const mails: Array<{ at: number; to: string[] }> = [];
  const smtp = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData(stream, session, cb) {
    stream.resume();
    stream.on('end', () => {
      mails.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address) });
      cb();
    });
  } });
  const smtpPort = await freePort();
  await new Promise<void>((r) => smtp.listen(smtpPort, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => smtp.close(() => r())));

  mkdirSync(join(dir, 'rules', 'runbooks'), { recursive: true });
  writeFileSync(join(dir, 'rules', 'storm.rules.yaml'), RULES);
  copyFileSync(join(ROOT, 'rules', 'runbooks', 'server-down.md'), join(dir, 'rules', 'runbooks', 'server-down.md'));
  writeFileSync(join(dir, 'hospital.topology.yaml'), TOPOLOGY);
  writeFileSync(join(dir, 'token'), TOKEN);
  const apiPort = await freePort();
  writeFileSync(
    join(dir, 'correlator.yaml'),
    `broker: { url: "${broker.url}" }
store: { sqlite: w.db }
rules: rules
topology: hospital.topology.yaml
tick: 200ms
metrics: { enabled: false }
correlation: { settle: 200ms, resolve_hold: 1s }
tickets: { url: "https://wardwatch.hospital.local/tickets/{id}" }
sla:
  priorities: { P1: { respond: 4s } }
escalation:
  people:
    zhang.wei: { name: 张伟, phone: "13800001111", email: zhang.wei@hospital.local, wecom: zhangwei, dingtalk: "13800001111" }
    chen.gang: { name: 陈刚, phone: "13700003333", email: chen.gang@hospital.local }
  groups: { second-line: [chen.gang] }
  oncall:
    first-line: { start: 2026-01-01T08:00, every: 1d, people: [zhang.wei] }
  policies:
    urgent:
      notify: [oncall:first-line]
      steps: [{ after: 4s, notify: [second-line] }]
  default: urgent
notify:
  update_every: 2s
  retry: { backoff: 100ms }
  channels:
    wecom: { type: wecom, url: "${http.url}/wecom", key: robot-key }
    dingtalk: { type: dingtalk, url: "${http.url}/dingtalk", access_token: tok, secret: SECxyz }
    feishu: { type: feishu, url: "${http.url}/feishu", secret: fs-secret }
    hook: { type: webhook, url: "${http.url}/hook", secret: hook-secret }
    sms: { type: sms, url: "${http.url}/sms", body: '{"to":"{{phones}}","text":"{{text}}"}', success: { json_path: code, equals: "0" } }
    mail: { type: email, host: 127.0.0.1, port: ${smtpPort}, tls: none, from: wardwatch@hospital.local }
  routes: { P1: all }
api:
  listen: 127.0.0.1:${apiPort}
  tokens: [{ name: zhang.wei, role: operator, token: "\${file:token}" }]
`,
  );
  const correlator = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await correlator.waitFor(/API listening/);
  await correlator.waitFor(/connected to broker/);
  const api = async (path: string) => (await fetch(`http://127.0.0.1:${apiPort}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<any>;

  const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clientId: 'storm-publisher' });
  t.teardown(() => pub.endAsync());
  const now = Date.now();
  const terminals = Array.from({ length: TERMINALS }, (_, i) => `opd-pc-${String(i + 1).padStart(3, '0')}`);
  await pub.publishAsync(topicFor('state', 'main', 'probe-01'), encode(birth('probe-01', 1, now, { role: 'probe', labels: { building: 'datacenter' } })), { qos: 1 });
  for (const id of terminals) await pub.publishAsync(topicFor('state', 'main', id), encode(birth(id, 1, now, { role: 'terminal', labels: { building: 'outpatient', floor: '1' } })), { qos: 1 });
  // Past the correlator's start-up quiet period, then the storm: the switch and every terminal behind it.
  await new Promise((r) => setTimeout(r, 1_200));
  const ping: EventsMessage = { v: 1, kind: 'events', agent: 'probe-01', site: 'main', seq: 1, ts: Date.now(), events: [{ check: 'ping-core-sw-1', type: 'icmp', status: 'critical', node: 'core-sw-1', duration_ms: 3000, fields: { loss_percent: 100 } }] };
  const faultAt = Date.now();
  await pub.publishAsync(topicFor('events', 'main', 'probe-01'), encode(ping), { qos: 1 });
  for (const id of terminals) await pub.publishAsync(topicFor('state', 'main', id), encode(will(id, 1, Date.now())), { qos: 1 });

  const ticket = await eventually(async () => {
    const r = await api('/api/v1/tickets?state=all');
    return r.tickets?.length > 0 ? r.tickets[0] : undefined;
  }, 15_000, 'the ticket');
  // Let every symptom settle in, then count.
  await eventually(async () => (await api(`/api/v1/tickets/${ticket.ref}`)).report?.symptoms === TERMINALS, 15_000, `${TERMINALS} symptoms folded into the ticket`);
  await http.waitFor(5, 10_000);
  await eventually(() => mails.length >= 1, 10_000, 'the e-mail');
  const firstAt = Math.min(...http.requests.map((r) => r.at), ...mails.map((m) => m.at));
  const openedAt = Date.parse(ticket.openedAt);
  t.comment(`incident opened → first notification at a receiver: ${firstAt - openedAt} ms; fault published → first notification: ${firstAt - faultAt} ms`);
  t.ok(firstAt - openedAt < 3_000, `first notification within 3 s of the incident (${firstAt - openedAt} ms)`);

  const tickets = (await api('/api/v1/tickets?state=all')).tickets;
  t.equal(tickets.length, 1, `one ticket for the switch and ${TERMINALS} terminals`);
  t.equal(ticket.priority, 'P1');
  const detail = await api(`/api/v1/tickets/${ticket.ref}`);
  t.equal(detail.report.root.node, 'core-sw-1');
  t.match(detail.report.evidence, [{ rule: 'core-switch-down', measured: /check\.loss_percent = 100/ }]);
  t.equal(detail.report.symptoms, TERMINALS);
  t.match(detail.reportText, /故障点：core-sw-1/);
  t.match(detail.reportText, /关联告警：40 条下游症状告警已归并/);
  t.match(detail.reportText, /处置预案：runbooks\/server-down\.md/);
  t.match(detail.runbooks, [{ ref: 'runbooks/server-down.md', content: /# 服务器宕机或失联/ }]);

  // Before the escalation: exactly one message per channel, the symptoms sent nothing.
  const byPath = (path: string) => http.requests.filter((r) => r.path === path);
  for (const path of ['/wecom', '/dingtalk', '/feishu', '/hook', '/sms']) t.equal(byPath(path).length, 1, `${path}: one message for the storm`);
  t.equal(mails.length, 1, 'mail: one message for the storm');
  t.same(mails[0]?.to, ['zhang.wei@hospital.local'], 'the first line on call');
  t.match((byPath('/wecom')[0]?.json as { markdown: { content: string } }).markdown.content, /【P1】新故障 INC-\d+ 核心交换机 core-sw-1 不可达[\s\S]*<@zhangwei>/);

  // Nobody acknowledges: after 4 s the second line is told, on every channel.
  await eventually(() => byPath('/sms').length >= 2, 15_000, 'the escalation');
  const esc = byPath('/sms')[1]?.json as { to: string; text: string };
  t.equal(esc.to, '13700003333', 'second line by SMS');
  t.match(esc.text, /【P1】升级 INC-/);
  t.ok((byPath('/sms')[1]?.at ?? 0) - openedAt >= 4_000, 'not before the deadline');
  const after = await api(`/api/v1/tickets/${ticket.ref}`);
  const actions: string[] = after.timeline.map((e: { action: string }) => e.action);
  t.same(actions.filter((a, i) => a !== actions[i - 1]), ['opened', 'notified', 'escalated', 'sla-breached', 'notified'], 'the timeline: opened, told, escalated, breached, told');
  t.equal(actions.indexOf('escalated'), 7, 'six channels told before the escalation');
  t.same(after.breached, ['response']);
  t.same(http.violations, []);
  t.equal(await correlator.kill('SIGTERM'), 0);
});
