// The deterministic core: decoded messages and clock ticks in, decisions out. It reads no
// clock and does no I/O: `at` on every input is the arrival time the shell (live) or the
// recording (replay) supplies, so the same input always gives the same decisions.

import type { Message } from '../../protocol/schema.js';
import { Correlator, type CorrelatorOptions, type CorrelatorState, type IncidentDecision } from '../correlate/correlator.js';
import type { Incident } from '../correlate/incident.js';
import type { Silence } from '../correlate/silence.js';
import type { Alert, AlertChange } from '../evaluate/alert.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { eventsAsMetrics } from '../evaluate/events.js';
import { ExternalAlerts, type ExternalAlert } from '../evaluate/external.js';
import { Fleet, type AgentRecord } from '../evaluate/fleet.js';
import type { RuleSet } from '../rules/compile.js';
import { Topology } from '../topology/topology.js';

export type EngineInput =
  | { type: 'message'; message: Message; at: number }
  /** timersOnly: run the correlation timers but look for no new silence (the end of a replay). */
  | { type: 'tick'; at: number; timersOnly?: boolean }
  | { type: 'rules'; rules: RuleSet; at: number }
  | { type: 'topology'; topology: Topology; at: number }
  | { type: 'external'; alert: ExternalAlert; at: number }
  | { type: 'silence'; silence: Silence; at: number }
  | { type: 'unsilence'; id: string; by: string; at: number }
  /** The correlator's own broker link went down or came back. */
  | { type: 'link'; up: boolean; at: number };

export type AgentDecision = { type: 'agent.online' | 'agent.offline' | 'agent.retired'; agent: AgentRecord; at: number };
export type Decision = AlertChange | IncidentDecision | AgentDecision;

export interface EngineSnapshot {
  agents: AgentRecord[];
  /** Sequence high-water marks, including agents with no record yet. */
  sequences?: Map<string, number>;
  alerts: Alert[];
  incidents: CorrelatorState;
}

export interface EngineOptions extends CorrelatorOptions {
  defaultIntervalMs?: number;
  topology?: Topology;
}

export class Engine {
  private readonly evaluator: Evaluator;
  private readonly correlator: Correlator;
  private readonly external = new ExternalAlerts();
  private topo: Topology;
  private now = 0;
  private lastEvaluatorTick = -Infinity;
  /** Arrival of the latest message from each agent (heard), and of any data about each node (seen). */
  private readonly heard = new Map<string, number>();
  private readonly seen = new Map<string, number>();
  /** While the broker link is down nothing arrives: silence then proves nothing about agents. */
  private linkDownAt: number | undefined;
  /** Data messages dropped as redeliveries (same agent, sequence number already processed). */
  duplicates = 0;

  constructor(rules: RuleSet, opts: EngineOptions = {}, snapshot?: EngineSnapshot) {
    this.topo = opts.topology ?? Topology.empty();
    const fleet = new Fleet(opts.defaultIntervalMs ?? 15_000);
    for (const [agent, seq] of snapshot?.sequences ?? []) fleet.seqFloor.set(agent, seq);
    for (const a of snapshot?.agents ?? []) {
      fleet.agents.set(a.id, { ...a, lastSeq: Math.max(a.lastSeq ?? 0, fleet.seqFloor.get(a.id) ?? 0) });
      this.topo.ensure(a.id, { site: a.site, labels: a.labels, ...(a.inventory ? { role: a.inventory.role } : {}) });
    }
    this.evaluator = new Evaluator(rules, fleet, this.topo, { ...(opts.staleMs !== undefined ? { staleMs: opts.staleMs } : {}) });
    this.evaluator.restore((snapshot?.alerts ?? []).filter((a) => a.kind !== 'external'));
    this.external.restore(snapshot?.alerts ?? []);
    this.correlator = new Correlator(snapshot?.incidents, this.topo, {
      ...opts,
      heard: (n) => this.heard.get(n),
      lastSeen: (n) => this.seen.get(n),
      fleetSize: () => this.fleet.agents.size,
    });
    this.correlator.adopt(this.firingAlerts());
  }

  get fleet(): Fleet {
    return this.evaluator.fleet;
  }

  get rules(): RuleSet {
    return this.evaluator.ruleSet;
  }

  get topology(): Topology {
    return this.topo;
  }

  /** Incidents ever opened: each was a ticket and a first page. */
  incidentsOpened(): number {
    return this.correlator.opened;
  }

  openIncidents(): Incident[] {
    return [...this.correlator.open.values()];
  }

  firingAlerts(): Alert[] {
    return [...this.evaluator.firing(), ...this.external.firing.values()];
  }

  silences(): Silence[] {
    return [...this.correlator.silences.values()];
  }

  /** When the next correlation timer is due; the shell ticks then (see Correlator.nextDeadline). */
  nextDeadline(): number | undefined {
    return this.correlator.nextDeadline();
  }

