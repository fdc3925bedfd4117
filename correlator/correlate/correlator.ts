// Alert changes in, incident decisions out. Pure: time is an argument. This first version
// groups by node: every alert on a node joins that node's open incident, so one failing
// server is one incident and one ticket however many of its rules fire.

import { higherPriority, type Alert, type AlertChange } from '../evaluate/alert.js';
import type { Incident, IncidentAlert } from './incident.js';
import { silenceActive, silenceCovers, type Silence } from './silence.js';

export type IncidentDecision =
  | { type: 'alert.suppressed'; alert: Alert; reason: 'silenced'; silence: string }
  | { type: 'silence.set'; silence: Silence }
  | { type: 'silence.expired'; silence: Silence }
  | { type: 'incident.opened'; incident: Incident; reason: string }
  | { type: 'incident.updated'; incident: Incident; reason: string; change: 'alert-joined' | 'alert-cleared'; alert: string }
  | { type: 'incident.resolved'; incident: Incident; reason: string };

function toIncidentAlert(alert: Alert, role: IncidentAlert['role']): IncidentAlert {
  return {
    id: alert.id,
    rule: alert.rule,
    node: alert.node,
    title: alert.title,
    state: alert.state,
    priority: alert.priority,
    role,
    labels: alert.labels,
    since: alert.since,
    firedAt: alert.firedAt,
    ...(alert.value !== undefined ? { value: alert.value } : {}),
    ...(alert.threshold !== undefined ? { threshold: alert.threshold } : {}),
    ...(alert.metric !== undefined ? { metric: alert.metric } : {}),
    ...(alert.resolvedAt !== undefined ? { resolvedAt: alert.resolvedAt } : {}),
    ...(alert.runbook !== undefined ? { runbook: alert.runbook } : {}),
  };
}

export interface CorrelatorState {
  nextId: number;
  open: Incident[];
  silences?: Silence[];
}

export class Correlator {
  private nextId: number;
  /** Open incidents by id. */
  readonly open = new Map<number, Incident>();
  /** Which open incident holds each alert. */
  private readonly byAlert = new Map<string, number>();
  private readonly byRoot = new Map<string, number>();
  readonly silences = new Map<string, Silence>();
  /** Firing alerts held by a silence, by alert id. */
  readonly held = new Map<string, { alert: Alert; silence: string }>();

  constructor(state?: CorrelatorState) {
    this.nextId = state?.nextId ?? 1;
    for (const incident of state?.open ?? []) this.index(incident);
    for (const s of state?.silences ?? []) this.silences.set(s.id, s);
  }

  state(): CorrelatorState {
    return { nextId: this.nextId, open: [...this.open.values()], silences: [...this.silences.values()] };
  }

  /** Whether an alert is part of an open incident or held by a silence. */
  owns(alertId: string): boolean {
    return this.byAlert.has(alertId) || this.held.has(alertId);
  }

  setSilence(silence: Silence, at: number): IncidentDecision[] {
    this.silences.set(silence.id, silence);
    return [{ type: 'silence.set', silence }, ...this.releaseEnded(at)];
  }

  expireSilence(id: string, by: string, at: number): IncidentDecision[] {
    const s = this.silences.get(id);
    if (!s || s.expiredAt !== undefined) return [];
    s.expiredAt = at;
    s.expiredBy = by;
    return this.releaseEnded(at);
  }

