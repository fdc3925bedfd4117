// Topology-aware correlation, as timelines of plain data through the pure engine.

import t from 'tap';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { Message } from '../../protocol/schema.js';
import { birth, cpu, metrics, will } from '../helpers/messages.js';
import { rulesFrom, topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0); // a Monday, 14:00 in Shanghai
const RULES = rulesFrom(`rules:
  - id: node-down
    kind: offline
    title: "{node} is not reporting"
    priority: P3
    after: 3
  - id: cpu-high
    kind: threshold
    title: "CPU high on {node}"
    priority: P3
    metric: cpu.usage_percent
    op: ">"
    value: 90
`);
const TOPO = `
site: main
nodes:
  - { id: egress-main, kind: egress }
  - { id: core-sw-1, kind: switch, depends_on: [egress-main] }
  - { id: acc-opd-(1..2), kind: switch, building: outpatient, depends_on: [core-sw-1] }
  - { id: ws-opd-(01..04), kind: terminal, building: outpatient, floor: "1", depends_on: [acc-opd-1] }
  - { id: ws-opd-(05..08), kind: terminal, building: outpatient, floor: "2", depends_on: [acc-opd-2] }
  - { id: db-01, kind: database }
  - { id: his-app-01, kind: app, depends_on: [db-01, core-sw-1] }
  - id: registration
    kind: service
    name: 门诊挂号
    criticality: core
    depends_on: [his-app-01]
    terminals: { building: outpatient }
  - { id: pacs-01, kind: server }
`;

const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const fmt = (d: Decision): string => {
  if (d.type === 'alert.firing' || d.type === 'alert.resolved' || d.type === 'alert.flapping') return `${d.type} ${d.alert.node}`;
  if (d.type === 'incident.opened' || d.type === 'incident.resolved') return `${d.type} INC-${d.incident.id} root=${d.incident.root} ${d.incident.priority}`;
  if (d.type === 'incident.updated') return `${d.type} INC-${d.incident.id} ${d.change}`;
  if (d.type === 'alert.suppressed') return `${d.type} ${d.alert.node} ${d.reason}`;
  return d.type;
};
const incidents = (ds: Decision[]) => ds.map(fmt).filter((l) => l.startsWith('incident.'));
const engine = (opts = {}) => new Engine(RULES, { topology: topologyFrom(TOPO), settleMs: 10_000, ...opts });
/** Births for these nodes (a long interval: nobody goes silent during a test unless told). */
function boot(e: Engine, ids: string[]): void {
  ids.forEach((id, i) => e.handle(msg(T0 - 60_000 + i, birth(id, 1, T0 - 60_000, { role: id.startsWith('ws') ? 'terminal' : 'server', intervalS: 3600 }))));
}
function dies(e: Engine, id: string, at: number): Decision[] {
  return e.handle(msg(at, will(id, 1, T0 - 60_000)));
}

t.test('a core switch and everything behind it: one incident, root = core switch', async (t) => {
  const e = engine();
  const behind = ['acc-opd-1', 'acc-opd-2', 'ws-opd-01', 'ws-opd-02', 'ws-opd-03', 'ws-opd-05', 'his-app-01'];
  boot(e, ['core-sw-1', ...behind]);
  const out: Decision[] = [];
  // Symptoms first (a few seconds apart), the root alert 4 s after the first symptom.
  behind.slice(0, 4).forEach((id, i) => out.push(...dies(e, id, T0 + i * 500)));
  out.push(...dies(e, 'core-sw-1', T0 + 4_000));
  behind.slice(4).forEach((id, i) => out.push(...dies(e, id, T0 + 5_000 + i * 500)));
  for (let s = 1; s <= 20; s++) out.push(...e.handle({ type: 'tick', at: T0 + s * 1000 }));
  const opened = out.filter((d) => d.type === 'incident.opened');
  t.equal(opened.length, 1, 'exactly one incident');
  const inc = e.openIncidents()[0]!;
  t.equal(inc.root, 'core-sw-1');
  t.same(inc.alerts.filter((a) => a.role === 'symptom').map((a) => a.node).sort(), [...behind].sort());
  t.ok(inc.alerts.filter((a) => a.role === 'symptom').every((a) => a.reachability === 'unreachable'), 'silent nodes behind the dead switch are unreachable, not down');
  t.equal(inc.alerts.find((a) => a.role === 'root')?.reachability, 'down');
  // Settling: core-sw-1 has an upstream (egress), so it waits 10 s from its own arrival; the
  // symptoms that arrived before it were never announced before it.
  const first = out.findIndex((d) => d.type === 'incident.opened');
  t.equal((out[first] as { incident: { root: string } }).incident.root, 'core-sw-1', 'the root is announced first');
  t.match(inc.priorityReason, /门诊挂号 \(core service\) is down for all its users/, 'registration depends on his-app-01 behind the switch');
  t.equal(inc.priority, 'P1');
  t.same(inc.impact?.buildings, ['outpatient']);
  t.ok(inc.evidence.some((ev) => ev.reason === 'upstream-failing' && ev.detail.includes('acc-opd-1 → core-sw-1')), 'the evidence names the dependency path');
});

