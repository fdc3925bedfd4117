// Incidents: what a person works on. One incident names its root cause (a node), folds in the
// alerts that belong to it, and keeps the evidence chain that explains why.

import type { Alert, AlertReason } from '../evaluate/alert.js';
import type { Priority } from '../rules/schema.js';

export type IncidentState = 'open' | 'resolved';

export interface IncidentAlert {
  id: string;
  rule: string;
  node: string;
  title: string;
  state: Alert['state'];
  priority: Priority;
  /** root: on the root-cause node; symptom: on a node that depends on it. */
  role: 'root' | 'symptom';
  value?: number;
  threshold?: number;
  metric?: string;
  labels: Alert['labels'];
  since: number;
  firedAt: number;
  resolvedAt?: number;
  runbook?: string;
  /** For "not reporting" alerts: down (the root itself) or unreachable (behind a failing node). */
  reachability?: 'down' | 'unreachable';
  flapping?: boolean;
  /** For check alerts: the node the check's target is, and how the check failed. */
  targetNode?: string;
  errorClass?: string;
}

export type EvidenceReason =
  | AlertReason
  | 'root-alert'
  | 'same-node'
  | 'upstream-failing'
  | 'late-root'
  | 'merged'
  | 'refired'
  | 'impact'
  | 'flapping'
  | 'flapping-stopped'
  | 'root-recovered'
  | 'inferred-root'
  | 'confirmed'
  | 'released'
  | 'pair-down'
  | 'check-target'
  | 'monitoring-path'
  | 'link-recovering';

export interface Evidence {
  at: number;
  alert: string;
  event: 'fired' | 'resolved' | 'joined' | 'priority' | 'root-changed' | 'merged' | 'flapping' | 'split' | 'suspected' | 'confirmed' | 'released';
  /** Why, in a stable word (for replay output) … */
  reason: EvidenceReason;
  /** … and in a sentence for the ticket. */
  detail: string;
  /** On the marker that stands for entries folded out of a very long chain: how many. */
  folded?: number;
}

/** Who and what is affected: the basis of the priority and of the ticket's scope line. */
export interface Impact {
  /** Business services (topology nodes of kind "service") that depend on the root. */
  services: string[];
  /** Terminals that depend on the root and are failing or unreachable, of those that depend on it. */
  terminals: { affected: number; total: number };
  buildings: string[];
  floors: string[];
}

export interface Incident {
  id: number;
  state: IncidentState;
  root: string;
  site: string;
  title: string;
  priority: Priority;
  priorityReason: string;
  alerts: IncidentAlert[];
  evidence: Evidence[];
  openedAt: number;
  updatedAt: number;
  resolvedAt?: number;
  runbooks: string[];
  impact?: Impact;
  /** Changing state too often to be worked as separate incidents (Icinga's weighted rule). */
  flapping?: boolean;
  /** Set when the alerts come from a drill (label drill=<id>): never pages real people unless asked. */
  drill?: string;
  /**
   * The root was inferred, not reported: several nodes behind it (or several machines' checks of
   * it) failed together while nothing reports about it. Cleared when its own alert confirms it.
   */
  suspected?: boolean;
  /** What the root's alerts mean for its dependants: outage, degraded or local. */
  effect?: 'outage' | 'degraded' | 'local';
  /** When an incident was folded into another after a late root alert. */
  mergedInto?: number;
}

export function incidentRef(id: number): string {
  return `INC-${id}`;
}