  /** Silences whose window is over let go of their alerts: what still fires opens incidents now. */
  releaseEnded(at: number): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    for (const s of this.silences.values()) {
      if (silenceActive(s, at) || at < s.startsAt) continue;
      this.silences.delete(s.id);
      out.push({ type: 'silence.expired', silence: s });
    }
    if (out.length === 0) return out;
    for (const [id, h] of [...this.held]) {
      if (this.silences.has(h.silence) && silenceActive(this.silences.get(h.silence) as Silence, at)) continue;
      this.held.delete(id);
      out.push(...this.firing({ type: 'alert.firing', alert: h.alert, reason: h.alert.reason }, at));
    }
    return out;
  }

  private silencing(alert: Alert, at: number): Silence | undefined {
    for (const s of this.silences.values()) if (silenceActive(s, at) && silenceCovers(s, alert)) return s;
    return undefined;
  }

  private index(incident: Incident): void {
    this.open.set(incident.id, incident);
    this.byRoot.set(incident.root, incident.id);
    for (const a of incident.alerts) this.byAlert.set(a.id, incident.id);
  }

  private unindex(incident: Incident): void {
    this.open.delete(incident.id);
    if (this.byRoot.get(incident.root) === incident.id) this.byRoot.delete(incident.root);
    for (const a of incident.alerts) if (this.byAlert.get(a.id) === incident.id) this.byAlert.delete(a.id);
  }

  handle(change: AlertChange, at: number): IncidentDecision[] {
    return change.type === 'alert.firing' ? this.firing(change, at) : this.resolved(change, at);
  }

  private firing(change: AlertChange, at: number): IncidentDecision[] {
    const alert = change.alert;
    if (!this.byAlert.has(alert.id)) {
      const silence = this.silencing(alert, at);
      if (silence) {
        this.held.set(alert.id, { alert, silence: silence.id });
        return [{ type: 'alert.suppressed', alert, reason: 'silenced', silence: silence.id }];
      }
    }
    const existingId = this.byAlert.get(alert.id) ?? this.byRoot.get(alert.node);
    const existing = existingId !== undefined ? this.open.get(existingId) : undefined;
    if (existing) {
      const i = existing.alerts.findIndex((a) => a.id === alert.id);
      const entry = toIncidentAlert(alert, 'root');
      if (i >= 0) existing.alerts[i] = entry;
      else existing.alerts.push(entry);
      this.byAlert.set(alert.id, existing.id);
      existing.evidence.push({ at, alert: alert.id, event: 'joined', reason: 'same-node', detail: `${alert.title}: on ${alert.node}, the node of this incident` });
      const raised = higherPriority(existing.priority, alert.priority);
      if (raised !== existing.priority) {
        existing.priority = raised;
        existing.priorityReason = `rule ${alert.rule} sets ${raised}`;
        existing.evidence.push({ at, alert: alert.id, event: 'priority', reason: 'raised-by-alert', detail: `priority raised to ${raised} by ${alert.rule}` });
      }
      if (alert.runbook && !existing.runbooks.includes(alert.runbook)) existing.runbooks.push(alert.runbook);
      existing.updatedAt = at;
      return [{ type: 'incident.updated', incident: existing, reason: `alert ${alert.rule} joined`, change: 'alert-joined', alert: alert.id }];
    }
    const incident: Incident = {
      id: this.nextId++,
      state: 'open',
      root: alert.node,
      site: alert.site,
      title: alert.title,
      priority: alert.priority,
      priorityReason: `rule ${alert.rule} sets ${alert.priority}`,
      alerts: [toIncidentAlert(alert, 'root')],
      evidence: [{ at, alert: alert.id, event: 'fired', reason: change.reason, detail: `${alert.title} (${change.reason})` }],
      openedAt: at,
      updatedAt: at,
      runbooks: alert.runbook ? [alert.runbook] : [],
    };
    this.index(incident);
    return [{ type: 'incident.opened', incident, reason: `alert ${alert.rule} on ${alert.node}` }];
  }

  private resolved(change: AlertChange, at: number): IncidentDecision[] {
    const alert = change.alert;
    if (this.held.delete(alert.id)) return [];
    const id = this.byAlert.get(alert.id);
    const incident = id !== undefined ? this.open.get(id) : undefined;
    if (!incident) return [];
    const entry = incident.alerts.find((a) => a.id === alert.id);
    if (entry) {
      entry.state = 'resolved';
      entry.resolvedAt = at;
      if (alert.value !== undefined) entry.value = alert.value;
    }
    incident.evidence.push({ at, alert: alert.id, event: 'resolved', reason: change.reason, detail: `${alert.title}: ${change.reason}` });
    incident.updatedAt = at;
    if (incident.alerts.every((a) => a.state === 'resolved')) {
      incident.state = 'resolved';
      incident.resolvedAt = at;
      this.unindex(incident);
      return [{ type: 'incident.resolved', incident, reason: 'all alerts cleared' }];
    }
    return [{ type: 'incident.updated', incident, reason: `alert ${alert.rule} cleared`, change: 'alert-cleared', alert: alert.id }];
  }
}
