// Building an alert from a rule: one place for the fields every kind fills the same way.

import { renderTitle, type Rule } from '../rules/compile.js';
import type { Labels } from '../topology/selector.js';
import { alertId, type Alert, type AlertReason } from './alert.js';
import type { CheckTarget } from './events.js';

export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return String(Math.round(v * (abs < 1 ? 1000 : 100)) / (abs < 1 ? 1000 : 100));
}

export interface AlertFacts {
  node: string;
  series: string;
  site: string;
  /** Labels of the series (agent labels and sample tags) the rule matched. */
  labels: Labels;
  since: number;
  at: number;
  triggerTs: number;
  reason: AlertReason;
  value?: number;
  threshold?: number;
  metric?: string;
  /** Extra title placeholders ({hours}, {members}, {agent}). */
  vars?: Record<string, string | number>;
  /** A check result's target, its node resolved in the topology (from check samples only). */
  check?: CheckTarget;
}

function titleLookup(rule: Rule, f: AlertFacts): (name: string) => string | number | undefined {
  return (name) => {
    const extra = f.vars?.[name];
    if (extra !== undefined) return extra;
    switch (name) {
      case 'node':
        return f.node;
      case 'rule':
        return rule.id;
      case 'metric':
        return f.metric;
      case 'value':
        return f.value === undefined ? undefined : formatValue(f.value);
      case 'threshold':
        return f.threshold;

      default:
        return f.labels[name];
    }
  };
}

/** The evidence a failed check adds to its title: why it failed, against what. */
function checkEvidence(check: CheckTarget | undefined): string {
  if (!check?.errorClass) return '';
  return ` (${check.errorClass}${check.target ? `: ${check.target}` : ''})`;
}

export function buildAlert(rule: Rule, f: AlertFacts): Alert {
  const check = f.check;
  const targetNode = check?.targetNode !== undefined && check.targetNode !== f.node ? check.targetNode : undefined;
  return {
    id: alertId(rule.id, f.node, f.series),
    rule: rule.id,
    kind: rule.kind,
    node: f.node,
    site: f.site,
    // Labels are never changed once an alert has them, so the series' own object is shared.
    labels: Object.keys(rule.labels).length === 0 ? f.labels : { ...f.labels, ...rule.labels },
    priority: rule.priority,
    title: renderTitle(rule.title, titleLookup(rule, f)) + checkEvidence(check),
    state: 'firing',
    since: f.since,
    firedAt: f.at,
    triggerTs: f.triggerTs,
    reason: f.reason,
    ...(f.value !== undefined ? { value: f.value } : {}),
    ...(f.threshold !== undefined ? { threshold: f.threshold } : {}),
    ...(f.metric !== undefined ? { metric: f.metric } : {}),
    ...(rule.runbook ? { runbook: rule.runbook } : {}),
    ...(rule.maxPriority ? { maxPriority: rule.maxPriority } : {}),
    ...(rule.incident === false ? { incident: false } : {}),
    effect: rule.effect,
    ...(targetNode !== undefined ? { targetNode } : {}),
    ...(check?.errorClass ? { errorClass: check.errorClass } : {}),
    ...(check?.target ? { target: check.target } : {}),
  };
}
