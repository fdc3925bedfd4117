// Agent clocks: the offset learnt from arrival times, corrected event times, backlog as
// history, and the clock alert. Plain data through the pure estimator, evaluator and engine.

import { join } from 'node:path';
import t from 'tap';
import { ClockEstimate, CONFIRM_MS } from '../../correlator/evaluate/clock.js';
import { Engine, type Decision, type EngineInput } from '../../correlator/engine/engine.js';
import type { AlertChange } from '../../correlator/evaluate/alert.js';
import type { RuleSet } from '../../correlator/rules/compile.js';
import { loadRuleFiles } from '../../correlator/rule-tools/load.js';
import { decisionPoints, messagePoints } from '../../correlator/timeseries/points.js';
import type { Message } from '../../protocol/schema.js';
import { ROOT } from '../helpers/cli.js';
import { birth, cpu, metrics } from '../helpers/messages.js';
import { CPU_RULE, rulesFrom } from '../helpers/rules.js';

const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const MIN = 60_000;
const RULES = rulesFrom(`rules:${CPU_RULE}`);

// ── the estimate ─────────────────────────────────────────────────────────────────────────

/** Feeds (arrival, agent time) pairs; returns the estimate after each. */
const feed = (clock: ClockEstimate, pairs: Array<[number, number]>) => pairs.map(([at, ts]) => clock.observe(at, ts));

t.test('a live stream from a clock 10 minutes behind is trusted once two arrivals 10 s apart agree', async (t) => {
  const behind = 10 * MIN;
  const got = feed(new ClockEstimate(), [
    [T0, T0 - behind - 40], // the birth, 40 ms on the way
    [T0 + 200, T0 + 200 - behind - 35],
    [T0 + 15_000, T0 + 15_000 - behind - 60],
  ]);
  t.same(got, [0, 0, behind + 35], 'trusted from the third arrival, at the smallest delay');
});

t.test('network and broker delays: the smallest apparent delay is the estimate', async (t) => {
  const clock = new ClockEstimate();
  const delays = [400, 30, 2_500, 120, 900];
  const got = delays.map((d, i) => clock.observe(T0 + i * 15_000, T0 + i * 15_000 - 600_000 - d));
  t.same(got, [0, 600_030, 600_030, 600_030, 600_030], 'confirmed at the second arrival; later, slower ones do not raise it');
});

t.test('a replayed spool never moves the estimate: only live arrivals agree with each other', async (t) => {
  const behind = 10 * MIN;
  const clock = new ClockEstimate();
  // Live for two minutes, then 12 minutes cut off, then the birth and the spool at 100 messages/s.
  for (let i = 0; i <= 8; i++) clock.observe(T0 + i * 15_000, T0 + i * 15_000 - behind);
  t.equal(clock.offsetMs, behind);
  const back = T0 + 14 * MIN;
  clock.observe(back, back - behind);
  const spool = Array.from({ length: 48 }, (_, i) => [back + 10 * (i + 1), T0 + 2 * MIN + i * 15_000 - behind] as [number, number]);
  t.ok(feed(clock, spool).every((o) => o === behind), 'every message of the backlog: unchanged');
  const live = Array.from({ length: 4 }, (_, i) => [back + 15_000 * (i + 1), back + 15_000 * (i + 1) - behind] as [number, number]);
  t.ok(feed(clock, live).every((o) => o === behind), 'live again: unchanged');
});

t.test('a backlog from an agent never heard from is still recognised as old', async (t) => {
  // A broker's queue delivered in a burst lasting longer than the confirmation span: no two
  // arrivals 10 s apart have delays that agree, so the agent's own clock stays trusted.
  const clock = new ClockEstimate();
  const burst = Array.from({ length: 2_000 }, (_, i) => [T0 + 10 * i, T0 - 8 * 3_600_000 + i * 10_000] as [number, number]);
  t.ok(10 * burst.length > CONFIRM_MS);
  t.ok(feed(clock, burst).every((o) => o === 0));
});

t.test('a clock ahead is adopted at once; a clock set right again is followed after one confirmation', async (t) => {
  const clock = new ClockEstimate();
  t.equal(clock.observe(T0, T0 + 5 * MIN), -5 * MIN, 'no message can arrive before it was sent: ahead at once');
  feed(clock, [[T0 + 15_000, T0 + 15_000 + 5 * MIN]]);
  // NTP steps the clock back to the right time.
  t.equal(clock.observe(T0 + 30_000, T0 + 30_000), -5 * MIN, 'one arrival could be a backlog');
  t.equal(clock.observe(T0 + 45_000, T0 + 45_000), 0, 'two, 15 s apart, are a live stream');
});

