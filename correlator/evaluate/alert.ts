// Alerts: a rule's condition holding on one series of one node. The evaluator raises and
// clears them; the correlator folds them into incidents.

import type { ErrorClass } from '../../protocol/schema.js';
import type { Priority } from '../rules/schema.js';
import type { Effect } from '../rules/types.js';
import type { Labels } from '../topology/selector.js';

export type AlertState = 'firing' | 'resolved';

/** Why an alert changed, in words that travel to the ticket and the replay output. */
export type AlertReason =
  | 'threshold-crossed'
  | 'threshold-cleared'
  | 'last-will'
  | 'agent-shutdown'
  | 'agent-silent'
  | 'agent-back'
  | 'agent-retired'
  | 'rule-removed'
  | 'restored'
  | 'source-firing'
  | 'source-resolved'
  | 'absent'
  | 'data-back'
  | 'rate-crossed'
  | 'rate-cleared'
  | 'forecast-crossed'
  | 'forecast-cleared'
  | 'aggregate-crossed'
  | 'aggregate-cleared'
  | 'composite-matched'
  | 'composite-cleared'
  | 'flapping-started'
  | 'flapping-stopped';

export interface Alert {
  /** rule | node | series tags (and the reporting agent when it is not the node): the same condition on the same thing seen by the same agent is the same alert. */
  id: string;
  rule: string;
  kind: 'threshold' | 'offline' | 'external' | 'absence' | 'rate' | 'forecast' | 'aggregate' | 'composite';
  node: string;
  site: string;
  labels: Labels;
  priority: Priority;
  title: string;
  state: AlertState;
  value?: number;
  threshold?: number;
  metric?: string;
  // Every time on an alert is on the correlator's clock: event times of samples are the
  // agent's timestamps corrected by its estimated clock offset (evaluate/clock.ts).
  /** Event time when the condition started to hold. */
  since: number;
  /** Arrival time when the alert fired (as a live alert, for one that was history first). */
  firedAt: number;
  /** Event time of the sample or message that made it fire. */
  triggerTs: number;
  resolvedAt?: number;
  reason: AlertReason;
  runbook?: string;
  /** Event time of the newest sample that kept it firing; stale alerts wait for fresh data. */
  lastTs?: number;
  /**
   * Fired from data too old to be live when it arrived (a replayed spool, a broker's queued
   * backlog; see historyAfterMs in clock.ts, never more than the stale bound): a condition
   * that may well have passed. It is
   * recorded, and its changes (firing, flapping, resolved) carry the mark, but it never opens
   * or joins an incident. If live data still breaches, the alert fires again without the mark.
   */
  history?: true;
  /** Upper bound the rule puts on the priority impact may give the incident. */
  maxPriority?: Priority;
  /** What the alert means for the node's dependants (the rule's effect); absent: outage. */
  effect?: Effect;
  /** false for building-block rules: the alert is recorded (and feeds composites), opens nothing. */
  incident?: boolean;
  /** Changing state too often (Icinga's weighted state-change rule over the last 21 samples). */
  flapping?: boolean;
  /**
   * For alerts from check results: the topology node the check's target is (its `target_node`,
   * or the target's host found in the topology), when that is not the alert's own node. While
   * that node fails, this alert is one of its symptoms, whichever machine ran the check.
   */
  targetNode?: string;
  /** For alerts from check results: why the check failed (the protocol's error_class, "refused"). */
  errorClass?: ErrorClass;
  /** For alerts from check results: what was checked ("tcp://dns-01:53"), for the evidence. */
  target?: string;
}

export interface AlertChange {
  type: 'alert.firing' | 'alert.resolved' | 'alert.flapping';
  alert: Alert;
  reason: AlertReason;
}

export function seriesKey(tags: Labels | undefined): string {
  if (!tags) return '';
  const keys = Object.keys(tags);
  if (keys.length === 0) return '';
  keys.sort();
  let out = '';
  for (const k of keys) out += `${out ? ',' : ''}${k}=${tags[k]}`;
  return out;
}

/**
 * The series of a sample: its tags, and the reporting agent when it reports about another node
 * (two probes checking one switch each keep their own count and alert). An agent measuring
 * itself keeps the key without it.
 */
export function reportedSeriesKey(tags: Labels | undefined, node: string, agent: string): string {
  return node === agent ? seriesKey(tags) : seriesKey({ ...tags, agent });
}

export function alertId(rule: string, node: string, series: string): string {
  return `${rule}|${node}|${series}`;
}

export const PRIORITY_RANK: Record<Priority, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

export function higherPriority(a: Priority, b: Priority): Priority {
  return PRIORITY_RANK[a] <= PRIORITY_RANK[b] ? a : b;
}
