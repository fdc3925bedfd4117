// Alert changes in, incident decisions out; pure, time is an argument. This is where a storm
// becomes one incident:
//  - an alert on a node whose upstream dependency is failing is a symptom: it joins the root's
//    incident and carries the dependency path as evidence;
//  - alerts that could still be symptoms wait a short settling window (on arrival time) so a
//    root alert arriving a few seconds later is announced first; an alert on a node with
//    nothing upstream cannot be a symptom and opens at once;
//  - a root alert arriving after its symptoms opened an incident takes that incident over
//    (same id, same ticket) instead of opening a second one;
//  - alerts whose data is stale (a backlog replayed after an outage) wait for fresh data;
//  - silences hold what they match, and what depends on a node in maintenance;
//  - an incident resolves only after its alerts stayed clear for a hold time, so a flapping
//    node stays one incident.
// The file is longer than most because these rules share one state; each rule is a method.

import type { Alert, AlertChange } from '../evaluate/alert.js';
import { Topology } from '../topology/topology.js';
import { assess } from './impact.js';
import type { Evidence, Incident, IncidentAlert } from './incident.js';
import { silenceActive, silenceCovers, type Silence } from './silence.js';

export type IncidentDecision =
  | { type: 'alert.suppressed'; alert: Alert; reason: 'silenced' | 'upstream-in-maintenance'; silence: string }
  | { type: 'silence.set'; silence: Silence }
  | { type: 'silence.expired'; silence: Silence }
  | { type: 'incident.opened'; incident: Incident; reason: string }
  | {
      type: 'incident.updated';
      incident: Incident;
      reason: string;
      change: 'alert-joined' | 'alert-cleared' | 'alert-refired' | 'root-changed' | 'priority' | 'flapping';
      alert?: string;
    }
  | { type: 'incident.resolved'; incident: Incident; reason: string };

export interface CorrelatorState {
  nextId: number;
  open: Incident[];
  silences?: Silence[];
}

export interface CorrelatorOptions {
  /** How long an alert that could be a symptom waits for its root (arrival time). */
  settleMs?: number;
  /** Alerts whose triggering sample is older than this wait for fresh data. */
  staleMs?: number;
  /** How long an incident's alerts must stay clear before it resolves. */
  resolveHoldMs?: number;
  /** After the root recovers, how long symptoms may take to recover before they stand alone. */
  recoveryGraceMs?: number;
  /** When the correlator started: nothing opens during the first settling window. */
  startedAt?: number;
}

type Why = 'settling' | 'startup' | 'stale';

function entry(alert: Alert, role: IncidentAlert['role']): IncidentAlert {
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
    ...(alert.kind === 'offline' ? { reachability: role === 'root' ? ('down' as const) : ('unreachable' as const) } : {}),
    ...(alert.flapping ? { flapping: true } : {}),
  };
}

/** Most evidence a long-running incident keeps: the start and the most recent. */
const EVIDENCE_KEEP = { first: 50, last: 450 };

/** Adds to an incident's evidence chain, folding the middle of a very long one. */
function note(incident: Incident, e: Evidence): void {
  const ev = incident.evidence;
  ev.push(e);
  if (ev.length <= EVIDENCE_KEEP.first + EVIDENCE_KEEP.last + 1) return;
  const cut = ev.length - EVIDENCE_KEEP.first - EVIDENCE_KEEP.last;
  const removed = ev.splice(EVIDENCE_KEEP.first, cut);
  const folded = removed.reduce((n, x) => n + (x.folded ?? 1), 0);
  ev.splice(EVIDENCE_KEEP.first, 0, { at: e.at, alert: e.alert, event: 'joined', reason: 'same-node', detail: `… ${folded} entries folded`, folded });
}

