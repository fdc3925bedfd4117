// Runs rule tests: each test's agents report every interval (their series, or an empty
// heartbeat), wills and births happen when the test says, and at each expectation time the
// firing alerts and open incidents are compared with what the test expects. Runs on the same
// engine as the live correlator, on a virtual clock.

import { dirname, relative, resolve } from 'node:path';
import { durationMs } from '../../common/duration.js';
import { loadYamlFile, type FileError } from '../../common/yaml-file.js';
import type { MetricsMessage, Sample, StateMessage } from '../../protocol/schema.js';
import { Engine } from '../engine/engine.js';
import { loadTopology } from '../topology/load.js';
import { Topology } from '../topology/topology.js';
import { loadRuleFiles } from './load.js';
import { ruleTestSchema, type RuleTestCase, type RuleTestFile } from './test-schema.js';

export const DEFAULT_TEST_START = Date.parse('2026-01-05T09:00:00+08:00');

/** promtool's expanding notation: "1 2x3 5+5x2 _x1" → 1 2 2 2 2 5 10 15 _ _ */

/** Series of one measurement with the same tags are fields of one sample, as an agent sends them (an interface's in_percent and out_percent). */
function oneSamplePerSeries(samples: Sample[]): Sample[] {
  const by = new Map<string, Sample>();
  for (const x of samples) {
    const key = `${x.m}|${JSON.stringify(Object.entries(x.tags ?? {}).sort())}`;
    const same = by.get(key);
    if (same) same.fields = { ...same.fields, ...x.fields };
    else by.set(key, { ...x, fields: { ...x.fields } });
  }
  return [...by.values()];
}
export function expandValues(text: string): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(_|-?[0-9.eE+]+?)(?:([+-][0-9.eE]+))?(?:x([0-9]+))?$/.exec(token);
    if (!m) throw new Error(`"${token}" is not a value, "axN", "a+bxN" or "_"`);
    const base = m[1] === '_' ? undefined : Number(m[1]);
    if (base !== undefined && !Number.isFinite(base)) throw new Error(`"${token}" is not a number`);
    const step = m[2] ? Number(m[2]) : 0;
    const n = m[3] !== undefined ? Number(m[3]) : 0;
    for (let i = 0; i <= n; i++) out.push(base === undefined ? undefined : base + step * i);
  }
  return out;
}

export interface TestOutcome {
  name: string;
  failures: string[];
}

interface Step {
  at: number;
  order: number;
  apply(engine: Engine, t: number): void;
}

/** "-10m" → -600000: how far an agent's clock is off. */
function clockMs(text: string | undefined): number {
  if (!text) return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  return sign * durationMs(text.replace(/^[+-]/, ''));
}

