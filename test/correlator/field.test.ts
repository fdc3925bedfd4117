// Correlation under the timings and gaps of the field, as timelines through the pure engine:
// roots nothing reports about, roots that report late, alerts that are not outages, the
// monitoring path, the correlator's own broker link, and checks that name their target.

import t from 'tap';
import { Correlator, MONITORING_PATH, type IncidentDecision } from '../../correlator/correlate/correlator.js';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { Alert } from '../../correlator/evaluate/alert.js';
import { faultReport, renderReport } from '../../correlator/ticket/report.js';
import type { Message } from '../../protocol/schema.js';
import { birth, cpu, metrics, will } from '../helpers/messages.js';
import { rulesFrom, topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0); // a Monday, 14:00 in Shanghai
const RULES = rulesFrom(`rules:
  - { id: node-down, kind: offline, title: "{node} is not reporting", priority: P3, after: 3 }
  - { id: cpu-hot, kind: threshold, title: "CPU hot on {node}", priority: P3, metric: cpu.usage_percent, op: ">", value: 90, effect: local }
  - { id: cpu-slow, kind: threshold, title: "CPU saturated on {node}", priority: P4, metric: cpu.usage_percent, op: ">", value: 97, where: { role: server } }
`);
const TOPO = `
site: main
nodes:
  - { id: core-sw-1, kind: switch }
  - { id: core-sw-2, kind: switch }
  - { id: acc-(1..4), kind: switch, depends_on: [core-sw-1] }
  - { id: acc-(5..8), kind: switch, depends_on: [core-sw-2] }
  - { id: ws-1-(01..10), kind: terminal, building: outpatient, depends_on: [acc-1] }
  - { id: ws-2-(01..10), kind: terminal, building: outpatient, depends_on: [acc-2] }
  - { id: ws-5-(01..10), kind: terminal, building: inpatient, depends_on: [acc-5] }
  - { id: lis-app-01, kind: app, depends_on: [core-sw-1] }
  - { id: lab, kind: service, name: 检验 (LIS), criticality: core, depends_on: [lis-app-01], terminals: { building: [outpatient, inpatient] } }
`;
const ids = (prefix: string, n = 10) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);
const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const engine = (opts = {}) => new Engine(RULES, { topology: topologyFrom(TOPO), settleMs: 10_000, resolveHoldMs: 0, ...opts });

/** Every agent born, and reporting every 15 s until it stops (its own clock = arrival time). */
class Field {
  readonly out: Decision[] = [];
  private readonly seq = new Map<string, number>();
  private readonly stopped = new Map<string, number>();
  private now = T0;
  constructor(
    readonly e: Engine,
    readonly agents: string[],
  ) {
    agents.forEach((id, i) => this.send(T0 - 5_000 + i, birth(id, 1, T0 - 5_000, { role: id.startsWith('ws') ? 'terminal' : 'server', intervalS: 15 })));
  }
  private send(at: number, m: Message): void {
    this.out.push(...this.e.handle(msg(at, m)));
  }
  stop(id: string, at: number): void {
    this.stopped.set(id, at);
  }
  will(id: string, at: number): void {
    this.pending.push({ at, fn: () => this.send(at, will(id, 1, T0 - 5_000)) });
  }
  data(id: string, at: number, value = 10): void {
    this.pending.push({ at, fn: () => this.report(id, at, value) });
  }
  private readonly pending: Array<{ at: number; fn: () => void }> = [];
  private report(id: string, at: number, value: number): void {
    const s = (this.seq.get(id) ?? 1) + 1;
    this.seq.set(id, s);
    this.send(at, metrics(id, s, at, [cpu(value)]));
  }
  /** Runs to `until`: each live agent reports every 15 s, scheduled events happen, ticks every second. */
  run(until: number): void {
    for (let at = this.now + 1000; at <= until; at += 1000) {
      this.agents.forEach((id, i) => {
        const stop = this.stopped.get(id);
        if ((stop === undefined || at < stop) && (at - T0 + i * 37) % 15_000 < 1000) this.report(id, at, 10);
      });
      for (const p of this.pending.filter((x) => x.at <= at).sort((a, b) => a.at - b.at)) {
        p.fn();
        this.pending.splice(this.pending.indexOf(p), 1);
      }
      this.out.push(...this.e.handle({ type: 'tick', at }));
    }
    this.now = until;
  }
  opened(): Array<{ root: string; at: number; suspected: boolean }> {
    return this.out.filter((d) => d.type === 'incident.opened').map((d) => ({ root: (d as { incident: { root: string } }).incident.root, at: (d as { incident: { openedAt: number } }).incident.openedAt - T0, suspected: (d as { incident: { suspected?: boolean } }).incident.suspected === true }));
  }
}