export class Correlator {
  private nextId: number;
  readonly open = new Map<number, Incident>();
  readonly silences = new Map<string, Silence>();
  /** Every firing alert that takes part in correlation, by id and by node. */
  private readonly firing = new Map<string, Alert>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly pending = new Map<string, { alert: Alert; until: number; why: Why }>();
  private readonly pendingByNode = new Map<string, Set<string>>();
  readonly held = new Map<string, { alert: Alert; silence: string; why: 'silenced' | 'upstream-in-maintenance' }>();
  private readonly incidentOfAlert = new Map<string, number>();
  private readonly incidentOfNode = new Map<string, number>();
  private readonly resolving = new Map<number, number>();
  private readonly rootCleared = new Map<number, number>();
  private readonly dirty = new Set<number>();
  /** The cached next deadline; null when a timer set changed and it must be computed again. */
  private deadline: number | undefined | null = null;
  private readonly settleMs: number;
  private readonly staleMs: number;
  private readonly resolveHoldMs: number;
  private readonly recoveryGraceMs: number;
  private readonly startedAt: number;

  constructor(
    state?: CorrelatorState,
    public topology: Topology = Topology.empty(),
    opts: CorrelatorOptions = {},
  ) {
    this.settleMs = opts.settleMs ?? 10_000;
    this.staleMs = opts.staleMs ?? 300_000;
    this.resolveHoldMs = opts.resolveHoldMs ?? 0;
    this.recoveryGraceMs = opts.recoveryGraceMs ?? 180_000;
    this.startedAt = opts.startedAt ?? -Infinity;
    this.nextId = state?.nextId ?? 1;
    for (const s of state?.silences ?? []) this.silences.set(s.id, s);
    for (const incident of state?.open ?? []) this.restore(incident);
  }

  state(): CorrelatorState {
    return { nextId: this.nextId, open: [...this.open.values()], silences: [...this.silences.values()] };
  }

  private restore(incident: Incident): void {
    this.open.set(incident.id, incident);
    for (const a of incident.alerts) {
      if (a.state !== 'firing') continue;
      this.incidentOfAlert.set(a.id, incident.id);
      this.incidentOfNode.set(a.node, incident.id);
    }
    this.incidentOfNode.set(incident.root, incident.id);
    if (incident.alerts.every((a) => a.state === 'resolved')) this.resolving.set(incident.id, incident.updatedAt);
  }

  /** Whether an alert is in an incident, waiting, or held by a silence. */
  owns(alertId: string): boolean {
    return this.incidentOfAlert.has(alertId) || this.pending.has(alertId) || this.held.has(alertId);
  }

  /**
   * The earliest time a timer of the correlation is due (a settling window ending, a resolve
   * hold, a recovery grace, a silence ending), so the shell can tick exactly then
   * rather than up to a tick late.
   */
  nextDeadline(): number | undefined {
    if (this.deadline !== null) return this.deadline;
    let next = Infinity;
    for (const p of this.pending.values()) if (p.until < next) next = p.until;
    for (const since of this.resolving.values()) next = Math.min(next, since + this.resolveHoldMs);
    for (const since of this.rootCleared.values()) next = Math.min(next, since + this.recoveryGraceMs);
    for (const s of this.silences.values()) next = Math.min(next, s.endsAt);
    this.deadline = Number.isFinite(next) ? next : undefined;
    return this.deadline;
  }

  /** Alerts waiting to be placed (settling, startup, stale), for inspection and tests. */
  waiting(): Array<{ alert: string; why: Why; until: number }> {
    return [...this.pending.values()].map((p) => ({ alert: p.alert.id, why: p.why, until: p.until }));
  }

