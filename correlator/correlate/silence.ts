// Silences and maintenance windows: "the PACS upgrade runs Saturday 22:00–02:00, hold its
// alerts". Alerts that match an active silence are recorded and open nothing; whatever is
// still failing when the window ends opens an incident then. A silence names label matchers
// (the rule selector language) and/or topology nodes; alerts on nodes that depend on a node
// in maintenance are held too, since their root cause is the maintenance.

import type { Selector } from '../rules/schema.js';
import { compileSelector } from '../rules/selector.js';
import type { Alert } from '../evaluate/alert.js';

export interface Silence {
  id: string;
  /** Label matchers; all must match. Empty when the silence is by node only. */
  matchers: Selector;
  /** Topology nodes in maintenance. */
  nodes: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  expiredAt?: number;
  expiredBy?: string;
}

export function silenceActive(s: Silence, at: number): boolean {
  return at >= s.startsAt && at < Math.min(s.endsAt, s.expiredAt ?? Infinity);
}

/** Whether the silence covers this alert directly (by labels or by its node). */
export function silenceCovers(s: Silence, alert: Pick<Alert, 'node' | 'labels'>): boolean {
  const byNode = s.nodes.length > 0 && s.nodes.includes(alert.node);
  const hasMatchers = Object.keys(s.matchers).length > 0;
  if (!hasMatchers) return byNode;
  const labels = { ...alert.labels, node: alert.node };
  const byLabels = compileSelector(s.matchers)(labels);
  return s.nodes.length > 0 ? byNode && byLabels : byLabels;
}