t.test('an access switch nothing watches: its terminals lost within a second are one suspected incident at the switch', async (t) => {
  const f = new Field(engine(), [...ids('ws-1'), ...ids('ws-2'), 'lis-app-01']);
  for (const [i, id] of ids('ws-1').entries()) {
    f.stop(id, T0 + 30_000);
    f.will(id, T0 + 30_000 + i * 80);
  }
  f.run(T0 + 120_000);
  t.same(f.opened(), [{ root: 'acc-1', at: 40_000, suspected: true }], 'one incident, at the switch, when the settling window of the first will ends');
  const inc = f.e.openIncidents()[0]!;
  t.equal(inc.alerts.length, 10, 'every terminal behind it is a symptom');
  t.ok(inc.alerts.every((a) => a.role === 'symptom' && a.reachability === 'unreachable'));
  t.match(inc.evidence[0]?.detail, /^10 of 10 reporting nodes behind acc-1 lost within 0\.7 s; nothing reports acc-1 itself failing yet/);
  t.match(inc.title, /acc-1 suspected down/);
  const report = faultReport(inc);
  t.equal(report.root.suspected, true, 'the fault report says the root is suspected');
  t.match(renderReport(report, T0 + 60_000, { language: 'en' }), /Root cause:\s+acc-1 \(site main; suspected, no alert of its own yet\)/);
  t.match(renderReport(report, T0 + 60_000, { language: 'zh' }), /故障点：acc-1 \(院区 main; 疑似，尚无其自身告警\)/);
});

t.test('the switch’s own probe alert 25 s later confirms the same incident: no second page', async (t) => {
  const f = new Field(engine(), [...ids('ws-1'), ...ids('ws-2'), 'acc-1', 'lis-app-01']);
  for (const [i, id] of ids('ws-1').entries()) {
    f.stop(id, T0 + 30_000);
    f.will(id, T0 + 30_000 + i * 80);
  }
  f.stop('acc-1', T0 + 30_000);
  f.will('acc-1', T0 + 55_000);
  f.run(T0 + 120_000);
  t.same(f.opened().map((o) => [o.root, o.at]), [['acc-1', 40_000]], 'one incident ever opened, before the probe spoke');
  const inc = f.e.openIncidents()[0]!;
  t.equal(inc.suspected, false, 'confirmed');
  t.ok(inc.evidence.some((e) => e.event === 'confirmed' && e.detail.includes('confirms the suspected root acc-1')));
  t.equal(inc.alerts.find((a) => a.node === 'acc-1')?.role, 'root');
});

t.test('keep-alive detection: the terminals’ Wills come 45–60 s after the switch died, spread over 15 s', async (t) => {
  const f = new Field(engine(), [...ids('ws-1'), ...ids('ws-2'), 'lis-app-01']);
  for (const [i, id] of ids('ws-1').entries()) {
    f.stop(id, T0 + 30_000);
    f.will(id, T0 + 75_000 + ((i * 7_919) % 15_000));
  }
  f.run(T0 + 180_000);
  const opened = f.opened();
  t.equal(opened.length, 1, 'one incident ever opened');
  t.equal(opened[0]?.root, 'acc-1');
  t.equal(f.e.openIncidents()[0]?.alerts.length, 10);
});

