// Alert changes in, incident decisions out; pure, time is an argument. This is where a storm
// becomes one incident:
//  - an alert on a node whose upstream dependency is failing is a symptom: it joins the root's
//    incident and carries the dependency path as evidence;
//  - alerts that could still be symptoms wait a short settling window (on arrival time) so a
//    root alert arriving a few seconds later is announced first; an alert on a node with
//    nothing upstream cannot be a symptom and opens at once;
//  - when the window ends and several nodes behind one upstream node (or several machines'
//    checks of one target) are failing, that node is the suspected root even if nothing reports
//    about it: one incident, confirmed when its own alert comes, released if it proves up;
//    while such a cause may still be forming the alert is held, for a bounded time;
//  - only outage alerts make dependants symptoms; a degraded node explains degradation below
//    it; a local alert concerns its node alone;
//  - both members of a redundant pair failing is one incident rooted at the pair;
//  - many unrelated agents lost at once is one incident about the monitoring path, and agents
//    lost while the correlator's own link was down wait for it to settle;
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
import { behind, bestSuspect, DEFAULT_INFERENCE, enough, noneBehind, seconds, suspicionDetail, unheardSince, type Behind, type Candidate, type InferenceOptions } from './inference.js';
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
  /** Longest an alert is held beyond the settling window while an upstream cause may be forming. */
  holdMs?: number;
  /** How many failing nodes, and what share of the reporting ones, make an upstream node suspect. */
  inference?: InferenceOptions;
  /** Agents lost within this window of each other count together for the monitoring path. */
  pathWindowMs?: number;
  /** At least this many agents, and this share of the fleet, lost at once: the monitoring path. */
  pathMin?: number;
  pathShare?: number;
  /** After the correlator's own broker link comes back, agents' offline alerts wait this long. */
  linkGraceMs?: number;
  /** Arrival time of the latest data about a node (its agent's messages or checks about it). */
  lastSeen?: (node: string) => number | undefined;
  /** Arrival time of the latest message from the node's own agent. */
  heard?: (node: string) => number | undefined;
  /** How many agents the fleet has (for the monitoring path's share). */
  fleetSize?: () => number;
}

type Why = 'settling' | 'startup' | 'stale' | 'forming' | 'link';

/** The root of incidents about the path between the agents and the correlator. */
export const MONITORING_PATH = 'monitoring-path';

/** Nodes that carry the agents' traffic: what is behind them goes silent when they fail. */
const NETWORK: ReadonlySet<string> = new Set(['switch', 'router', 'firewall', 'wifi']);

/** How long a released suspect is not suspected again. */
const RELEASE_MS = 600_000;

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
    ...(alert.targetNode ? { targetNode: alert.targetNode } : {}),
    ...(alert.errorClass ? { errorClass: alert.errorClass } : {}),
  };
}