t.test('a node with nothing upstream opens at once; a late root takes over the open incident', async (t) => {
  const e = engine({ settleMs: 2_000 });
  boot(e, ['acc-opd-1', 'ws-opd-01', 'core-sw-1']);
  const a = incidents(dies(e, 'ws-opd-01', T0));
  t.same(a, [], 'the terminal has upstream nodes: it waits');
  // Its neighbour behind core-sw-1 (acc-opd-1) has not been heard from since it failed: a
  // dead switch would look just like this, so it is held, but only up to settle + hold.
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 2_000 })), [], 'after the settling window the switches are not cleared yet: held');
  t.same(e.waiting().map((w) => w.why), ['forming']);
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 16_000 })), []);
  const b = incidents([...e.handle({ type: 'tick', at: T0 + 17_000 })]);
  t.same(b, ['incident.opened INC-1 root=ws-opd-01 P3'], 'at the bound (settle 2 s + hold 15 s) it opens on its own');
  t.match(e.openIncidents()[0]?.evidence[0]?.detail, /nothing behind .* failed with it within 17 s/, 'and says why it stands alone');
  const c = incidents([...dies(e, 'core-sw-1', T0 + 30_000), ...e.handle({ type: 'tick', at: T0 + 32_000 })]);
  t.same(c, ['incident.updated INC-1 root-changed'], 'the late root re-parents INC-1 instead of opening a second incident');
  t.equal(e.openIncidents().length, 1);
  t.equal(e.openIncidents()[0]?.root, 'core-sw-1');
});

t.test('two independent faults stay two incidents', async (t) => {
  const e = engine();
  boot(e, ['db-01', 'pacs-01']);
  const out = [...dies(e, 'db-01', T0), ...dies(e, 'pacs-01', T0 + 100)];
  t.same(incidents(out), ['incident.opened INC-1 root=db-01 P1', 'incident.opened INC-2 root=pacs-01 P3']);
  t.match(e.openIncidents()[0]!.priorityReason, /^P1: 门诊挂号 \(core service\) is down for all its users/);
});

t.test('a spooled backlog with old timestamps neither skips the window nor opens stale incidents', async (t) => {
  const e = engine({ staleMs: 60_000 });
  const old = T0 - 3_600_000;
  const backlog = [95, 96, 97].map((v, i) => msg(T0 + i, metrics('pacs-01', i + 1, old + i * 15_000, [cpu(v)])));
  const out = backlog.flatMap((m) => e.handle(m));
  t.same(out.map(fmt), ['alert.firing pacs-01'], 'the alert is recorded…');
  const first = out[0];
  t.equal(first?.type === 'alert.firing' && first.alert.history, true, '…as history: its data is an hour old');
  t.same(e.waiting(), [], 'nothing waits to be placed');
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 5_000 })), []);
  const fresh = e.handle(msg(T0 + 10_000, metrics('pacs-01', 4, T0 + 10_000, [cpu(98)])));
  t.same(incidents([...fresh, ...e.handle({ type: 'tick', at: T0 + 11_000 })]), ['incident.opened INC-1 root=pacs-01 P3'], 'fresh data still over the threshold: now it opens');
});

t.test('after a restart nothing opens during the first settling window', async (t) => {
  const e = engine({ startedAt: T0 });
  boot(e, ['pacs-01']);
  t.same(incidents(dies(e, 'pacs-01', T0 + 1_000)), []);
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 9_999 })), []);
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 10_000 })), ['incident.opened INC-1 root=pacs-01 P3']);
});