t.test('a suspect that reports for itself is released: the symptoms stand alone and say why', async (t) => {
  // ws-1-01 and -02 fail together; acc-1 is an agent of its own and keeps reporting.
  const f = new Field(engine(), [...ids('ws-1', 3), 'acc-1']);
  f.stop('ws-1-01', T0 + 30_000);
  f.stop('ws-1-02', T0 + 30_000);
  f.stop('acc-1', T0 + 30_000); // silent a while (a busy switch CPU) …
  f.will('ws-1-01', T0 + 30_000);
  f.will('ws-1-02', T0 + 30_200);
  f.data('acc-1', T0 + 60_000); // … then it reports: it is up
  f.run(T0 + 90_000);
  const opened = f.opened();
  t.equal(opened[0]?.root, 'acc-1');
  t.equal(opened[0]?.suspected, true);
  t.same(opened.slice(1).map((o) => o.root).sort(), ['ws-1-01', 'ws-1-02'], 'released: each terminal is its own incident');
  const resolved = f.out.find((d) => d.type === 'incident.resolved') as { reason: string } | undefined;
  t.match(resolved?.reason, /suspected root acc-1 released: it reported after the failures/);
  t.ok(
    f.e.openIncidents().every((i) => i.evidence[0]?.detail.includes('acc-1 proved up')),
    'each incident says why it stands alone',
  );
});

t.test('an independent failure is paged within settle + hold, even beside silent neighbours', async (t) => {
  const f = new Field(engine(), [...ids('ws-1'), 'lis-app-01']);
  f.stop('ws-1-04', T0 + 30_000);
  f.will('ws-1-04', T0 + 30_000);
  f.run(T0 + 90_000);
  const opened = f.opened();
  t.same(opened.map((o) => o.root), ['ws-1-04']);
  t.ok((opened[0]?.at ?? Infinity) - 30_000 <= 25_000, `paged ${((opened[0]?.at ?? 0) - 30_000) / 1000} s after its Will (settle 10 s + hold 15 s at most)`);
});

t.test('effects: a hot LIS server is its own P3, not the lab down for everyone; a degradation is a step below an outage', async (t) => {
  const e = engine();
  const f = new Field(e, ['lis-app-01', ...ids('ws-1', 2)]);
  f.run(T0 + 2_000);
  const hot = e.handle(msg(T0 + 3_000, metrics('lis-app-01', 90, T0 + 3_000, [cpu(95)])));
  const inc = hot.find((d) => d.type === 'incident.opened') as Extract<Decision, { type: 'incident.opened' }> | undefined;
  t.ok(inc, 'a local alert opens at once: nothing it could be a symptom of matters');
  t.equal(inc?.incident.priority, 'P3');
  t.match(inc?.incident.priorityReason, /^P3: rule cpu-hot sets P3; no business service affected \(effect: local, only this node\)/);
  t.notMatch(inc?.incident.priorityReason, /down for all its users/);

  const e2 = new Engine(rulesFrom(`rules:
  - { id: cpu-slow, kind: threshold, title: "CPU saturated on {node}", priority: P4, metric: cpu.usage_percent, op: ">", value: 97 }
`), { topology: topologyFrom(TOPO), settleMs: 1_000, holdMs: 0 });
  e2.handle(msg(T0, birth('lis-app-01', 1, T0)));
  const out = [...e2.handle(msg(T0 + 1_000, metrics('lis-app-01', 2, T0 + 1_000, [cpu(99)]))), ...e2.handle({ type: 'tick', at: T0 + 2_000 })];
  const slow = out.find((d) => d.type === 'incident.opened') as Extract<Decision, { type: 'incident.opened' }> | undefined;
  t.equal(slow?.incident.priority, 'P2', 'the lab degraded for all its users: P2, where losing it would be P1');
  t.match(slow?.incident.priorityReason, /检验 \(LIS\) \(core service\) is degraded for all its users/);
});

t.test('a local alert never takes in its dependants’ outages', async (t) => {
  const e = engine({ holdMs: 0 });
  const f = new Field(e, ['core-sw-1', ...ids('ws-1', 3)]);
  f.run(T0 + 2_000);
  e.handle(msg(T0 + 3_000, metrics('core-sw-1', 90, T0 + 3_000, [cpu(95)])));
  f.stop('ws-1-01', T0 + 4_000);
  f.will('ws-1-01', T0 + 4_000);
  f.run(T0 + 40_000);
  t.same(e.openIncidents().map((i) => i.root).sort(), ['core-sw-1', 'ws-1-01'], 'the terminal is not explained by a hot CPU upstream');
});

