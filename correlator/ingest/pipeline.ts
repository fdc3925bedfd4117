// One message at a time through the correlator: decode and validate (bad input is counted,
// logged at a limited rate and dropped), the pure engine, one store commit, then the sinks
// (printer, notifiers). The returned promise settles after the commit, and the MQTT layer
// acknowledges the message only then, so a crash redelivers what was not yet stored.

import { RateLimiter, type Logger } from '../../common/log.js';
import { decode } from '../../protocol/decode.js';
import type { Message } from '../../protocol/schema.js';
import type { Decision, Engine } from '../engine/engine.js';
import type { AgentRecord } from '../evaluate/fleet.js';
import type { ExternalAlert } from '../evaluate/external.js';
import type { Silence } from '../correlate/silence.js';
import type { RuleSet } from '../rules/compile.js';
import type { Topology } from '../topology/topology.js';
import type { CorrelatorMetrics } from '../observe/metrics.js';
import { planTickets, type TicketOp } from '../ticket/ticket.js';

export interface SequenceMark {
  agent: string;
  seq: number;
}

export interface CommitBatch {
  decisions: readonly Decision[];
  tickets: readonly TicketOp[];
  sequences: readonly SequenceMark[];
}

export interface CommitResult {
  /** Tickets created by this commit (not ones that already existed). */
  opened: Array<{ ticketId: number; incidentId: number }>;
  /** Resolved tickets that a returning fault opened again (a new incident on an old ticket). */
  reopened?: Array<{ ticketId: number; incidentId: number }>;
  /** Every ticket this commit changed, by incident. */
  touched?: Array<{ ticketId: number; incidentId: number; op: TicketOp['op'] }>;
  /** Acknowledgements carried over from a merged ticket to the one it folded into. */
  carried?: Array<{ ticketId: number; actor: string; detail: string }>;
}

/** Where a step's batch goes: the store, which the pipeline only knows by this. */
export interface Committer {
  readonly kind: string;
  commit(batch: CommitBatch): Promise<CommitResult>;
}

export interface DecisionSink {
  readonly name: string;
  deliver(decisions: readonly Decision[], result: CommitResult): void | Promise<void>;
}

/**
 * Receives every accepted message (valid, not a redelivery), after the engine has seen it, with
 * what the correlator knows about its agent (labels, inventory): the time-series writer is one.
 * It must not block: buffer and return.
 */
export interface MessageSink {
  readonly name: string;
  accept(message: Message, agent: AgentRecord | undefined, at: number): void;
}

export interface PipelineOptions {
  engine: Engine;
  store: Committer;
  sinks: DecisionSink[];
  messageSinks?: MessageSink[];
  metrics: CorrelatorMetrics;
  log: Logger;
  clock?: () => number;
  /** Called with every raw input before it is processed (the recorder for replay). */
  onInput?: (topic: string, payload: Uint8Array, at: number) => void;
  /** Called after each step with the engine's next deadline, so the shell can tick exactly then. */
  onDeadline?: (at: number) => void;
  /** Called with silences set or ended, so a recording replays them too. */
  onControl?: (line: { at: number; silence: Silence } | { at: number; unsilence: { id: string; by: string } } | { at: number; link: 'up' | 'down' }) => void;
  /** How long a decision sink may take before ingest moves on without it (default 5 s). */
  sinkTimeoutMs?: number;
  /** Agents tracked at most; a message from one more is rejected, so memory stays bounded. */
  maxAgents?: number;
}

export class Pipeline {
  private queue: Promise<void> = Promise.resolve();
  private readonly pendingMarks = new Map<string, number>();
  private readonly limiter = new RateLimiter(10_000);
  private readonly clock: () => number;
  private stopped = false;

