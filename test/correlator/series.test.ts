// A series is one thing measured by one agent: two probes running a same-named check about one
// node each keep their own count, and their alerts are distinct.

import t from 'tap';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import { cpu, metrics } from '../helpers/messages.js';
import { rulesFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 11, 7, 8, 0);
const RULES = rulesFrom(`rules:
  - id: device-unreachable
    kind: threshold
    title: "{node} does not answer ping"
    priority: P3
    metric: check.loss_percent
    where: { type: icmp }
    op: ">="
    value: 100
    for: 2
  - id: cpu-high
    kind: threshold
    title: "CPU on {node}"
    priority: P3
    metric: cpu.usage_percent
    op: ">"
    value: 90
`);

const ping = (agent: string, seq: number, sec: number, loss: number): EngineInput => ({
  type: 'message',
  at: T0 + sec * 1000,
  message: { v: 1, kind: 'events', agent, site: 'main', seq, ts: T0 + sec * 1000, events: [{ check: 'ping-core', type: 'icmp', status: loss >= 100 ? 'critical' : 'ok', node: 'core-sw-1', fields: { loss_percent: loss } }] },
});
const firing = (out: Decision[]) => out.flatMap((d) => (d.type === 'alert.firing' ? [d.alert.id] : []));

t.test('two agents checking one node: each agent\'s series counts on its own', async (t) => {
  const e = new Engine(RULES);
  // probe-b answers in between probe-a's failures: one shared series would never hold for 2.
  const out = [ping('probe-a', 1, 0, 100), ping('probe-b', 1, 5, 0), ping('probe-a', 2, 10, 100), ping('probe-b', 2, 15, 0)].flatMap((i) => e.handle(i));
  t.same(firing(out), ['device-unreachable|core-sw-1|agent=probe-a,check=ping-core,node=core-sw-1,type=icmp']);
});

t.test('both agents failing: two alerts on the node, one per agent', async (t) => {
  const e = new Engine(RULES);
  const out = [ping('probe-a', 1, 0, 100), ping('probe-b', 1, 5, 100), ping('probe-a', 2, 10, 100), ping('probe-b', 2, 15, 100)].flatMap((i) => e.handle(i));
  t.same(firing(out), [
    'device-unreachable|core-sw-1|agent=probe-a,check=ping-core,node=core-sw-1,type=icmp',
    'device-unreachable|core-sw-1|agent=probe-b,check=ping-core,node=core-sw-1,type=icmp',
  ]);
  t.same(e.firingAlerts().map((a) => a.node), ['core-sw-1', 'core-sw-1']);
  // probe-a's recovery clears probe-a's alert only.
  const back = e.handle(ping('probe-a', 3, 20, 0));
  t.same(back.flatMap((d) => (d.type === 'alert.resolved' ? [d.alert.id] : [])), ['device-unreachable|core-sw-1|agent=probe-a,check=ping-core,node=core-sw-1,type=icmp']);
});

t.test('an agent measuring itself keeps the series key it always had', async (t) => {
  const e = new Engine(RULES);
  t.same(firing(e.handle({ type: 'message', message: metrics('his-app-01', 1, T0, [cpu(99)]), at: T0 })), ['cpu-high|his-app-01|']);
  const self = e.handle({ ...ping('core-sw-1', 1, 0, 100) });
  e.handle(ping('core-sw-1', 2, 10, 100));
  t.same(firing(self), []);
  t.same(e.firingAlerts().map((a) => a.id).sort(), ['cpu-high|his-app-01|', 'device-unreachable|core-sw-1|check=ping-core,node=core-sw-1,type=icmp']);
});

t.test('an alert saved before series carried the reporting agent still clears after the upgrade', async (t) => {
  const before = new Engine(RULES);
  [ping('probe-a', 1, 0, 100), ping('probe-a', 2, 10, 100)].forEach((i) => before.handle(i));
  const snapshot = before.snapshot();
  // What a store written by the previous version holds: the same alert under the old key.
  const legacyId = 'device-unreachable|core-sw-1|check=ping-core,node=core-sw-1,type=icmp';
  snapshot.alerts = snapshot.alerts.map((a) => ({ ...a, id: legacyId }));
  for (const i of snapshot.incidents.open ?? []) for (const a of i.alerts) a.id = legacyId;
  const after = new Engine(RULES, {}, snapshot);
  const still = after.handle(ping('probe-a', 3, 20, 100));
  t.same(firing(still), [], 'still failing: the saved alert carries on, no second one');
  const back = after.handle(ping('probe-a', 4, 30, 0));
  t.same(back.flatMap((d) => (d.type === 'alert.resolved' ? [d.alert.id] : [])), [legacyId], 'the saved alert resolves under its own id');
  t.same(after.firingAlerts(), []);
});