// ── through the engine ───────────────────────────────────────────────────────────────────

const msg = (at: number, message: Message): EngineInput => ({ type: 'message', message, at });
const alertChanges = (ds: Decision[]) => ds.filter((d): d is AlertChange => d.type === 'alert.firing' || d.type === 'alert.resolved');
const incidentDecisions = (ds: Decision[]) => ds.filter((d) => d.type.startsWith('incident.'));

/** An agent reporting every 15 s; `clockMs` is how far its clock is off (negative: behind). */
function agent(e: Engine, id: string, clockMs = 0) {
  let seq = 0;
  return {
    birth: (at: number) => e.handle(msg(at, birth(id, 1, at + clockMs))),
    /** A sample collected at `collected` (correlator clock) that arrives at `at`. */
    sample: (at: number, value: number, collected = at) => e.handle(msg(at, metrics(id, ++seq, collected + clockMs, [cpu(value)]))),
  };
}

t.test('an agent 10 minutes behind: its alert fires on the correlator clock, is not stale and opens an incident', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  const a = agent(e, 'his-app-01', -10 * MIN);
  const out = [...a.birth(T0)];
  for (let i = 0; i < 8; i++) out.push(...a.sample(T0 + 100 + i * 15_000, i < 3 ? 40 : 95));
  const fired = alertChanges(out).filter((d) => d.type === 'alert.firing');
  t.equal(fired.length, 1);
  const alert = fired[0]!.alert;
  t.equal(alert.history, undefined, 'live, not history');
  t.equal(alert.triggerTs, T0 + 100 + 5 * 15_000, 'the sample that made it fire, on the correlator clock');
  t.equal(alert.since, T0 + 100 + 3 * 15_000, 'since the first sample over 90%, on the correlator clock');
  t.same(e.waiting(), [], 'nothing waits as stale');
  t.same(incidentDecisions(out).map((d) => d.type), ['incident.opened']);
  t.equal(e.fleet.get('his-app-01')?.clockOffsetMs, 10 * MIN);
});

/** Two minutes live, 12 minutes cut off, then the spool replayed at 100 messages/s and live again. */
function outage(e: Engine, spooled: (i: number) => number, liveAfter: number) {
  const a = agent(e, 'pacs-01');
  const out = [...a.birth(T0)];
  for (let i = 0; i <= 8; i++) out.push(...a.sample(T0 + i * 15_000, 40));
  const back = T0 + 14 * MIN;
  out.push(...a.birth(back));
  for (let i = 0; i < 48; i++) out.push(...a.sample(back + 10 * (i + 1), spooled(i), T0 + 2 * MIN + i * 15_000));
  for (let i = 1; i <= 4; i++) out.push(...a.sample(back + i * 15_000, liveAfter));
  return out;
}

t.test('a replayed spool whose CPU spike ended before the agent reconnected opens nothing', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  // Over 90% for the first 8 minutes of the outage (collected 2–10 min), 50% after.
  const out = outage(e, (i) => (i < 32 ? 97 : 50), 50);
  const changes = alertChanges(out);
  t.same(changes.map((d) => `${d.type} history=${d.alert.history === true}`), ['alert.firing history=true', 'alert.resolved history=true'], 'recorded as history, fired and cleared');
  t.same(incidentDecisions(out), [], 'no incident, ever');
  t.same(e.firingAlerts(), []);
});

t.test('a replayed spool whose condition still holds opens one incident once data less than a minute old confirms it', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  const out = outage(e, () => 97, 97);
  const changes = alertChanges(out);
  t.same(changes.map((d) => `${d.type} history=${d.alert.history === true}`), ['alert.firing history=true', 'alert.firing history=false']);
  const live = changes[1]!.alert;
  // Spooled sample 45 was collected 13m45s in and arrives 14m00.46s in: 15 s old, live.
  t.equal(live.firedAt, T0 + 14 * MIN + 460, 'fired live at the first spooled sample that is current');
  t.equal(live.since, T0 + 2 * MIN, 'and says it has held since early in the outage');
  const opened = incidentDecisions(out);
  t.same(opened.map((d) => d.type), ['incident.opened']);
  t.equal(e.openIncidents().length, 1);
});

