// Rules over more than one series: aggregates (a figure over a group of agents, such as the
// share of outpatient kiosks offline) and composites (alerts of several rules together, or one
// after the other, on related nodes: the customer's "egress saturated AND insurance
// unreachable"). Both are evaluated after the per-series rules, from the evaluator's state.

import { COMPARE, type AggregateRule, type CompositeRule } from '../rules/compile.js';
import type { Topology } from '../topology/topology.js';
import type { Alert, AlertChange } from './alert.js';
import { buildAlert } from './build.js';
import { Fleet } from './fleet.js';
import { advance, resolvedChange, type SeriesState } from './series.js';

/** Latest value per member (node and series) of the metrics aggregate rules look at. */
export class LatestValues {
  private readonly byRule = new Map<string, Map<string, { value: number; at: number }>>();

  set(rule: string, member: string, value: number, at: number): void {
    let m = this.byRule.get(rule);
    if (!m) this.byRule.set(rule, (m = new Map()));
    m.set(member, { value, at });
  }

  /** Values no older than `maxAgeMs`; older ones are forgotten. */
  fresh(rule: string, at: number, maxAgeMs: number): number[] {
    const m = this.byRule.get(rule);
    if (!m) return [];
    const out: number[] = [];
    for (const [k, v] of m) {
      if (at - v.at > maxAgeMs) m.delete(k);
      else out.push(v.value);
    }
    return out;
  }

  drop(rule: string): void {
    this.byRule.delete(rule);
  }
}

export function aggregateFigure(rule: AggregateRule, values: number[], members: number, offline: number): number | undefined {
  if (rule.measure === 'offline') {
    if (members < rule.minMembers) return undefined;
    return rule.fn === 'count' ? offline : members === 0 ? 0 : (100 * offline) / members;
  }
  if (values.length < rule.minMembers) return undefined;
  switch (rule.fn) {
    case 'avg':
      return values.reduce((s, v) => s + v, 0) / values.length;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    default: {
      const member = rule.member;
      const hits = member ? values.filter((v) => COMPARE[member.op](v, member.value)).length : values.length;
      return rule.fn === 'count' ? hits : (100 * hits) / values.length;
    }
  }
}

const STALE_VALUE_MS = 10 * 60_000;

export function evaluateAggregate(rule: AggregateRule, s: SeriesState, fleet: Fleet, topology: Topology, latest: LatestValues, at: number): AlertChange[] {
  let members = 0;
  let offline = 0;
  let site = topology.defaultSite;
  if (rule.measure === 'offline') {
    for (const agent of fleet.agents.values()) {
      const node = topology.node(agent.id);
      const labels = node ? { ...node.labels, ...agent.labels } : agent.labels;
      if (!rule.group(labels)) continue;
      members++;
      site = agent.site;
      if (Fleet.offline(agent, 3, at)) offline++;
    }
  }
  const values = rule.measure === 'offline' ? [] : latest.fresh(rule.id, at, STALE_VALUE_MS);
  const figure = aggregateFigure(rule, values, members, offline);
  if (figure === undefined) {
    if (!s.alert) return [];
    const alert = s.alert;
    s.alert = undefined;
    return [resolvedChange(alert, at, 'aggregate-cleared')];
  }
  const breach = COMPARE[rule.op](figure, rule.value);
  return advance(s, {
    breach,
    hold: breach,
    value: figure,
    ts: at,
    at,
    forSamples: rule.forSamples,
    forMs: rule.forMs,
    fire: 'aggregate-crossed',
    clear: 'aggregate-cleared',
    build: (since) =>
      buildAlert(rule, {
        node: rule.node,
        series: '',
        site,
        labels: {},
        since,
        at,
        triggerTs: at,
        reason: 'aggregate-crossed',
        value: Math.round(figure * 100) / 100,
        threshold: rule.value,
        vars: { members: rule.measure === 'offline' ? members : values.length },
      }),
  }).changes;
}

/** Alerts of each rule that fire now, and when each rule last fired (for sequences). */
export interface AlertIndex {
  firing(rule: string): Iterable<Alert>;
  firedSince(rule: string, from: number): Alert[];
}

export function related(topology: Topology, a: string, b: string, how: CompositeRule['related']): boolean {
  if (how === 'any' || a === b) return true;
  if (how === 'same-node') return false;
  return topology.ancestors(a).has(b) || topology.ancestors(b).has(a);
}

/** Nodes where a composite's condition holds now, with the alerts that make it hold. */
export function compositeMatches(rule: CompositeRule, index: AlertIndex, topology: Topology): Map<string, Alert[]> {
  const out = new Map<string, Alert[]>();
  if (rule.all) {
    const [first, ...others] = rule.all as [string, ...string[]];
    for (const a of index.firing(first)) {
      const chain: Alert[] = [a];
      for (const other of others) {
        const match = [...index.firing(other)].find((b) => related(topology, a.node, b.node, rule.related));
        if (!match) break;
        chain.push(match);
      }
      if (chain.length === rule.all.length && !out.has(a.node)) out.set(a.node, chain);
    }
    return out;
  }
  const [before, after] = rule.sequence as readonly [string, string];
  for (const b of index.firing(after)) {
    const a = index.firedSince(before, b.firedAt - rule.withinMs).find((x) => x.firedAt <= b.firedAt && related(topology, x.node, b.node, rule.related));
    if (a && !out.has(a.node)) out.set(a.node, [a, b]);
  }
  return out;
}

export function compositeAlert(rule: CompositeRule, node: string, chain: Alert[], at: number): Alert {
  const first = chain[0] as Alert;
  return buildAlert(rule, {
    node,
    series: '',
    site: first.site,
    labels: first.labels,
    since: Math.min(...chain.map((c) => c.since)),
    at,
    triggerTs: Math.max(...chain.map((c) => c.triggerTs)),
    reason: 'composite-matched',
  });
}
