// Samples and agent states in, alert changes out. Pure: no I/O, no clock; `at` is the arrival
// time the caller passes in, `msg.ts` the agent's own time. Series state is a plain map keyed
// by alert id, so a snapshot is just its entries.

import type { MetricsMessage, StateMessage } from '../../protocol/schema.js';
import { COMPARE, renderTitle, type OfflineRule, type RuleSet, type ThresholdRule } from '../rules/compile.js';
import type { Labels } from '../rules/selector.js';
import { alertId, seriesKey, type Alert, type AlertChange, type AlertReason } from './alert.js';
import { Fleet, type AgentRecord } from './fleet.js';

export interface SeriesState {
  /** Consecutive samples on the firing side (before firing). */
  count: number;
  /** Event time of the first of those samples. */
  since: number;
  /** The alert, while firing. */
  alert?: Alert;
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Math.round(v * 100) / 100);
}

export class Evaluator {
  readonly series = new Map<string, SeriesState>();

  constructor(
    private rules: RuleSet,
    readonly fleet: Fleet,
  ) {}

  get ruleSet(): RuleSet {
    return this.rules;
  }

  /** Swaps the rule set; firing alerts of rules that are gone resolve, the rest keep their state. */
  setRules(rules: RuleSet, at: number): AlertChange[] {
    const changes: AlertChange[] = [];
    for (const [key, s] of this.series) {
      const ruleId = key.slice(0, key.indexOf('|'));
      const kind = s.alert?.kind ?? this.rules.byId.get(ruleId)?.kind;
      if (kind !== undefined && rules.byId.get(ruleId)?.kind === kind) continue;
      if (s.alert) changes.push(this.resolve(s.alert, at, 'rule-removed'));
      this.series.delete(key);
    }
    this.rules = rules;
    return changes;
  }

  firing(): Alert[] {
    const out: Alert[] = [];
    for (const s of this.series.values()) if (s.alert) out.push(s.alert);
    return out;
  }

  /** Puts back alerts that were firing before a restart, so they can clear normally. */
  restore(alerts: Alert[]): void {
    for (const a of alerts) this.series.set(a.id, { count: 0, since: a.since, alert: { ...a } });
  }

  onMetrics(msg: MetricsMessage, at: number): AlertChange[] {
    const { agent } = this.fleet.touch(msg.agent, msg.site, at, msg.ts, msg.seq, msg.interval_s);
    // Data proves the agent is alive: clear an offline alert now rather than at the next tick.
    const changes: AlertChange[] = this.checkOffline(at, agent);
    for (const sample of msg.samples) {
      const rules = this.rules.byMeasurement.get(sample.m);
      if (!rules) continue;
      let labels: Labels | undefined;
      for (const rule of rules) {
        const value = sample.fields[rule.field];
        if (value === undefined) continue;
        labels ??= sample.tags ? { ...agent.labels, ...sample.tags } : agent.labels;
        if (!rule.matches(labels)) continue;
        const change = this.threshold(rule, agent, sample.tags, labels, value, msg.ts, at);
        if (change) changes.push(change);
      }
    }
    return changes;
  }

  private threshold(rule: ThresholdRule, agent: AgentRecord, tags: Labels | undefined, labels: Labels, value: number, ts: number, at: number): AlertChange | undefined {
    // A probe's result about another node (tag "node") raises the alert on that node.
    const node = tags?.node ?? agent.id;
    const series = seriesKey(tags);
    const id = alertId(rule.id, node, series);
    let s = this.series.get(id);
    if (s?.alert) {
      if (COMPARE[rule.op](value, rule.clear)) {
        s.alert.value = value;
        return undefined;
      }
      const alert = s.alert;
      this.series.delete(id);
      alert.value = value;
      return this.resolve(alert, at, 'threshold-cleared');
    }
    if (!COMPARE[rule.op](value, rule.value)) {
      if (s) this.series.delete(id);
      return undefined;
    }
    if (!s) {
      s = { count: 0, since: ts };
      this.series.set(id, s);
    }
    s.count++;
    if (s.count < rule.forSamples || ts - s.since < rule.forMs) return undefined;
    const alert: Alert = {
      id,
      rule: rule.id,
      kind: 'threshold',
      node,
      site: agent.site,
      labels: { ...labels, ...rule.labels },
      priority: rule.priority,
      title: renderTitle(rule.title, { ...labels, node, agent: agent.id, value: formatValue(value), metric: rule.metric, threshold: rule.value, rule: rule.id }),
      state: 'firing',
      value,
      threshold: rule.value,
      metric: rule.metric,
      since: s.since,
      firedAt: at,
      triggerTs: ts,
      reason: 'threshold-crossed',
      ...(rule.runbook ? { runbook: rule.runbook } : {}),
    };
    s.alert = alert;
    return { type: 'alert.firing', alert, reason: 'threshold-crossed' };
  }

  private resolve(alert: Alert, at: number, reason: AlertReason): AlertChange {
    const resolved: Alert = { ...alert, state: 'resolved', resolvedAt: at };
    return { type: 'alert.resolved', alert: resolved, reason };
  }

  onState(msg: StateMessage, at: number): AlertChange[] {
    const { agent, outcome } = this.fleet.state(msg, at);
    return outcome === 'ignored' ? [] : this.checkOffline(at, agent);
  }

  /** Re-evaluates the offline rules: for one agent after a change, or for all on a tick. */
  checkOffline(at: number, only?: AgentRecord): AlertChange[] {
    const changes: AlertChange[] = [];
    if (this.rules.offline.length === 0) return changes;
    const agents = only ? [only] : this.fleet.agents.values();
    for (const agent of agents) {
      for (const rule of this.rules.offline) {
        if (!rule.matches(agent.labels)) continue;
        const change = this.offline(rule, agent, at);
        if (change) changes.push(change);
      }
    }
    return changes;
  }

  private offline(rule: OfflineRule, agent: AgentRecord, at: number): AlertChange | undefined {
    const id = alertId(rule.id, agent.id, '');
    const s = this.series.get(id);
    const reason = Fleet.offline(agent, rule.after, at);
    if (!reason) {
      if (!s?.alert) return undefined;
      this.series.delete(id);
      return this.resolve(s.alert, at, 'agent-back');
    }
    if (s?.alert) return undefined;
    const alert: Alert = {
      id,
      rule: rule.id,
      kind: 'offline',
      node: agent.id,
      site: agent.site,
      labels: { ...agent.labels, ...rule.labels },
      priority: rule.priority,
      title: renderTitle(rule.title, { ...agent.labels, node: agent.id, rule: rule.id }),
      state: 'firing',
      since: reason === 'agent-silent' ? agent.lastSeenAt : at,
      firedAt: at,
      triggerTs: at,
      reason,
      ...(rule.runbook ? { runbook: rule.runbook } : {}),
    };
    this.series.set(id, { count: 1, since: alert.since, alert });
    return { type: 'alert.firing', alert, reason };
  }
}
