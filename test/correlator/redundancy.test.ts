// Redundant nodes (a primary/standby database pair, two egress lines): losing one member is a
// degraded redundancy with its own priority, not an outage of everything that depends on the
// pair; losing all of them is. Plain data through the pure engine and topology.

import t from 'tap';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { Message } from '../../protocol/schema.js';
import { birth, will } from '../helpers/messages.js';
import { rulesFrom, topologyFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const RULES = rulesFrom(`rules:
  - id: database-down
    kind: offline
    title: "{node} is not reporting"
    priority: P1
    after: 3
    where: { kind: database }
  - id: node-down
    kind: offline
    title: "{node} is not reporting"
    priority: P3
    after: 3
    where: { kind: { not: database } }
`);
const TOPO = `
site: main
nodes:
  - { id: storage-1, kind: storage }
  - { id: db-a, kind: database, depends_on: [storage-1] }
  - { id: db-b, kind: database }
  - { id: his-db, kind: group, name: HIS 数据库 (主备), redundant: true, degraded: P2, depends_on: [db-a, db-b] }
  - { id: his-app, kind: app, depends_on: [his-db] }
  - { id: report-01, kind: app, depends_on: [db-a] }
  - { id: ws-(1..4), kind: terminal, building: outpatient }
  - id: registration
    kind: service
    name: 门诊挂号
    criticality: core
    depends_on: [his-app]
    terminals: { building: outpatient }
`;

const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const engine = () => new Engine(RULES, { topology: topologyFrom(TOPO), settleMs: 5_000 });
function boot(e: Engine, ids: string[]): void {
  ids.forEach((id, i) => e.handle(msg(T0 - 60_000 + i, birth(id, 1, T0 - 60_000, { role: 'server', intervalS: 3600, labels: { kind: id.startsWith('db') ? 'database' : 'app' } }))));
}
const dies = (e: Engine, id: string, at: number): Decision[] => e.handle(msg(at, will(id, 1, T0 - 60_000)));
const run = (e: Engine, from: number, to: number): Decision[] => {
  const out: Decision[] = [];
  for (let at = from; at <= to; at += 1_000) out.push(...e.handle({ type: 'tick', at }));
  return out;
};

t.test('topology: down and the reach of a failure stop at a redundant node that still stands', async (t) => {
  const topo = topologyFrom(TOPO);
  const failing = (ids: string[]) => (id: string) => ids.includes(id);
  t.notOk(topo.isDown('his-db', failing(['db-a'])), 'one member down: the pair stands');
  t.ok(topo.isDown('his-db', failing(['db-a', 'db-b'])), 'both down: the pair is down');
  t.ok(topo.isDown('his-db', failing(['storage-1', 'db-b'])), 'a member down through its own storage counts');
  t.ok(topo.isDown('report-01', failing(['db-a'])), 'what needs db-a itself is down with it');
  t.same([...topo.liveDescendants('db-a', failing(['db-a']))].sort(), ['his-db', 'report-01'], 'the failure stops at the standing pair');
  t.ok(topo.liveDescendants('db-a', failing(['db-a', 'db-b'])).has('registration'), 'with both gone it reaches the service');
  t.same([...topo.liveAncestors('his-app', failing(['db-a']))], ['his-db'], 'the app is not explained by db-a while db-b serves');
  t.same([...topo.liveAncestors('his-app', failing(['db-a', 'db-b']))].sort(), ['db-a', 'db-b', 'his-db', 'storage-1']);
  t.same(topo.standingBelow('db-a', failing(['db-a'])).map((n) => n.id), ['his-db']);
});

t.test('the primary database fails and the standby carries on: degraded redundancy, not a P1 outage', async (t) => {
  const e = engine();
  boot(e, ['db-a', 'db-b', 'his-app', 'report-01']);
  const out = [...dies(e, 'db-a', T0), ...run(e, T0 + 1_000, T0 + 10_000)];
  const opened = out.filter((d) => d.type === 'incident.opened');
  t.equal(opened.length, 1);
  const inc = e.openIncidents()[0]!;
  t.equal(inc.root, 'db-a');
  t.equal(inc.priority, 'P2', 'the pair\'s degraded priority, not the P1 of a database outage');
  t.match(inc.priorityReason, /redundancy: HIS 数据库 \(主备\) runs on db-b, so P2 \(lost redundancy, not an outage\)/);
  t.notOk(inc.impact?.services.includes('registration'), 'registration is not counted as affected');

  // The application has its own trouble during the failover: its own incident, not a symptom of db-a.
  const app = [...dies(e, 'his-app', T0 + 20_000), ...run(e, T0 + 21_000, T0 + 30_000)];
  t.same(app.filter((d) => d.type === 'incident.opened').map((d) => (d as { incident: { root: string; priority: string } }).incident.root), ['his-app']);
  t.equal(e.openIncidents().find((i) => i.root === 'his-app')?.priority, 'P1', 'registration is down for all its users: P1');
});

t.test('both members fail: one incident rooted at the pair, an outage of what depends on it, everything behind it as symptoms', async (t) => {
  const e = engine();
  boot(e, ['db-a', 'db-b', 'his-app']);
  const out = [...dies(e, 'db-a', T0), ...run(e, T0 + 1_000, T0 + 10_000)];
  t.equal(e.openIncidents()[0]?.priority, 'P2', 'one member: lost redundancy');
  out.push(...dies(e, 'db-b', T0 + 20_000), ...run(e, T0 + 21_000, T0 + 30_000));
  t.equal(out.filter((d) => d.type === 'incident.opened').length, 1, 'the second member opens nothing of its own');
  t.equal(e.openIncidents().length, 1);
  const inc = e.openIncidents()[0]!;
  t.equal(inc.root, 'his-db', 'the root is the pair');
  t.same(inc.alerts.filter((a) => a.role === 'root').map((a) => a.node).sort(), ['db-a', 'db-b'], 'both members are its root alerts');
  t.equal(inc.priority, 'P1', 'the pair down takes registration down');
  t.ok(out.some((d) => d.type === 'incident.updated' && d.change === 'root-changed' && d.incident.root === 'his-db'), 'its people hear of the new root');
  t.ok(inc.evidence.some((ev) => ev.reason === 'pair-down'), 'the evidence says every member failed');
  t.match(inc.priorityReason, /门诊挂号 \(core service\) is down for all its users/);
  t.notMatch(inc.priorityReason, /redundancy:/, 'no redundancy left to speak of');
  out.push(...dies(e, 'his-app', T0 + 31_000), ...run(e, T0 + 32_000, T0 + 40_000));
  const symptom = e.openIncidents().flatMap((i) => i.alerts).find((a) => a.node === 'his-app');
  t.equal(symptom?.role, 'symptom', 'the application is now explained by the pair');
  t.equal(e.openIncidents().length, 1, 'no incident of its own');
});

t.test('both members fail within seconds: the pair is the root from the start', async (t) => {
  const e = engine();
  boot(e, ['db-a', 'db-b', 'his-app']);
  const out = [...dies(e, 'db-a', T0), ...dies(e, 'db-b', T0 + 500), ...dies(e, 'his-app', T0 + 800), ...run(e, T0 + 1_000, T0 + 30_000)];
  const opened = out.filter((d) => d.type === 'incident.opened');
  t.equal(opened.length, 1, 'one incident ever opened');
  t.equal(e.openIncidents()[0]?.root, 'his-db');
  t.equal(e.openIncidents()[0]?.alerts.length, 3);
});

t.test('topology errors: redundant needs two members; degraded needs redundant', async (t) => {
  t.throws(() => topologyFrom('nodes:\n  - { id: a, kind: database }\n  - { id: pair, kind: group, redundant: true, depends_on: [a] }\n'), /nodes\[1\]\.redundant: a redundant node stands on two or more others; "pair" depends on 1/);
  t.throws(() => topologyFrom('nodes:\n  - { id: a, kind: database, degraded: P2 }\n'), /nodes\[0\]\.degraded: degraded is the priority of a redundant node/);
  t.throws(() => topologyFrom('nodes:\n  - { match: { role: terminal }, redundant: true }\n'), /redundant and degraded belong on a declared node/);
});
