// Check targets in the correlator: a failing check's target and error class reach its alert,
// the target found as a topology node (by target_node, a declared address, the node id or its
// first DNS label), and neither becomes part of the check's series.

import t from 'tap';
import { Evaluator } from '../../correlator/evaluate/evaluator.js';
import { eventsAsMetrics, targetHost } from '../../correlator/evaluate/events.js';
import { Fleet } from '../../correlator/evaluate/fleet.js';
import { Engine } from '../../correlator/engine/engine.js';
import type { CheckResult, EventsMessage } from '../../protocol/schema.js';
import { rulesFrom, topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);

const rules = rulesFrom(`rules:
  - id: check-failing
    kind: threshold
    title: "Check {check} failing on {node}"
    priority: P3
    metric: check.status_level
    op: ">="
    value: 2
    clear: 1
    for: 1
`);

const topology = () =>
  topologyFrom(`
nodes:
  - { id: core-sw-1, kind: switch }
  - { id: dns-01, kind: server, depends_on: [core-sw-1] }
  - { id: db-his-01, kind: database, addresses: [db-his.hospital.local, 10.1.2.30], depends_on: [core-sw-1] }
  - { id: his-app-01, kind: app, addresses: [his-app.hospital.local], depends_on: [db-his-01] }
  - { id: ws-opd-(001..003), kind: terminal, depends_on: [core-sw-1] }
`);

function events(agent: string, seq: number, results: CheckResult[]): EventsMessage {
  return { v: 1, kind: 'events', agent, site: 'main', seq, ts: T0 + seq * 30_000, events: results };
}

function evaluate(msgs: EventsMessage[]) {
  const ev = new Evaluator(rules, new Fleet(), topology());
  return msgs.flatMap((m) => ev.onMetrics(eventsAsMetrics(m), m.ts)).filter((c) => c.type === 'alert.firing').map((c) => c.alert);
}

t.test('a refused check against tcp://dns-01:53: the alert names dns-01 and why', async (t) => {
  const [alert] = evaluate([events('ws-opd-001', 1, [{ check: 'dns-tcp', type: 'tcp', status: 'critical', target: 'tcp://dns-01:53', error_class: 'refused', summary: 'cannot connect: ECONNREFUSED' }])]);
  t.ok(alert, 'the check fires');
  t.equal(alert?.node, 'ws-opd-001', 'the alert stays on the machine that ran the check');
  t.equal(alert?.targetNode, 'dns-01');
  t.equal(alert?.errorClass, 'refused');
  t.equal(alert?.target, 'tcp://dns-01:53');
  t.equal(alert?.title, 'Check dns-tcp failing on ws-opd-001 (refused: tcp://dns-01:53)', 'the error class is evidence in the title');
});

t.test('the target node: named in the config, a declared address, the node id or its first label', async (t) => {
  const cases: Array<{ name: string; result: Partial<CheckResult>; want: string | undefined }> = [
    { name: 'target_node from the check config wins', result: { target: 'tcp://10.9.9.9:1521', target_node: 'db-his-01' }, want: 'db-his-01' },
    { name: 'a declared host name', result: { target: 'https://his-app.hospital.local/login' }, want: 'his-app-01' },
    { name: 'a declared IP address, behind credentials', result: { target: 'mssql://probe@10.1.2.30:1433/his' }, want: 'db-his-01' },
    { name: 'the first DNS label is a node id', result: { target: 'tcp://dns-01.hospital.local:53' }, want: 'dns-01' },
    { name: 'an address the topology does not know', result: { target: 'tcp://10.7.7.7:53' }, want: undefined },
    { name: "an IP address's first label is no node", result: { target: 'icmp://10.1.2.31' }, want: undefined },
    { name: 'a target that names no host', result: { target: 'systemd:cron' }, want: undefined },
    { name: 'a check of the node it runs on names no other target', result: { target: 'tcp://ws-opd-002:3389' }, want: undefined },
  ];
  for (const c of cases) {
    const [alert] = evaluate([events('ws-opd-002', 1, [{ check: 'probe', type: 'tcp', status: 'critical', error_class: 'timeout', ...c.result }])]);
    t.equal(alert?.targetNode, c.want, c.name);
  }
});

t.test('target and error class are not part of the series: one alert whatever the error', async (t) => {
  const fails = (seq: number, cls: 'refused' | 'timeout') => events('ws-opd-003', seq, [{ check: 'his-port', type: 'tcp', status: 'critical', target: 'tcp://his-app.hospital.local:8080', error_class: cls }]);
  const ev = new Evaluator(rules, new Fleet(), topology());
  const changes = [fails(1, 'refused'), fails(2, 'timeout'), fails(3, 'refused')].flatMap((m) => ev.onMetrics(eventsAsMetrics(m), m.ts));
  t.equal(changes.filter((c) => c.type === 'alert.firing').length, 1, 'one alert: the error changing is the same failure');
  t.equal(changes[0]?.alert.id, 'check-failing|ws-opd-003|check=his-port,type=tcp', 'the series is the check, not its target');
  const ok = ev.onMetrics(eventsAsMetrics(events('ws-opd-003', 4, [{ check: 'his-port', type: 'tcp', status: 'ok', target: 'tcp://his-app.hospital.local:8080' }])), T0 + 4 * 30_000);
  t.equal(ok.filter((c) => c.type === 'alert.resolved').length, 1, 'and it clears when the check passes');
});

t.test('through the engine: the target reaches the alert in the decisions', async (t) => {
  const engine = new Engine(rules, { topology: topology() });
  const m = events('ws-opd-001', 1, [{ check: 'his-db', type: 'database', status: 'critical', target: 'postgres://probe@db-his.hospital.local:5432/his', error_class: 'auth' }]);
  const firing = engine.handle({ type: 'message', message: m, at: m.ts }).find((d) => d.type === 'alert.firing');
  t.match(firing && 'alert' in firing ? firing.alert : undefined, { targetNode: 'db-his-01', errorClass: 'auth', node: 'ws-opd-001' });
});

t.test('the host of a target', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['tcp://dns-01:53', 'dns-01'],
    ['https://HIS.hospital.local/login?x=1', 'his.hospital.local'],
    ['mssql://probe@10.1.2.3:1433/his', '10.1.2.3'],
    ['icmp://[fe80::1]', 'fe80::1'],
    ['dicom://pacs-01:104/PACS', 'pacs-01'],
    ['systemd:cron', undefined],
    ['process HISClient.exe', undefined],
  ];
  for (const [target, want] of cases) t.equal(targetHost(target), want, target);
});

t.test('addresses in a topology file: one node each, never shared', async (t) => {
  t.throws(() => topologyFrom(`
nodes:
  - { id: db-his-01, kind: database, addresses: [db.hospital.local] }
  - { id: db-his-02, kind: database, addresses: [DB.hospital.local] }
`), /address "db\.hospital\.local" is already node "db-his-01"'s/);
  t.throws(() => topologyFrom(`
nodes:
  - { id: ws-(1..3), kind: terminal, addresses: [ws.hospital.local] }
`), /addresses name one node; "ws-\(1\.\.3\)" is a range of 3/);
  t.throws(() => topologyFrom(`
nodes:
  - { id: his-app-01, kind: app, addresses: ["https://his.hospital.local"] }
`), /addresses\[0\]: expected a host name or IP address/);
  t.equal(topology().nodeForAddress('HIS-APP.hospital.local.'), 'his-app-01', 'case and a trailing dot do not matter');
});
