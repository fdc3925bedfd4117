// Samples and agent states in, alert changes out. Pure: no I/O, no clock; `at` is the arrival
// time the caller passes in, `msg.ts` the agent's own time, which is corrected by the agent's
// estimated clock offset before anything uses it (clock.ts). All per-series state lives in
// maps keyed by alert id (rule|node|series), so a snapshot is their entries and a rule reload
// can keep what still applies.

import type { MetricsMessage, Sample, StateMessage } from '../../protocol/schema.js';
import { COMPARE, type ForecastRule, type MetricRule, type OfflineRule, type RateRule, type Rule, type RuleSet, type ThresholdRule } from '../rules/compile.js';
import type { Labels } from '../topology/selector.js';
import { Topology } from '../topology/topology.js';
import { alertId, reportedSeriesKey, type Alert, type AlertChange, type AlertReason } from './alert.js';
import { buildAlert } from './build.js';
import { clockSample, historyAfterMs } from './clock.js';
import { targetHost, type CheckMetrics, type CheckTarget } from './events.js';
import { Fleet, type AgentRecord } from './fleet.js';
import { compositeAlert, compositeMatches, evaluateAggregate, LatestValues, type AlertIndex } from './groups.js';
import { advance, resolvedChange, type SeriesState } from './series.js';
import { TrendWindow } from './trend.js';

interface AbsenceEntry {
  node: string;
  site: string;
  labels: Labels;
  lastAt: number;
  alert?: Alert;
}

const ruleOf = (key: string) => key.slice(0, key.indexOf('|'));

/** Of a threshold's fields, the one of this sample furthest on the firing side (the busier direction of a line). */
function furthest(rule: ThresholdRule, fields: Readonly<Record<string, number>>): string {
  const high = rule.op === '>' || rule.op === '>=';
  let best = rule.field;
  for (const f of rule.fields ?? []) {
    const v = fields[f];
    if (v === undefined) continue;
    const b = fields[best];
    if (b === undefined || (high ? v > b : v < b)) best = f;
  }
  return best;
}
const NO_CHANGES: AlertChange[] = [];

export interface EvaluatorOptions {
  /** The stale bound (default 5 min): a sample older than this when it arrives is history at the latest. */
  staleMs?: number;
}

interface SampleFacts {
  node: string;
  series: string;
  site: string;
  labels: Labels;
  /** Event time on the correlator's clock. */
  ts: number;
  at: number;
  agent: string;
  history: boolean;
  /** The metric the value came from (one of a threshold's metrics). */
  metric: string;
  /** For check samples: what the check's target is and how it failed. */
  check?: CheckTarget;
}



/**
 * Where a saved alert's series lives now. Alerts saved before series carried the reporting
 * agent have ids without it; their series moves to the current key while the alert keeps its
 * id, so it clears under the id its incident knows.
 */