  constructor(private readonly opts: PipelineOptions) {
    this.clock = opts.clock ?? Date.now;
    this.updateGauges();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  message(topic: string, payload: Uint8Array): Promise<void> {
    return this.enqueue(() => this.process(topic, payload, this.clock()));
  }

  tick(): Promise<void> {
    return this.enqueue(async () => {
      const at = this.clock();
      await this.apply(this.opts.engine.handle({ type: 'tick', at }), []);
    });
  }

  setTopology(topology: Topology): Promise<void> {
    return this.enqueue(async () => {
      await this.apply(this.opts.engine.handle({ type: 'topology', topology, at: this.clock() }), []);
    });
  }

  setRules(rules: RuleSet): Promise<void> {
    return this.enqueue(async () => {
      const at = this.clock();
      await this.apply(this.opts.engine.handle({ type: 'rules', rules, at }), []);
      this.opts.metrics.rulesLoaded.set(rules.rules.length);
    });
  }

  /** An alert from other monitoring (Alertmanager, Zabbix, a webhook), through the same correlation. */
  external(alert: ExternalAlert): Promise<void> {
    return this.enqueue(async () => {
      await this.apply(this.opts.engine.handle({ type: 'external', alert, at: this.clock() }), []);
    });
  }

  /** Creates or updates a silence (maintenance window); stored with the decisions. */
  silence(silence: Silence): Promise<void> {
    return this.enqueue(async () => {
      const at = this.clock();
      this.opts.onControl?.({ at, silence });
      await this.apply(this.opts.engine.handle({ type: 'silence', silence, at }), []);
    });
  }

  /** Ends a silence now; alerts it held that still fire open incidents. */
  unsilence(id: string, by: string): Promise<void> {
    return this.enqueue(async () => {
      const at = this.clock();
      this.opts.onControl?.({ at, unsilence: { id, by } });
      await this.apply(this.opts.engine.handle({ type: 'unsilence', id, by, at }), []);
    });
  }

  /**
   * The correlator's own broker link went down or came back: the engine judges no silence while
   * it is down and lets agents re-announce after it (recorded, so a replay sees the same).
   */
  link(up: boolean): Promise<void> {
    return this.enqueue(async () => {
      const at = this.clock();
      this.opts.onControl?.({ at, link: up ? 'up' : 'down' });
      await this.apply(this.opts.engine.handle({ type: 'link', up, at }), []);
    });
  }

  /** Persists sequence numbers of messages that changed nothing (batched to save fsyncs). */
  flushMarks(): Promise<void> {
    return this.enqueue(async () => {
      if (this.pendingMarks.size === 0) return;
      await this.commit({ decisions: [], tickets: [], sequences: this.takeMarks() });
    });
  }

  /** Waits for everything queued so far. */
  drain(): Promise<void> {
    return this.enqueue(async () => {});
  }

  stop(): void {
    this.stopped = true;
  }

  private reject(reason: string, topic: string, detail: string): void {
    this.opts.metrics.messagesInvalid.inc({ reason });
    const suppressed = this.limiter.allow(`invalid:${reason}`);
    if (suppressed >= 0) this.opts.log.warn('message rejected', { reason, topic: topic.slice(0, 120), detail, ...(suppressed ? { suppressed } : {}) });
  }

  private takeMarks(): SequenceMark[] {
    const marks = [...this.pendingMarks].map(([agent, seq]) => ({ agent, seq }));
    this.pendingMarks.clear();
    return marks;
  }

  private async process(topic: string, payload: Uint8Array, at: number): Promise<void> {
    const { metrics, log, engine } = this.opts;
    this.opts.onInput?.(topic, payload, at);
    const decoded = decode(topic, payload);
    if (!decoded.ok) return this.reject(decoded.code, topic, decoded.detail);
    const message = decoded.message;
    const max = this.opts.maxAgents;
    if (max !== undefined && engine.fleet.agents.size >= max && !engine.fleet.get(message.agent)) {
      return this.reject('fleet-full', topic, `agent ${message.agent} would be one more than max_agents (${max})`);
    }
    metrics.messagesReceived.inc({ kind: message.kind });
    if (message.kind === 'metrics') metrics.samplesReceived.inc(message.samples.length);
    const duplicatesBefore = engine.duplicates;
    const end = metrics.evaluationSeconds.startTimer();
    const decisions = engine.handle({ type: 'message', message, at });
    end();
    if (engine.duplicates > duplicatesBefore) {
      metrics.messagesDuplicate.inc();
      return;
    }
    for (const sink of this.opts.messageSinks ?? []) {
      try {
        sink.accept(message, engine.fleet.get(message.agent), at);
      } catch (err) {
        metrics.sinkFailures.inc({ sink: sink.name });
        if (this.limiter.allow(`sink:${sink.name}`) >= 0) log.error('message sink failed', { sink: sink.name, error: (err as Error).message });
      }
    }
    const mark = message.kind === 'state' ? [] : [{ agent: message.agent, seq: message.seq }];
    if (decisions.length === 0) {
      for (const m of mark) this.pendingMarks.set(m.agent, m.seq);
      return;
    }
    this.pendingMarks.delete(message.agent);
    await this.apply(decisions, mark);
  }

  private async apply(decisions: Decision[], sequences: SequenceMark[]): Promise<void> {
    if (decisions.length === 0) return;
    const result = await this.commit({ decisions, tickets: planTickets(decisions), sequences });
    this.count(decisions, result);
    const deadline = this.opts.engine.nextDeadline();
    if (deadline !== undefined) this.opts.onDeadline?.(deadline);
    for (const sink of this.opts.sinks) {
      try {
        // A sink that hangs (a notifier behind a black-holed route) must not stop ingest.
        let timer: NodeJS.Timeout | undefined;
        const limit = this.opts.sinkTimeoutMs ?? 5_000;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer after ${limit} ms`)), limit)));
        await Promise.race([Promise.resolve().then(() => sink.deliver(decisions, result)), timeout]).finally(() => clearTimeout(timer));
      } catch (err) {
        this.opts.metrics.sinkFailures.inc({ sink: sink.name });
        if (this.limiter.allow(`sink:${sink.name}`) >= 0) this.opts.log.error('sink failed', { sink: sink.name, error: (err as Error).message });
      }
    }
  }

  /** Retries until the store takes the batch: losing a decision is worse than pausing ingest. */
  private async commit(batch: CommitBatch): Promise<CommitResult> {
    for (let attempt = 0; ; attempt++) {
      const end = this.opts.metrics.commitSeconds.startTimer();
      try {
        const result = await this.opts.store.commit(batch);
        end();
        return result;
      } catch (err) {
        end();
        if (this.stopped) throw err;
        if (this.limiter.allow('store') >= 0) this.opts.log.error('store commit failed; retrying', { store: this.opts.store.kind, error: (err as Error).message, attempt });
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
  }

  private count(decisions: readonly Decision[], result: CommitResult): void {
    const m = this.opts.metrics;
    let incidents = false;
    for (const d of decisions) {
      if (d.type === 'alert.firing') m.alertsChanged.inc({ state: 'firing' });
      else if (d.type === 'alert.resolved') m.alertsChanged.inc({ state: 'resolved' });
      else if (d.type === 'incident.opened') {
        m.incidentsOpened.inc({ priority: d.incident.priority });
        incidents = true;
      } else if (d.type === 'incident.resolved') {
        m.incidentsResolved.inc({ priority: d.incident.priority });
        incidents = true;
      } else if (d.type === 'incident.updated') incidents = true;
    }
    m.ticketsOpened.inc(result.opened.length);
    if (incidents || decisions.length > 0) this.updateGauges();
  }

  private updateGauges(): void {
    const { engine, metrics } = this.opts;
    const byPriority: Record<string, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
    for (const i of engine.openIncidents()) byPriority[i.priority] = (byPriority[i.priority] ?? 0) + 1;
    for (const [priority, n] of Object.entries(byPriority)) metrics.incidentsOpen.set({ priority }, n);
    metrics.alertsFiring.set(engine.firingAlerts().length);
    let online = 0;
    for (const a of engine.fleet.agents.values()) if (a.online) online++;
    metrics.agentsOnline.set(online);
  }
}
