import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatError, loadYamlFile, parseYaml } from '../../common/yaml-file.js';
import { parseDuration, formatDuration } from '../../common/duration.js';
import { agentConfigSchema } from '../../agent/config/schema.js';
import { ruleFileSchema } from '../../correlator/rules/schema.js';
import { tmpDir } from '../helpers/tmp.js';

const messages = (text: string, schema: object, file = 'x.yaml') => {
  const r = parseYaml(text, schema, { displayName: file });
  return r.ok ? [] : r.errors.map(formatError);
};

t.test('durations', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['500ms', 500],
    ['15s', 15_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['26w', 26 * 7 * 86_400_000],
    ['5 minutes', undefined],
    ['', undefined],
    ['10', undefined],
  ];
  for (const [text, want] of cases) t.equal(parseDuration(text), want, JSON.stringify(text));
  t.equal(formatDuration(850), '850ms');
  t.equal(formatDuration(42_000), '42s');
  t.equal(formatDuration(8_100_000), '2h15m');
});

t.test('errors name file, line, column, key path and what was expected', async (t) => {
  const rules = `rules:
  - id: cpu
    kind: threshold
    title: CPU
    priority: P3
    metric: cpu.usage_percent
    op: ">"
    value: 90
    for: 5 minutes
`;
  t.same(messages(rules, ruleFileSchema, 'rules/host.rules.yaml'), [
    'rules/host.rules.yaml:9:10: rules[0].for: expected a sample count like 3 or a duration like "5m", got "5 minutes"',
  ]);

  const unknownKey = `agent: { site: main, role: server }
broker:
  url: mqtt://127.0.0.1:1883
  keepalive: 30s
intervall: 15s
`;
  t.same(messages(unknownKey, agentConfigSchema, 'agent.yaml'), ['agent.yaml:5:1: intervall: unknown key "intervall"; did you mean "interval"?']);

  const badEnum = `agent: { site: main, role: kiosk }
broker: { url: "mqtt://127.0.0.1:1883" }
`;
  t.same(messages(badEnum, agentConfigSchema), ['x.yaml:1:28: agent.role: expected one of server, terminal, probe, got "kiosk"']);

  const missing = `agent: { site: main, role: server }\n`;
  t.same(messages(missing, agentConfigSchema), ['x.yaml:1:1: missing required key "broker"']);

  const wrongType = `agent: { site: main, role: server }
broker: { url: "mqtt://127.0.0.1:1883" }
collect: { network: { exclude: lo } }
`;
  t.same(messages(wrongType, agentConfigSchema), ['x.yaml:3:32: collect.network.exclude: expected a list, got "lo"']);

  const unknownKind = `rules:
  - id: x
    kind: magic
    title: X
    priority: P1
`;
  t.same(messages(unknownKind, ruleFileSchema), ['x.yaml:3:11: rules[0].kind: unknown kind "magic"; expected one of threshold, offline, absence, rate, forecast, aggregate, composite']);
});

t.test('YAML syntax errors and unreadable files are reported, not thrown', async (t) => {
  const syntax = messages('agent: [unclosed\n', agentConfigSchema);
  t.equal(syntax.length, 1);
  t.match(syntax[0], /^x\.yaml:\d+:\d+: YAML syntax: /);
  t.match(messages('a: 1\na: 2\n', agentConfigSchema)[0], /YAML syntax: .*unique/i, 'duplicate keys are errors');
  const r = loadYamlFile('/nonexistent/agent.yaml', agentConfigSchema);
  t.same(r.ok ? [] : r.errors.map(formatError), ['/nonexistent/agent.yaml:1:1: cannot read: file not found']);
});

t.test('${env:…} and ${file:…} keep secrets out of config files', async (t) => {
  const dir = tmpDir(t);
  writeFileSync(join(dir, 'secret.txt'), 's3cret\n');
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, 'agent: { site: main, role: server }\nbroker: { url: "mqtt://h:1883", username: "${env:WW_USER}", password: "${file:secret.txt}" }\n');
  const ok = loadYamlFile<{ broker: { username: string; password: string } }>(path, agentConfigSchema, { interpolate: true, env: { WW_USER: 'ws-001' } });
  t.ok(ok.ok);
  if (ok.ok) t.same([ok.value.broker.username, ok.value.broker.password], ['ws-001', 's3cret']);
  const missing = loadYamlFile(path, agentConfigSchema, { interpolate: true, env: {} });
  t.same(missing.ok ? [] : missing.errors.map((e) => `${e.line}:${e.path}: ${e.message}`), ['2:broker.username: environment variable WW_USER is not set']);
});