t.test('the monitoring path: agents lost at once all over the network are one incident, not one per agent', async (t) => {
  const agents = [...ids('ws-1'), ...ids('ws-2'), ...ids('ws-5'), 'lis-app-01'];
  const f = new Field(engine(), agents);
  // Every fourth agent everywhere: no one switch has most of them behind it.
  const lost = agents.filter((_, i) => i % 3 === 0);
  for (const [i, id] of lost.entries()) {
    f.stop(id, T0 + 30_000);
    f.will(id, T0 + 30_000 + i * 100);
  }
  f.run(T0 + 90_000);
  t.same(f.opened().map((o) => o.root), [MONITORING_PATH]);
  const inc = f.e.openIncidents()[0]!;
  t.equal(inc.alerts.length, lost.length);
  t.match(inc.evidence[0]?.detail, new RegExp(`^${lost.length} of ${agents.length} agents lost within 1\\.0 s all over the network`));
});

t.test('the correlator’s own broker link: Wills published while it was away wait for the agents to come back', async (t) => {
  const agents = [...ids('ws-1'), ...ids('ws-5')];
  const e = engine({ linkGraceMs: 30_000 });
  const f = new Field(e, agents);
  f.run(T0 + 20_000);
  e.handle({ type: 'link', up: false, at: T0 + 21_000 });
  // The broker restarted: every agent's Will arrives with the reconnect, then they re-announce.
  e.handle({ type: 'link', up: true, at: T0 + 40_000 });
  const out: Decision[] = [];
  agents.forEach((id, i) => out.push(...e.handle(msg(T0 + 40_100 + i, will(id, 1, T0 - 5_000)))));
  agents.forEach((id, i) => out.push(...e.handle(msg(T0 + 45_000 + i * 200, birth(id, 2, T0 + 45_000, { intervalS: 3600 })))));
  for (let at = T0 + 41_000; at <= T0 + 120_000; at += 1000) out.push(...e.handle({ type: 'tick', at }));
  t.equal(out.filter((d) => d.type === 'alert.firing').length, agents.length, 'each Will still raises its alert (recorded) …');
  t.same(out.filter((d) => d.type === 'incident.opened'), [], '… but no incident: they came back within the grace');
  t.equal(e.firingAlerts().length, 0);
});

t.test('silence while the link is down proves nothing: no agent goes offline for it', async (t) => {
  const agents = ids('ws-1', 3);
  const e = engine();
  const f = new Field(e, agents);
  f.run(T0 + 10_000);
  e.handle({ type: 'link', up: false, at: T0 + 10_500 });
  const out: Decision[] = [];
  for (let at = T0 + 11_000; at <= T0 + 300_000; at += 1000) out.push(...e.handle({ type: 'tick', at }));
  t.same(out.filter((d) => d.type === 'alert.firing'), [], 'five minutes of link outage: nobody is judged silent');
  e.handle({ type: 'link', up: true, at: T0 + 300_500 });
  for (let at = T0 + 301_000; at <= T0 + 330_000; at += 1000) out.push(...e.handle({ type: 'tick', at }));
  t.same(out.filter((d) => d.type === 'alert.firing'), [], 'nor in the first intervals after it returns');
});

// ── checks that name their target: through the correlator itself, with check alerts as data ──

/** A database and four applications with no declared dependency on it: only their checks say so. */
const CHECKED_DB = `
nodes:
  - { id: db-01, kind: database }
  - { id: app-(1..4), kind: app }
`;

function checkAlert(node: string, target: string, at: number, errorClass: Alert['errorClass'] = 'refused'): Alert {
  return {
    id: `check-failing|${node}|check=db`,
    rule: 'check-failing',
    kind: 'threshold',
    node,
    site: 'main',
    labels: { check: 'db' },
    priority: 'P3',
    title: `db check failing on ${node}`,
    state: 'firing',
    since: at,
    firedAt: at,
    triggerTs: at,
    reason: 'threshold-crossed',
    effect: 'outage',
    targetNode: target,
    errorClass,
  };
}

t.test('check targets: machines whose checks of one database fail are one incident at the database', async (t) => {
  const topo = topologyFrom(CHECKED_DB);
  const c = new Correlator(undefined, topo, { settleMs: 10_000, holdMs: 15_000, heard: () => undefined });
  const out: IncidentDecision[] = [];
  for (let i = 1; i <= 3; i++) out.push(...c.handle({ type: 'alert.firing', alert: checkAlert(`app-${i}`, 'db-01', T0 + i * 1000), reason: 'threshold-crossed' }, T0 + i * 1000));
  for (let at = T0 + 1000; at <= T0 + 40_000; at += 1000) out.push(...c.tick(at, () => undefined));
  const opened = out.filter((d) => d.type === 'incident.opened') as Array<Extract<IncidentDecision, { type: 'incident.opened' }>>;
  t.same(opened.map((d) => d.incident.root), ['db-01'], 'one incident, at the target');
  const inc = opened[0]!.incident;
  t.equal(inc.suspected, true);
  t.match(inc.evidence[0]?.detail, /^3 check\(s\) of db-01 from different machines failing within 2\.0 s/);
  t.ok(inc.evidence.some((e) => e.detail.includes('its check of db-01 fails (refused)')), 'the error class is evidence');
});