  /** Alerts waiting to be placed (settling window, startup, stale data). */
  waiting() {
    return this.correlator.waiting();
  }

  handle(input: EngineInput): Decision[] {
    // Arrival times never go backwards inside the engine, even if the caller's clock does.
    this.now = Math.max(this.now, input.at);
    const at = this.now;
    const out: Decision[] = [];
    let changes: AlertChange[] = [];
    switch (input.type) {
      case 'tick':
        // Ticks also come at correlation deadlines; the evaluator's timers (silence, absence,
        // aggregates) need a look once a second at most.
        if (!input.timersOnly && this.linkDownAt === undefined && at - this.lastEvaluatorTick >= 1000) {
          this.lastEvaluatorTick = at;
          changes = this.evaluator.tick(at);
        }
        break;
      case 'rules':
        changes = this.evaluator.setRules(input.rules, at);
        break;
      case 'topology':
        this.setTopology(input.topology);
        break;
      case 'external':
        this.topo.ensure(input.alert.node, { site: input.alert.site });
        changes = this.external.handle(input.alert, at);
        break;
      case 'silence':
        out.push(...this.correlator.setSilence(input.silence, at));
        break;
      case 'unsilence':
        out.push(...this.correlator.expireSilence(input.id, input.by, at));
        break;
      case 'link':
        if (!input.up) this.linkDownAt ??= at;
        else if (this.linkDownAt !== undefined) {
          // Agents get their full silence allowance again from the moment data can flow (as
          // Zabbix stretches nodata after a proxy outage): the outage was ours, not theirs.
          for (const agent of this.fleet.agents.values()) agent.lastSeenAt = Math.max(agent.lastSeenAt, at);
          this.linkDownAt = undefined;
        }
        this.correlator.link(input.up, at);
        break;
      case 'message': {
        const m = input.message;
        if (m.kind !== 'state' && this.fleet.isDuplicate(m.agent, m.seq)) {
          this.duplicates++;
          return out;
        }
        if (m.kind === 'state') {
          const before = this.fleet.get(m.agent)?.online;
          if (m.inventory) this.topo.ensure(m.agent, { site: m.site, labels: m.inventory.labels ?? {}, role: m.inventory.role });
          changes = this.evaluator.onState(m, at);
          const after = this.fleet.get(m.agent);
          if (after && before !== after.online) out.push({ type: after.online ? 'agent.online' : 'agent.offline', agent: { ...after }, at });
          else if (!after && before !== undefined && m.reason === 'retired') {
            // Forgotten: nothing about it may count as a reporting node any more.
            this.heard.delete(m.agent);
            this.seen.delete(m.agent);
            out.push({ type: 'agent.retired', agent: { id: m.agent, site: m.site, online: false, session: m.session, labels: {}, intervalMs: 0, lastSeenAt: at, lastTs: m.ts, lastSeq: m.seq }, at });
          }
          if (m.online) {
            this.heard.set(m.agent, at);
            this.seen.set(m.agent, at);
          }
        } else {
          this.heard.set(m.agent, at);
          this.seen.set(m.agent, at);
          if (m.kind === 'events') for (const e of m.events) if (e.node && e.node !== m.agent) this.seen.set(e.node, at);
          if (!this.topo.node(m.agent)) this.topo.ensure(m.agent, { site: m.site });
          changes = this.evaluator.onMetrics(m.kind === 'metrics' ? m : eventsAsMetrics(m), at);
        }
        break;
      }
    }
    for (const change of changes) {
      out.push(change);
      // History (a backlog that was stale on arrival) is recorded, never correlated.
      if (!change.alert.history) out.push(...this.correlator.handle(change, at));
    }
    if (input.type === 'tick' || input.type === 'rules') out.push(...this.correlator.tick(at, (id) => this.alertLastTs(id)));
    if (input.type === 'rules') {
      // Alerts that fire without a place (restored after a restart that lost the step in
      // between) are correlated now.
      for (const alert of this.firingAlerts()) {
        if (alert.incident !== false && !this.correlator.owns(alert.id)) out.push(...this.correlator.handle({ type: 'alert.firing', alert, reason: 'restored' }, at));
      }
    }
    return out;
  }

  private alertLastTs(id: string): number | undefined {
    return this.evaluator.alert(id)?.lastTs;
  }

  private setTopology(topology: Topology): void {
    for (const agent of this.fleet.agents.values()) {
      topology.ensure(agent.id, { site: agent.site, labels: agent.labels, ...(agent.inventory ? { role: agent.inventory.role } : {}) });
    }
    this.topo = topology;
    this.evaluator.topology = topology;
    this.correlator.topology = topology;
  }

  snapshot(): EngineSnapshot {
    return {
      agents: [...this.fleet.agents.values()].map((a) => ({ ...a })),
      alerts: this.firingAlerts().map((a) => ({ ...a })),
      incidents: structuredClone(this.correlator.state()),
    };
  }
}