function runCase(tc: RuleTestCase, engine: Engine, start: number): string[] {
  const failures: string[] = [];
  const agents = new Map(tc.agents.map((a) => [a.id, { ...a, intervalMs: durationMs(a.interval ?? '15s'), clockMs: clockMs(a.clock), session: 1, seq: 0, silentFrom: Infinity, deadFrom: Infinity, spools: [] as Array<{ from: number; to: number }> }]));
  const steps: Step[] = [];
  const horizon = Math.max(...tc.expect.map((e) => durationMs(e.at)));
  const birth = (id: string, at: number, session: number): StateMessage => {
    const a = agents.get(id);
    return { v: 1, kind: 'state', agent: id, site: 'main', seq: a?.seq ?? 0, ts: start + at + (a?.clockMs ?? 0), online: true, session, reason: 'birth', inventory: { hostname: id, role: a?.role ?? 'server', version: 'test', interval_s: (a?.intervalMs ?? 15_000) / 1000, labels: a?.labels ?? {}, os: { platform: 'linux', arch: 'x64' } } };
  };
  for (const a of agents.values()) steps.push({ at: 0, order: 0, apply: (e, t) => void e.handle({ type: 'message', at: t, message: birth(a.id, 0, 1) }) });
  for (const ev of tc.events ?? []) {
    const at = durationMs(ev.at);
    const a = agents.get(ev.agent);
    if (!a) {
      failures.push(`event at ${ev.at}: no agent "${ev.agent}" in this test`);
      continue;
    }
    if (ev.spool) a.spools.push({ from: at - durationMs(ev.spool), to: at });
    steps.push({
      at,
      order: 0,
      apply: (e, t) => {
        if (ev.will) {
          a.deadFrom = at;
          e.handle({ type: 'message', at: t, message: { v: 1, kind: 'state', agent: a.id, site: 'main', seq: a.seq, ts: start, online: false, session: a.session, reason: 'lost' } });
        }
        if (ev.silent) a.silentFrom = at;
        if (ev.birth) {
          a.session++;
          a.deadFrom = Infinity;
          a.silentFrom = Infinity;
          e.handle({ type: 'message', at: t, message: birth(a.id, at, a.session) });
        }
      },
    });
  }
  const valuesBy = new Map<string, Array<{ sample: (i: number) => Sample | undefined }>>();
  for (const s of tc.series ?? []) {
    let values: Array<number | undefined>;
    try {
      values = expandValues(s.values);
    } catch (err) {
      failures.push(`series ${s.agent} ${s.metric}: ${(err as Error).message}`);
      continue;
    }
    const [m = '', field = ''] = s.metric.split('.');
    const list = valuesBy.get(s.agent) ?? [];
    list.push({ sample: (i) => (values[i] === undefined ? undefined : { m, ...(s.tags ? { tags: s.tags } : {}), fields: { [field]: values[i] as number } }) });
    valuesBy.set(s.agent, list);
  }
  for (const a of agents.values()) {
    for (let i = 0, at = 0; at <= horizon; i++, at += a.intervalMs) {
      const index = i;
      const when = at;
      // Collected while the broker was out of reach: sent when it is back, oldest first.
      const spool = a.spools.find((w) => when >= w.from && when < w.to);
      steps.push({
        at: spool ? spool.to : when,
        order: 1,
        apply: (e, t) => {
          if (when >= a.silentFrom || when >= a.deadFrom) return;
          const samples = oneSamplePerSeries((valuesBy.get(a.id) ?? []).map((v) => v.sample(index)).filter((x): x is Sample => x !== undefined));
          const msg: MetricsMessage = { v: 1, kind: 'metrics', agent: a.id, site: 'main', seq: ++a.seq, ts: start + when + a.clockMs, interval_s: a.intervalMs / 1000, samples };
          e.handle({ type: 'message', at: t, message: msg });
        },
      });
    }
  }
  steps.sort((x, y) => x.at - y.at || x.order - y.order);
  const checks = [...tc.expect].sort((x, y) => durationMs(x.at) - durationMs(y.at));
  let next = 0;
  let check = 0;
  for (let t = 0; t <= horizon && check < checks.length; t += 1000) {
    while (next < steps.length && (steps[next] as Step).at <= t) (steps[next++] as Step).apply(engine, start + t);
    engine.handle({ type: 'tick', at: start + t });
    while (check < checks.length && durationMs((checks[check] as RuleTestCase['expect'][number]).at) <= t) {
      failures.push(...compare(checks[check++] as RuleTestCase['expect'][number], engine));
    }
  }
  return failures;
}

