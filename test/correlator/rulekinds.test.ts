// The rule kinds beyond thresholds, as timelines: absence, rate, forecast, aggregate,
// composite (the customer's egress rule), building-block rules.

import t from 'tap';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { Message, Sample } from '../../protocol/schema.js';
import { birth, fs, metrics, will } from '../helpers/messages.js';
import { rulesFrom, topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const names = (ds: Decision[]) => ds.filter((d) => d.type === 'alert.firing' || d.type === 'alert.resolved').map((d) => `${d.type.slice(6)} ${(d as { alert: { rule: string; node: string } }).alert.rule}@${(d as { alert: { node: string } }).alert.node}`);

t.test('absence: a series that stops reporting', async (t) => {
  const e = new Engine(rulesFrom(`rules:
  - id: textfile-gone
    kind: absence
    title: "{node} stopped reporting backup status"
    priority: P3
    metric: textfile.backup_last_success_timestamp_seconds
    for: 5m
`));
  const sample: Sample = { m: 'textfile', tags: { job: 'nightly' }, fields: { backup_last_success_timestamp_seconds: 1 } };
  e.handle(msg(T0, metrics('db-01', 1, T0, [sample])));
  t.same(names(e.handle({ type: 'tick', at: T0 + 299_000 })), []);
  t.same(names(e.handle({ type: 'tick', at: T0 + 301_000 })), ['firing textfile-gone@db-01']);
  t.same(names(e.handle(msg(T0 + 400_000, metrics('db-01', 2, T0 + 400_000, [sample])))), ['resolved textfile-gone@db-01']);
});

t.test('rate of change: a least-squares slope per hour', async (t) => {
  const e = new Engine(rulesFrom(`rules:
  - id: log-filling-fast
    kind: rate
    title: "{mount} on {node} grows {value}%/h"
    priority: P3
    metric: fs.used_percent
    over: 10m
    per: 1h
    op: ">"
    value: 10
`));
  const out: Decision[] = [];
  // +0.5 % per minute = 30 %/h
  for (let i = 0; i < 6; i++) out.push(...e.handle(msg(T0 + i * 60_000, metrics('app-01', i + 1, T0 + i * 60_000, [fs('/var/log', 50 + i * 0.5)]))));
  t.same(names(out), ['firing log-filling-fast@app-01'], 'fires once three points show the slope');
  t.equal(e.openIncidents()[0]?.title, '/var/log on app-01 grows 30%/h');
});

t.test('forecast: "filesystem full within 24 h", and not for a flat line', async (t) => {
  const rules = rulesFrom(`rules:
  - id: disk-full-soon
    kind: forecast
    title: "{mount} on {node} full in {hours} h"
    priority: P3
    metric: fs.used_percent
    over: 6h
    limit: 100
    within: 24h
    min_samples: 6
`);
  const e = new Engine(rules);
  const out: Decision[] = [];
  // 2 %/h from 48 %
  for (let i = 0; i <= 6; i++) out.push(...e.handle(msg(T0 + i * 3_600_000, metrics('pacs-01', i + 1, T0 + i * 3_600_000, [fs('/archive', 48 + 2 * i)]))));
  t.same(names(out), ['firing disk-full-soon@pacs-01']);
  t.equal(e.openIncidents()[0]?.title, '/archive on pacs-01 full in 21 h', 'fired at the sixth sample (58%): 42 points at 2 %/h');
  const flat = new Engine(rules);
  const none = [0, 1, 2, 3, 4, 5, 6].flatMap((i) => flat.handle(msg(T0 + i * 3_600_000, metrics('pacs-01', i + 1, T0 + i * 3_600_000, [fs('/archive', 90)]))));
  t.same(names(none), [], 'a full but steady disk is the threshold rule\'s job, not a forecast');
});

t.test('aggregate: more than 50% of the kiosks in the outpatient building offline', async (t) => {
  const topo = topologyFrom(`
nodes:
  - { id: opd-kiosks, kind: group, building: outpatient }
`);
  const e = new Engine(rulesFrom(`rules:
  - id: opd-kiosks-down
    kind: aggregate
    title: "{value}% of the outpatient kiosks are offline"
    priority: P2
    group: { role: terminal, building: outpatient, type: kiosk }
    measure: offline
    function: percent
    op: ">"
    value: 50
    min_members: 4
    node: opd-kiosks
`), { topology: topo });
  const kiosks = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
  kiosks.forEach((k, i) => e.handle(msg(T0 + i, birth(k, 1, T0, { role: 'terminal', labels: { building: 'outpatient', type: 'kiosk' }, intervalS: 3600 }))));
  e.handle(msg(T0 + 10, birth('ws-1', 1, T0, { role: 'terminal', labels: { building: 'outpatient', type: 'workstation' }, intervalS: 3600 })));
  ['k1', 'k2', 'k3'].forEach((k, i) => e.handle(msg(T0 + 100 + i, will(k, 1, T0))));
  t.same(names(e.handle({ type: 'tick', at: T0 + 1000 })), [], '3 of 6 is not more than 50%');
  e.handle(msg(T0 + 2000, will('k4', 1, T0)));
  t.same(names(e.handle({ type: 'tick', at: T0 + 3000 })), ['firing opd-kiosks-down@opd-kiosks']);
  t.equal(e.firingAlerts().find((a) => a.rule === 'opd-kiosks-down')?.title, '66.67% of the outpatient kiosks are offline');
  ['k1', 'k2'].forEach((k, i) => e.handle(msg(T0 + 4000 + i, birth(k, 2, T0 + 4000, { role: 'terminal', labels: { building: 'outpatient', type: 'kiosk' }, intervalS: 3600 }))));
  t.same(names(e.handle({ type: 'tick', at: T0 + 5000 })), ['resolved opd-kiosks-down@opd-kiosks']);
});

t.test('the customer\'s egress rule: bandwidth above 95% for 3 samples AND the insurance interface unreachable → P2 with the runbook', async (t) => {
  const topo = topologyFrom(`
nodes:
  - { id: egress-main, kind: egress, name: 主出口 }
  - { id: insurance, kind: external, name: 医保平台, depends_on: [egress-main] }
  - { id: probe-01, kind: other }
`);
  const rules = rulesFrom(`rules:
  - id: egress-saturated
    kind: threshold
    title: "Egress line {node} above 95% ({value}%)"
    priority: P3
    metric: check.in_percent
    where: { role: egress }
    op: ">"
    value: 95
    for: 3
    incident: false
  - id: external-unreachable
    kind: threshold
    title: "{node} unreachable"
    priority: P3
    metric: check.status_level
    where: { external: insurance }
    op: ">="
    value: 2
    incident: false
  - id: egress-failover
    kind: composite
    title: "Egress saturated and the insurance interface unreachable: switch to the backup line"
    priority: P2
    all: [egress-saturated, external-unreachable]
    related: topology
    runbook: runbooks/egress-failover.md
`);
  const ev = (seq: number, inPercent: number, insurance: 'ok' | 'critical'): EngineInput => ({
    type: 'message',
    at: T0 + seq * 15_000,
    message: {
      v: 1, kind: 'events', agent: 'probe-01', site: 'main', seq, ts: T0 + seq * 15_000,
      events: [
        { check: 'uplink', type: 'snmp', status: 'ok', node: 'egress-main', labels: { role: 'egress' }, fields: { in_percent: inPercent } },
        { check: 'insurance-api', type: 'http', status: insurance, node: 'insurance', labels: { external: 'insurance' } },
      ],
    },
  });
  const twoSamples = new Engine(rules, { topology: topo });
  const two = [ev(1, 97, 'critical'), ev(2, 98, 'critical'), ev(3, 60, 'critical')].flatMap((i) => twoSamples.handle(i));
  t.equal(two.filter((d) => d.type === 'incident.opened').length, 0, 'two samples above 95% are not enough');

  const e = new Engine(rules, { topology: topo });
  const out = [ev(1, 97, 'critical'), ev(2, 98, 'critical'), ev(3, 99, 'critical')].flatMap((i) => e.handle(i));
  t.same(names(out), ['firing external-unreachable@insurance', 'firing egress-saturated@egress-main', 'firing egress-failover@egress-main']);
  const inc = e.openIncidents();
  t.equal(inc.length, 1, 'one incident: the building-block alerts open nothing of their own');
  t.same([inc[0]?.root, inc[0]?.priority, inc[0]?.runbooks], ['egress-main', 'P2', ['runbooks/egress-failover.md']]);
  t.same(names(e.handle(ev(4, 99, 'ok'))), ['resolved external-unreachable@insurance', 'resolved egress-failover@egress-main']);
});

t.test('sequence: B within a window after A, on related nodes', async (t) => {
  const rules = rulesFrom(`rules:
  - id: db-failover
    kind: threshold
    title: "{node} replication lag"
    priority: P4
    metric: check.status_level
    where: { check: replication }
    op: ">="
    value: 2
    incident: false
  - id: app-db-errors
    kind: threshold
    title: "{node} database errors"
    priority: P4
    metric: check.status_level
    where: { check: db-conn }
    op: ">="
    value: 2
    incident: false
  - id: db-lost-after-failover
    kind: composite
    title: "Applications lost the database after a failover"
    priority: P1
    sequence: [db-failover, app-db-errors]
    within: 5m
`);
  const topo = topologyFrom(`
nodes:
  - { id: db-01, kind: database }
  - { id: his-app-01, kind: app, depends_on: [db-01] }
`);
  const e = new Engine(rules, { topology: topo });
  const ev = (seq: number, check: string, node: string, status: 'ok' | 'critical'): EngineInput => ({
    type: 'message', at: T0 + seq * 60_000,
    message: { v: 1, kind: 'events', agent: 'probe-01', site: 'main', seq, ts: T0 + seq * 60_000, events: [{ check, type: 'tcp', status, node }] },
  });
  e.handle(ev(1, 'replication', 'db-01', 'critical'));
  e.handle(ev(2, 'replication', 'db-01', 'ok'));
  const out = e.handle(ev(4, 'db-conn', 'his-app-01', 'critical'));
  t.ok(names(out).includes('firing db-lost-after-failover@db-01'), 'B 3 minutes after A: fires, on the first node');
  const late = new Engine(rules, { topology: topo });
  late.handle(ev(1, 'replication', 'db-01', 'critical'));
  t.notOk(names(late.handle(ev(9, 'db-conn', 'his-app-01', 'critical'))).some((n) => n.startsWith('firing db-lost')), '8 minutes later is outside the window');
});
