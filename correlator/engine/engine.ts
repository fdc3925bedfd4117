// The deterministic core: decoded messages and clock ticks in, decisions out. It reads no
// clock and does no I/O: `at` on every input is the arrival time the shell (live) or the
// recording (replay) supplies, so the same input always gives the same decisions.

import type { Message } from '../../protocol/schema.js';
import type { Alert, AlertChange } from '../evaluate/alert.js';
import { Evaluator } from '../evaluate/evaluator.js';
import { eventsAsMetrics } from '../evaluate/events.js';
import { Fleet, type AgentRecord } from '../evaluate/fleet.js';
import { Correlator, type CorrelatorState, type IncidentDecision } from '../correlate/correlator.js';
import type { RuleSet } from '../rules/compile.js';
import { ExternalAlerts, type ExternalAlert } from '../evaluate/external.js';
import type { Silence } from '../correlate/silence.js';

export type EngineInput =
  | { type: 'message'; message: Message; at: number }
  | { type: 'tick'; at: number }
  | { type: 'rules'; rules: RuleSet; at: number }
  | { type: 'external'; alert: ExternalAlert; at: number }
  | { type: 'silence'; silence: Silence; at: number }
  | { type: 'unsilence'; id: string; by: string; at: number };

export type AgentDecision = { type: 'agent.online' | 'agent.offline'; agent: AgentRecord; at: number };
export type Decision = AlertChange | IncidentDecision | AgentDecision;

export interface EngineSnapshot {
  agents: AgentRecord[];
  /** Sequence high-water marks, including agents with no record yet. */
  sequences?: Map<string, number>;
  alerts: Alert[];
  incidents: CorrelatorState;
}

export interface EngineOptions {
  defaultIntervalMs?: number;
}

export class Engine {
  private readonly evaluator: Evaluator;
  private readonly correlator: Correlator;
  private readonly external = new ExternalAlerts();
  private now = 0;
  /** Data messages dropped as redeliveries (same agent, sequence number already processed). */
  duplicates = 0;

  constructor(rules: RuleSet, opts: EngineOptions = {}, snapshot?: EngineSnapshot) {
    const fleet = new Fleet(opts.defaultIntervalMs ?? 15_000);
    for (const [agent, seq] of snapshot?.sequences ?? []) fleet.seqFloor.set(agent, seq);
    for (const a of snapshot?.agents ?? []) fleet.agents.set(a.id, { ...a, lastSeq: Math.max(a.lastSeq ?? 0, fleet.seqFloor.get(a.id) ?? 0) });
    this.evaluator = new Evaluator(rules, fleet);
    this.evaluator.restore((snapshot?.alerts ?? []).filter((a) => a.kind !== 'external'));
    this.external.restore(snapshot?.alerts ?? []);
    this.correlator = new Correlator(snapshot?.incidents);
  }

  get fleet(): Fleet {
    return this.evaluator.fleet;
  }

  get rules(): RuleSet {
    return this.evaluator.ruleSet;
  }

  openIncidents() {
    return [...this.correlator.open.values()];
  }

  firingAlerts(): Alert[] {
    return [...this.evaluator.firing(), ...this.external.firing.values()];
  }

  silences(): Silence[] {
    return [...this.correlator.silences.values()];
  }

  handle(input: EngineInput): Decision[] {
    // Arrival times never go backwards inside the engine, even if the caller's clock does.
    this.now = Math.max(this.now, input.at);
    const at = this.now;
    let changes: AlertChange[];
    const out: Decision[] = [];
    switch (input.type) {
      case 'tick':
        out.push(...this.correlator.releaseEnded(at));
        changes = this.evaluator.checkOffline(at);
        break;
      case 'rules':
        changes = this.evaluator.setRules(input.rules, at);
        // Alerts that fire without an incident (restored after a restart that lost the step
        // in between) are correlated now.
        for (const alert of this.firingAlerts()) {
          if (!this.correlator.owns(alert.id)) out.push(...this.correlator.handle({ type: 'alert.firing', alert, reason: 'restored' }, at));
        }
        break;
      case 'external':
        changes = this.external.handle(input.alert, at);
        break;
      case 'silence':
        out.push(...this.correlator.setSilence(input.silence, at));
        changes = [];
        break;
      case 'unsilence':
        out.push(...this.correlator.expireSilence(input.id, input.by, at));
        changes = [];
        break;
      case 'message': {
        const m = input.message;
        if (m.kind !== 'state' && this.fleet.isDuplicate(m.agent, m.seq)) {
          this.duplicates++;
          return out;
        }
        if (m.kind === 'metrics') changes = this.evaluator.onMetrics(m, at);
        else if (m.kind === 'state') {
          const before = this.fleet.get(m.agent)?.online;
          changes = this.evaluator.onState(m, at);
          const after = this.fleet.get(m.agent);
          if (after && before !== after.online) out.push({ type: after.online ? 'agent.online' : 'agent.offline', agent: { ...after }, at });
        } else changes = this.evaluator.onMetrics(eventsAsMetrics(m), at);
        break;
      }
    }
    for (const change of changes) {
      out.push(change);
      out.push(...this.correlator.handle(change, at));
    }
    return out;
  }

  snapshot(): EngineSnapshot {
    return {
      agents: [...this.fleet.agents.values()].map((a) => ({ ...a })),
      alerts: this.firingAlerts().map((a) => ({ ...a })),
      incidents: structuredClone(this.correlator.state()),
    };
  }
}
