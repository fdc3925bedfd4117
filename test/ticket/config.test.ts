// The ticket stage's config sections: the shipped example passes every check; mistakes a person
// makes come back as file:line:col errors naming the key and what was expected.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, parseYaml } from '../../common/yaml-file.js';
import { loadCorrelatorConfig } from '../../correlator/config/load.js';
import { correlatorConfigSchema, type CorrelatorConfigFile } from '../../correlator/config/schema.js';
import { checkTicketStage, resolveTicketStage } from '../../correlator/config/ticket-sections.js';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

t.test('the shipped example passes the cross-checks and resolves', async (t) => {
  const r = parseYaml<CorrelatorConfigFile>(readFileSync(join(ROOT, 'install', 'examples', 'correlator.yaml'), 'utf8'), correlatorConfigSchema);
  if (!r.ok) throw new Error(r.errors.map(formatError).join('\n'));
  t.same(checkTicketStage(r.value), []);
  const s = resolveTicketStage(r.value);
  t.equal(s.tickets.language, 'zh');
  // Every real channel, not the drill room: a real P1 is no drill.
  t.same(s.notify.routes.P1, ['noc-wecom', 'ops-dingtalk', 'mail', 'sms']);
  t.equal(s.escalation.sla.priorities.P3.calendar.name, '8x5');
  t.equal(s.api?.port, 9743);
  t.equal(s.api?.host, '127.0.0.1');
});

t.test('defaults: Chinese, P1 15m … P4 24h on 7x24, reopen within 1h, close after 3d, no API', async (t) => {
  const s = resolveTicketStage({});
  t.equal(s.tickets.language, 'zh');
  t.same(Object.values(s.escalation.sla.priorities).map((p) => [p.respondMs / 60_000, p.calendar.name]), [[15, '7x24'], [30, '7x24'], [120, '7x24'], [1440, '7x24']]);
  t.equal(s.tickets.reopenWithinMs, 3_600_000);
  t.equal(s.tickets.autoCloseAfterMs, 3 * 86_400_000);
  t.equal(s.api, undefined);
});

t.test('mistakes are reported with file, line and key path', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'correlator.yaml');
  writeFileSync(
    path,
    `broker: { url: "mqtt://127.0.0.1:1883" }
tickets:
  reopen_within: 2h
  auto_close_after: 1h
sla:
  timezone: Asia/Shanghi
  priorities:
    P3: { respond: 2h, calendar: 5x8 }
escalation:
  people:
    zhang.wei: { name: 张伟 }
  groups:
    second-line: [chen.gang]
  policies:
    standard:
      notify: [oncall:nights]
      steps:
        - { after: 30m, notify: [second-line], channels: [pager] }
        - { after: 10m, notify: [zhang.wei] }
notify:
  routes: { P1: [wecom] }
`,
  );
  const r = loadCorrelatorConfig(path);
  t.notOk(r.ok);
  const lines = r.ok ? [] : r.errors.map(formatError).map((l) => l.replace(path, 'correlator.yaml'));
  t.same(lines, [
    'correlator.yaml:4:21: tickets.auto_close_after: must be at least reopen_within (2h): a closed ticket cannot reopen',
    'correlator.yaml:6:13: sla.timezone: unknown time zone "Asia/Shanghi"; expected an IANA name like "Asia/Shanghai"',
    'correlator.yaml:8:34: sla.priorities.P3.calendar: unknown calendar "5x8"; expected one of 7x24, 7x12, 8x5',
    'correlator.yaml:13:19: escalation.groups.second-line[0]: unknown person "chen.gang"; define it under escalation.people',
    'correlator.yaml:16:16: escalation.policies.standard.notify[0]: unknown target "oncall:nights"; expected a person, a group or "oncall:<schedule>"',
    'correlator.yaml:18:59: escalation.policies.standard.steps[0].channels[0]: unknown channel "pager"; define it under notify.channels',
    'correlator.yaml:19:20: escalation.policies.standard.steps[1].after: steps must come in order: 10m is before the previous step',
    'correlator.yaml:21:18: notify.routes.P1[0]: unknown channel "wecom"; expected one of (none defined)',
  ]);
});

t.test('schema errors: unknown keys and bad values', async (t) => {
  const r = parseYaml(`broker: { url: "mqtt://x:1" }\nnotify:\n  channels:\n    noc: { type: wecom, key: k, mentions: all }\n    dd: { type: dingding, access_token: t }\napi:\n  listen: everywhere\n`, correlatorConfigSchema, { displayName: 'c.yaml' });
  t.notOk(r.ok);
  const lines = r.ok ? [] : r.errors.map(formatError);
  t.match(lines.join('\n'), /c\.yaml:4:33: notify\.channels\.noc\.mentions: unknown key "mentions"/);
  t.match(lines.join('\n'), /c\.yaml:5:\d+: notify\.channels\.dd\.type: unknown type "dingding"; expected one of webhook, wecom, dingtalk, feishu, email, sms/);
  t.match(lines.join('\n'), /c\.yaml:7:11: api\.listen: expected host:port like "127\.0\.0\.1:9743", got "everywhere"/);
});