t.test('check targets: while the target has its own outage alert, its checkers are symptoms', async (t) => {
  const topo = topologyFrom(CHECKED_DB);
  const c = new Correlator(undefined, topo, { settleMs: 10_000 });
  const down: Alert = { ...checkAlert('db-01', 'db-01', T0), id: 'node-down|db-01|', rule: 'node-down', kind: 'offline', labels: {}, title: 'db-01 is not reporting', reason: 'last-will' };
  delete down.targetNode;
  const out = [...c.handle({ type: 'alert.firing', alert: down, reason: 'last-will' }, T0)];
  out.push(...c.handle({ type: 'alert.firing', alert: checkAlert('app-1', 'db-01', T0 + 2000, 'timeout'), reason: 'threshold-crossed' }, T0 + 2000));
  for (let at = T0 + 1000; at <= T0 + 30_000; at += 1000) out.push(...c.tick(at, () => undefined));
  t.same(out.filter((d) => d.type === 'incident.opened').map((d) => (d as { incident: { root: string } }).incident.root), ['db-01']);
  const inc = [...c.open.values()][0]!;
  t.same(inc.alerts.map((a) => `${a.node}:${a.role}`), ['db-01:root', 'app-1:symptom']);
});

t.test('a replayed backlog never joins the live incident of its node', async (t) => {
  const e = engine({ staleMs: 60_000 });
  const f = new Field(e, ['lis-app-01']);
  f.run(T0 + 2_000);
  e.handle(msg(T0 + 3_000, metrics('lis-app-01', 50, T0 + 3_000, [cpu(95)])));
  t.equal(e.openIncidents().length, 1, 'a live hot CPU');
  const rules2 = e.openIncidents()[0]!.alerts.length;
  // Now an old sample of another series, from a spool replayed ten minutes late.
  e.handle(msg(T0 + 4_000, metrics('lis-app-01', 51, T0 - 600_000, [{ m: 'cpu', tags: { cpu: '3' }, fields: { usage_percent: 99 } }])));
  t.equal(e.openIncidents()[0]!.alerts.length, rules2, 'the backlog alert waits for fresh data instead of joining');
});

t.test('an incident that takes in held alerts as it opens has their priority at once, not a tick later', async (t) => {
  const rules = rulesFrom(`rules:
  - { id: server-offline, kind: offline, title: "{node} is not reporting", priority: P2, after: 3 }
  - { id: check-failing, kind: threshold, title: "{check} failing on {node}", priority: P3, metric: check.status_level, op: ">=", value: 2, effect: outage }
`);
  const e = new Engine(rules, { topology: topologyFrom('nodes:\n  - { id: db-01, kind: database }\n'), settleMs: 10_000 });
  const fleet = ['db-01', 'probe-01', ...ids('ws-1')];
  fleet.forEach((id, i) => e.handle(msg(T0 + i, birth(id, 1, T0, { intervalS: 3600 }))));
  // In a fleet this size an agent lost waits the settling window (it may be one of many) …
  e.handle(msg(T0 + 1_000, will('db-01', 1, T0)));
  t.same(e.waiting().map((w) => w.why), ['settling']);
  // … and the probe's check of it opens the incident at once, taking the held offline alert in.
  const out = e.handle(msg(T0 + 2_000, { v: 1, kind: 'events', agent: 'probe-01', site: 'main', seq: 2, ts: T0 + 2_000, events: [{ check: 'db', type: 'tcp', status: 'critical', node: 'db-01' }] }));
  const opened = out.find((d) => d.type === 'incident.opened') as Extract<Decision, { type: 'incident.opened' }> | undefined;
  t.equal(opened?.incident.alerts.length, 2);
  t.equal(opened?.incident.priority, 'P2', 'the page goes out at P2, the offline rule’s priority');
});