const EFFECT_RANK = { outage: 0, degraded: 1, local: 2 } as const;
const effectOf = (a: Pick<Alert, 'effect'>) => a.effect ?? 'outage';

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
  /** Firing outage alerts by node: what makes a node down for those that depend on it. */
  private readonly outageByNode = new Map<string, Set<string>>();
  /** Firing alerts whose check names a target node, by that node. */
  private readonly byTarget = new Map<string, Set<string>>();
  private readonly pending = new Map<string, { alert: Alert; until: number; why: Why; heldSince: number }>();
  private readonly pendingByNode = new Map<string, Set<string>>();
  readonly held = new Map<string, { alert: Alert; silence: string; why: 'silenced' | 'upstream-in-maintenance' }>();
  private readonly incidentOfAlert = new Map<string, number>();
  private readonly incidentOfNode = new Map<string, number>();
  /** Suspected roots (inferred, not reported) and their incidents. */
  private readonly suspects = new Map<string, number>();
  /** Suspects that proved up, and when: not suspected again for a while. */
  private readonly released = new Map<string, number>();
  private readonly resolving = new Map<number, number>();
  private readonly rootCleared = new Map<number, number>();
  private readonly dirty = new Set<number>();
  /** Counts of what lies behind a node, valid for one call (the failing set changes between calls). */
  private behindCache = new Map<string, Behind>();
  /** The cached next deadline; null when a timer set changed and it must be computed again. */
  private deadline: number | undefined | null = null;
  private linkDownAt: number | undefined;
  private linkUpAt = -Infinity;
  private readonly settleMs: number;
  private readonly staleMs: number;
  private readonly resolveHoldMs: number;
  private readonly recoveryGraceMs: number;
  private readonly startedAt: number;
  private readonly holdMs: number;
  private readonly inference: InferenceOptions;
  private readonly pathWindowMs: number;
  private readonly pathMin: number;
  private readonly pathShare: number;
  private readonly linkGraceMs: number;
  private readonly lastSeen: (node: string) => number | undefined;
  private readonly heard: (node: string) => number | undefined;
  private readonly fleetSize: () => number;

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
    this.holdMs = opts.holdMs ?? 15_000;
    this.inference = opts.inference ?? DEFAULT_INFERENCE;
    this.pathWindowMs = opts.pathWindowMs ?? 10_000;
    this.pathMin = opts.pathMin ?? 10;
    this.pathShare = opts.pathShare ?? 0.3;
    this.linkGraceMs = opts.linkGraceMs ?? 60_000;
    this.lastSeen = opts.lastSeen ?? (() => undefined);
    this.heard = opts.heard ?? (() => undefined);
    this.fleetSize = opts.fleetSize ?? (() => 0);
    this.nextId = state?.nextId ?? 1;
    for (const s of state?.silences ?? []) this.silences.set(s.id, s);
    for (const incident of state?.open ?? []) this.restore(incident);
  }

  /** How many incidents were ever opened (merged and resolved ones included). */
  get opened(): number {
    return this.nextId - 1;
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
    if (incident.suspected) this.suspects.set(incident.root, incident.id);
    if (incident.alerts.every((a) => a.state === 'resolved')) this.resolving.set(incident.id, incident.updatedAt);
  }

  /**
   * Alerts that were firing before a restart and sit in restored incidents: known again as
   * firing (so their nodes count as down) without deciding anything anew.
   */
  adopt(alerts: Iterable<Alert>): void {
    for (const alert of alerts) if (alert.incident !== false && alert.state === 'firing' && this.incidentOfAlert.has(alert.id)) this.index(alert);
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

  /** Alerts waiting to be placed (settling, startup, stale, forming, link), for inspection and tests. */
  waiting(): Array<{ alert: string; why: Why; until: number }> {
    return [...this.pending.values()].map((p) => ({ alert: p.alert.id, why: p.why, until: p.until }));
  }

  handle(change: AlertChange, at: number): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    this.behindCache = new Map();
    if (change.type === 'alert.firing') this.onFiring(change.alert, at, out);
    else if (change.type === 'alert.resolved') this.onResolved(change, at, out);
    else this.onFlapping(change.alert, at, out);
    // Impact and priority of incidents that gained alerts are worked out on the next tick: a
    // storm of symptoms joining costs one assessment per incident per second, not one per alert.
    return out;
  }

  /**
   * The correlator's own broker link: while it is down nothing arrives, so nothing can be
   * judged; agents found lost just after it comes back (Wills a restarted broker publishes, a
   * fleet reconnecting) wait for the agents to announce themselves again.
   */
  link(up: boolean, at: number): void {
    if (!up) {
      this.linkDownAt ??= at;
      return;
    }
    if (this.linkDownAt === undefined) return;
    this.linkDownAt = undefined;
    this.linkUpAt = at;
    for (const p of this.pending.values()) if (p.why === 'link') p.until = at + this.linkGraceMs;
    this.deadline = null;
  }

  // ── indexes ──────────────────────────────────────────────────────────────────────────

  private index(alert: Alert): void {
    this.firing.set(alert.id, alert);
    add(this.byNode, alert.node, alert.id);
    if (effectOf(alert) === 'outage') add(this.outageByNode, alert.node, alert.id);
    if (alert.targetNode && alert.targetNode !== alert.node) add(this.byTarget, alert.targetNode, alert.id);
  }

  private unindex(alert: Alert): void {
    this.firing.delete(alert.id);
    remove(this.byNode, alert.node, alert.id);
    remove(this.outageByNode, alert.node, alert.id);
    if (alert.targetNode) remove(this.byTarget, alert.targetNode, alert.id);
  }

  // ── firing ────────────────────────────────────────────────────────────────────────────

  private onFiring(alert: Alert, at: number, out: IncidentDecision[]): void {
    if (alert.incident === false) return; // building block: recorded, feeds composites only
    if (alert.history) return; // from a replayed backlog: a condition that has passed
    const before = this.firing.get(alert.id);
    if (before) this.unindex(before);
    this.index(alert);
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

  private isStale(alert: Alert, at: number): boolean {
    return at - alert.triggerTs > this.staleMs && !(alert.lastTs !== undefined && at - alert.lastTs <= this.staleMs);
  }

  /**
   * Decides where a firing alert belongs; `canWait` false once its settling window is over;
   * `heldSince` when it first started waiting (bounds how long it may be held).
   */
  private place(alert: Alert, at: number, canWait: boolean, out: IncidentDecision[], heldSince = at): void {
    const silence = this.silencing(alert, at);
    if (silence) {
      this.hold(alert, silence.id, 'silenced', out);
      return;
    }
    // Old data first: a condition from a replayed backlog must not join a live incident.
    if (this.isStale(alert, at)) {
      this.wait(alert, Infinity, 'stale', heldSince);
      return;
    }
    const node = alert.node;
    const effect = effectOf(alert);
    const ownIncident = this.incidentOfNode.get(node);
    if (ownIncident !== undefined && this.open.has(ownIncident)) {
      const incident = this.open.get(ownIncident) as Incident;
      this.join(incident, alert, incident.root === node || this.isMemberOf(node, incident.root) ? 'root' : 'symptom', at, out);
      return;
    }
    if (alert.kind === 'offline' && this.linkRecovering(at)) {
      this.wait(alert, (this.linkDownAt !== undefined ? Infinity : this.linkUpAt + this.linkGraceMs), 'link', heldSince);
      return;
    }
    const roots = this.rootsOf(alert);
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
      let until = at + this.settleMs;
      for (const r of roots) for (const u of this.pendingUntil(r)) until = Math.max(until, u);
      this.wait(alert, until, 'settling', heldSince);
      return;
    }
    if (effect === 'outage') {
      const pair = this.pairIncident(node);
      if (pair) {
        this.joinPair(pair.incident, pair.group, alert, at, out);
        return;
      }
    }
    if (at < this.startedAt + this.settleMs) {
      this.wait(alert, this.startedAt + this.settleMs, 'startup', heldSince);
      return;
    }
    if (alert.kind === 'offline') {
      const path = this.incidentOfNode.get(MONITORING_PATH);
      const incident = path !== undefined ? this.open.get(path) : undefined;
      if (incident && Math.abs(alert.firedAt - incident.openedAt) <= this.pathWindowMs + this.settleMs + this.holdMs) {
        this.join(incident, alert, 'symptom', at, out);
        return;
      }
    }
    if (effect === 'local') {
      this.openIncident(alert, at, out);
      return;
    }
    const taken = effect === 'outage' ? this.descendantIncidents(node) : [];
    if (taken.length > 0) {
      this.takeOver(taken, alert, at, out);
      return;
    }
    // The monitoring path is upstream of every agent: in a fleet large enough for it to be
    // told apart, an agent lost may be one of many.
    const couldBeSymptom = this.topology.ancestors(node).size > 0 || (alert.targetNode !== undefined && alert.targetNode !== node) || (alert.kind === 'offline' && this.fleetSize() >= this.pathMin);
    if (canWait && couldBeSymptom) {
      this.wait(alert, at + this.settleMs, 'settling', at);
      return;
    }
    if (effect === 'outage' && couldBeSymptom) {
      const path = alert.kind === 'offline' ? this.monitoringPath(alert, at) : undefined;
      const suspect = path ?? this.suspect(alert);
      if (suspect) {
        const incident = this.openSuspected(suspect, alert, at, out);
        this.join(incident, alert, 'symptom', at, out);
        this.pullIn(incident, at, out);
        this.settleOpened(incident, at);
        return;
      }
      const bound = heldSince + this.settleMs + this.holdMs;
      if (at < bound && this.forming(alert)) {
        this.wait(alert, Math.min(bound, at + 1000), 'forming', heldSince);
        return;
      }
    }
    this.openIncident(alert, at, out, heldSince < at ? this.standsAlone(alert) : undefined);
  }

  private linkRecovering(at: number): boolean {
    return this.linkDownAt !== undefined || at < this.linkUpAt + this.linkGraceMs;
  }

  private wait(alert: Alert, until: number, why: Why, heldSince: number): void {
    this.deadline = null;
    this.pending.set(alert.id, { alert, until, why, heldSince });
    add(this.pendingByNode, alert.node, alert.id);
  }

  private unwait(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.deadline = null;
    this.pending.delete(id);
    remove(this.pendingByNode, p.alert.node, id);
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

  /** Down for what depends on it: an outage alert fires on the node, or it is a suspected root. */
  private readonly down = (node: string): boolean => (this.outageByNode.get(node)?.size ?? 0) > 0 || this.suspects.has(node);

  /** Whether some outage alert fires on a node (reported, not inferred). */
  private readonly outage = (node: string): boolean => (this.outageByNode.get(node)?.size ?? 0) > 0;

  /** Whether a degraded (or worse) alert fires on a node. */
  private degraded(node: string): boolean {
    for (const id of this.byNode.get(node) ?? []) if (effectOf(this.firing.get(id) ?? {}) !== 'local') return true;
    return false;
  }

  /**
   * Most upstream down ancestors of a node: not beyond a redundant node still standing, so a
   * failed primary database does not explain what its standby keeps serving.
   */
  private failingRoots(node: string): string[] {
    const ancestors = this.topology.liveAncestors(node, this.down);
    if (ancestors.size === 0) return [];
    const out: string[] = [];
    for (const f of ancestors) {
      if (!this.down(f)) continue;
      let upstream = false;
      for (const g of this.topology.liveAncestors(f, this.down)) if (this.down(g)) upstream = true;
      if (!upstream) out.push(f);
    }
    return out.sort();
  }

  /**
   * What an alert could be a symptom of: a down ancestor; the target its check names, when
   * that is down; for a degradation, also a degraded ancestor or target. A local alert is about
   * its node alone.
   */
  private rootsOf(alert: Alert): string[] {
    const effect = effectOf(alert);
    if (effect === 'local') return [];
    const roots = this.failingRoots(alert.node);
    const target = alert.targetNode;
    if (target && target !== alert.node && this.down(target)) {
      const above = this.failingRoots(target);
      roots.push(...(above.length > 0 ? above : [target]));
    }
    if (roots.length > 0 || effect !== 'degraded') return roots;
    const slow: string[] = [];
    for (const a of this.topology.liveAncestors(alert.node, this.down)) if (this.degraded(a)) slow.push(a);
    if (target && target !== alert.node && this.degraded(target)) slow.push(target);
    return slow.filter((s) => ![...this.topology.ancestors(s)].some((u) => slow.includes(u))).sort();
  }

  /** Open incidents whose root is downstream of a node: a late root alert takes them over. */
  private descendantIncidents(node: string): Incident[] {
    const below = this.topology.liveDescendants(node, this.down);
    const targeting = this.byTarget.get(node);
    if (below.size === 0 && !targeting) return [];
    const fromChecks = new Set<number>();
    for (const id of targeting ?? []) {
      const inc = this.incidentOfAlert.get(id);
      if (inc !== undefined) fromChecks.add(inc);
    }
    return [...this.open.values()].filter((i) => i.root !== MONITORING_PATH && (below.has(i.root) || fromChecks.has(i.id))).sort((a, b) => a.id - b.id);
  }

  // ── redundant pairs ──────────────────────────────────────────────────────────────────

  /** Whether `node` is a member of the redundant node `group`. */
  private isMemberOf(node: string, group: string): boolean {
    const g = this.topology.node(group);
    return g?.redundant === true && g.dependsOn.includes(node);
  }

  /** Redundant nodes this node is a member of that are down now (every member failing). */
  private downPairs(node: string): string[] {
    // Only members lost on their own count: a member down because something upstream of it is
    // down is that node's symptom, not a second failure of the pair.
    return this.topology.dependants(node).filter((g) => {
      const group = this.topology.node(g);
      if (!group?.redundant) return false;
      return group.dependsOn.every((m) => m === node || (this.outage(m) && this.failingRoots(m).length === 0));
    });
  }

  /** The open incident of a pair that is down now, on the pair itself or on another member. */
  private pairIncident(node: string): { incident: Incident; group: string } | undefined {
    for (const group of this.downPairs(node)) {
      for (const n of [group, ...(this.topology.node(group)?.dependsOn ?? [])]) {
        const id = this.incidentOfNode.get(n);
        const incident = id !== undefined ? this.open.get(id) : undefined;
        if (incident && (incident.root === group || incident.root === n)) return { incident, group };
      }
    }
    return undefined;
  }

  /** Every member of a pair failed: the incident of the first is now the pair's. */
  private joinPair(incident: Incident, group: string, alert: Alert, at: number, out: IncidentDecision[]): void {
    if (incident.root !== group) {
      const previous = incident.root;
      const g = this.topology.node(group);
      incident.root = group;
      incident.title = `${g?.name ?? group}: every member failed (${g?.dependsOn.join(', ') ?? ''})`;
      this.incidentOfNode.set(group, incident.id);
      note(incident, { at, alert: alert.id, event: 'root-changed', reason: 'pair-down', detail: `${alert.title}: ${previous} and now ${alert.node} failed; ${g?.name ?? group} has no member left` });
      this.join(incident, alert, 'root', at, out, true);
      out.push({ type: 'incident.updated', incident, reason: `root cause is ${group}: every member failed`, change: 'root-changed', alert: alert.id });
      this.pullIn(incident, at, out);
      return;
    }
    this.join(incident, alert, 'root', at, out);
  }

  // ── inference ────────────────────────────────────────────────────────────────────────

  private facts = {
    failing: (n: string) => this.outage(n),
    failedAt: (n: string) => {
      let first: number | undefined;
      for (const id of this.outageByNode.get(n) ?? []) {
        const a = this.firing.get(id);
        if (a && (first === undefined || a.firedAt < first)) first = a.firedAt;
      }
      return first;
    },
    lastSeen: (n: string) => this.lastSeen(n),
    explainedElsewhere: (n: string, upstream: string) => {
      const within = this.topology.descendants(upstream);
      return this.failingRoots(n).some((r) => r !== upstream && !within.has(r) && !this.topology.ancestors(upstream).has(r));
    },
  };

  private behind(node: string): Behind {
    let b = this.behindCache.get(node);
    if (!b) {
      b = behind(this.topology, node, this.down, this.facts);
      this.behindCache.set(node, b);
    }
    return b;
  }

  /** Machines whose checks of a target fail with an outage alert. */
  private checkersOf(target: string): Behind {
    const b = noneBehind();
    const nodes = new Set<string>();
    for (const id of this.byTarget.get(target) ?? []) {
      const a = this.firing.get(id);
      if (!a || effectOf(a) !== 'outage' || nodes.has(a.node)) continue;
      nodes.add(a.node);
      b.firstFailure = Math.min(b.firstFailure, a.firedAt);
      b.lastFailure = Math.max(b.lastFailure, a.firedAt);
    }
    b.observed = b.failing = nodes.size;
    return b;
  }

  /** Failing nodes a node explains by itself: it and the failing nodes behind it. */
  private ownFailures(node: string): number {
    return 1 + (this.topology.dependants(node).length > 0 ? this.behind(node).failing : 0);
  }

  /** A node that speaks for itself after the alert fired, with nothing failing on it, is up. */
  private provenUp(node: string, since: number): boolean {
    const heard = this.heard(node);
    return heard !== undefined && heard > since && !this.outage(node);
  }

  private suspectable(node: string, alert: Alert, at: number): boolean {
    // A redundant node is down only when its members are: suspect the members, never the pair.
    if (this.topology.node(node)?.redundant) return false;
    // A released suspect is up, and so is every node its traffic came through.
    for (const [r, when] of this.released) if (at - when < RELEASE_MS && (r === node || this.topology.ancestors(r).has(node))) return false;
    return !this.outage(node) && !this.provenUp(node, alert.firedAt);
  }

  /** The upstream node (or check target) most likely behind this alert, if enough points at it. */
  private suspect(alert: Alert): Candidate | undefined {
    const at = alert.firedAt;
    const candidates: Candidate[] = [];
    // Failures the alert's own node explains (itself and what is behind it) do not point further
    // up: a reported core switch with everything behind it down is the root, not its uplink.
    const own = this.ownFailures(alert.node);
    for (const a of this.topology.liveAncestors(alert.node, this.down)) {
      if (!this.suspectable(a, alert, at)) continue;
      const b = this.behind(a);
      if (b.failing - own >= 1 && enough(b, this.inference)) candidates.push({ node: a, behind: b, via: 'topology', depth: this.topology.ancestors(a).size });
    }
    const target = alert.targetNode;
    if (target && target !== alert.node && this.suspectable(target, alert, at)) {
      const b = this.checkersOf(target);
      if (b.failing >= this.inference.min) candidates.push({ node: target, behind: b, via: 'target' });
    }
    return bestSuspect(candidates);
  }

  /**
   * Whether an upstream cause may still be forming: behind a switch, the failing nodes and those
   * not heard from since this alert fired (their silence may be the same failure) could still
   * make it a suspect; behind anything else, other failures already point half-way there; or
   * another machine's check of the same target fails.
   */
  private forming(alert: Alert): boolean {
    const own = this.ownFailures(alert.node);
    const { min, share } = this.inference;
    for (const a of this.topology.liveAncestors(alert.node, this.down)) {
      if (!this.suspectable(a, alert, alert.firedAt)) continue;
      const b = this.behind(a);
      if (b.observed === 0) continue;
      if (NETWORK.has(this.topology.node(a)?.kind ?? 'other')) {
        // A neighbour's silence is what a dead switch looks like, until it speaks again.
        const possible = b.failing + unheardSince(b, alert.firedAt);
        if (possible - own >= 1 && possible >= min && possible / b.observed >= share) return true;
      } else if (b.failing - own >= 1 && b.failing / b.observed >= share / 2) return true;
    }
    const target = alert.targetNode;
    if (target && target !== alert.node && this.suspectable(target, alert, alert.firedAt) && this.checkersOf(target).failing >= 2) return true;
    return false;
  }

  /** Why an alert that was held opens on its own, for its first evidence line. */
  private standsAlone(alert: Alert): string {
    const ancestors = [...this.topology.liveAncestors(alert.node, this.down)];
    const released = ancestors.filter((a) => this.released.has(a));
    if (released.length > 0) return `${released.join(', ')} proved up: this fails on its own`;
    if (ancestors.length === 0 && !alert.targetNode) return 'nothing upstream';
    const up = ancestors.filter((a) => this.provenUp(a, alert.firedAt));
    if (up.length > 0) return `${up.join(', ')} reported after this failed: it is up`;
    return `nothing behind ${ancestors.slice(0, 3).join(', ')}${ancestors.length > 3 ? ', …' : ''} failed with it within ${Math.round((this.settleMs + this.holdMs) / 1000)} s`;
  }

  /**
   * Many agents lost within seconds, all over the network (no one node has most of them behind
   * it): the path between agents and correlator failed (the broker, its network), not the hosts.
   */
  private monitoringPath(alert: Alert, at: number): Candidate | undefined {
    const open = this.incidentOfNode.get(MONITORING_PATH);
    const fleet = this.fleetSize();
    if (open === undefined && fleet <= 0) return undefined;
    const lost = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    for (const a of this.firing.values()) {
      if (a.kind !== 'offline' || Math.abs(a.firedAt - alert.firedAt) > this.pathWindowMs) continue;
      lost.add(a.node);
      first = Math.min(first, a.firedAt);
      last = Math.max(last, a.firedAt);
    }
    if (open === undefined && (lost.size < this.pathMin || lost.size / fleet < this.pathShare)) return undefined;
    // If one node has (nearly) all of them behind it, that node is the cause, not the path.
    const tops = new Map<string, number>();
    for (const n of lost) {
      const seen = new Set<string>();
      for (const a of [n, ...this.topology.ancestors(n)]) {
        if (this.topology.parents(a).length > 0 || seen.has(a)) continue;
        seen.add(a);
        tops.set(a, (tops.get(a) ?? 0) + 1);
      }
    }
    for (const count of tops.values()) if (count >= 0.9 * lost.size) return undefined;
    return { node: MONITORING_PATH, via: 'topology', behind: { ...noneBehind(), observed: Math.max(fleet, lost.size), failing: lost.size, firstFailure: first, lastFailure: last } };
  }

  private openSuspected(c: Candidate, trigger: Alert, at: number, out: IncidentDecision[]): Incident {
    const existing = this.incidentOfNode.get(c.node);
    if (existing !== undefined && this.open.has(existing)) return this.open.get(existing) as Incident;
    const node = c.node === MONITORING_PATH ? this.topology.ensure(MONITORING_PATH, { site: trigger.site }) : this.topology.node(c.node);
    const name = node?.name ? `${node.name} (${c.node})` : c.node;
    const detail =
      c.node === MONITORING_PATH
        ? `${c.behind.failing} of ${c.behind.observed} agents lost within ${seconds(c.behind.lastFailure - c.behind.firstFailure)} all over the network: the broker or the network between agents and correlator, not the hosts`
        : suspicionDetail(c);
    const title = c.node === MONITORING_PATH ? `Monitoring path: ${c.behind.failing} agents lost at once` : c.via === 'target' ? `${name} suspected failing (its checks fail from ${c.behind.failing} machines)` : `${name} suspected down (${c.behind.failing} of ${c.behind.observed} behind it lost)`;
    const incident: Incident = {
      id: this.nextId++,
      state: 'open',
      root: c.node,
      site: node?.site ?? trigger.site,
      title,
      priority: 'P4',
      priorityReason: 'P4: suspected root',
      alerts: [],
      evidence: [{ at, alert: c.node, event: 'suspected', reason: c.node === MONITORING_PATH ? 'monitoring-path' : c.via === 'target' ? 'check-target' : 'inferred-root', detail }],
      openedAt: at,
      updatedAt: at,
      runbooks: [],
      suspected: true,
      effect: 'outage',
      ...(trigger.labels.drill ? { drill: trigger.labels.drill } : {}),
    };
    this.open.set(incident.id, incident);
    this.incidentOfNode.set(c.node, incident.id);
    this.suspects.set(c.node, incident.id);
    this.behindCache = new Map();
    this.deadline = null;
    // The alert that tipped it is its first symptom; everything else waiting below follows.
    incident.alerts.push(entry(trigger, 'symptom'));
    this.incidentOfAlert.set(trigger.id, incident.id);
    this.incidentOfNode.set(trigger.node, incident.id);
    note(incident, { at, alert: trigger.id, event: 'joined', reason: 'upstream-failing', detail: this.symptomDetail(trigger, incident) });
    this.settlePriority(incident, at);
    out.push({ type: 'incident.opened', incident, reason: `suspected root ${c.node}: ${detail}` });
    if (c.node === MONITORING_PATH) {
      for (const [id, p] of [...this.pending]) {
        if (p.alert.kind !== 'offline' || p.why === 'stale' || p.why === 'link' || Math.abs(p.alert.firedAt - trigger.firedAt) > this.pathWindowMs) continue;
        this.unwait(id);
        this.join(incident, p.alert, 'symptom', at, out, true);
      }
      return incident;
    }
    // Incidents already open below it (an independent failure paged before the cause formed)
    // fold in, as a late root would take them over.
    const below = this.descendantIncidents(c.node).filter((i) => i !== incident);
    if (below.length > 0) this.merge(incident, below, c.node, at, out);
    return incident;
  }

  /** A suspect that speaks for itself is up: its incident ends and its symptoms stand alone. */
  private releaseProven(at: number, out: IncidentDecision[]): void {
    for (const [node, id] of [...this.suspects]) {
      const incident = this.open.get(id);
      if (!incident) {
        this.suspects.delete(node);
        continue;
      }
      const heard = this.heard(node);
      if (!(heard !== undefined && heard > incident.openedAt && !this.outage(node))) continue;
      this.suspects.delete(node);
      this.released.set(node, at);
      const remaining = incident.alerts.filter((a) => a.state === 'firing').map((a) => this.firing.get(a.id)).filter((a): a is Alert => a !== undefined);
      note(incident, { at, alert: node, event: 'released', reason: 'released', detail: `${node} reported after the failures: it is up; ${remaining.length} alert(s) stand on their own` });
      this.resolve(incident, at, `suspected root ${node} released: it reported after the failures`, out);
      this.behindCache = new Map();
      for (const a of remaining) this.place(a, at, false, out, -Infinity);
    }
    for (const [node, when] of [...this.released]) if (at - when >= RELEASE_MS) this.released.delete(node);
  }

  // ── opening and joining ──────────────────────────────────────────────────────────────

  private openIncident(alert: Alert, at: number, out: IncidentDecision[], why?: string): void {
    const pairs = effectOf(alert) === 'outage' ? this.downPairs(alert.node) : [];
    const root = pairs[0] ?? alert.node;
    const incident: Incident = {
      id: this.nextId++,
      state: 'open',
      root,
      site: alert.site,
      title: root === alert.node ? alert.title : `${this.topology.node(root)?.name ?? root}: every member failed`,
      priority: alert.priority,
      priorityReason: `${alert.priority}: rule ${alert.rule} sets ${alert.priority}`,
      alerts: [entry(alert, 'root')],
      evidence: [{ at, alert: alert.id, event: 'fired', reason: 'root-alert', detail: `${alert.title} (${alert.reason})${why ? `; ${why}` : ''}` }],
      openedAt: at,
      updatedAt: at,
      runbooks: alert.runbook ? [alert.runbook] : [],
      effect: effectOf(alert),
      ...(alert.labels.drill ? { drill: alert.labels.drill } : {}),
      ...(alert.flapping ? { flapping: true } : {}),
    };
    this.open.set(incident.id, incident);
    this.incidentOfAlert.set(alert.id, incident.id);
    this.incidentOfNode.set(alert.node, incident.id);
    if (root !== alert.node) this.incidentOfNode.set(root, incident.id);
    this.settlePriority(incident, at);
    // Another member of a redundant pair failing may end a degraded redundancy elsewhere: the
    // incidents on its fellow members are assessed again at the next tick (priority only rises).
    const below = this.topology.redundantBelow(incident.root);
    if (below.length > 0) {
      for (const other of this.open.values()) if (other !== incident && this.topology.redundantBelow(other.root).some((r) => below.includes(r))) this.dirty.add(other.id);
    }
    out.push({ type: 'incident.opened', incident, reason: `alert ${alert.rule} on ${alert.node}` });
    if (effectOf(alert) !== 'local') {
      this.pullIn(incident, at, out);
      this.settleOpened(incident, at);
    }
  }

  /**
   * An incident that took in alerts held for it as it opened: its priority now, not at the next
   * tick, so the ticket and the first page carry the priority of what is already known.
   */
  private settleOpened(incident: Incident, at: number): void {
    if (incident.alerts.length <= 1) return;
    const before = incident.priority;
    const reason = incident.priorityReason;
    this.settlePriority(incident, at);
    if (incident.priority > before) {
      incident.priority = before;
      incident.priorityReason = reason;
    }
  }

  /** Alerts waiting downstream of a newly placed root (or checking it) join it now, not at their window's end. */
  private pullIn(incident: Incident, at: number, out: IncidentDecision[]): void {
    if (this.pending.size === 0) return;
    const root = incident.root;
    const below = this.topology.liveDescendants(root, this.down);
    const nodes = below.size + 1 < this.pendingByNode.size ? [root, ...below] : [...this.pendingByNode.keys()].filter((n) => n === root || below.has(n));
    const rootDown = incident.effect !== 'degraded' && incident.effect !== 'local';
    for (const node of nodes) {
      for (const id of [...(this.pendingByNode.get(node) ?? [])]) {
        const p = this.pending.get(id);
        if (!p || p.why === 'stale' || p.why === 'link') continue;
        const e = effectOf(p.alert);
        if (node !== root && (e === 'local' || (!rootDown && e === 'outage'))) continue;
        this.unwait(id);
        this.join(incident, p.alert, node === root || this.isMemberOf(node, root) ? 'root' : 'symptom', at, out);
      }
    }
    for (const id of [...(this.byTarget.get(root) ?? [])]) {
      const p = this.pending.get(id);
      if (!p || p.why === 'stale' || p.why === 'link' || (!rootDown && effectOf(p.alert) === 'outage')) continue;
      this.unwait(id);
      this.join(incident, p.alert, 'symptom', at, out);
    }
  }

  private symptomDetail(alert: Alert, incident: Incident): string {
    if (incident.root === MONITORING_PATH) return `${alert.title}: lost with many others at once (the monitoring path)`;
    if (alert.targetNode === incident.root || (alert.targetNode && !this.topology.ancestors(alert.node).has(incident.root))) {
      return `${alert.title}: its check of ${alert.targetNode} fails${alert.errorClass ? ` (${alert.errorClass})` : ''}; ${incident.root} is ${incident.suspected ? 'suspected' : 'failing'}`;
    }
    const path = this.topology.path(alert.node, incident.root);
    return `${alert.title}: depends on ${path.slice(1).join(' → ')}, which is ${incident.suspected ? 'suspected down' : 'failing'}`;
  }

  private join(incident: Incident, alert: Alert, role: IncidentAlert['role'], at: number, out: IncidentDecision[], quiet = false): void {
    const i = incident.alerts.findIndex((a) => a.id === alert.id);
    if (i >= 0) incident.alerts[i] = entry(alert, role);
    else incident.alerts.push(entry(alert, role));
    this.incidentOfAlert.set(alert.id, incident.id);
    this.incidentOfNode.set(alert.node, incident.id);
    this.deadline = null;
    this.resolving.delete(incident.id);
    if (role === 'root') this.rootCleared.delete(incident.id);
    note(
      incident,
      role === 'symptom'
        ? { at, alert: alert.id, event: 'joined', reason: alert.targetNode && alert.targetNode === incident.root ? 'check-target' : 'upstream-failing', detail: this.symptomDetail(alert, incident) }
        : { at, alert: alert.id, event: 'joined', reason: 'same-node', detail: `${alert.title}: on ${alert.node}, the root of this incident` },
    );
    if (role === 'root') {
      if (incident.suspected) this.confirm(incident, alert, at);
      if (incident.effect !== undefined && EFFECT_RANK[effectOf(alert)] < EFFECT_RANK[incident.effect]) incident.effect = effectOf(alert);
    }
    if (alert.runbook && role === 'root' && !incident.runbooks.includes(alert.runbook)) incident.runbooks.push(alert.runbook);
    if (alert.flapping) incident.flapping = true;
    incident.updatedAt = at;
    this.dirty.add(incident.id);
    if (!quiet) out.push({ type: 'incident.updated', incident, reason: `alert ${alert.rule} on ${alert.node} joined as ${role}`, change: 'alert-joined', alert: alert.id });
  }

  /** The suspected root's own alert arrived: the suspicion is confirmed. */
  private confirm(incident: Incident, alert: Alert, at: number): void {
    incident.suspected = false;
    this.suspects.delete(incident.root);
    incident.title = alert.title;
    note(incident, { at, alert: alert.id, event: 'confirmed', reason: 'confirmed', detail: `${alert.title}: confirms the suspected root ${incident.root}` });
  }

  /** A late root alert: the oldest incident below it becomes its incident; others merge in. */
  private takeOver(taken: Incident[], alert: Alert, at: number, out: IncidentDecision[]): void {
    const [main, ...rest] = taken as [Incident, ...Incident[]];
    const previous = main.root;
    for (const a of main.alerts) {
      a.role = 'symptom';
      if (a.reachability) a.reachability = 'unreachable';
    }
    if (main.suspected) {
      this.suspects.delete(previous);
      main.suspected = false;
    }
    main.root = alert.node;
    main.title = alert.title;
    main.effect = effectOf(alert);
    const how = this.topology.ancestors(previous).has(alert.node) ? `${previous} depends on ${this.topology.path(previous, alert.node).slice(1).join(' → ')}` : `checks of ${alert.node} fail`;
    note(main, { at, alert: alert.id, event: 'root-changed', reason: 'late-root', detail: `${alert.title}: ${how}; the root is ${alert.node}` });
    this.incidentOfNode.set(alert.node, main.id);
    this.merge(main, rest, alert.node, at, out);
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

  /** Folds incidents into `main`: their alerts become its symptoms, they resolve as merged. */
  private merge(main: Incident, others: Incident[], root: string, at: number, out: IncidentDecision[]): void {
    for (const other of others) {
      for (const a of other.alerts) {
        a.role = 'symptom';
        if (a.reachability) a.reachability = 'unreachable';
        main.alerts.push(a);
        if (a.state === 'firing') {
          this.incidentOfAlert.set(a.id, main.id);
          this.incidentOfNode.set(a.node, main.id);
        }
      }
      if (other.suspected) this.suspects.delete(other.root);
      note(main, { at, alert: root, event: 'merged', reason: 'merged', detail: `INC-${other.id} (${other.title}) has the same root ${root}` });
      other.state = 'resolved';
      other.resolvedAt = at;
      other.mergedInto = main.id;
      other.updatedAt = at;
      this.open.delete(other.id);
      this.deadline = null;
      this.resolving.delete(other.id);
      this.rootCleared.delete(other.id);
      this.dirty.add(main.id);
      out.push({ type: 'incident.resolved', incident: other, reason: `merged into INC-${main.id}: same root ${root}` });
    }
  }

  // ── resolved and flapping ─────────────────────────────────────────────────────────────

  private onResolved(change: AlertChange, at: number, out: IncidentDecision[]): void {
    const alert = change.alert;
    const known = this.firing.get(alert.id);
    if (known) this.unindex(known);
    else this.unindex(alert);
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
    // A suspected root has no alert of its own to clear; a monitoring-path incident neither.
    if (!incident.suspected && !firing.some((a) => a.role === 'root')) {
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
    if (this.suspects.get(incident.root) === incident.id) this.suspects.delete(incident.root);
    out.push({ type: 'incident.resolved', incident, reason });
  }

  // ── timers ─────────────────────────────────────────────────────────────────────────────

  /** Windows that ended: waiting alerts are placed, held incidents resolve, silences end. */
  tick(at: number, fresh: (alertId: string) => number | undefined): IncidentDecision[] {
    const out: IncidentDecision[] = [];
    this.deadline = null;
    this.behindCache = new Map();
    this.releaseEnded(at, out);
    if (this.suspects.size > 0 || this.released.size > 0) this.releaseProven(at, out);
    // Upstream first, so a root opens before the alerts that depend on it are placed.
    const due = [...this.pending.values()]
      .filter((p) => p.until <= at || (p.why === 'stale' && at - (fresh(p.alert.id) ?? -Infinity) <= this.staleMs))
      .sort((a, b) => this.topology.ancestors(a.alert.node).size - this.topology.ancestors(b.alert.node).size || a.alert.id.localeCompare(b.alert.id));
    for (const p of due) {
      if (!this.pending.has(p.alert.id)) continue; // pulled in by a root placed just before
      this.unwait(p.alert.id);
      if (p.why === 'stale') p.alert.triggerTs = fresh(p.alert.id) ?? p.alert.triggerTs;
      this.place(p.alert, at, false, out, p.why === 'stale' || p.why === 'startup' ? at - this.settleMs : p.heldSince);
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
    for (const a of remaining) this.place(a, at, false, out, -Infinity);
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
    for (const [id, h] of released) if (!this.owns(id) && this.firing.has(id)) this.place(h.alert, at, false, out, -Infinity);
  }

  // ── priority ───────────────────────────────────────────────────────────────────────────

  private settlePriority(incident: Incident, at: number): void {
    const failing = new Set(incident.alerts.filter((a) => a.state === 'firing').map((a) => a.node));
    const floors = incident.alerts
      .filter((a) => a.role === 'root')
      .map((a) => ({ priority: a.priority, rule: a.rule, ...(this.firing.get(a.id)?.maxPriority ? { maxPriority: this.firing.get(a.id)?.maxPriority } : {}) }));
    const result = assess(this.topology, incident.root, failing, floors, at, this.down, incident.effect ?? 'outage', incident.suspected === true);
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

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function remove(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

export type { Evidence };