function compare(want: RuleTestCase['expect'][number], engine: Engine): string[] {
  const out: string[] = [];
  const at = `at ${want.at}`;
  if (want.opened !== undefined && engine.incidentsOpened() !== want.opened) out.push(`${at}: ${engine.incidentsOpened()} incident(s) opened so far, expected ${want.opened}`);
  if (want.alerts) {
    const got = engine.firingAlerts().map((a) => `${a.rule} on ${a.node}`).sort();
    const exp = want.alerts.map((a) => `${a.rule} on ${a.node}`).sort();
    const missing = exp.filter((x) => !got.includes(x));
    const extra = got.filter((x) => !exp.includes(x));
    if (missing.length || extra.length) {
      out.push(`${at}: alerts differ`, ...missing.map((m) => `  - expected, not firing: ${m}`), ...extra.map((m) => `  + firing, not expected: ${m}`));
    }
  }
  if (want.incidents) {
    const got = engine.openIncidents();
    const describe = (i: { root: string; priority?: string; symptoms?: number; title?: string; flapping?: boolean; suspected?: boolean }) =>
      [`root ${i.root}`, i.priority, i.symptoms !== undefined ? `${i.symptoms} symptoms` : undefined, i.title !== undefined ? `"${i.title}"` : undefined, i.flapping ? 'flapping' : undefined, i.suspected === undefined ? undefined : i.suspected ? 'suspected' : 'confirmed'].filter(Boolean).join(', ');
    const unmatched = [...got];
    for (const w of want.incidents) {
      const idx = unmatched.findIndex((g) => g.root === w.root);
      const g = unmatched[idx];
      if (!g) {
        out.push(`${at}: expected an open incident ${describe(w)}; none has that root`);
        continue;
      }
      unmatched.splice(idx, 1);
      const symptoms = g.alerts.filter((a) => a.role === 'symptom').length;
      const actual = { root: g.root, ...(w.priority ? { priority: g.priority } : {}), ...(w.symptoms !== undefined ? { symptoms } : {}), ...(w.title !== undefined ? { title: g.title } : {}), ...(w.flapping !== undefined ? { flapping: g.flapping === true } : {}), ...(w.suspected !== undefined ? { suspected: g.suspected === true } : {}) };
      if (describe(actual) !== describe(w)) out.push(`${at}: incident differs`, `  - expected: ${describe(w)}`, `  + got:      ${describe(actual)}${w.priority && w.priority !== g.priority ? ` (${g.priorityReason})` : ''}`);
    }
    for (const g of unmatched) out.push(`${at}: unexpected open incident: root ${g.root}, ${g.priority}, "${g.title}"`);
  }
  return out;
}

export type RuleTestResult = { ok: true; outcomes: TestOutcome[] } | { ok: false; errors: FileError[] };

export function runRuleTests(path: string, displayBase = process.cwd()): RuleTestResult {
  const loaded = loadYamlFile<RuleTestFile>(path, ruleTestSchema, { displayName: relative(displayBase, path) || path });
  if (!loaded.ok) return loaded;
  const base = dirname(resolve(path));
  const file = loaded.value;
  const rules = loadRuleFiles(file.rule_files.map((f) => resolve(base, f)), { displayBase });
  if (!rules.ok) return rules;
  const topologyPath = file.topology ? resolve(base, file.topology) : undefined;
  if (topologyPath) {
    const t = loadTopology(topologyPath, displayBase);
    if (!t.ok) return t;
  }
  // A fresh topology per test: agents of one test must not appear in the next.
  const freshTopology = () => (topologyPath ? (loadTopology(topologyPath, displayBase) as { ok: true; topology: Topology }).topology : Topology.empty());
  const start = file.start ? Date.parse(file.start) : DEFAULT_TEST_START;
  if (!Number.isFinite(start)) return { ok: false, errors: [loaded.source.error(['start'], `expected an ISO 8601 time like "2026-01-05T09:00:00+08:00", got "${file.start}"`)] };
  const outcomes = file.tests.map((tc) => {
    const engine = new Engine(rules.ruleSet, { topology: freshTopology(), settleMs: durationMs(file.settle ?? '0s'), resolveHoldMs: durationMs(file.resolve_hold ?? '0s') });
    return { name: tc.name, failures: runCase(tc, engine, start) };
  });
  return { ok: true, outcomes };
}