function savedSeriesKey(a: Alert): string {
  const agent = a.labels.agent;
  const prefix = `${a.rule}|${a.node}|`;
  if (a.kind === 'offline' || a.kind === 'aggregate' || a.kind === 'composite' || a.kind === 'external') return a.id;
  if (!agent || agent === a.node || !a.id.startsWith(prefix)) return a.id;
  const series = a.id.slice(prefix.length);
  const tags: Record<string, string> = {};
  for (const pair of series ? series.split(',') : []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return a.id;
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (tags.agent !== undefined) return a.id;
  return alertId(a.rule, a.node, reportedSeriesKey(tags, a.node, agent));
}

export class Evaluator implements AlertIndex {
  readonly series = new Map<string, SeriesState>();
  private readonly absent = new Map<string, AbsenceEntry>();
  private readonly latest = new LatestValues();
  private readonly byRule = new Map<string, Map<string, Alert>>();
  private readonly fired = new Map<string, Alert[]>();
  private minAfter = Infinity;
  /** Agents with offline-rule state (an alert or flap history): data from them is an observation. */
  private readonly offlineTracked = new Set<string>();
  private readonly staleMs: number;

  constructor(
    private rules: RuleSet,
    readonly fleet: Fleet,
    public topology: Topology = Topology.empty(),
    opts: EvaluatorOptions = {},
  ) {
    this.minAfter = Math.min(...rules.offline.map((r) => r.after));
    this.staleMs = opts.staleMs ?? 300_000;
  }

  get ruleSet(): RuleSet {
    return this.rules;
  }

  // ── the alert index (composites read it) ──────────────────────────────────────────────

  firing(rule?: string): Alert[] {
    if (rule !== undefined) return [...(this.byRule.get(rule)?.values() ?? [])];
    const out: Alert[] = [];
    for (const m of this.byRule.values()) out.push(...m.values());
    return out;
  }

  /** A firing alert by id (its series may live under another key: see savedSeriesKey). */
  alert(id: string): Alert | undefined {
    return this.byRule.get(ruleOf(id))?.get(id);
  }

  firedSince(rule: string, from: number): Alert[] {
    return (this.fired.get(rule) ?? []).filter((a) => a.firedAt >= from);
  }

  /** History alerts stay out: they are not firing now, and composites must not see them. */
  private index(changes: AlertChange[]): void {
    for (const c of changes) {
      if (c.alert.history) continue;
      let m = this.byRule.get(c.alert.rule);
      if (!m) this.byRule.set(c.alert.rule, (m = new Map()));
      if (c.type === 'alert.firing') {
        m.set(c.alert.id, c.alert);
        const list = this.fired.get(c.alert.rule) ?? [];
        list.push(c.alert);
        if (list.length > 1000) list.shift();
        this.fired.set(c.alert.rule, list);
      } else if (c.type === 'alert.resolved') m.delete(c.alert.id);
    }
  }

  /** Puts back alerts that were firing before a restart, so they can clear normally. */
  restore(alerts: Alert[]): void {
    for (const a of alerts) {
      const alert = { ...a };
      if (a.kind === 'absence') this.absent.set(a.id, { node: a.node, site: a.site, labels: a.labels, lastAt: a.firedAt, alert });
      else this.series.set(savedSeriesKey(a), { count: 0, since: a.since, alert });
      if (a.kind === 'offline') this.offlineTracked.add(a.node);
      this.index([{ type: 'alert.firing', alert, reason: 'restored' }]);
    }
  }

  /** Swaps the rule set; alerts of rules that are gone or changed kind resolve, the rest keep state. */
  setRules(rules: RuleSet, at: number): AlertChange[] {
    const changes: AlertChange[] = [];
    const keep = (key: string, alert?: Alert) => {
      const id = ruleOf(key);
      const kind = alert?.kind ?? this.rules.byId.get(id)?.kind;
      return kind !== undefined && rules.byId.get(id)?.kind === kind;
    };
    for (const [key, s] of this.series) {
      if (keep(key, s.alert)) continue;
      if (s.alert) changes.push(resolvedChange(s.alert, at, 'rule-removed'));
      this.series.delete(key);
    }
    for (const [key, e] of this.absent) {
      if (keep(key, e.alert)) continue;
      if (e.alert) changes.push(resolvedChange(e.alert, at, 'rule-removed'));
      this.absent.delete(key);
    }
    for (const r of this.rules.rules) if (!rules.byId.has(r.id)) this.latest.drop(r.id);
    this.rules = rules;
    this.minAfter = Math.min(...rules.offline.map((r) => r.after));
    this.index(changes);
    return changes;
  }

  // ── samples ────────────────────────────────────────────────────────────────────────────

  onMetrics(msg: MetricsMessage | CheckMetrics, at: number): AlertChange[] {
    const targets = 'checkTargets' in msg ? msg.checkTargets : undefined;
    const { agent, wasOffline } = this.fleet.touch(msg.agent, msg.site, at, msg.ts, msg.seq, msg.interval_s);
    // Data proves the agent is alive: clear an offline alert now rather than at the next tick.
    // An agent that was online with no offline alert or flap history has nothing to change.
    const changes: AlertChange[] = wasOffline || this.offlineTracked.has(agent.id) ? this.checkOffline(at, agent, true) : [];
    const ts = Fleet.correct(agent, msg.ts);
    this.samples(msg.samples, agent, ts, at, at - ts > historyAfterMs(agent.intervalMs, this.staleMs), changes, targets);
    // Its clock, as the correlator sees it now: a fact about the present even during a backlog.
    if (this.rules.byMeasurement.has('agent')) this.samples([clockSample(agent.clockOffsetMs ?? 0)], agent, at, at, false, changes);
    return this.finish(changes, at);
  }

  private samples(samples: readonly Sample[], agent: AgentRecord, ts: number, at: number, history: boolean, changes: AlertChange[], targets?: ReadonlyMap<Sample, CheckTarget>): void {
    for (const sample of samples) {
      const rules = this.rules.byMeasurement.get(sample.m);
      if (!rules) continue;
      let labels: Labels | undefined;
      for (const rule of rules) {
        const field = rule.kind === 'aggregate' ? (rule.measure === 'offline' ? '' : rule.measure.field) : rule.kind === 'threshold' && rule.fields ? furthest(rule, sample.fields) : rule.field;
        const value = sample.fields[field];
        if (value === undefined) continue;
        labels ??= sample.tags ? { ...agent.labels, ...sample.tags } : agent.labels;
        if (!rule.matches(labels)) continue;
        const node = sample.tags?.node ?? agent.id;
        const series = reportedSeriesKey(sample.tags, node, agent.id);
        if (rule.kind === 'aggregate') {
          // An aggregate is a figure about now: a backlog value would stand in for a current one.
          if (history) continue;
          const topo = this.topology.node(node);
          if (rule.group(topo ? { ...topo.labels, ...labels } : labels)) this.latest.set(rule.id, `${node}|${series}`, value, at);
          continue;
        }
        const id = alertId(rule.id, node, series);
        // The common case, a healthy series of a threshold rule: nothing to keep, nothing to
        // build (not even the facts below: this runs for every sample of every matching rule).
        if (rule.kind === 'threshold' && !COMPARE[rule.op](value, rule.value) && !this.series.has(id)) continue;
        const facts: SampleFacts = { node, series, site: agent.site, labels, ts, at, agent: agent.id, history, metric: field === rule.field ? rule.metric : `${sample.m}.${field}` };
        const target = targets?.get(sample);
        if (target) facts.check = this.resolveTarget(target);
        const c = this.sample(rule, id, value, facts);
        for (const change of c) changes.push(change);
      }
    }
  }

  private sample(rule: MetricRule, id: string, value: number, facts: SampleFacts): AlertChange[] {
    const { node, site, labels, ts, at } = facts;
    // Presence is about data reaching the correlator, so a backlog counts too (arrival time).
    if (rule.kind === 'absence') return this.seen(id, node, site, labels, at);
    let s = this.series.get(id);
    // The common case, a healthy series of a threshold rule: nothing to keep, nothing to build.
    if (!s && rule.kind === 'threshold' && !COMPARE[rule.op](value, rule.value)) return NO_CHANGES;
    if (!s) this.series.set(id, (s = { count: 0, since: ts }));
    const result = rule.kind === 'threshold' ? this.threshold(rule, s, value, facts) : this.trend(rule, s, value, facts);
    // Trend rules keep their window of points whatever the state.
    if (result.drop && !s.trend) this.series.delete(id);
    return result.changes;
  }

  private threshold(rule: ThresholdRule, s: SeriesState, value: number, f: SampleFacts) {
    if (!s.alert && !COMPARE[rule.op](value, rule.value)) {
      // Healthy again after an alert: only the flap history moves (what advance() would do).
      s.flap?.record(false);
      s.count = 0;
      return { changes: NO_CHANGES, drop: !s.flap || s.flap.quiet };
    }
    return advance(s, {
      breach: COMPARE[rule.op](value, rule.value),
      hold: COMPARE[rule.op](value, rule.clear),
      value,
      ts: f.ts,
      at: f.at,
      history: f.history,
      forSamples: rule.forSamples,
      forMs: rule.forMs,
      fire: 'threshold-crossed',
      clear: 'threshold-cleared',
      build: (since) => buildAlert(rule, { ...f, since, triggerTs: f.ts, reason: 'threshold-crossed', value, threshold: rule.value, metric: f.metric, vars: { agent: f.agent } }),
    });
  }

  private trend(rule: RateRule | ForecastRule, s: SeriesState, value: number, f: SampleFacts) {
    s.trend ??= new TrendWindow(rule.overMs);
    s.trend.add(f.ts, value);
    let figure: number | undefined;
    let breach = false;
    let hold = false;
    if (rule.kind === 'rate') {
      const fit = s.trend.points.length >= 3 ? s.trend.fit() : undefined;
      figure = fit ? fit.slope * rule.perMs : undefined;
      breach = figure !== undefined && COMPARE[rule.op](figure, rule.value);
      hold = figure !== undefined && COMPARE[rule.op](figure, rule.clear);
    } else {
      const ms = s.trend.points.length >= rule.minSamples ? s.trend.timeTo(rule.limit) : undefined;
      figure = ms === undefined ? undefined : ms / 3_600_000;
      breach = hold = ms !== undefined && ms <= rule.withinMs;
    }
    const reasons: [AlertReason, AlertReason] = rule.kind === 'rate' ? ['rate-crossed', 'rate-cleared'] : ['forecast-crossed', 'forecast-cleared'];
    const shown = figure === undefined ? 0 : Math.round(figure * 100) / 100;
    return advance(s, {
      breach,
      hold,
      value: shown,
      ts: f.ts,
      at: f.at,
      history: f.history,
      forSamples: rule.forSamples,
      forMs: rule.forMs,
      fire: reasons[0],
      clear: reasons[1],
      build: (since) =>
        buildAlert(rule, {
          ...f,
          since,
          triggerTs: f.ts,
          reason: reasons[0],
          value: shown,
          ...(rule.kind === 'rate' ? { threshold: rule.value } : { threshold: rule.limit }),
          metric: rule.metric,
          vars: { agent: f.agent, ...(rule.kind === 'forecast' ? { hours: Math.round(shown * 10) / 10, value: Math.round(value * 100) / 100 } : {}) },
        }),
    });
  }

  /** A sample of an absence rule's series: it is present; an absence alert clears. */
  private seen(id: string, node: string, site: string, labels: Labels, at: number): AlertChange[] {
    const e = this.absent.get(id);
    if (!e) {
      this.absent.set(id, { node, site, labels, lastAt: at });
      return [];
    }
    e.lastAt = at;
    if (!e.alert) return [];
    const alert = e.alert;
    e.alert = undefined;
    return [resolvedChange(alert, at, 'data-back')];
  }

  // ── agents ─────────────────────────────────────────────────────────────────────────────

  onState(msg: StateMessage, at: number): AlertChange[] {
    const { agent, outcome } = this.fleet.state(msg, at);
    if (outcome === 'retired') return this.finish(this.retire(agent.id, at), at);
    return outcome === 'ignored' ? [] : this.finish(this.checkOffline(at, agent, true), at);
  }

  /** A decommissioned agent: its offline alerts resolve and its offline state goes. */
  private retire(agentId: string, at: number): AlertChange[] {
    const changes: AlertChange[] = [];
    for (const rule of this.rules.offline) {
      const id = alertId(rule.id, agentId, '');
      const s = this.series.get(id);
      if (s?.alert) changes.push(resolvedChange(s.alert, at, 'agent-retired'));
      this.series.delete(id);
    }
    this.offlineTracked.delete(agentId);
    return changes;
  }

  /**
   * Offline rules for one agent after something was heard from it (an observation, which also
   * feeds flap detection), or for every agent on a tick (which only notices silence).
   */
  checkOffline(at: number, only?: AgentRecord, observed = false): AlertChange[] {
    const changes: AlertChange[] = [];
    if (this.rules.offline.length === 0) return changes;
    if (only) {
      this.offlineRules(only, at, observed, changes);
      return changes;
    }
    for (const agent of this.fleet.agents.values()) {
      // A tick only looks for new silence: skip agents heard from recently, cheaply.
      if (agent.online && at - agent.lastSeenAt <= this.minAfter * agent.intervalMs) continue;
      this.offlineRules(agent, at, observed, changes);
    }
    return changes;
  }

  private offlineRules(agent: AgentRecord, at: number, observed: boolean, changes: AlertChange[]): void {
    for (const rule of this.rules.offline) {
      if (!rule.matches(agent.labels)) continue;
      const c = this.offline(rule, agent, at, observed);
      if (c.length > 0) changes.push(...c);
    }
  }

  private offline(rule: OfflineRule, agent: AgentRecord, at: number, observed: boolean): AlertChange[] {
    const id = alertId(rule.id, agent.id, '');
    const reason = Fleet.offline(agent, rule.after, at);
    let s = this.series.get(id);
    if (!observed && (!reason || s?.alert)) return []; // a tick only notices new silence
    if (!s) {
      if (!reason) return [];
      this.series.set(id, (s = { count: 0, since: at }));
      this.offlineTracked.add(agent.id);
    }
    const result = advance(s, {
      breach: reason !== undefined,
      hold: reason !== undefined,
      value: reason ? 1 : 0,
      ts: at,
      at,
      forSamples: 1,
      forMs: 0,
      fire: reason ?? 'last-will',
      clear: 'agent-back',
      build: () =>
        buildAlert(rule, {
          node: agent.id,
          series: '',
          site: agent.site,
          labels: agent.labels,
          since: reason === 'agent-silent' ? agent.lastSeenAt : at,
          at,
          triggerTs: at,
          reason: reason ?? 'last-will',
        }),
    });
    if (result.drop) {
      this.series.delete(id);
      if (!this.rules.offline.some((r) => this.series.has(alertId(r.id, agent.id, '')))) this.offlineTracked.delete(agent.id);
    }
    return result.changes;
  }

  // ── timers and groups ──────────────────────────────────────────────────────────────────

  tick(at: number): AlertChange[] {
    const changes = this.checkOffline(at);
    for (const rule of this.rules.absence) {
      for (const [id, e] of this.absent) {
        if (e.alert || ruleOf(id) !== rule.id || at - e.lastAt <= rule.forMs) continue;
        e.alert = buildAlert(rule, { node: e.node, series: id.slice(id.lastIndexOf('|') + 1), site: e.site, labels: e.labels, since: e.lastAt, at, triggerTs: at, reason: 'absent', metric: rule.metric });
        changes.push({ type: 'alert.firing', alert: e.alert, reason: 'absent' });
      }
    }
    for (const rule of this.rules.aggregate) {
      const id = alertId(rule.id, rule.node, '');
      let s = this.series.get(id);
      if (!s) this.series.set(id, (s = { count: 0, since: at }));
      changes.push(...evaluateAggregate(rule, s, this.fleet, this.topology, this.latest, at));
    }
    return this.finish(changes, at);
  }

  /** Indexes the changes, then lets composites react to them. */
  private finish(changes: AlertChange[], at: number): AlertChange[] {
    this.index(changes);
    if (this.rules.composite.length === 0 || (changes.length === 0 && !this.rules.composite.some((r) => r.sequence))) return changes;
    const out = [...changes];
    for (const rule of this.rules.composite) {
      const matches = compositeMatches(rule, this, this.topology);
      const prefix = `${rule.id}|`;
      for (const [key, s] of this.series) {
        if (!key.startsWith(prefix) || !s.alert || matches.has(s.alert.node)) continue;
        const alert = s.alert;
        this.series.delete(key);
        out.push(resolvedChange(alert, at, 'composite-cleared'));
      }
      for (const [node, chain] of matches) {
        const id = alertId(rule.id, node, '');
        if (this.series.get(id)?.alert) continue;
        const alert = compositeAlert(rule, node, chain, at);
        this.series.set(id, { count: 1, since: alert.since, alert });
        out.push({ type: 'alert.firing', alert, reason: 'composite-matched' });
      }
    }
    this.index(out.slice(changes.length));
    return out;
  }

  /** The rules that need a tick to notice anything (silence, absence, aggregates). */
  needsTick(): boolean {
    const r: RuleSet = this.rules;
    return r.offline.length + r.absence.length + r.aggregate.length + r.composite.length > 0;
  }

  ruleById(id: string): Rule | undefined {
    return this.rules.byId.get(id);
  }

  /** A check's target with its topology node: named in the check config, or found by its host. */
  private resolveTarget(t: CheckTarget): CheckTarget {
    if (t.targetNode !== undefined || t.target === undefined) return t;
    const host = targetHost(t.target);
    const node = host === undefined ? undefined : this.topology.nodeForAddress(host);
    return node === undefined ? t : { ...t, targetNode: node };
  }
}
