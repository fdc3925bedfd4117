// `wardwatch drill` end to end, every hop a real socket: the drill's simulated agents publish
// over Mosquitto to a correlator process; the incident, ticket, drill-channel notification,
// escalation and runbook show up in the printed response chain; nobody on the real route is
// paged. Shipped scenarios validate; a broken scenario fails with file:line errors.

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../cli/drill/scenario.js';
import { formatError } from '../../common/yaml-file.js';
import { ROOT, runCli, startCli } from '../helpers/cli.js';
import { must, startReceiver } from '../helpers/http-receiver.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tmpDir } from '../helpers/tmp.js';

const TOKEN = 'drill-test-operator-token-0123456789';

t.test('shipped scenarios are valid', async (t) => {
  for (const name of ['database-down', 'insurance-interface-down', 'core-switch-down']) {
    const r = loadScenario(join(ROOT, 'rules', 'drills', `${name}.yaml`));
    t.ok(r.ok, r.ok ? name : r.errors.map(formatError).join('\n'));
  }
});

t.test('a broken scenario is reported with file:line', async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, `name: bad\ntitle: x\nagents:\n  - { id: his-db, role: server }\nfault:\n  send:\n    - { agent: drill-nobody, offline: true }\nrecover:\n  send: [{ agent: drill-nobody }]\n`);
  const r = runCli(['drill', path, '--broker', 'mqtt://127.0.0.1:1']);
  t.equal(r.status, 2);
  t.match(r.stderr, /bad\.yaml:4:11: agents\[0\]\.id: expected an agent id starting with "drill-", got "his-db"/);
});

t.test('database-down: the response chain, on the drill channel only', async (t) => {
  const dir = tmpDir(t);
  const broker = await startMosquitto(t);
  const hooks = await startReceiver(t, (req) => {
    must(req.method === 'POST' && (req.path === '/drill' || req.path === '/noc'), 'a configured hook');
    return { status: 204 };
  });
  const apiPort = await freePort();
  writeFileSync(join(dir, 'token'), TOKEN);
  writeFileSync(
    join(dir, 'correlator.yaml'),
    `broker: { url: "${broker.url}" }
store: { sqlite: w.db }
tick: 200ms
metrics: { enabled: false }
correlation: { settle: 300ms, resolve_hold: 300ms }
sla:
  priorities: { P2: { respond: 2s } }
escalation:
  people:
    zhang.wei: { name: 张伟 }
    chen.gang: { name: 陈刚 }
  groups: { second-line: [chen.gang] }
  oncall: { first-line: { start: 2026-01-01T08:00, every: 1d, people: [zhang.wei] } }
  policies:
    standard:
      notify: [oncall:first-line]
      steps: [{ after: 2s, notify: [second-line] }]
  default: standard
notify:
  channels:
    noc: { type: webhook, url: "${hooks.url}/noc" }
    drill-room: { type: webhook, url: "${hooks.url}/drill" }
  routes: { P1: all, P2: [noc] }
  drill: { channels: [drill-room] }
api:
  listen: 127.0.0.1:${apiPort}
  tokens: [{ name: zhang.wei, role: operator, token: "\${file:token}" }]
`,
  );
  const correlator = startCli(t, ['correlator', '--config', join(dir, 'correlator.yaml')], { cwd: dir });
  await correlator.waitFor(/connected to broker/);
  const drill = startCli(t, ['drill', 'database-down', '--broker', broker.url, '--api', `http://127.0.0.1:${apiPort}`, '--token-file', join(dir, 'token'), '--wait', '20s', '--hold', '3s'], { cwd: dir });
  const code = await drill.exited;
  const out = drill.output();
  t.equal(code, 0, code === 0 ? 'exit status 0' : out);
  t.match(out, /drill database-down-\d{8}-\d{6}: 2 simulated agent\(s\) up/);
  t.match(out, /fault round 1:/, 'progress while it runs');
  t.match(out, /Drill database-down-\d{8}-\d{6}: HIS 数据库宕机演练/);
  t.match(out, /\+\s*\d+\.\d s  incident opened\s+INC-1 P2\s+Server drill-his-db is not reporting/);
  t.match(out, /notified\s+drill-room opened → 张伟/);
  t.match(out, /recorded \(drill\)|notified\s+drill-room/);
  t.match(out, /escalated\s+step 1: not acknowledged; 陈刚 \(second-line\)/);
  t.match(out, /runbook  runbooks\/server-down\.md: A server stopped reporting/);
  t.match(out, /incident resolved\s+INC-1/);
  t.match(out, /result: the response chain worked/);
  t.equal(hooks.requests.filter((r) => r.path === '/noc').length, 0, 'nobody on the real route was paged');
  const drillMessages = hooks.requests.filter((r) => r.path === '/drill');
  t.ok(drillMessages.length >= 2, 'opened and escalated went to the drill channel');
  t.match((drillMessages[0]?.json as { data: { text: string; drill: string } }).data, { text: /^\[演练\] 【P2】新故障 INC-1/, drill: /^database-down-/ });
  t.same(hooks.violations, []);
  t.equal(await correlator.kill('SIGTERM'), 0);
});