  handle(change: AlertChange, at: number): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    if (change.type === 'alert.firing') this.onFiring(change.alert, at, out);
    else if (change.type === 'alert.resolved') this.onResolved(change, at, out);
    else this.onFlapping(change.alert, at, out);
    // Impact and priority of incidents that gained alerts are worked out on the next tick: a
    // storm of symptoms joining costs one assessment per incident per second, not one per alert.
    return out;
  }

  // ── firing ────────────────────────────────────────────────────────────────────────────

  private onFiring(alert: Alert, at: number, out: IncidentDecision[]): void {
    if (alert.incident === false) return; // building block: recorded, feeds composites only
    this.firing.set(alert.id, alert);
    let nodeAlerts = this.byNode.get(alert.node);
    if (!nodeAlerts) this.byNode.set(alert.node, (nodeAlerts = new Set()));
    nodeAlerts.add(alert.id);
    const existing = this.incidentOfAlert.get(alert.id);
    if (existing !== undefined) {
      const incident = this.open.get(existing);
      if (incident) {
        this.refire(incident, alert, at, out);
        return;
      }
    }
    this.place(alert, at, true, out);
  }

  private refire(incident: Incident, alert: Alert, at: number, out: IncidentDecision[]): void {
    const i = incident.alerts.findIndex((a) => a.id === alert.id);
    const role = i >= 0 ? (incident.alerts[i] as IncidentAlert).role : 'symptom';
    if (i >= 0) incident.alerts[i] = entry(alert, role);
    this.deadline = null;
    this.resolving.delete(incident.id);
    if (role === 'root') this.rootCleared.delete(incident.id);
    incident.updatedAt = at;
    note(incident, { at, alert: alert.id, event: 'fired', reason: 'refired', detail: `${alert.title}: fired again` });
    out.push({ type: 'incident.updated', incident, reason: `alert ${alert.rule} fired again`, change: 'alert-refired', alert: alert.id });
  }

  private silencing(alert: Alert, at: number): Silence | undefined {
    for (const s of this.silences.values()) if (silenceActive(s, at) && silenceCovers(s, alert)) return s;
    return undefined;
  }

  /** Decides where a firing alert belongs; `canWait` false once its waiting is over. */
  private place(alert: Alert, at: number, canWait: boolean, out: IncidentDecision[]): void {
    const silence = this.silencing(alert, at);
    if (silence) {
      this.hold(alert, silence.id, 'silenced', out);
      return;
    }
    const node = alert.node;
    const ownIncident = this.incidentOfNode.get(node);
    if (ownIncident !== undefined && this.open.has(ownIncident)) {
      const incident = this.open.get(ownIncident) as Incident;
      this.join(incident, alert, incident.root === node ? 'root' : 'symptom', at, out);
      return;
    }
    const roots = this.failingRoots(node);
    if (roots.length > 0) {
      const withIncident = roots.map((r) => this.incidentOfNode.get(r)).filter((id): id is number => id !== undefined && this.open.has(id));
      if (withIncident.length > 0) {
        this.join(this.open.get(Math.min(...withIncident)) as Incident, alert, 'symptom', at, out);
        return;
      }
      const maintenance = roots.map((r) => this.maintenanceOf(r)).find((s) => s !== undefined);
      if (maintenance) {
        this.hold(alert, maintenance, 'upstream-in-maintenance', out);
        return;
      }
      // The root is itself still waiting: wait with it (it is placed first, then pulls us in).
      this.wait(alert, Math.max(at + this.settleMs, ...roots.flatMap((r) => this.pendingUntil(r))), 'settling');
      return;
    }
    if (at - alert.triggerTs > this.staleMs && !(alert.lastTs !== undefined && at - alert.lastTs <= this.staleMs)) {
      this.wait(alert, Infinity, 'stale');
      return;
    }
    if (at < this.startedAt + this.settleMs) {
      this.wait(alert, this.startedAt + this.settleMs, 'startup');
      return;
    }
    const taken = this.descendantIncidents(node);
    if (taken.length > 0) {
      this.takeOver(taken, alert, at, out);
      return;
    }
    if (canWait && this.topology.ancestors(node).size > 0) {
      this.wait(alert, at + this.settleMs, 'settling');
      return;
    }
    this.openIncident(alert, at, out);
  }

  private wait(alert: Alert, until: number, why: Why): void {
    this.deadline = null;
    this.pending.set(alert.id, { alert, until, why });
    let ids = this.pendingByNode.get(alert.node);
    if (!ids) this.pendingByNode.set(alert.node, (ids = new Set()));
    ids.add(alert.id);
  }

  private unwait(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.deadline = null;
    this.pending.delete(id);
    const ids = this.pendingByNode.get(p.alert.node);
    ids?.delete(id);
    if (ids?.size === 0) this.pendingByNode.delete(p.alert.node);
  }

  private pendingUntil(node: string): number[] {
    const out: number[] = [];
    for (const id of this.pendingByNode.get(node) ?? []) {
      const p = this.pending.get(id);
      if (p && Number.isFinite(p.until)) out.push(p.until);
    }
    return out;
  }

  private hold(alert: Alert, silence: string, why: 'silenced' | 'upstream-in-maintenance', out: IncidentDecision[]): void {
    this.held.set(alert.id, { alert, silence, why });
    out.push({ type: 'alert.suppressed', alert, reason: why, silence });
  }

  /** The silence holding every alert of a node, if the node is failing only under maintenance. */
  private maintenanceOf(node: string): string | undefined {
    let silence: string | undefined;
    for (const id of this.byNode.get(node) ?? []) {
      const h = this.held.get(id);
      if (!h) return undefined;
      silence = h.silence;
    }
    return silence;
  }

  /** Whether some alert fires on a node. */
  private readonly failing = (node: string): boolean => (this.byNode.get(node)?.size ?? 0) > 0;

  /**
   * Most upstream failing ancestors of a node: not beyond a redundant node still standing, so a
   * failed primary database does not explain what its standby keeps serving.
   */
  private failingRoots(node: string): string[] {
    const ancestors = this.topology.liveAncestors(node, this.failing);
    if (ancestors.size === 0) return [];
    const failing = [...ancestors].filter(this.failing);
    return failing.filter((f) => ![...this.topology.liveAncestors(f, this.failing)].some(this.failing)).sort();
  }

  /** Open incidents whose root is downstream of a node: a late root alert takes them over. */
  private descendantIncidents(node: string): Incident[] {
    const below = this.topology.liveDescendants(node, this.failing);
    if (below.size === 0) return [];
    return [...this.open.values()].filter((i) => below.has(i.root)).sort((a, b) => a.id - b.id);
  }

  private openIncident(alert: Alert, at: number, out: IncidentDecision[]): void {
    const incident: Incident = {
      id: this.nextId++,
      state: 'open',
      root: alert.node,
      site: alert.site,
      title: alert.title,
      priority: alert.priority,
      priorityReason: `${alert.priority}: rule ${alert.rule} sets ${alert.priority}`,
      alerts: [entry(alert, 'root')],
      evidence: [{ at, alert: alert.id, event: 'fired', reason: 'root-alert', detail: `${alert.title} (${alert.reason})` }],
      openedAt: at,
      updatedAt: at,
      runbooks: alert.runbook ? [alert.runbook] : [],
      ...(alert.labels.drill ? { drill: alert.labels.drill } : {}),
      ...(alert.flapping ? { flapping: true } : {}),
    };
    this.open.set(incident.id, incident);
    this.incidentOfAlert.set(alert.id, incident.id);
    this.incidentOfNode.set(alert.node, incident.id);
    this.settlePriority(incident, at);
    // Another member of a redundant pair failing may end a degraded redundancy elsewhere: the
    // incidents on its fellow members are assessed again at the next tick (priority only rises).
    const pairs = this.topology.redundantBelow(incident.root);
    if (pairs.length > 0) {
      for (const other of this.open.values()) if (other !== incident && this.topology.redundantBelow(other.root).some((r) => pairs.includes(r))) this.dirty.add(other.id);
    }
    out.push({ type: 'incident.opened', incident, reason: `alert ${alert.rule} on ${alert.node}` });
    this.pullIn(incident, at, out);
  }

  /** Alerts waiting downstream of a newly placed root join it now, not at their window's end. */
  private pullIn(incident: Incident, at: number, out: IncidentDecision[]): void {
    if (this.pending.size === 0) return;
    const below = this.topology.liveDescendants(incident.root, this.failing);
    const nodes = below.size + 1 < this.pendingByNode.size ? [incident.root, ...below] : [...this.pendingByNode.keys()].filter((n) => n === incident.root || below.has(n));
    for (const node of nodes) {
      for (const id of [...(this.pendingByNode.get(node) ?? [])]) {
        const p = this.pending.get(id);
        if (!p) continue;
        this.unwait(id);
        this.join(incident, p.alert, node === incident.root ? 'root' : 'symptom', at, out);
      }
    }
  }

  private join(incident: Incident, alert: Alert, role: IncidentAlert['role'], at: number, out: IncidentDecision[]): void {
    const i = incident.alerts.findIndex((a) => a.id === alert.id);
    if (i >= 0) incident.alerts[i] = entry(alert, role);
    else incident.alerts.push(entry(alert, role));
    this.incidentOfAlert.set(alert.id, incident.id);
    this.incidentOfNode.set(alert.node, incident.id);
    this.deadline = null;
    this.resolving.delete(incident.id);
    if (role === 'root') this.rootCleared.delete(incident.id);
    const path = role === 'symptom' ? this.topology.path(alert.node, incident.root) : [alert.node];
    note(incident, 
      role === 'symptom'
        ? { at, alert: alert.id, event: 'joined', reason: 'upstream-failing', detail: `${alert.title}: depends on ${path.slice(1).join(' → ')}, which is failing` }
        : { at, alert: alert.id, event: 'joined', reason: 'same-node', detail: `${alert.title}: on ${alert.node}, the root of this incident` },
    );
    if (alert.runbook && role === 'root' && !incident.runbooks.includes(alert.runbook)) incident.runbooks.push(alert.runbook);
    if (alert.flapping) incident.flapping = true;
    incident.updatedAt = at;
    this.dirty.add(incident.id);
    out.push({ type: 'incident.updated', incident, reason: `alert ${alert.rule} on ${alert.node} joined as ${role}`, change: 'alert-joined', alert: alert.id });
  }

  /** A late root alert: the oldest incident below it becomes its incident; others merge in. */
  private takeOver(taken: Incident[], alert: Alert, at: number, out: IncidentDecision[]): void {
    const [main, ...rest] = taken as [Incident, ...Incident[]];
    const previous = main.root;
    for (const a of main.alerts) {
      a.role = 'symptom';
      if (a.reachability) a.reachability = 'unreachable';
    }
    main.root = alert.node;
    main.title = alert.title;
    note(main, { at, alert: alert.id, event: 'root-changed', reason: 'late-root', detail: `${alert.title}: ${previous} depends on ${this.topology.path(previous, alert.node).slice(1).join(' → ')}; the root is ${alert.node}` });
    this.incidentOfNode.set(alert.node, main.id);
    for (const other of rest) {
      for (const a of other.alerts) {
        a.role = 'symptom';
        main.alerts.push(a);
        if (a.state === 'firing') {
          this.incidentOfAlert.set(a.id, main.id);
          this.incidentOfNode.set(a.node, main.id);
        }
      }
      note(main, { at, alert: alert.id, event: 'merged', reason: 'merged', detail: `INC-${other.id} (${other.title}) has the same root ${alert.node}` });
      other.state = 'resolved';
      other.resolvedAt = at;
      other.mergedInto = main.id;
      other.updatedAt = at;
      this.open.delete(other.id);
      this.deadline = null;
      this.resolving.delete(other.id);
      this.rootCleared.delete(other.id);
      out.push({ type: 'incident.resolved', incident: other, reason: `merged into INC-${main.id}: same root ${alert.node}` });
    }
    main.alerts.push(entry(alert, 'root'));
    this.incidentOfAlert.set(alert.id, main.id);
    if (alert.runbook && !main.runbooks.includes(alert.runbook)) main.runbooks.push(alert.runbook);
    main.updatedAt = at;
    this.deadline = null;
    this.resolving.delete(main.id);
    this.rootCleared.delete(main.id);
    this.settlePriority(main, at);
    out.push({ type: 'incident.updated', incident: main, reason: `root cause is ${alert.node}, not ${previous}`, change: 'root-changed', alert: alert.id });
    this.pullIn(main, at, out);
  }

  // ── resolved and flapping ─────────────────────────────────────────────────────────────

  private onResolved(change: AlertChange, at: number, out: IncidentDecision[]): void {
    const alert = change.alert;
    this.firing.delete(alert.id);
    this.byNode.get(alert.node)?.delete(alert.id);
    if (this.byNode.get(alert.node)?.size === 0) this.byNode.delete(alert.node);
    this.unwait(alert.id);
    this.held.delete(alert.id);
    const id = this.incidentOfAlert.get(alert.id);
    const incident = id !== undefined ? this.open.get(id) : undefined;
    if (!incident) return;
    this.incidentOfAlert.delete(alert.id);
    const e = incident.alerts.find((a) => a.id === alert.id);
    if (e) {
      e.state = 'resolved';
      e.resolvedAt = at;
      if (alert.value !== undefined) e.value = alert.value;
    }
    note(incident, { at, alert: alert.id, event: 'resolved', reason: change.reason, detail: `${alert.title}: ${change.reason}` });
    incident.updatedAt = at;
    const firing = incident.alerts.filter((a) => a.state === 'firing');
    if (firing.length === 0) {
      if (this.resolveHoldMs <= 0) this.resolve(incident, at, 'all alerts cleared', out);
      else {
        this.deadline = null;
        this.resolving.set(incident.id, at);
      }
      return;
    }
    if (!firing.some((a) => a.role === 'root')) {
      this.deadline = null;
      this.rootCleared.set(incident.id, at);
    }
    out.push({ type: 'incident.updated', incident, reason: `alert ${alert.rule} on ${alert.node} cleared`, change: 'alert-cleared', alert: alert.id });
  }

  private onFlapping(alert: Alert, at: number, out: IncidentDecision[]): void {
    const id = this.incidentOfAlert.get(alert.id);
    const incident = id !== undefined ? this.open.get(id) : undefined;
    if (!incident) return;
    const e = incident.alerts.find((a) => a.id === alert.id);
    if (e) e.flapping = alert.flapping === true;
    const was = incident.flapping === true;
    incident.flapping = incident.alerts.some((a) => a.flapping);
    if (was === incident.flapping) return;
    incident.updatedAt = at;
    note(incident, {
      at,
      alert: alert.id,
      event: 'flapping',
      reason: incident.flapping ? 'flapping' : 'flapping-stopped',
      detail: incident.flapping ? `${alert.title}: changing state too often; kept as one incident` : `${alert.title}: stable again`,
    });
    out.push({ type: 'incident.updated', incident, reason: incident.flapping ? 'flapping' : 'no longer flapping', change: 'flapping', alert: alert.id });
  }

  private resolve(incident: Incident, at: number, reason: string, out: IncidentDecision[]): void {
    incident.state = 'resolved';
    incident.resolvedAt = at;
    incident.updatedAt = at;
    this.open.delete(incident.id);
    this.deadline = null;
    this.resolving.delete(incident.id);
    this.rootCleared.delete(incident.id);
    this.dirty.delete(incident.id);
    for (const a of incident.alerts) {
      if (this.incidentOfAlert.get(a.id) === incident.id) this.incidentOfAlert.delete(a.id);
      if (this.incidentOfNode.get(a.node) === incident.id) this.incidentOfNode.delete(a.node);
    }
    if (this.incidentOfNode.get(incident.root) === incident.id) this.incidentOfNode.delete(incident.root);
    out.push({ type: 'incident.resolved', incident, reason });
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────

  /** Windows that ended: waiting alerts are placed, held incidents resolve, silences end. */
  tick(at: number, fresh: (alertId: string) => number | undefined): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    this.deadline = null;
    this.releaseEnded(at, out);
    // Upstream first, so a root opens before the alerts that depend on it are placed.
    const due = [...this.pending.values()]
      .filter((p) => p.until <= at || (p.why === 'stale' && at - (fresh(p.alert.id) ?? -Infinity) <= this.staleMs))
      .sort((a, b) => this.topology.ancestors(a.alert.node).size - this.topology.ancestors(b.alert.node).size || a.alert.id.localeCompare(b.alert.id));
    for (const p of due) {
      if (!this.pending.has(p.alert.id)) continue; // pulled in by a root placed just before
      this.unwait(p.alert.id);
      if (p.why === 'stale') p.alert.triggerTs = fresh(p.alert.id) ?? p.alert.triggerTs;
      this.place(p.alert, at, false, out);
    }
    for (const [id, since] of [...this.resolving]) {
      const incident = this.open.get(id);
      if (incident && at - since >= this.resolveHoldMs) this.resolve(incident, at, 'all alerts cleared', out);
    }
    for (const [id, since] of [...this.rootCleared]) {
      const incident = this.open.get(id);
      if (incident && at - since >= this.recoveryGraceMs) this.split(incident, at, out);
    }
    this.reassess(at, out);
    return out;
  }

  /** The root recovered but symptoms persist beyond the grace: they are faults of their own. */
  private split(incident: Incident, at: number, out: IncidentDecision[]): void {
    const remaining = incident.alerts.filter((a) => a.state === 'firing').map((a) => this.firing.get(a.id)).filter((a): a is Alert => a !== undefined);
    note(incident, { at, alert: incident.root, event: 'split', reason: 'root-recovered', detail: `${incident.root} recovered; ${remaining.length} alert(s) still firing are correlated on their own` });
    this.resolve(incident, at, `root ${incident.root} recovered; ${remaining.length} remaining alert(s) re-correlated`, out);
    for (const a of remaining) this.place(a, at, false, out);
  }

  setSilence(silence: Silence, at: number): IncidentDecision[] {
    this.silences.set(silence.id, silence);
    this.deadline = null;
    const out: IncidentDecision[] = [{ type: 'silence.set', silence }];
    this.releaseEnded(at, out);
    return out;
  }

  expireSilence(id: string, by: string, at: number): IncidentDecision[] {
    const s = this.silences.get(id);
    if (!s || s.expiredAt !== undefined) return [];
    s.expiredAt = at;
    this.deadline = null;
    s.expiredBy = by;
    const out: IncidentDecision[] = [];
    this.releaseEnded(at, out);
    this.reassess(at, out);
    return out;
  }

  /** Silences whose window is over let go of their alerts: what still fires is placed now. */
  private releaseEnded(at: number, out: IncidentDecision[]): void {
    let ended = false;
    for (const s of [...this.silences.values()]) {
      if (silenceActive(s, at) || at < s.startsAt) continue;
      this.silences.delete(s.id);
      out.push({ type: 'silence.expired', silence: s });
      ended = true;
    }
    if (!ended) return;
    const released = [...this.held].filter(([, h]) => !this.silences.has(h.silence));
    for (const [id] of released) this.held.delete(id);
    released.sort(([, a], [, b]) => this.topology.ancestors(a.alert.node).size - this.topology.ancestors(b.alert.node).size);
    for (const [id, h] of released) if (!this.owns(id) && this.firing.has(id)) this.place(h.alert, at, false, out);
  }

  // ── priority ───────────────────────────────────────────────────────────────────────────

  private settlePriority(incident: Incident, at: number): void {
    const failing = new Set(incident.alerts.filter((a) => a.state === 'firing').map((a) => a.node));
    const floors = incident.alerts
      .filter((a) => a.role === 'root')
      .map((a) => ({ priority: a.priority, rule: a.rule, ...(this.firing.get(a.id)?.maxPriority ? { maxPriority: this.firing.get(a.id)?.maxPriority } : {}) }));
    const result = assess(this.topology, incident.root, failing, floors, at, this.failing);
    incident.priority = result.priority;
    incident.priorityReason = result.reason;
    incident.impact = result.impact;
  }

  /** Incidents that gained alerts get their impact and priority again; priority only rises. */
  private reassess(at: number, out: IncidentDecision[]): void {
    for (const id of this.dirty) {
      const incident = this.open.get(id);
      if (!incident) continue;
      const before = incident.priority;
      const reason = incident.priorityReason;
      this.settlePriority(incident, at);
      if (incident.priority > before) {
        incident.priority = before; // "P3" > "P2": never lower a running incident
        incident.priorityReason = reason;
      } else if (incident.priority !== before) {
        note(incident, { at, alert: incident.root, event: 'priority', reason: 'impact', detail: `priority raised from ${before}: ${incident.priorityReason}` });
        out.push({ type: 'incident.updated', incident, reason: `priority ${before} → ${incident.priority}`, change: 'priority' });
      }
    }
    this.dirty.clear();
  }
}

export type { Evidence };
