// What the correlator knows about each agent: online or not, in which session, its labels
// and inventory, and when it was last heard from. Pure data plus the rules for births and
// wills: a Will from an older session never marks a newer session offline.

import type { Inventory, StateMessage } from '../../protocol/schema.js';
import type { Labels } from '../topology/selector.js';
import { ClockEstimate } from './clock.js';

export interface AgentRecord {
  id: string;
  site: string;
  online: boolean;
  session: number;
  labels: Labels;
  intervalMs: number;
  /** Arrival time of the last message (correlator clock). */
  lastSeenAt: number;
  /** Content time of the last data message (agent clock). */
  lastTs: number;
  /** Correlator clock minus the agent's clock, learnt from arrival times (clock.ts); kept across restarts. */
  clockOffsetMs?: number;
  /** Highest data sequence number seen: anything at or below it is a redelivery. */
  lastSeq: number;
  inventory?: Inventory;
  offlineReason?: 'last-will' | 'agent-shutdown' | 'agent-silent';
}

export function agentLabels(id: string, site: string, inventory: Inventory | undefined): Labels {
  return { ...(inventory?.labels ?? {}), agent: id, site, ...(inventory ? { role: inventory.role } : {}) };
}

export type StateOutcome = 'online' | 'offline' | 'retired' | 'ignored';

export class Fleet {
  readonly agents = new Map<string, AgentRecord>();
  /** Sequence high-water marks of agents not yet seen since a restart. */
  readonly seqFloor = new Map<string, number>();
  private readonly clocks = new Map<string, ClockEstimate>();

  constructor(private readonly defaultIntervalMs = 15_000) {}

  /** True when a data message was already processed (same or lower sequence number). */
  isDuplicate(id: string, seq: number): boolean {
    return seq <= (this.agents.get(id)?.lastSeq ?? this.seqFloor.get(id) ?? -1);
  }

  get(id: string): AgentRecord | undefined {
    return this.agents.get(id);
  }

  /** An agent timestamp on the correlator's clock. */
  static correct(agent: AgentRecord, ts: number): number {
    return ts + (agent.clockOffsetMs ?? 0);
  }

  /** A message the agent sent just now (not a Will, whose time is that of the connect). */
  private observeClock(agent: AgentRecord, at: number, ts: number): void {
    let clock = this.clocks.get(agent.id);
    if (!clock) this.clocks.set(agent.id, (clock = new ClockEstimate(agent.clockOffsetMs ?? 0)));
    agent.clockOffsetMs = clock.observe(at, ts);
  }

  /** A data message arrived: the agent is alive. Returns the record and whether it was offline. */
  touch(id: string, site: string, at: number, ts: number, seq: number, intervalS?: number): { agent: AgentRecord; wasOffline: boolean } {
    let agent = this.agents.get(id);
    if (!agent) {
      agent = { id, site, online: true, session: 0, labels: agentLabels(id, site, undefined), intervalMs: intervalS ? intervalS * 1000 : this.defaultIntervalMs, lastSeenAt: at, lastTs: ts, lastSeq: seq };
      this.agents.set(id, agent);
      this.observeClock(agent, at, ts);
      return { agent, wasOffline: false };
    }
    this.observeClock(agent, at, ts);
    if (seq > agent.lastSeq) agent.lastSeq = seq;
    const wasOffline = !agent.online;
    agent.online = true;
    delete agent.offlineReason;
    agent.lastSeenAt = at;
    // A clock far ahead must not raise the mark for good (it is how a reinstalled agent is told apart).
    if (ts > agent.lastTs) agent.lastTs = Math.min(ts, at + 300_000);
    if (intervalS) agent.intervalMs = intervalS * 1000;
    return { agent, wasOffline };
  }

  /** A birth or a will. */
  state(msg: StateMessage, at: number): { agent: AgentRecord; outcome: StateOutcome } {
    let agent = this.agents.get(msg.agent);
    if (!agent) {
      agent = {
        id: msg.agent,
        site: msg.site,
        online: msg.online,
        session: msg.session,
        labels: agentLabels(msg.agent, msg.site, msg.inventory),
        intervalMs: msg.inventory ? msg.inventory.interval_s * 1000 : this.defaultIntervalMs,
        lastSeenAt: at,
        lastTs: msg.ts,
        lastSeq: Math.max(msg.seq, this.seqFloor.get(msg.agent) ?? 0),
        ...(msg.inventory ? { inventory: msg.inventory } : {}),
      };
      this.agents.set(msg.agent, agent);
      if (msg.online) this.observeClock(agent, at, msg.ts);
      if (!msg.online) agent.offlineReason = msg.reason === 'shutdown' ? 'agent-shutdown' : 'last-will';
      return { agent, outcome: msg.online ? 'online' : 'offline' };
    }
    if (msg.online) {
      if (msg.session < agent.session) {
        // A newer birth with a lower session and sequence number is an agent that lost its
        // data directory (reinstalled, disk replaced): start counting again. An older one is
        // a birth arriving late, and changes nothing.
        if (msg.seq >= agent.lastSeq || msg.ts <= agent.lastTs) return { agent, outcome: 'ignored' };
        agent.lastSeq = msg.seq;
      }
      this.observeClock(agent, at, msg.ts);
      if (msg.ts > agent.lastTs) agent.lastTs = msg.ts;
      agent.session = msg.session;
      agent.site = msg.site;
      if (msg.inventory) {
        agent.inventory = msg.inventory;
        agent.intervalMs = msg.inventory.interval_s * 1000;
        agent.labels = agentLabels(agent.id, msg.site, msg.inventory);
      }
      agent.lastSeenAt = at;
      const wasOffline = !agent.online;
      agent.online = true;
      delete agent.offlineReason;
      return { agent, outcome: wasOffline ? 'online' : 'ignored' };
    }
    if (msg.reason === 'retired') {
      // Decommissioned (a replaced workstation, the simulated hosts of a drill): forget it,
      // keeping only its sequence mark so a late redelivery is still recognised.
      if (msg.session < agent.session) return { agent, outcome: 'ignored' };
      this.agents.delete(agent.id);
      this.clocks.delete(agent.id);
      this.seqFloor.set(agent.id, agent.lastSeq);
      return { agent, outcome: 'retired' };
    }
    // A will or shutdown only counts for the session it belongs to.
    if (msg.session < agent.session || !agent.online) return { agent, outcome: 'ignored' };
    agent.online = false;
    agent.offlineReason = msg.reason === 'shutdown' ? 'agent-shutdown' : 'last-will';
    return { agent, outcome: 'offline' };
  }

  /** Offline: its Will or shutdown arrived, or it has been silent for `after` of its own intervals. */
  static offline(agent: AgentRecord, after: number, at: number): AgentRecord['offlineReason'] | undefined {
    if (!agent.online) return agent.offlineReason ?? 'last-will';
    return at - agent.lastSeenAt > after * agent.intervalMs ? 'agent-silent' : undefined;
  }
}