t.test('the newest part of a spool, younger than the stale bound, cannot open an incident the same burst closes', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  // Over 90% from 8 to 11 minutes into the outage: fires at 8.5 min, 5.5 minutes before it arrives.
  const out = outage(e, (i) => (i >= 24 && i < 36 ? 97 : 50), 50);
  t.same(incidentDecisions(out), []);
  t.same(e.firingAlerts(), []);
});

t.test('a backlog sample that clears a live alert clears it, and its incident resolves', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  const a = agent(e, 'lis-db-01');
  const out = [...a.birth(T0)];
  for (let i = 0; i < 4; i++) out.push(...a.sample(T0 + i * 15_000, 97));
  t.same(incidentDecisions(out).map((d) => d.type), ['incident.opened']);
  const back = T0 + 12 * MIN;
  const after = [...a.birth(back)];
  for (let i = 0; i < 40; i++) after.push(...a.sample(back + 10 * (i + 1), 50, T0 + MIN + i * 15_000));
  const cleared = alertChanges(after);
  t.same(cleared.map((d) => `${d.type} history=${d.alert.history === true}`), ['alert.resolved history=false']);
  t.same(incidentDecisions(after).map((d) => d.type), ['incident.resolved']);
});

t.test('the learnt offset survives a restart: a backlog arriving first is still history', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  const a = agent(e, 'ris-01', -10 * MIN);
  a.birth(T0);
  for (let i = 0; i < 3; i++) a.sample(T0 + i * 15_000, 40);
  // An online/offline decision stores the agent record; the snapshot is what a restart loads.
  const restarted = new Engine(RULES, { settleMs: 0 }, e.snapshot());
  const b = agent(restarted, 'ris-01', -10 * MIN);
  const out: Decision[] = [];
  for (let i = 0; i < 6; i++) out.push(...b.sample(T0 + 20 * MIN + 10 * i, 97, T0 + 5 * MIN + i * 15_000));
  t.same(alertChanges(out).map((d) => d.alert.history), [true], 'fired, as history');
  t.same(incidentDecisions(out), []);
});

t.test('samples go to the time series on the correlator clock', async (t) => {
  const e = new Engine(RULES);
  const a = agent(e, 'pacs-02', -10 * MIN);
  a.birth(T0);
  a.sample(T0 + 15_000, 40);
  const m = metrics('pacs-02', 9, T0 + 30_000 - 10 * MIN, [cpu(40)]);
  e.handle(msg(T0 + 30_000, m));
  t.equal(messagePoints(m, e.fleet.get('pacs-02'))[0]?.ts, (T0 + 30_000) * 1000, 'microseconds, corrected');
});

// ── the clock alert (shipped rules) ──────────────────────────────────────────────────────

function shippedAgentRules(): RuleSet {
  const r = loadRuleFiles([join(ROOT, 'rules', 'agents.rules.yaml')], ROOT);
  if (!r.ok) throw new Error('rules/agents.rules.yaml does not load');
  return r.ruleSet;
}

t.test('an offset beyond 120 s for two minutes is a P4 alert about that agent clock; 90 s is not', async (t) => {
  const rules = shippedAgentRules();
  for (const [clockMs, want] of [
    [-10 * MIN, ['agent-clock-skew on ws-0231 P4 600']],
    [3 * MIN, ['agent-clock-skew on ws-0231 P4 180']],
    [90_000, []],
  ] as const) {
    const e = new Engine(rules, { settleMs: 0 });
    const a = agent(e, 'ws-0231', clockMs);
    a.birth(T0);
    const out: Decision[] = [];
    for (let i = 0; i <= 12; i++) out.push(...a.sample(T0 + 100 + i * 15_000, 10));
    const fired = alertChanges(out).filter((d) => d.type === 'alert.firing');
    t.same(fired.map((d) => `${d.alert.rule} on ${d.alert.node} ${d.alert.priority} ${d.alert.value}`), want, `clock ${clockMs / 1000} s`);
    if (want.length > 0) t.match(fired[0]!.alert.title, /^Clock of ws-0231 is \d+ s off; check its time sync \(NTP\)$/);
  }
});

t.test('a history alert is marked in the time series', async (t) => {
  const e = new Engine(RULES, { settleMs: 0 });
  const out = outage(e, (i) => (i < 32 ? 97 : 50), 50);
  const points = decisionPoints(out, T0, () => 0).filter((p) => p.measurement === 'alert');
  t.same(points.map((p) => [p.tags.state, p.fields.history]), [['firing', true], ['resolved', true]]);
});