t.test('maintenance on a node holds its alerts and those of what depends on it', async (t) => {
  const e = engine({ settleMs: 1_000 });
  boot(e, ['db-01', 'his-app-01']);
  e.handle({ type: 'silence', at: T0, silence: { id: 'm1', matchers: {}, nodes: ['db-01'], startsAt: T0, endsAt: T0 + 60_000, createdBy: 'li.na', comment: 'DB patching' } });
  const out = [...dies(e, 'db-01', T0 + 1_000), ...dies(e, 'his-app-01', T0 + 2_000), ...e.handle({ type: 'tick', at: T0 + 5_000 })];
  t.same(out.map(fmt).filter((l) => l.startsWith('alert.suppressed') || l.startsWith('incident')), ['alert.suppressed db-01 silenced', 'alert.suppressed his-app-01 upstream-in-maintenance']);
  const after = e.handle({ type: 'tick', at: T0 + 60_000 });
  t.same(incidents(after), ['incident.opened INC-1 root=db-01 P1', 'incident.updated INC-1 alert-joined'], 'still down when the window ends: one incident, root first');
});

t.test('a flapping kiosk is one incident, marked flapping', async (t) => {
  const e = engine({ resolveHoldMs: 30_000 });
  boot(e, ['pacs-01']);
  const out: Decision[] = [];
  let at = T0;
  let session = 1;
  for (let i = 0; i < 8; i++) {
    out.push(...e.handle(msg((at += 5_000), will('pacs-01', session, T0))));
    out.push(...e.handle(msg((at += 5_000), birth('pacs-01', ++session, at))));
    out.push(...e.handle({ type: 'tick', at }));
  }
  t.equal(out.filter((d) => d.type === 'incident.opened').length, 1, 'one incident');
  t.equal(out.filter((d) => d.type === 'incident.resolved').length, 0, 'not resolved while flapping');
  t.equal(e.openIncidents()[0]?.flapping, true);
  // Stable again: enough quiet observations end the flapping, then the incident resolves.
  for (let i = 0; i < 25; i++) out.push(...e.handle(msg((at += 10_000), metrics('pacs-01', i + 1, at, [cpu(5)]))));
  out.push(...e.handle({ type: 'tick', at: (at += 31_000) }));
  t.equal(out.filter((d) => d.type === 'incident.resolved').length, 1, 'resolves once stable');
});

t.test('the same alert again updates, never duplicates', async (t) => {
  const e = engine();
  const out = [1, 2, 3, 4].flatMap((s) => e.handle(msg(T0 + s, metrics('pacs-01', s, T0 + s, [cpu(99)]))));
  t.same(incidents(out), ['incident.opened INC-1 root=pacs-01 P3']);
  t.equal(e.openIncidents()[0]?.alerts.length, 1);
});

t.test('when the root recovers and symptoms persist past the grace, they stand alone', async (t) => {
  const e = engine({ settleMs: 1_000, recoveryGraceMs: 60_000 });
  boot(e, ['acc-opd-1', 'ws-opd-01']);
  [...dies(e, 'acc-opd-1', T0), ...dies(e, 'ws-opd-01', T0 + 100)];
  e.handle({ type: 'tick', at: T0 + 2_000 });
  t.equal(e.openIncidents()[0]?.alerts.length, 2);
  e.handle(msg(T0 + 10_000, birth('acc-opd-1', 2, T0 + 10_000, { intervalS: 3600 })));
  t.same(incidents(e.handle({ type: 'tick', at: T0 + 30_000 })), [], 'within the grace: the terminal may still be reconnecting');
  const out = incidents(e.handle({ type: 'tick', at: T0 + 70_000 }));
  t.same(out, ['incident.resolved INC-1 root=acc-opd-1 P1', 'incident.opened INC-2 root=ws-opd-01 P3'], 'half the registration terminals behind the switch made INC-1 P1; one terminal alone is P3');
});

t.test('a very long evidence chain keeps its start and its end', async (t) => {
  const topo = topologyFrom(`
nodes:
  - { id: acc-1, kind: switch }
  - { id: ws-(001..600), kind: terminal, depends_on: [acc-1] }
`);
  const e = new Engine(RULES, { topology: topo, settleMs: 0 });
  const ids = ['acc-1', ...Array.from({ length: 600 }, (_, i) => `ws-${String(i + 1).padStart(3, '0')}`)];
  ids.forEach((id, i) => e.handle(msg(T0 + i, birth(id, 1, T0, { intervalS: 3600 }))));
  ids.forEach((id, i) => e.handle(msg(T0 + 1000 + i, will(id, 1, T0))));
  e.handle({ type: 'tick', at: T0 + 2000 });
  const ev = e.openIncidents()[0]?.evidence ?? [];
  t.equal(ev.length, 501, '50 first, a marker, 450 last');
  t.match(ev[50]?.detail, /^… \d+ entries folded$/);
  t.equal(ev.reduce((n, x) => n + (x.folded ?? 1), 0), 601, 'every entry is accounted for');
});
